//! Connecting a Telegram account: the kind's flow of a login attempt
//! ([`crate::channels::login`]).
//!
//! ```text
//!  QR:    export token ─► show tg://login?token=… ─► scanned? ─► export again ─► Success
//!           ▲  (a new token shortly before the old one lapses)   │             ├► MigrateTo ─► import there ─► Success
//!           └────────────────────────────────────────────────────┘             └► PasswordNeeded ─► password (again if wrong) ─► Success
//!  Phone: request code ─► code (again if wrong) ─► Success | PasswordNeeded ─► …
//!  The whole attempt expires after `qr_timeout_s`; Success stores the session and starts the account.
//! ```

use std::sync::Arc;
use std::time::Duration;

use super::Core;
use super::model::{LoginMethod, LoginStart};
use super::mtproto::{CodeStep, Connection, Me, MtError, TokenStep};
use crate::channels::login::{Answer, Ended, LoginAttempt, LoginFlow, LoginState, qr_svg};
use crate::clock::Millis;
use crate::error::Result;
use crate::model::ChannelKind;

/// A new token is fetched this long before the shown one lapses.
const RENEW_BEFORE_MS: Millis = 5_000;
/// A token is shown at least this long (Telegram's clock and this
/// computer's may disagree about when it lapses).
const SHOW_AT_LEAST: Duration = Duration::from_secs(3);

/// `tg://login?token=` with the token in URL-safe base64 without padding,
/// as Telegram's apps read it.
pub fn login_url(token: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "tg://login?token={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token)
    )
}

impl From<MtError> for Ended {
    fn from(e: MtError) -> Self {
        Ended::Failed(e.to_string())
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
    let (view, flow) = core.logins.begin(
        ChannelKind::TelegramAccount,
        start.project_id,
        core.settings.qr_timeout_s * 1000,
    );
    let core = core.clone();
    tokio::spawn(async move {
        let connected = flow
            .run(async |flow: &mut LoginFlow| {
                let conn = core.connector.connect(&params, None).await?;
                let outcome = match &start.method {
                    LoginMethod::Qr => by_qr(flow, conn.as_ref()).await,
                    LoginMethod::Phone { phone } => by_phone(flow, conn.as_ref(), phone).await,
                };
                let stored = match outcome {
                    Ok(me) => super::store::connected(&core, conn.as_ref(), &start, &me)
                        .await
                        .map(|id| (id, me.display_name()))
                        .map_err(|e| Ended::Failed(e.to_string())),
                    Err(ended) => Err(ended),
                };
                conn.close().await;
                stored
            })
            .await;
        if let Some(account_id) = connected {
            started(account_id).await;
        }
    });
    Ok(view)
}

async fn by_qr(flow: &mut LoginFlow, conn: &dyn Connection) -> Result<Me, Ended> {
    let mut step = retrying(flow, || conn.export_login_token()).await?;
    loop {
        match step {
            TokenStep::Token { token, expires } => {
                let expires_ms = expires * 1000;
                let url = login_url(&token);
                let svg = qr_svg(&url);
                flow.show(|v| {
                    v.state = LoginState::WaitingForScan;
                    v.qr_url = Some(url);
                    v.qr_svg = Some(svg);
                    v.token_expires_at = Some(expires_ms);
                });
                let wait = flow.left(expires_ms - RENEW_BEFORE_MS)?.max(SHOW_AT_LEAST);
                // Scanned or not, exporting again tells what happened (or
                // gives the next token).
                let _scanned = conn.wait_scan(wait).await;
                flow.left(flow.deadline())?;
                step = retrying(flow, || conn.export_login_token()).await?;
            }
            TokenStep::MigrateTo { dc_id, token } => {
                tracing::info!(dc_id, "the login moves to the account's data centre");
                step = retrying(flow, || conn.import_login_token(dc_id, &token)).await?;
            }
            TokenStep::Success(me) => return Ok(me),
            TokenStep::PasswordNeeded => return password(flow, conn).await,
        }
    }
}

async fn by_phone(flow: &mut LoginFlow, conn: &dyn Connection, phone: &str) -> Result<Me, Ended> {
    retrying(flow, || conn.request_code(phone)).await?;
    flow.show(|v| v.state = LoginState::CodeRequired);
    loop {
        let code = match flow.next_answer().await? {
            Answer::Code(code) => code,
            Answer::Password(_) => continue,
        };
        match retrying(flow, || conn.sign_in(code.trim())).await? {
            CodeStep::Success(me) => return Ok(me),
            CodeStep::PasswordNeeded => return password(flow, conn).await,
            CodeStep::InvalidCode => flow.show(|v| v.wrong_answer = true),
            CodeStep::SignUpRequired => {
                return Err(Ended::Failed(
                    "this number has no Telegram account; create one in Telegram's app first"
                        .into(),
                ));
            }
        }
    }
}

async fn password(flow: &mut LoginFlow, conn: &dyn Connection) -> Result<Me, Ended> {
    let hint = retrying(flow, || conn.password_hint()).await?;
    flow.show(|v| {
        v.state = LoginState::PasswordRequired;
        v.password_hint = hint;
        v.wrong_answer = false;
        v.qr_url = None;
        v.qr_svg = None;
    });
    loop {
        let password = match flow.next_answer().await? {
            Answer::Password(password) => password,
            Answer::Code(_) => continue,
        };
        match retrying(flow, || conn.check_password(&password)).await? {
            Some(me) => return Ok(me),
            None => {
                tracing::info!("a wrong password was given");
                flow.show(|v| v.wrong_answer = true);
            }
        }
    }
}

/// One call, repeated after a flood wait or a dropped connection while the
/// attempt has time left.
async fn retrying<T, F, Fut>(flow: &LoginFlow, call: F) -> Result<T, Ended>
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
                if wait >= flow.left(flow.deadline())? {
                    return Err(Ended::Failed(format!(
                        "Telegram asks to wait {seconds} s before logging in again"
                    )));
                }
                tokio::time::sleep(wait).await;
            }
            Err(MtError::Network(e)) => {
                tracing::info!(error = %e, "the login's connection dropped; trying again");
                tokio::time::sleep(pause.min(flow.left(flow.deadline())?)).await;
                pause = (pause * 2).min(Duration::from_secs(8));
            }
            Err(e) => return Err(e.into()),
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
