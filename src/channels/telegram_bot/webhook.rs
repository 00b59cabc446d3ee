//! Webhook mode: where the owner has an address reachable from the internet
//! that leads to the LAN endpoint, Telegram posts each update to
//! `/telegram/<bot account>` instead of the bot polling. An update is stored
//! (with its offset, in one transaction) before the 200 that acknowledges it;
//! a redelivered update is recognised by its id and acknowledged again.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use teloxide_core::types::Update;

use super::adapter::Shared;

/// The header Telegram sends the webhook's secret token in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The path Telegram posts a bot's updates to.
pub fn path(account_id: i64) -> String {
    format!("/telegram/{account_id}")
}

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/telegram/{account_id}", post(receive))
        .with_state(shared)
}

/// A posted update. teloxide-core panics on a reaction that names neither
/// the user nor the chat reacting (the Bot API always names one); such a body
/// is refused like any other that is not an update.
fn parse(body: &[u8]) -> Result<Update, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if let Some(reaction) = value.get("message_reaction")
        && reaction.get("user").is_none_or(serde_json::Value::is_null)
        && reaction
            .get("actor_chat")
            .is_none_or(serde_json::Value::is_null)
    {
        return Err("a reaction without the user or chat reacting".into());
    }
    // Read from the bytes: teloxide reads an update's kind by borrowed keys,
    // which a parsed value cannot lend. Any other panic of the parser is a
    // refusal too.
    std::panic::catch_unwind(|| serde_json::from_slice::<Update>(body))
        .map_err(|_| "the update could not be read".to_owned())?
        .map_err(|e| e.to_string())
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    Path(account_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(expected) = shared.webhook_secret(account_id) else {
        return StatusCode::NOT_FOUND;
    };
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !crate::secret::same(given, expected.expose().as_bytes()) {
        tracing::warn!(account_id, "webhook call with a wrong secret token refused");
        return StatusCode::UNAUTHORIZED;
    }
    let update = match parse(&body) {
        Ok(update) => update,
        Err(e) => {
            tracing::warn!(account_id, error = %e, "webhook body is not a Telegram update");
            return StatusCode::BAD_REQUEST;
        }
    };
    let Some(bot) = shared.bots.get(account_id) else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    match shared.handle(account_id, &bot, &update).await {
        Ok(()) => StatusCode::OK,
        Err(e) => {
            // Telegram delivers it again later.
            tracing::error!(account_id, error = %crate::error::display_chain(&e), "webhook update not stored");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
