//! Replies scheduled for later: stored at once with the time they go, their
//! `outbox.send` job due then (so a restart keeps them), shown in the thread
//! with that time, editable and cancellable while the job waits. When the
//! job runs the reply joins the conversation as if written then.

use super::{SEND_JOB, check_text, settle};
use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::hooks::StoredMessage;
use crate::model::{Attachment, ConversationStatus};
use crate::relay::{Relay, preview};
use crate::store::{Store, parse_column};

/// The furthest a reply may be scheduled.
pub const MAX_AHEAD_MS: Millis = 366 * 24 * 3_600_000;

/// A time a reply may be scheduled for: later than now, within a year.
pub fn check_time(now: Millis, at: Millis) -> Result<()> {
    if at <= now {
        return Err(Error::invalid("the time to send it has passed"));
    }
    if at - now > MAX_AHEAD_MS {
        return Err(Error::invalid("a reply is scheduled at most a year ahead"));
    }
    Ok(())
}

/// The scheduled reply's job, while it waits: its id, or a clear refusal
/// when it is no reply waiting to go (sent, being sent, or not scheduled).
async fn waiting_job(db: &mut sqlx::SqliteConnection, message_id: i64) -> Result<(i64, i64)> {
    let row: Option<(i64, Option<Millis>)> = sqlx::query_as(
        "SELECT conversation_id, scheduled_at FROM messages WHERE id = ?1 AND direction = 'out'",
    )
    .bind(message_id)
    .fetch_optional(&mut *db)
    .await?;
    let (conversation_id, scheduled) = row.ok_or_else(|| Error::not_found("reply", message_id))?;
    if scheduled.is_none() {
        return Err(Error::invalid("this reply is not waiting to be sent later"));
    }
    let job: Option<i64> =
        sqlx::query_scalar("SELECT id FROM jobs WHERE idempotency_key = ?1 AND status = 'queued'")
            .bind(format!("{SEND_JOB}:{message_id}"))
            .fetch_optional(&mut *db)
            .await?;
    let job = job.ok_or_else(|| Error::invalid("this reply is being sent now"))?;
    Ok((conversation_id, job))
}

/// Changes a scheduled reply's text and time. Answers its conversation.
pub async fn edit(
    store: &Store,
    now: Millis,
    message_id: i64,
    text: &str,
    send_at: Millis,
) -> Result<i64> {
    check_time(now, send_at)?;
    let text = text.trim();
    let mut tx = store.write().await?;
    let (conversation_id, job) = waiting_job(&mut tx, message_id).await?;
    let attachments: String = sqlx::query_scalar("SELECT attachments FROM messages WHERE id = ?1")
        .bind(message_id)
        .fetch_one(&mut *tx)
        .await?;
    check_text(text, attachments != "[]")?;
    sqlx::query("UPDATE messages SET text = ?2, scheduled_at = ?3 WHERE id = ?1")
        .bind(message_id)
        .bind(text)
        .bind(send_at)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE jobs SET run_at = ?2, updated_at = ?3 WHERE id = ?1")
        .bind(job)
        .bind(send_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(message_id, "scheduled reply changed");
    Ok(conversation_id)
}

/// Cancels a scheduled reply: it and its job are gone, as if never
/// written. Answers its conversation.
pub async fn cancel(store: &Store, message_id: i64) -> Result<i64> {
    let mut tx = store.write().await?;
    let (conversation_id, job) = waiting_job(&mut tx, message_id).await?;
    sqlx::query("DELETE FROM jobs WHERE id = ?1")
        .bind(job)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM messages WHERE id = ?1")
        .bind(message_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(message_id, "scheduled reply cancelled");
    Ok(conversation_id)
}

/// When its job runs, a scheduled reply joins the conversation as written
/// now: its time is now, the conversation's status and latest message
/// follow, the features hear of it. Nothing for any other reply.
pub(super) async fn release(
    store: &Store,
    relay: &Relay,
    clock: &SharedClock,
    message_id: i64,
) -> Result<()> {
    // Most replies were never scheduled: a read, not a write, tells.
    let waiting: Option<Millis> =
        sqlx::query_scalar("SELECT scheduled_at FROM messages WHERE id = ?1")
            .bind(message_id)
            .fetch_optional(store.pool())
            .await?
            .flatten();
    if waiting.is_none() {
        return Ok(());
    }
    let now = clock.now_ms();
    let mut tx = store.write().await?;
    type Row = (i64, String, String, String, String);
    let released: Option<Row> = sqlx::query_as(
        "UPDATE messages SET scheduled_at = NULL, created_at = ?2
         WHERE id = ?1 AND scheduled_at IS NOT NULL
         RETURNING conversation_id, author_kind, text, attachments,
                   (SELECT status FROM conversations WHERE id = messages.conversation_id)",
    )
    .bind(message_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((conversation_id, author, text, attachments, status)) = released else {
        return Ok(());
    };
    let attachments: Vec<Attachment> = serde_json::from_str(&attachments)
        .map_err(|e| Error::Corrupt(format!("attachments of message {message_id}: {e}")))?;
    let status: ConversationStatus = parse_column("conversations.status", &status)?;
    settle(
        &mut tx,
        relay.hooks(),
        now,
        &StoredMessage {
            conversation_id,
            message_id,
            author: parse_column("messages.author_kind", &author)?,
        },
        status,
        &preview(&text, &attachments),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(message_id, "scheduled reply due");
    relay
        .publish_message(conversation_id, message_id, true)
        .await;
    Ok(())
}
