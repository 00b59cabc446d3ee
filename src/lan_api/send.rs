//! `POST /api/v1/send` and `GET /api/v1/messages/{id}`: another system of
//! the shop answers a conversation through the outbox like any reply (the
//! outbox guard included), once per idempotency key, and follows its
//! delivery.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::{Api, Failure};
use crate::api_tokens::Scope;
use crate::intake::{self, AttachmentIn};
use crate::model::{AuthorKind, ChannelKind};
use crate::outbox::Reply;
use crate::views::MessageView;

/// The longest text the API sends in one message.
const MAX_TEXT: usize = 20_000;
const MAX_KEY: usize = 200;

/// A message to send: into a conversation (`conversationId`), or to
/// someone by their address on a channel (`to` with `channelAccountId`, or
/// `channel` and, when the shop has several projects, `projectId`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({
    "conversationId": 1,
    "text": "Your order ships today.",
    "idempotencyKey": "order-42-shipped"
}))]
pub struct SendRequest {
    /// The conversation answered.
    pub conversation_id: Option<i64>,
    /// Whom to write to, as the channel addresses people: +E.164 (WhatsApp,
    /// Telegram), @username or a numeric chat id (Telegram), an e-mail address.
    pub to: Option<String>,
    /// The channel account to write from.
    pub channel_account_id: Option<i64>,
    /// Or the kind of channel, its one enabled account (in `projectId`).
    pub channel: Option<ChannelKind>,
    pub project_id: Option<i64>,
    /// The subject of a first e-mail.
    pub subject: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub text: String,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachments: Vec<AttachmentIn>,
    /// The message of the conversation this one answers (a quote, where
    /// the channel has them).
    pub reply_to: Option<i64>,
    /// The sender's own id for this message: sending again with the same
    /// key answers the first message instead of sending twice.
    #[schema(min_length = 1, max_length = 200)]
    pub idempotency_key: String,
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
}

/// Where a request sends: an existing conversation, or someone on an account.
enum Target {
    Conversation(i64),
    To { account_id: i64, to: String },
}

/// The account a `to`-addressed message is written from.
async fn account_of(pool: &sqlx::SqlitePool, request: &SendRequest) -> Result<i64, Failure> {
    let db = |e: sqlx::Error| Failure::from(crate::error::Error::from(e));
    if let Some(project) = request.project_id {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE id = ?1")
            .bind(project)
            .fetch_optional(pool)
            .await
            .map_err(db)?;
        if known.is_none() {
            return Err(Failure::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("project {project} not found"),
            ));
        }
    }
    if let Some(id) = request.channel_account_id {
        let found: Option<(Option<i64>, String)> =
            sqlx::query_as("SELECT project_id, kind FROM channel_accounts WHERE id = ?1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(db)?;
        let Some((project, kind)) = found else {
            return Err(Failure::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("channel account {id} not found"),
            ));
        };
        if request.project_id.is_some_and(|p| project != Some(p)) {
            return Err(invalid(format!(
                "channel account {id} is not in project {}",
                request.project_id.unwrap_or_default()
            )));
        }
        if request.channel.is_some_and(|c| c.as_str() != kind) {
            return Err(invalid(format!("channel account {id} is a {kind} account")));
        }
        return Ok(id);
    }
    let Some(kind) = request.channel else {
        return Err(invalid(
            "name the channel to write from: channelAccountId, or channel (and projectId)",
        ));
    };
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM channel_accounts WHERE kind = ?1 AND enabled = 1 AND (?2 IS NULL OR project_id = ?2) ORDER BY id",
    )
    .bind(kind.as_str())
    .bind(request.project_id)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    match ids.as_slice() {
        [id] => Ok(*id),
        [] => Err(invalid(format!(
            "there is no enabled {kind} account{}",
            match request.project_id {
                Some(p) => format!(" in project {p}"),
                None => String::new(),
            }
        ))),
        _ => Err(invalid(format!(
            "there are {} {kind} accounts: name one by channelAccountId (or projectId)",
            ids.len()
        ))),
    }
}

/// The message already queued under the token's key, if any.
async fn sent_before(
    db: impl sqlx::SqliteExecutor<'_>,
    token_id: i64,
    key: &str,
) -> Result<Option<i64>, Failure> {
    Ok(sqlx::query_scalar(
        "SELECT message_id FROM api_sends WHERE token_id = ?1 AND idempotency_key = ?2 AND message_id IS NOT NULL",
    )
    .bind(token_id)
    .bind(key)
    .fetch_optional(db)
    .await
    .map_err(crate::error::Error::from)?)
}

/// Sends a message: queued (202), or the one already queued under the same
/// idempotencyKey (200). It leaves through the outbox like any reply (the
/// outbox guard included); follow it with `GET /api/v1/messages/{id}`.
///
/// The key, a new conversation and contact, and the message are
/// written in one transaction: nothing is written for a request that is refused.
#[utoipa::path(post, path = "/api/v1/send", tag = "messages", security(("token" = [])),
    request_body = SendRequest,
    responses(
        (status = 202, description = "Queued", body = MessageView),
        (status = 200, description = "Queued before under this idempotencyKey", body = MessageView),
        (status = 401, response = super::FailureBody),
        (status = 403, response = super::FailureBody),
        (status = 404, response = super::FailureBody),
        (status = 409, response = super::FailureBody),
        (status = 413, response = super::FailureBody),
        (status = 422, response = super::FailureBody),
        (status = 429, response = super::FailureBody),
        (status = 503, response = super::FailureBody),
    ))]
pub(super) async fn send(
    State(api): State<Api>,
    headers: HeaderMap,
    body: Result<Json<SendRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<MessageView>), Failure> {
    let (engine, token) = api.authorize(&headers, Scope::Send).await?;
    let Json(request) = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the request is larger than 16 MB",
            )
        } else {
            invalid(e.body_text())
        }
    })?;
    let key = request.idempotency_key.trim();
    if key.is_empty() || key.len() > MAX_KEY {
        return Err(invalid(format!(
            "idempotencyKey needs 1 to {MAX_KEY} characters"
        )));
    }
    let text = request.text.trim();
    if text.is_empty() && request.attachments.is_empty() {
        return Err(invalid("the message has neither text nor attachments"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(invalid(format!(
            "text is longer than {MAX_TEXT} characters"
        )));
    }
    intake::check(&request.attachments)?;
    let pool = engine.store().pool();
    if let Some(id) = sent_before(pool, token.id, key).await? {
        let message = crate::inbox::message(pool, id).await?;
        return Ok((StatusCode::OK, Json(message.into())));
    }
    let target = match (request.conversation_id, &request.to) {
        (Some(id), None) => {
            if request.channel_account_id.is_some()
                || request.channel.is_some()
                || request.project_id.is_some()
            {
                return Err(invalid(
                    "a conversationId already names its channel: leave out channelAccountId, channel and projectId",
                ));
            }
            Target::Conversation(id)
        }
        (None, Some(to)) if !to.trim().is_empty() => Target::To {
            account_id: account_of(pool, &request).await?,
            to: to.trim().to_owned(),
        },
        (Some(_), Some(_)) => {
            return Err(invalid(
                "send into a conversationId or to someone (to), not both",
            ));
        }
        (None, _) => {
            return Err(invalid(
                "name the conversation (conversationId) or whom to write to (to)",
            ));
        }
    };
    let attachments = intake::keep(engine.files(), &api.client, &request.attachments).await?;
    let now = engine.clock().now_ms();
    let mut tx = engine.store().write().await?;
    // The key is taken first: two requests with it never both send.
    let taken = sqlx::query(
        "INSERT INTO api_sends (token_id, idempotency_key, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )
    .bind(token.id)
    .bind(key)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(crate::error::Error::from)?
    .rows_affected()
        == 1;
    if !taken {
        let id = sent_before(&mut *tx, token.id, key).await?;
        drop(tx);
        let Some(id) = id else {
            return Err(Failure::new(
                StatusCode::CONFLICT,
                "in_progress",
                "a message with this idempotencyKey is being queued; ask again",
            ));
        };
        let message = crate::inbox::message(pool, id).await?;
        return Ok((StatusCode::OK, Json(message.into())));
    }
    let conversation_id = match target {
        Target::Conversation(id) => id,
        Target::To { account_id, to } => {
            crate::compose::conversation_to(
                &mut tx,
                engine.channels(),
                account_id,
                &to,
                request
                    .subject
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty()),
                now,
            )
            .await?
        }
    };
    let (conversation_id, message_id) = engine
        .outbox()
        .reply_in(
            &mut tx,
            Reply {
                conversation_id,
                text: text.to_owned(),
                attachments,
                author: AuthorKind::Manager,
                author_name: Some(token.name.clone()),
                person_id: None,
                reply_to: request.reply_to,
                send_at: None,
            },
        )
        .await?;
    sqlx::query(
        "UPDATE api_sends SET message_id = ?3 WHERE token_id = ?1 AND idempotency_key = ?2",
    )
    .bind(token.id)
    .bind(key)
    .bind(message_id)
    .execute(&mut *tx)
    .await
    .map_err(crate::error::Error::from)?;
    tx.commit().await.map_err(crate::error::Error::from)?;
    engine
        .outbox()
        .after_commit(conversation_id, message_id)
        .await;
    tracing::info!(
        corr = message_id,
        token_id = token.id,
        "message queued through the API"
    );
    let message = crate::inbox::message(pool, message_id).await?;
    Ok((StatusCode::ACCEPTED, Json(message.into())))
}

/// One message and its delivery.
#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "messages", security(("token" = [])),
    params(("id" = i64, Path, description = "The message's id", example = 1)),
    responses(
        (status = 200, description = "The message", body = MessageView),
        (status = 401, response = super::FailureBody),
        (status = 403, response = super::FailureBody),
        (status = 404, response = super::FailureBody),
        (status = 422, response = super::FailureBody),
        (status = 429, response = super::FailureBody),
        (status = 503, response = super::FailureBody),
    ))]
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
