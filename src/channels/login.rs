//! Connecting an account of a kind that logs in with a phone: one attempt,
//! driven by the kind's task, that the window's dialog follows
//! (`login_changed` events, then [`Logins::get`]). The steps are the same
//! for every such kind — a code shown until a phone scans it (a QR code, or
//! a pairing code typed on the phone), an answer asked for (a password, a
//! code), then connected, expired or failed — so one dialog draws them all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventBus};
use crate::model::ChannelKind;
use crate::secret::Secret;

/// Attempts that ended are kept this long for the dialog to read.
const KEEP_ENDED_MS: Millis = 10 * 60_000;

/// Where a login attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum LoginState {
    /// Connecting, and asking for a code to show.
    Preparing,
    /// A QR code (or a pairing code) is shown until the phone takes it.
    WaitingForScan,
    /// A code sent to the phone is awaited.
    CodeRequired,
    /// The account's password is awaited.
    PasswordRequired,
    /// Logged in: the account is connected.
    Connected,
    /// Nobody scanned in time: try again.
    Expired,
    Error,
}

/// One attempt to connect an account, as the dialog draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LoginAttempt {
    pub id: String,
    pub kind: ChannelKind,
    pub project_id: i64,
    pub state: LoginState,
    /// The link the QR code holds, while waiting for the scan.
    pub qr_url: Option<String>,
    /// The QR code as an SVG drawing (crisp at any size).
    pub qr_svg: Option<String>,
    /// A code to type on the phone instead of scanning.
    pub pair_code: Option<String>,
    /// When the shown code lapses (it is replaced before, unasked).
    pub token_expires_at: Option<Millis>,
    /// When the whole attempt expires.
    pub expires_at: Millis,
    /// The account's password hint, when the password is asked for.
    pub password_hint: Option<String>,
    /// The last password or code given was wrong.
    pub wrong_answer: bool,
    /// The connected account, once connected.
    pub account_id: Option<i64>,
    /// Who connected (once connected).
    pub account_name: Option<String>,
    /// Why the attempt failed.
    pub error: Option<String>,
}

/// What the person types into the dialog.
pub enum Answer {
    Password(Secret<String>),
    Code(String),
}

struct Attempt {
    view: Mutex<LoginAttempt>,
    answers: mpsc::Sender<Answer>,
    cancel: CancellationToken,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The login attempts under way (and those that ended a moment ago).
pub struct Logins {
    attempts: Mutex<HashMap<String, Arc<Attempt>>>,
    clock: SharedClock,
    bus: EventBus,
}

impl Logins {
    pub fn new(clock: SharedClock, bus: EventBus) -> Self {
        Self {
            attempts: Mutex::new(HashMap::new()),
            clock,
            bus,
        }
    }

    /// A new attempt of `kind` for `project_id` that ends after `timeout_ms`;
    /// its flow is handed to the kind's task.
    pub fn begin(
        &self,
        kind: ChannelKind,
        project_id: i64,
        timeout_ms: Millis,
    ) -> (LoginAttempt, LoginFlow) {
        let now = self.clock.now_ms();
        self.forget_old(now);
        let view = LoginAttempt {
            id: format!("{:016x}", fastrand::u64(..)),
            kind,
            project_id,
            state: LoginState::Preparing,
            qr_url: None,
            qr_svg: None,
            pair_code: None,
            token_expires_at: None,
            expires_at: now + timeout_ms,
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
            cancel: CancellationToken::new(),
        });
        lock(&self.attempts).insert(view.id.clone(), attempt.clone());
        let flow = LoginFlow {
            attempt,
            answers: inbox,
            clock: self.clock.clone(),
            bus: self.bus.clone(),
        };
        (view, flow)
    }

    pub fn get(&self, id: &str) -> Result<LoginAttempt> {
        let attempts = lock(&self.attempts);
        attempts
            .get(id)
            .map(|a| lock(&a.view).clone())
            .ok_or_else(|| Error::not_found("login attempt", id))
    }

    /// Hands the password to the attempt waiting for it.
    pub async fn answer_password(
        &self,
        id: &str,
        password: Secret<String>,
    ) -> Result<LoginAttempt> {
        self.answer(id, LoginState::PasswordRequired, Answer::Password(password))
            .await
    }

    /// Hands the code to the attempt waiting for it.
    pub async fn answer_code(&self, id: &str, code: String) -> Result<LoginAttempt> {
        self.answer(id, LoginState::CodeRequired, Answer::Code(code))
            .await
    }

    async fn answer(&self, id: &str, waiting: LoginState, answer: Answer) -> Result<LoginAttempt> {
        let attempt = lock(&self.attempts)
            .get(id)
            .cloned()
            .ok_or_else(|| Error::not_found("login attempt", id))?;
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

    /// Stops an attempt (the dialog was closed).
    pub fn cancel(&self, id: &str) {
        if let Some(attempt) = lock(&self.attempts).remove(id) {
            attempt.cancel.cancel();
        }
    }

    fn forget_old(&self, now: Millis) {
        lock(&self.attempts).retain(|_, a| lock(&a.view).expires_at + KEEP_ENDED_MS > now);
    }
}

/// How an attempt ended, short of connecting.
#[derive(Debug)]
pub enum Ended {
    Expired,
    Failed(String),
}

/// The kind's side of one attempt: what it shows, and what it is answered.
pub struct LoginFlow {
    attempt: Arc<Attempt>,
    answers: mpsc::Receiver<Answer>,
    clock: SharedClock,
    bus: EventBus,
}

impl LoginFlow {
    /// Changes what the dialog shows and tells it.
    pub fn show(&self, change: impl FnOnce(&mut LoginAttempt)) {
        let id = {
            let mut view = lock(&self.attempt.view);
            change(&mut view);
            view.id.clone()
        };
        self.bus.publish(EngineEvent::LoginChanged { login_id: id });
    }

    pub fn deadline(&self) -> Millis {
        lock(&self.attempt.view).expires_at
    }

    pub fn now(&self) -> Millis {
        self.clock.now_ms()
    }

    /// Time left until `until` (at most until the attempt's end), or
    /// `Ended::Expired` once the attempt is over.
    pub fn left(&self, until: Millis) -> Result<Duration, Ended> {
        let now = self.clock.now_ms();
        if now >= self.deadline() {
            return Err(Ended::Expired);
        }
        Ok(Duration::from_millis(
            u64::try_from(until.min(self.deadline()) - now).unwrap_or(0),
        ))
    }

    /// The next answer typed into the dialog, while the attempt lasts.
    pub async fn next_answer(&mut self) -> Result<Answer, Ended> {
        let wait = self.left(self.deadline())?;
        match tokio::time::timeout(wait, self.answers.recv()).await {
            Ok(Some(answer)) => {
                self.show(|v| v.wrong_answer = false);
                Ok(answer)
            }
            Ok(None) | Err(_) => Err(Ended::Expired),
        }
    }

    /// Runs the kind's `flow` until it ends or the dialog cancels it, and
    /// shows how it ended; the account's id once connected.
    pub async fn run(
        mut self,
        flow: impl AsyncFnOnce(&mut LoginFlow) -> Result<(i64, String), Ended>,
    ) -> Option<i64> {
        let cancel = self.attempt.cancel.clone();
        let outcome = tokio::select! {
            () = cancel.cancelled() => {
                tracing::info!("login attempt cancelled");
                return None;
            }
            outcome = flow(&mut self) => outcome,
        };
        match outcome {
            Ok((account_id, name)) => {
                self.show(|v| {
                    v.state = LoginState::Connected;
                    v.account_id = Some(account_id);
                    v.account_name = Some(name);
                    v.qr_url = None;
                    v.qr_svg = None;
                    v.pair_code = None;
                    v.error = None;
                });
                Some(account_id)
            }
            Err(Ended::Expired) => {
                tracing::info!("login attempt expired");
                self.show(|v| {
                    v.state = LoginState::Expired;
                    v.qr_url = None;
                    v.qr_svg = None;
                    v.pair_code = None;
                });
                None
            }
            Err(Ended::Failed(error)) => {
                tracing::warn!(%error, "login attempt failed");
                self.show(|v| {
                    v.state = LoginState::Error;
                    v.error = Some(error);
                    v.qr_url = None;
                    v.qr_svg = None;
                    v.pair_code = None;
                });
                None
            }
        }
    }
}

/// `text` as an SVG QR code (medium error correction, with its quiet zone).
pub fn qr_svg(text: &str) -> String {
    use qrcode::QrCode;
    use qrcode::render::svg;
    match QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(256, 256)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build(),
        // A login link is far below a QR code's capacity.
        Err(e) => {
            tracing::error!(error = %e, "the login link cannot be drawn as a QR code");
            String::new()
        }
    }
}
