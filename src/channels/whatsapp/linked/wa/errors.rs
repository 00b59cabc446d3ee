//! The library's failures, told apart the way the channel handles them.

use std::error::Error as StdError;

use whatsapp_rust::SendError;
use whatsapp_rust::error::ErrorChainExt;
use whatsapp_rust::pair_code::PairError;

use super::super::device::WaError;

/// A wait WhatsApp asks for without naming one.
const DEFAULT_BACKOFF_SECS: u32 = 60;

/// The wait a rejection asks for.
fn backoff_secs(backoff: Option<u32>) -> u32 {
    backoff.filter(|s| *s > 0).unwrap_or(DEFAULT_BACKOFF_SECS)
}

/// A failure of the library, as the channel tells them apart: WhatsApp
/// asking to wait, WhatsApp ending the link, the line, or a refusal.
fn classify(err: &(dyn StdError + 'static), what: &str) -> WaError {
    if let Some(rejection) = err.server_rejection() {
        return match rejection.code {
            429 => WaError::RateLimited {
                seconds: backoff_secs(rejection.backoff),
            },
            401 => WaError::LoggedOut(format!("{what}: WhatsApp no longer knows this device")),
            code => WaError::Refused(format!("{what}: {code} {}", rejection.text)),
        };
    }
    if err.http_status() == Some(429) {
        return WaError::RateLimited {
            seconds: DEFAULT_BACKOFF_SECS,
        };
    }
    if err.is_timeout() || err.is_transport_unavailable() {
        return WaError::Network(format!("{what}: {err}"));
    }
    WaError::Refused(format!("{what}: {err}"))
}

pub fn send_error(err: &SendError) -> WaError {
    match err {
        // Also while reconnecting: the channel tries again.
        SendError::NotLoggedIn => WaError::Network("not connected to WhatsApp".into()),
        SendError::InvalidRequest(why) => WaError::Refused(why.clone()),
        other => classify(other, "not sent"),
    }
}

/// Failures of up- and downloads, told by the server's status: the media
/// links carry tokens, so the error's own text stays out.
pub fn media_error(done: &str, err: &(dyn StdError + Send + Sync + 'static)) -> WaError {
    match err.http_status() {
        Some(429) => WaError::RateLimited {
            seconds: DEFAULT_BACKOFF_SECS,
        },
        Some(404 | 410) => WaError::Refused(format!(
            "the file is no longer on WhatsApp's servers (not {done})"
        )),
        Some(status) => WaError::Network(format!("the file was not {done} (HTTP {status})")),
        None if err.is_transport_unavailable() => WaError::Network(format!(
            "the file was not {done}: not connected to WhatsApp"
        )),
        None => WaError::Network(format!("the file was not {done}")),
    }
}

pub fn pair_error(err: &PairError) -> WaError {
    if let Some(rejection) = err.rejection()
        && rejection.is_throttled()
    {
        return WaError::RateLimited {
            seconds: err
                .backoff()
                .and_then(|d| u32::try_from(d.as_secs()).ok())
                .map_or(DEFAULT_BACKOFF_SECS, |s| backoff_secs(Some(s))),
        };
    }
    match err {
        PairError::PairCode(e) => WaError::Refused(e.to_string()),
        other => classify(other, "no pairing code"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_are_told_apart() {
        let err = SendError::InvalidRequest("bad".into());
        assert_eq!(send_error(&err), WaError::Refused("bad".into()));
        assert!(matches!(
            send_error(&SendError::NotLoggedIn),
            WaError::Network(_)
        ));
        let limited = SendError::Iq(whatsapp_rust::IqError::ServerError {
            code: 429,
            text: "rate-overlimit".into(),
            error_type: None,
            backoff: Some(30),
        });
        assert_eq!(send_error(&limited), WaError::RateLimited { seconds: 30 });
        let refused = SendError::Iq(whatsapp_rust::IqError::ServerError {
            code: 406,
            text: "not-acceptable".into(),
            error_type: None,
            backoff: None,
        });
        assert!(matches!(send_error(&refused), WaError::Refused(ref why) if why.contains("406")));
        let timeout = SendError::Iq(whatsapp_rust::IqError::Timeout);
        assert!(matches!(send_error(&timeout), WaError::Network(_)));
    }
}
