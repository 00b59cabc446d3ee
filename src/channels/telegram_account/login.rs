//! Connecting an account: a login attempt, driven by one task, that the
//! modal follows (`login_changed` events, then [`Logins::get`]).
//!
//! ```text
//!  QR:    export token ─► show tg://login?token=… ─► scanned? ─► export again ─► Success
//!           ▲  (a new token shortly before the old one lapses)   │             ├► MigrateTo ─► import there ─► Success
//!           └────────────────────────────────────────────────────┘             └► PasswordNeeded ─► password (again if wrong) ─► Success
//!  Phone: request code ─► code (again if wrong) ─► Success | PasswordNeeded ─► …
//!  The whole attempt expires after `qr_timeout_s`; Success stores the session and starts the account.
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;

use super::Core;
use super::model::{LoginAttempt, LoginMethod, LoginStart, LoginState};
use super::mtproto::{CodeStep, Connection, Me, MtError, TokenStep};
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::secret::Secret;

/// A new token is fetched this long before the shown one lapses.
const RENEW_BEFORE_MS: Millis = 5_000;
/// A token is shown at least this long (Telegram's clock and this
/// computer's may disagree about when it lapses).
const SHOW_AT_LEAST: Duration = Duration::from_secs(3);
/// Attempts that ended are kept this long for the modal to read.
const KEEP_ENDED_MS: Millis = 10 * 60_000;

/// What the person types into the modal.
enum Answer {
    Password(Secret<String>),
    Code(String),
}

struct Attempt {
    view: Mutex<LoginAttempt>,
    answers: mpsc::Sender<Answer>,
    cancel: tokio_util::sync::CancellationToken,
}

/// The login attempts under way (and those that ended a moment ago).
#[derive(Default)]
pub struct Logins {
    attempts: Mutex<HashMap<String, Arc<Attempt>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `tg://login?token=` with the token in URL-safe base64 without padding,
/// as Telegram's apps read it.
pub fn login_url(token: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "tg://login?token={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token)
    )
}

impl Logins {
    pub fn get(&self, id: &str) -> Option<LoginAttempt> {
        let attempts = lock(&self.attempts);
        attempts.get(id).map(|a| lock(&a.view).clone())
    }

    fn attempt(&self, id: &str) -> Result<Arc<Attempt>> {
        lock(&self.attempts)
            .get(id)
            .cloned()
            .ok_or_else(|| Error::not_found("login attempt", id))
    }

    /// Hands the password (or the code) to the attempt waiting for it.
    pub async fn answer_password(
        &self,
        id: &str,
        password: Secret<String>,
    ) -> Result<LoginAttempt> {
        self.answer(id, LoginState::PasswordRequired, Answer::Password(password))
            .await
    }

    pub async fn answer_code(&self, id: &str, code: String) -> Result<LoginAttempt> {
        self.answer(id, LoginState::CodeRequired, Answer::Code(code))
            .await
    }

    async fn answer(&self, id: &str, waiting: LoginState, answer: Answer) -> Result<LoginAttempt> {
        let attempt = self.attempt(id)?;
        let state = lock(&attempt.view).state;
        if state != waiting {
            return Err(Error::invalid(format!(
                "the login is not waiting for that now (it is {state:?})"
            )));
        }
        attempt
            .answers
            .send(answer)
            .await
            .map_err(|_| Error::invalid("the login has ended"))?;
        Ok(lock(&attempt.view).clone())
    }

    /// Stops an attempt (the modal was closed).
    pub fn cancel(&self, id: &str) {
        if let Some(attempt) = lock(&self.attempts).remove(id) {
            attempt.cancel.cancel();
        }
    }

    fn forget_old(&self, now: Millis) {
        lock(&self.attempts).retain(|_, a| {
            let view = lock(&a.view);
            view.expires_at + KEEP_ENDED_MS > now
        });
    }
}

/// Starts an attempt; its task runs until it connects, fails or expires.
/// Once connected, the account is stored and `started` starts its runner.
pub async fn start<S, F>(core: &Arc<Core>, start: LoginStart, started: S) -> Result<LoginAttempt>
where
    S: FnOnce(i64) -> F + Send + 'static,
    F: std::future::Future<Output = ()> + Send,
{
    let params = core.connect_params(start.proxy.clone()).await?;
    let now = core.clock.now_ms();
    core.logins.forget_old(now);
    let id = format!("{:016x}", fastrand::u64(..));
    let view = LoginAttempt {
        id: id.clone(),
        project_id: start.project_id,
        state: LoginState::Preparing,
        qr_url: None,
        qr_svg: None,
        token_expires_at: None,
        expires_at: now + core.settings.qr_timeout_s * 1000,
        password_hint: None,
        wrong_answer: false,
        account_id: None,
        account_name: None,
        error: None,
    };
    let (answers, inbox) = mpsc::channel(4);
    let attempt = Arc::new(Attempt {
        view: Mutex::new(view.clone()),
        answers,
        cancel: tokio_util::sync::CancellationToken::new(),
    });
    lock(&core.logins.attempts).insert(id.clone(), attempt.clone());
    let core = core.clone();
    tokio::spawn(async move {
        let cancel = attempt.cancel.clone();
        let flow = Flow {
            core: &core,
            attempt: &attempt,
            answers: inbox,
        };
        tokio::select! {
            () = cancel.cancelled() => tracing::info!("login attempt cancelled"),
            connected = flow.run(start, params) => {
                if let Some(account_id) = connected {
                    started(account_id).await;
                }
            }
        }
    });
    Ok(view)
}

struct Flow<'a> {
    core: &'a Arc<Core>,
    attempt: &'a Attempt,
    answers: mpsc::Receiver<Answer>,
}

/// How an attempt ended, short of connecting.
enum Ended {
    Expired,
    Failed(String),
}

impl From<MtError> for Ended {
    fn from(e: MtError) -> Self {
        Ended::Failed(e.to_string())
    }
}

impl Flow<'_> {
    fn show(&self, change: impl FnOnce(&mut LoginAttempt)) {
        let id = {
            let mut view = lock(&self.attempt.view);
            change(&mut view);
            view.id.clone()
        };
        self.core
            .bus
            .publish(EngineEvent::LoginChanged { login_id: id });
    }

    fn deadline(&self) -> Millis {
        lock(&self.attempt.view).expires_at
    }

    /// Time left until `at`, or `Ended::Expired` when the attempt is over.
    fn left(&self, until: Millis) -> Result<Duration, Ended> {
        let now = self.core.clock.now_ms();
        if now >= self.deadline() {
            return Err(Ended::Expired);
        }
        Ok(Duration::from_millis(
            u64::try_from(until.min(self.deadline()) - now).unwrap_or(0),
        ))
    }

    /// The attempt to its end; the account's id once connected.
    async fn run(
        mut self,
        start: LoginStart,
        params: super::mtproto::ConnectParams,
    ) -> Option<i64> {
        let ended = match self.core.connector.connect(&params, None).await {
            Ok(conn) => {
                let outcome = match &start.method {
                    LoginMethod::Qr => self.by_qr(conn.as_ref()).await,
                    LoginMethod::Phone { phone } => self.by_phone(conn.as_ref(), phone).await,
                };
                match outcome {
                    Ok(me) => {
                        match super::store::connected(self.core, conn.as_ref(), &start, &me).await {
                            Ok(account_id) => {
                                conn.close().await;
                                self.show(|v| {
                                    v.state = LoginState::Connected;
                                    v.account_id = Some(account_id);
                                    v.account_name = Some(me.display_name());
                                    v.qr_url = None;
                                    v.qr_svg = None;
                                    v.error = None;
                                });
                                return Some(account_id);
                            }
                            Err(e) => {
                                conn.close().await;
                                Ended::Failed(e.to_string())
                            }
                        }
                    }
                    Err(ended) => {
                        conn.close().await;
                        ended
                    }
                }
            }
            Err(e) => Ended::Failed(e.to_string()),
        };
        match ended {
            Ended::Expired => {
                tracing::info!("login attempt expired");
                self.show(|v| {
                    v.state = LoginState::Expired;
                    v.qr_url = None;
                    v.qr_svg = None;
                });
            }
            Ended::Failed(error) => {
                tracing::warn!(%error, "login attempt failed");
                self.show(|v| {
                    v.state = LoginState::Error;
                    v.error = Some(error);
                    v.qr_url = None;
                    v.qr_svg = None;
                });
            }
        }
        None
    }

    async fn by_qr(&mut self, conn: &dyn Connection) -> Result<Me, Ended> {
        let mut step = self.retrying(|| conn.export_login_token()).await?;
        loop {
            match step {
                TokenStep::Token { token, expires } => {
                    let expires_ms = expires * 1000;
                    let url = login_url(&token);
                    let svg = super::qr::svg(&url);
                    self.show(|v| {
                        v.state = LoginState::WaitingForScan;
                        v.qr_url = Some(url);
                        v.qr_svg = Some(svg);
                        v.token_expires_at = Some(expires_ms);
                    });
                    let wait = self.left(expires_ms - RENEW_BEFORE_MS)?.max(SHOW_AT_LEAST);
                    // Scanned or not, exporting again tells what happened
                    // (or gives the next token).
                    let _scanned = conn.wait_scan(wait).await;
                    self.left(self.deadline())?;
                    step = self.retrying(|| conn.export_login_token()).await?;
                }
                TokenStep::MigrateTo { dc_id, token } => {
                    tracing::info!(dc_id, "the login moves to the account's data centre");
                    step = self
                        .retrying(|| conn.import_login_token(dc_id, &token))
                        .await?;
                }
                TokenStep::Success(me) => return Ok(me),
                TokenStep::PasswordNeeded => return self.password(conn).await,
            }
        }
    }

    async fn by_phone(&mut self, conn: &dyn Connection, phone: &str) -> Result<Me, Ended> {
        self.retrying(|| conn.request_code(phone)).await?;
        self.show(|v| v.state = LoginState::CodeRequired);
        loop {
            let code = match self.next_answer().await? {
                Answer::Code(code) => code,
                Answer::Password(_) => continue,
            };
            match self.retrying(|| conn.sign_in(code.trim())).await? {
                CodeStep::Success(me) => return Ok(me),
                CodeStep::PasswordNeeded => return self.password(conn).await,
                CodeStep::InvalidCode => self.show(|v| v.wrong_answer = true),
                CodeStep::SignUpRequired => {
                    return Err(Ended::Failed(
                        "this number has no Telegram account; create one in Telegram's app first"
                            .into(),
                    ));
                }
            }
        }
    }

    async fn password(&mut self, conn: &dyn Connection) -> Result<Me, Ended> {
        let hint = self.retrying(|| conn.password_hint()).await?;
        self.show(|v| {
            v.state = LoginState::PasswordRequired;
            v.password_hint = hint;
            v.wrong_answer = false;
            v.qr_url = None;
            v.qr_svg = None;
        });
        loop {
            let password = match self.next_answer().await? {
                Answer::Password(password) => password,
                Answer::Code(_) => continue,
            };
            match self.retrying(|| conn.check_password(&password)).await? {
                Some(me) => return Ok(me),
                None => {
                    tracing::info!("a wrong password was given");
                    self.show(|v| v.wrong_answer = true);
                }
            }
        }
    }

    async fn next_answer(&mut self) -> Result<Answer, Ended> {
        let wait = self.left(self.deadline())?;
        match tokio::time::timeout(wait, self.answers.recv()).await {
            Ok(Some(answer)) => {
                self.show(|v| v.wrong_answer = false);
                Ok(answer)
            }
            Ok(None) | Err(_) => Err(Ended::Expired),
        }
    }

    /// One call, repeated after a flood wait or a dropped connection while
    /// the attempt has time left.
    async fn retrying<T, F, Fut>(&self, call: F) -> Result<T, Ended>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, MtError>>,
    {
        let mut pause = Duration::from_millis(500);
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(MtError::FloodWait { seconds }) => {
                    tracing::info!(seconds, "Telegram asks to wait during the login");
                    let wait = Duration::from_secs(u64::from(seconds));
                    if wait >= self.left(self.deadline())? {
                        return Err(Ended::Failed(format!(
                            "Telegram asks to wait {seconds} s before logging in again"
                        )));
                    }
                    tokio::time::sleep(wait).await;
                }
                Err(MtError::Network(e)) => {
                    tracing::info!(error = %e, "the login's connection dropped; trying again");
                    tokio::time::sleep(pause.min(self.left(self.deadline())?)).await;
                    pause = (pause * 2).min(Duration::from_secs(8));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::login_url;

    #[test]
    fn the_token_is_url_safe_base64_without_padding() {
        assert_eq!(login_url(b""), "tg://login?token=");
        assert_eq!(login_url(b"f"), "tg://login?token=Zg");
        assert_eq!(login_url(b"fo"), "tg://login?token=Zm8");
        assert_eq!(login_url(b"foo"), "tg://login?token=Zm9v");
        assert_eq!(login_url(&[0xfb, 0xff, 0xbf]), "tg://login?token=-_-_");
    }
}
