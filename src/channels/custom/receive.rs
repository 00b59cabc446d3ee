//! `POST /api/v1/webhook/{provider}`: a provider's customer message, stored
//! through the relay before the answer (so a 200 means it is kept), once per
//! the provider's message id.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::clock::{Millis, SharedClock};
use crate::relay::{Inbound, Relay};
use crate::store::Store;

/// The largest message a provider posts (files inline, in base64).
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// What the route reads and writes with.
#[derive(Clone)]
pub struct Receiver {
    pub(super) store: Store,
    pub(super) clock: SharedClock,
    pub(super) relay: Relay,
    pub(super) files: crate::files::Files,
    pub(super) client: reqwest::Client,
}

pub(super) fn routes(receiver: Receiver) -> axum::Router {
    crate::http_guard::guarded(
        axum::Router::new()
            .route(
                "/api/v1/webhook/{provider}",
                axum::routing::post(message_in),
            )
            .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(receiver),
    )
}

/// A customer's message as a provider posts it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "id": "m-1",
    "from": {"id": "visitor-7", "name": "Olga", "phone": "+79001112233"},
    "text": "Do you deliver to Kazan?"
}))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageIn {
    /// The provider's id of the message: posting it again stores nothing new.
    pub id: String,
    /// The conversation at the provider; the customer's id when absent.
    thread: Option<String>,
    from: From,
    #[serde(default)]
    text: String,
    /// Files the customer sent: by `url` (fetched) or inline `data` (base64).
    #[serde(default)]
    #[schema(max_items = 10)]
    attachments: Vec<crate::intake::AttachmentIn>,
    /// When the customer wrote it (Unix milliseconds).
    sent_at: Option<Millis>,
}

/// The customer: their id at the provider, and what else it knows.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct From {
    id: String,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// Where the message was stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stored {
    message_id: i64,
    conversation_id: i64,
    /// It was posted before: nothing new was stored.
    duplicate: bool,
}

/// A refusal as the LAN API answers them.
fn refused(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    crate::views::Failure::new(status, code, message).into_response()
}

/// A provider's customer message (the provider's own token, not an API
/// token): stored before the answer — 201, or 200 when this `id` was posted before.
#[utoipa::path(post, path = "/api/v1/webhook/{provider}", tag = "providers", security(("provider" = [])),
    params(("provider" = i64, Path, description = "The provider's id (Settings → Providers)")),
    request_body = MessageIn,
    responses(
        (status = 201, description = "Stored", body = Stored),
        (status = 200, description = "Posted before: nothing new stored", body = Stored),
        (status = 401, response = crate::views::FailureBody),
        (status = 413, response = crate::views::FailureBody),
        (status = 422, response = crate::views::FailureBody),
        (status = 429, response = crate::views::FailureBody),
        (status = 503, response = crate::views::FailureBody),
    ))]
pub async fn message_in(
    State(receiver): State<Receiver>,
    provider: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    body: Result<Json<MessageIn>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let unauthorized = || {
        refused(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this provider's token is needed: Authorization: Bearer tbp_…",
        )
    };
    let Ok(Path(provider)) = provider else {
        return unauthorized();
    };
    let presented = crate::http_guard::bearer(&headers);
    let stored: Option<String> = match sqlx::query_scalar(
        "SELECT p.token_hash FROM custom_providers p JOIN channel_accounts a ON a.id = p.channel_account_id
         WHERE p.channel_account_id = ?1 AND a.enabled = 1",
    )
    .bind(provider)
    .fetch_optional(receiver.store.pool())
    .await
    {
        Ok(stored) => stored,
        Err(e) => {
            tracing::error!(error = %e, "a provider's message could not be checked");
            return refused(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "try again");
        }
    };
    // The same answer for an unknown provider and a wrong token.
    let genuine = match (stored, presented) {
        (Some(hash), Some(token)) => {
            crate::secret::same(crate::secret::digest(token).as_bytes(), hash.as_bytes())
        }
        _ => false,
    };
    if !genuine {
        tracing::info!(
            account_id = provider,
            "a provider's message with a wrong token refused"
        );
        return unauthorized();
    }
    let message = match body {
        Ok(Json(message)) => message,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the message is larger than 16 MB",
            );
        }
        Err(e) => {
            return refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                e.body_text(),
            );
        }
    };
    let from_id = message.from.id.trim();
    if from_id.is_empty()
        || from_id.len() > 200
        || message.id.trim().is_empty()
        || message.id.len() > 200
    {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "id and from.id need 1 to 200 characters",
        );
    }
    if let Err(e) = crate::intake::check(&message.attachments) {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            e.to_string(),
        );
    }
    // Posted before: the files are not fetched again (the relay answers the first).
    let seen: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM messages WHERE channel_account_id = ?1 AND direction = 'in' AND external_id = ?2",
    )
    .bind(provider)
    .bind(message.id.trim())
    .fetch_optional(receiver.store.pool())
    .await
    .unwrap_or(None);
    let attachments = if seen.is_some() {
        Vec::new()
    } else {
        match crate::intake::keep(&receiver.files, &receiver.client, &message.attachments).await {
            Ok(kept) => kept,
            Err(e @ crate::error::Error::Invalid(_)) => {
                return refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    e.to_string(),
                );
            }
            Err(e) => {
                tracing::error!(account_id = provider, error = %e, "a provider's files could not be kept");
                return refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the files could not be kept; post it again",
                );
            }
        }
    };
    let thread = message
        .thread
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(from_id)
        .to_owned();
    let checked = Inbound {
        channel_account_id: provider,
        external_message_id: message.id.trim().to_owned(),
        external_thread_id: thread,
        sender: super::identity(
            provider,
            from_id,
            message.from.phone.as_deref(),
            message.from.email.as_deref(),
        ),
        sender_name: message.from.name.unwrap_or_default(),
        subject: None,
        text: message.text,
        attachments,
        sent_at: message.sent_at.or_else(|| Some(receiver.clock.now_ms())),
    }
    .validate();
    let checked = match checked {
        Ok(checked) => checked,
        Err(e) => {
            return refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                e.to_string(),
            );
        }
    };
    match receiver.relay.ingest(checked).await {
        Ok(outcome) => {
            tracing::info!(
                corr = outcome.message_id,
                account_id = provider,
                duplicate = outcome.duplicate,
                "provider message stored"
            );
            let status = if outcome.duplicate {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            (
                status,
                Json(Stored {
                    message_id: outcome.message_id,
                    conversation_id: outcome.conversation_id,
                    duplicate: outcome.duplicate,
                }),
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(account_id = provider, error = %e, "a provider's message could not be stored");
            refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the message could not be stored; post it again",
            )
        }
    }
}
