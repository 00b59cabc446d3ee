//! Meta's webhooks for a number at `/webhooks/whatsapp/<account id>`: the
//! verification handshake (`GET`, the verify token compared in constant
//! time, the challenge echoed) and the deliveries (`POST`, signed with
//! `X-Hub-Signature-256`, the HMAC-SHA256 of the raw body under the app's
//! secret, checked in constant time before anything is read). A delivery
//! is answered 200 only once everything in it is stored; 500 makes Meta
//! deliver it again, and what was stored the first time is not stored twice.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::wire::Payload;
use super::{Core, Number, receive};
use crate::secret::same;

/// The header Meta signs deliveries with.
const SIGNATURE: &str = "x-hub-signature-256";

pub(super) fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/webhooks/whatsapp/{account_id}", get(verify).post(deliver))
        .with_state(core)
}

/// The number a webhook path names, if it is an enabled Cloud API number.
async fn number(core: &Core, account_id: &str) -> Result<Arc<Number>, StatusCode> {
    let Ok(account_id) = account_id.parse::<i64>() else {
        return Err(StatusCode::NOT_FOUND);
    };
    match core.number(account_id).await {
        Ok(number) => Ok(number),
        Err(crate::error::Error::NotFound { .. }) => Err(StatusCode::NOT_FOUND),
        Err(e) => {
            tracing::error!(account_id, error = %crate::error::display_chain(&e), "a WhatsApp Cloud API number's secrets cannot be read");
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// Meta checks the address: `hub.mode=subscribe`, the verify token the
/// owner entered, and a challenge to echo.
async fn verify(
    State(core): State<Arc<Core>>,
    Path(account_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let number = match number(&core, &account_id).await {
        Ok(number) => number,
        Err(status) => return status.into_response(),
    };
    let mode = query.get("hub.mode").map(String::as_str);
    let token = query
        .get("hub.verify_token")
        .map(String::as_str)
        .unwrap_or("");
    let challenge = query.get("hub.challenge").cloned().unwrap_or_default();
    let right = same(token.as_bytes(), number.verify_token.expose().as_bytes());
    if mode == Some("subscribe") && right {
        tracing::info!(
            account_id = number.account_id,
            "Meta verified the WhatsApp webhook"
        );
        core.working(number.account_id);
        (StatusCode::OK, challenge).into_response()
    } else {
        tracing::warn!(
            account_id = number.account_id,
            "WhatsApp webhook verification with a wrong token refused"
        );
        StatusCode::FORBIDDEN.into_response()
    }
}

/// Decodes lower- or upper-case hex.
fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether `header` is `sha256=<hex>` of the HMAC-SHA256 of `body` under
/// `secret` (compared in constant time by ring).
pub(crate) fn signed(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(tag) = header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .and_then(hex)
    else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    ring::hmac::verify(&key, body, &tag).is_ok()
}

async fn deliver(
    State(core): State<Arc<Core>>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let number = match number(&core, &account_id).await {
        Ok(number) => number,
        Err(status) => return status,
    };
    let header = headers.get(SIGNATURE).and_then(|v| v.to_str().ok());
    if !signed(number.app_secret.expose().as_bytes(), &body, header) {
        tracing::warn!(
            account_id = number.account_id,
            signed = header.is_some(),
            "WhatsApp webhook with a wrong or missing signature refused"
        );
        return StatusCode::UNAUTHORIZED;
    }
    let payload: Payload = match serde_json::from_slice(&body) {
        Ok(payload) => payload,
        Err(e) => {
            tracing::warn!(account_id = number.account_id, error = %e, "WhatsApp webhook body not understood");
            return StatusCode::BAD_REQUEST;
        }
    };
    if payload.object != "whatsapp_business_account" {
        tracing::debug!(account_id = number.account_id, object = %payload.object, "WhatsApp webhook of another object ignored");
        return StatusCode::OK;
    }
    core.working(number.account_id);
    match receive::delivery(&core, &number, payload).await {
        Ok(()) => StatusCode::OK,
        Err(e) => {
            // Meta delivers it again later; what was stored stays once.
            tracing::error!(account_id = number.account_id, error = %e, "WhatsApp webhook not stored");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        let tag = ring::hmac::sign(&key, body);
        let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256={hex}")
    }

    #[test]
    fn only_the_app_secrets_signature_over_the_raw_body_passes() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let header = sign(b"app-secret", body);
        assert!(signed(b"app-secret", body, Some(&header)));
        assert!(signed(
            b"app-secret",
            body,
            Some(&header.to_uppercase().replace("SHA256=", "sha256="))
        ));
        assert!(!signed(b"other-secret", body, Some(&header)));
        assert!(!signed(b"app-secret", b"{ }", Some(&header)));
        assert!(!signed(b"app-secret", body, None));
        assert!(!signed(b"app-secret", body, Some("sha256=zz")));
        assert!(!signed(
            b"app-secret",
            body,
            Some(header.trim_start_matches("sha256="))
        ));
    }
}
