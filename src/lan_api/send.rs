//! `POST /api/v1/send` and `GET /api/v1/messages/{id}`: another system of
//! the shop answers a conversation through the outbox like any reply (the
//! outbox guard included), once per idempotency key, and follows its
//! delivery.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::{Api, Failure};
use crate::api_tokens::Scope;
use crate::clock::Millis;
use crate::model::{AuthorKind, Delivery, Direction, Message};
use crate::outbox::Reply;

/// The longest text the API sends in one message.
const MAX_TEXT: usize = 20_000;
const MAX_KEY: usize = 200;

/// A message to send.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendRequest {
    /// The conversation answered.
    pub conversation_id: i64,
    pub text: String,
    /// The message of the conversation this one answers (a quote, where
    /// the channel has them).
    pub reply_to: Option<i64>,
    /// The sender's own id for this message: sending again with the same
    /// key answers the first message instead of sending twice.
    pub idempotency_key: String,
}

/// A message as the API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: i64,
    pub conversation_id: i64,
    pub direction: Direction,
    pub author_kind: AuthorKind,
    pub text: String,
    /// Outbound: pending, sent, delivered or failed.
    pub delivery: Option<Delivery>,
    pub delivery_error: Option<String>,
    /// The outbox guard holds it until it allows it.
    pub held: bool,
    pub created_at: Millis,
    pub sent_at: Option<Millis>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            conversation_id: m.conversation_id,
            direction: m.direction,
            author_kind: m.author_kind,
            text: m.text,
            delivery: m.delivery,
            delivery_error: m.delivery_error,
            held: m.held,
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
}

/// Queues the message (202) or answers the one already queued for the key
/// (200). Nothing is written for a request that is refused.
pub(super) async fn send(
    State(api): State<Api>,
    headers: HeaderMap,
    body: Result<Json<SendRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<MessageView>), Failure> {
    let (engine, token) = api.authorize(&headers, Scope::Send).await?;
    let Json(request) = body.map_err(|e| invalid(e.body_text()))?;
    let key = request.idempotency_key.trim();
    if key.is_empty() || key.len() > MAX_KEY {
        return Err(invalid(format!(
            "idempotencyKey needs 1 to {MAX_KEY} characters"
        )));
    }
    let text = request.text.trim();
    if text.is_empty() {
        return Err(invalid("text is empty"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(invalid(format!(
            "text is longer than {MAX_TEXT} characters"
        )));
    }
    let pool = engine.store().pool();
    // The key is taken first, so two requests with it never both send.
    let taken = sqlx::query(
        "INSERT INTO api_sends (token_id, idempotency_key, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )
    .bind(token.id)
    .bind(key)
    .bind(engine.clock().now_ms())
    .execute(pool)
    .await
    .map_err(crate::error::Error::from)?
    .rows_affected()
        == 1;
    if !taken {
        let sent: Option<i64> = sqlx::query_scalar(
            "SELECT message_id FROM api_sends WHERE token_id = ?1 AND idempotency_key = ?2",
        )
        .bind(token.id)
        .bind(key)
        .fetch_one(pool)
        .await
        .map_err(crate::error::Error::from)?;
        let Some(id) = sent else {
            return Err(Failure::new(
                StatusCode::CONFLICT,
                "in_progress",
                "a message with this idempotencyKey is being queued; ask again",
            ));
        };
        let message = crate::inbox::message(pool, id).await?;
        return Ok((StatusCode::OK, Json(message.into())));
    }
    let queued = engine
        .outbox()
        .reply(Reply {
            conversation_id: request.conversation_id,
            text: text.to_owned(),
            attachments: Vec::new(),
            author: AuthorKind::Manager,
            author_name: Some(token.name.clone()),
            person_id: None,
            reply_to: request.reply_to,
        })
        .await;
    let message = match queued {
        Ok(message) => message,
        Err(e) => {
            // Refused: the key is free again.
            sqlx::query("DELETE FROM api_sends WHERE token_id = ?1 AND idempotency_key = ?2")
                .bind(token.id)
                .bind(key)
                .execute(pool)
                .await
                .map_err(crate::error::Error::from)?;
            return Err(e.into());
        }
    };
    sqlx::query(
        "UPDATE api_sends SET message_id = ?3 WHERE token_id = ?1 AND idempotency_key = ?2",
    )
    .bind(token.id)
    .bind(key)
    .bind(message.id)
    .execute(pool)
    .await
    .map_err(crate::error::Error::from)?;
    tracing::info!(
        corr = message.id,
        token_id = token.id,
        "message queued through the API"
    );
    Ok((StatusCode::ACCEPTED, Json(message.into())))
}

/// One message and its delivery.
pub(super) async fn message(
    State(api): State<Api>,
    headers: HeaderMap,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<MessageView>, Failure> {
    let (engine, _) = api.authorize(&headers, Scope::Read).await?;
    let Path(id) = id.map_err(|_| invalid("a message id is a number"))?;
    Ok(Json(
        crate::inbox::message(engine.store().pool(), id)
            .await?
            .into(),
    ))
}
