//! Changes to what was sent, made by the shop: a person edits a reply
//! (from the topic or the window) and the channel changes it at the
//! customer's side where it can; an operator's reaction to a customer's
//! message goes to the customer's channel. Each is a queued job, ordered
//! with the conversation's sends.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use super::{check_text, job_error, place};
use crate::channels::{Edit, Reaction, Registry, SendError};
use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::hooks::{Change, ChangedMessage};
use crate::queue::{self, Job, JobError, JobHandler, NewJob};
use crate::relay::Relay;
use crate::store::Store;

pub const EDIT_JOB: &str = "outbox.edit";
pub const REACT_JOB: &str = "outbox.react";
pub const JOB_VERSION: i64 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct EditPayload {
    message_id: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct ReactPayload {
    message_id: i64,
    emoji: String,
}

/// A person changed a reply's text, in the caller's transaction: the
/// stored text follows (the earlier one kept in its history). One not sent
/// yet simply goes with the new text; one sent is changed at the customer's
/// side by a queued job. Answers the conversation when anything changed.
pub async fn edit_reply_in(
    db: &mut SqliteConnection,
    registry: &Registry,
    now: Millis,
    max_attempts: i64,
    message_id: i64,
    text: &str,
) -> Result<Option<i64>> {
    let text = text.trim();
    let found: Option<(String, String, Option<String>, String)> =
        sqlx::query_as("SELECT direction, text, delivery, attachments FROM messages WHERE id = ?1")
            .bind(message_id)
            .fetch_optional(&mut *db)
            .await?;
    let (direction, old, delivery, attachments) =
        found.ok_or_else(|| Error::not_found("message", message_id))?;
    if direction != "out" {
        return Err(Error::invalid("only the shop's replies can be changed"));
    }
    check_text(text, attachments != "[]")?;
    if old == text {
        return Ok(None);
    }
    sqlx::query("INSERT INTO message_edits (message_id, text, edited_at) VALUES (?1, ?2, ?3)")
        .bind(message_id)
        .bind(&old)
        .bind(now)
        .execute(&mut *db)
        .await?;
    sqlx::query("UPDATE messages SET text = ?2, edited_at = ?3, edit_error = NULL WHERE id = ?1")
        .bind(message_id)
        .bind(text)
        .bind(now)
        .execute(&mut *db)
        .await?;
    let (conversation, account, kind, thread) = place(db, message_id).await?;
    if matches!(delivery.as_deref(), Some("sent" | "delivered")) {
        queue::enqueue(
            db,
            now,
            max_attempts,
            NewJob::new(
                EDIT_JOB,
                JOB_VERSION,
                serde_json::json!(EditPayload { message_id }),
                format!("{EDIT_JOB}:{message_id}:{now}"),
                format!("conversation:{conversation}"),
            )
            .rate_keys(registry.rate_keys(kind, account, &thread)),
        )
        .await?;
    }
    tracing::info!(message_id, "reply changed");
    Ok(Some(conversation))
}

/// A person of the shop reacted to a customer's message (an empty emoji
/// takes it back): queued for the customer's channel, in the caller's
/// transaction.
pub async fn react_in(
    db: &mut SqliteConnection,
    registry: &Registry,
    now: Millis,
    max_attempts: i64,
    message_id: i64,
    emoji: &str,
) -> Result<()> {
    let (conversation, account, kind, thread) = place(db, message_id).await?;
    queue::enqueue(
        db,
        now,
        max_attempts,
        NewJob::new(
            REACT_JOB,
            JOB_VERSION,
            serde_json::json!(ReactPayload {
                message_id,
                emoji: emoji.trim().to_owned(),
            }),
            format!("{REACT_JOB}:{message_id}:{now}"),
            format!("conversation:{conversation}"),
        )
        .rate_keys(registry.rate_keys(kind, account, &thread)),
    )
    .await?;
    Ok(())
}

/// The `outbox.edit` and `outbox.react` jobs.
pub struct ChangeHandler {
    store: Store,
    clock: SharedClock,
    relay: Relay,
    registry: Arc<Registry>,
}

impl ChangeHandler {
    pub fn new(store: Store, clock: SharedClock, relay: Relay, registry: Arc<Registry>) -> Self {
        Self {
            store,
            clock,
            relay,
            registry,
        }
    }

    async fn edit(&self, message_id: i64) -> Result<(), JobError> {
        let row: Option<(i64, i64, String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT m.conversation_id, m.channel_account_id, c.external_thread_id, m.external_id,
                    m.text, m.attachments
             FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = ?1",
        )
        .bind(message_id)
        .fetch_optional(self.store.pool())
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
        let Some((conversation_id, account, thread, Some(external_id), text, attachments)) = row
        else {
            return Ok(());
        };
        let channel = self.registry.senders().get(account).ok_or_else(|| {
            JobError::Retry(format!("channel account {account} is not connected"))
        })?;
        let edited = channel
            .edit(&Edit {
                external_thread_id: thread,
                external_id,
                text,
                has_files: attachments != "[]",
            })
            .await;
        let refused = match edited {
            Ok(()) => None,
            Err(SendError::Rejected(reason)) => Some(reason),
            Err(e) => return Err(job_error(e)),
        };
        self.record(conversation_id, message_id, refused)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))
    }

    /// Notes whether the customer sees the change; a refusal is told where
    /// the change was made (the topic hears of it through the hooks).
    async fn record(
        &self,
        conversation_id: i64,
        message_id: i64,
        refused: Option<String>,
    ) -> Result<()> {
        let mut tx = self.store.write().await?;
        sqlx::query("UPDATE messages SET edit_error = ?2 WHERE id = ?1")
            .bind(message_id)
            .bind(&refused)
            .execute(&mut *tx)
            .await?;
        if let Some(reason) = &refused {
            tracing::info!(message_id, %reason, "the channel could not change a sent reply");
            self.relay
                .hooks()
                .changed(
                    &mut tx,
                    self.clock.now_ms(),
                    &ChangedMessage {
                        conversation_id,
                        message_id,
                        change: Change::NotChangedThere,
                    },
                )
                .await?;
        }
        tx.commit().await?;
        self.relay
            .publish_message(conversation_id, message_id, true)
            .await;
        Ok(())
    }

    async fn react(&self, message_id: i64, emoji: String) -> Result<(), JobError> {
        let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT m.channel_account_id, c.external_thread_id, m.external_id
             FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = ?1",
        )
        .bind(message_id)
        .fetch_optional(self.store.pool())
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
        let Some((account, thread, Some(external_id))) = row else {
            return Ok(());
        };
        let channel = self.registry.senders().get(account).ok_or_else(|| {
            JobError::Retry(format!("channel account {account} is not connected"))
        })?;
        match channel
            .react(&Reaction {
                external_thread_id: thread,
                external_id,
                emoji,
            })
            .await
        {
            Ok(()) => Ok(()),
            // A reaction the channel has not: nothing to retry.
            Err(SendError::Rejected(reason)) => {
                tracing::info!(message_id, %reason, "reaction not sent to the customer");
                Ok(())
            }
            Err(e) => Err(job_error(e)),
        }
    }
}

#[async_trait]
impl JobHandler for ChangeHandler {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let bad = |e: serde_json::Error| JobError::Fatal(format!("bad payload: {e}"));
        match job.kind.as_str() {
            EDIT_JOB => {
                let EditPayload { message_id } =
                    serde_json::from_value(job.payload.clone()).map_err(bad)?;
                self.edit(message_id).await
            }
            _ => {
                let ReactPayload { message_id, emoji } =
                    serde_json::from_value(job.payload.clone()).map_err(bad)?;
                self.react(message_id, emoji).await
            }
        }
    }
}
