//! The `outbox.send` job: a stored reply handed to its channel once,
//! held when a send check refuses it, failed for good with the reason.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::SqliteConnection;

use super::{SendPayload, scheduled};
use crate::channels::{Answering, Outgoing, Registry, Sent};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::hooks::Hooks;
use crate::inbox;
use crate::model::ConversationStatus;
use crate::queue::{Job, JobError, JobHandler};
use crate::relay::Relay;
use crate::store::Store;

/// The `outbox.send` job: hands one stored reply to its channel.
pub struct SendHandler {
    store: Store,
    clock: SharedClock,
    relay: Relay,
    registry: Arc<Registry>,
}

impl SendHandler {
    pub fn new(store: Store, clock: SharedClock, relay: Relay, registry: Arc<Registry>) -> Self {
        Self {
            store,
            clock,
            relay,
            registry,
        }
    }

    fn hooks(&self) -> &Hooks {
        self.relay.hooks()
    }

    async fn load(&self, message_id: i64) -> Result<Option<Outgoing>> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT m.channel_account_id, c.external_thread_id, m.text, m.attachments, m.delivery,
                    r.external_id, r.text
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             LEFT JOIN messages r ON r.id = m.reply_to_id
             WHERE m.id = ?1 AND m.direction = 'out'",
        )
        .bind(message_id)
        .fetch_optional(self.store.pool())
        .await?;
        let Some((
            channel_account_id,
            external_thread_id,
            text,
            attachments,
            delivery,
            answered_id,
            answered_text,
        )) = row
        else {
            return Err(Error::not_found("outbound message", message_id));
        };
        if delivery != "pending" {
            return Ok(None);
        }
        Ok(Some(Outgoing {
            message_id,
            channel_account_id,
            external_thread_id,
            text,
            attachments: serde_json::from_str(&attachments)
                .map_err(|e| Error::Corrupt(format!("attachments of message {message_id}: {e}")))?,
            reply_to: answered_id.map(|external_id| Answering {
                external_id,
                text: answered_text.unwrap_or_default(),
            }),
        }))
    }

    async fn record_sent(&self, message_id: i64, sent: &Sent) -> Result<i64> {
        let mut tx = self.store.write().await?;
        let conversation_id: i64 = sqlx::query_scalar(
            "UPDATE messages SET delivery = 'sent', delivery_error = NULL, external_id = ?2, sent_at = ?3
             WHERE id = ?1 RETURNING conversation_id",
        )
        .bind(message_id)
        .bind(&sent.external_id)
        .bind(self.clock.now_ms())
        .fetch_one(&mut *tx)
        .await?;
        self.hooks().delivered(&mut tx, message_id, None).await?;
        tx.commit().await?;
        Ok(conversation_id)
    }

    /// The send check that refuses the reply now, if one does.
    async fn refusing(&self, message_id: i64) -> Result<Option<usize>> {
        let mut conn = self.store.conn().await?;
        self.hooks().refusing(&mut conn, message_id).await
    }

    /// Keeps a reply a send check refuses (the outbox guard): shown as held
    /// in the inbox; a release queues it again.
    async fn hold(&self, check: usize, message_id: i64) -> Result<()> {
        let mut tx = self.store.write().await?;
        let now = self.clock.now_ms();
        let Some(events) = self.hooks().hold(check, &mut tx, message_id, now).await? else {
            return Ok(());
        };
        let conversation_id: i64 =
            sqlx::query_scalar("SELECT conversation_id FROM messages WHERE id = ?1")
                .bind(message_id)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        tracing::info!(message_id, "reply held");
        self.relay
            .publish_message(conversation_id, message_id, true)
            .await;
        for event in events {
            self.relay.bus().publish(event);
        }
        Ok(())
    }

    async fn note_attempt_error(&self, message_id: i64, reason: &str) {
        let noted = sqlx::query(
            "UPDATE messages SET delivery_error = ?2 WHERE id = ?1 AND delivery = 'pending'",
        )
        .bind(message_id)
        .bind(reason)
        .execute(self.store.pool())
        .await;
        if let Err(e) = noted {
            tracing::warn!(error = %e, message_id, "could not note a delivery error");
        }
    }
}

fn payload(job: &Job) -> Result<SendPayload, JobError> {
    serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::Fatal(format!("bad payload: {e}")))
}

#[async_trait]
impl JobHandler for SendHandler {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let SendPayload { message_id } = payload(job)?;
        scheduled::release(&self.store, &self.relay, &self.clock, message_id)
            .await
            .map_err(|e| JobError::Retry(format!("releasing a scheduled reply: {e}")))?;
        let outgoing = match self.load(message_id).await {
            Ok(Some(outgoing)) => outgoing,
            // Already sent (or failed) by an earlier run of this job.
            Ok(None) => return Ok(()),
            Err(e @ Error::NotFound { .. }) => return Err(JobError::Fatal(e.to_string())),
            Err(e) => return Err(JobError::Retry(e.to_string())),
        };
        if let Some(check) = self
            .refusing(message_id)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?
        {
            return self
                .hold(check, message_id)
                .await
                .map_err(|e| JobError::Retry(e.to_string()));
        }
        let Some(channel) = self.registry.senders().get(outgoing.channel_account_id) else {
            let reason = format!(
                "channel account {} is not connected",
                outgoing.channel_account_id
            );
            self.note_attempt_error(message_id, &reason).await;
            return Err(JobError::Retry(reason));
        };
        let sent = match channel.send(&outgoing).await {
            Ok(sent) => sent,
            Err(err) => {
                self.note_attempt_error(message_id, &err.to_string()).await;
                return Err(super::job_error(err));
            }
        };
        let conversation_id = self
            .record_sent(message_id, &sent)
            .await
            .map_err(|e| JobError::Retry(format!("recording the delivery: {e}")))?;
        tracing::info!(message_id, "reply sent");
        self.relay
            .publish_message(conversation_id, message_id, true)
            .await;
        Ok(())
    }

    async fn gave_up(
        &self,
        db: &mut SqliteConnection,
        job: &Job,
        reason: &str,
    ) -> Result<Vec<EngineEvent>> {
        let Ok(SendPayload { message_id }) = payload(job) else {
            return Ok(Vec::new());
        };
        let conversation_id: Option<i64> = sqlx::query_scalar(
            "UPDATE messages SET delivery = 'failed', delivery_error = ?2
             WHERE id = ?1 AND delivery = 'pending' RETURNING conversation_id",
        )
        .bind(message_id)
        .bind(reason)
        .fetch_optional(&mut *db)
        .await?;
        let Some(conversation_id) = conversation_id else {
            return Ok(Vec::new());
        };
        self.hooks()
            .delivered(&mut *db, message_id, Some(reason))
            .await?;
        // A reply that cannot be delivered needs a person's eyes.
        sqlx::query("UPDATE conversations SET status = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(conversation_id)
            .bind(ConversationStatus::NeedsHuman.as_str())
            .bind(self.clock.now_ms())
            .execute(&mut *db)
            .await?;
        Ok(vec![
            EngineEvent::MessageUpdated {
                message: inbox::message(&mut *db, message_id).await?,
            },
            EngineEvent::ConversationChanged {
                conversation: inbox::conversation_summary(&mut *db, conversation_id).await?,
            },
        ])
    }
}
