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
    let update: Update = match serde_json::from_slice(&body) {
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
