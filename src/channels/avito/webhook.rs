//! Webhooks: where the owner has a public address that leads to the LAN
//! endpoint, Avito posts each new message to `/avito/<account>/<secret>`
//! (Avito signs nothing, so the path carries a secret). The message is kept as
//! an `avito.ingest` job before the 200 that acknowledges it; Avito wants the
//! answer within 2 seconds, so downloading and storing happen in the job.
//! Polling goes on as a safety net.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;

use super::Core;
use super::receive::{INGEST_JOB, INGEST_JOB_VERSION, IngestPayload};
use super::wire::WebhookEvent;
use crate::queue::{NewJob, Queue};

/// The path Avito posts an account's messages to (after the public address).
pub fn path(account_id: i64, secret: &str) -> String {
    format!("/avito/{account_id}/{secret}")
}

pub(super) struct Hooks {
    pub core: Arc<Core>,
    pub queue: Arc<Queue>,
}

pub(super) fn router(hooks: Arc<Hooks>) -> Router {
    Router::new()
        .route("/avito/{account_id}/{secret}", post(receive))
        .with_state(hooks)
}

async fn receive(
    State(hooks): State<Arc<Hooks>>,
    Path((account_id, secret)): Path<(i64, String)>,
    body: Bytes,
) -> StatusCode {
    let Some(session) = hooks.core.live_session(account_id) else {
        return StatusCode::NOT_FOUND;
    };
    let expected = session
        .webhook_secret
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let Some(expected) = expected else {
        return StatusCode::NOT_FOUND;
    };
    if !crate::secret::same(secret.as_bytes(), expected.expose().as_bytes()) {
        tracing::warn!(account_id, "Avito webhook call with a wrong secret refused");
        return StatusCode::NOT_FOUND;
    }
    let Ok(raw) = serde_json::from_slice::<serde_json::Value>(&body) else {
        tracing::warn!(account_id, "Avito webhook body is not JSON");
        return StatusCode::BAD_REQUEST;
    };
    let event: WebhookEvent = match serde_json::from_value(raw.clone()) {
        Ok(event) => event,
        Err(e) => {
            tracing::warn!(account_id, error = %e, "Avito webhook body is not a message event");
            return StatusCode::BAD_REQUEST;
        }
    };
    if event.payload.kind != "message" {
        tracing::debug!(account_id, kind = %event.payload.kind, "Avito webhook event ignored");
        return StatusCode::OK;
    }
    let (Some(message), Some(value)) = (event.payload.value, raw.pointer("/payload/value")) else {
        tracing::warn!(account_id, "Avito webhook message event without a message");
        return StatusCode::BAD_REQUEST;
    };
    if message.user_id != session.user_id
        || message.id.trim().is_empty()
        || message.chat_id.trim().is_empty()
    {
        tracing::warn!(
            account_id,
            "Avito webhook message for another account or without ids"
        );
        return StatusCode::BAD_REQUEST;
    }
    // The message as Avito sent it; the job reads it again.
    let payload = IngestPayload {
        account_id,
        chat_id: message.chat_id.clone(),
        message: value.clone(),
    };
    let Ok(payload) = serde_json::to_value(&payload) else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    let job = NewJob::new(
        INGEST_JOB,
        INGEST_JOB_VERSION,
        payload,
        format!("avito:{account_id}:{}", message.id),
        format!("avito:{account_id}:{}", message.chat_id),
    );
    match hooks.queue.push(job).await {
        Ok(_) => StatusCode::OK,
        Err(e) => {
            // Avito delivers it again later, and polling finds it anyway.
            tracing::error!(account_id, error = %crate::error::display_chain(&e), "Avito webhook message not kept");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
