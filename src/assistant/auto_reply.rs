//! The auto-reply job: a customer wrote during an active period; after the
//! delay it goes unless someone answered meanwhile or it already went in
//! this period.

use async_trait::async_trait;

use super::Core;
use super::config;
use super::jobs::{AutoReplyPayload, answered_after, context, payload, retry};
use super::model::AutoReplyMode;
use crate::model::AuthorKind;
use crate::outbox::Reply;
use crate::queue::{Job, JobError, JobHandler};

impl Core {
    async fn auto_reply(&self, job: &Job) -> Result<(), JobError> {
        let AutoReplyPayload {
            message_id,
            period_start,
        } = payload(job)?;
        let mut conn = self.store.conn().await.map_err(retry)?;
        let Some(cx) = context(&mut conn, message_id).await.map_err(retry)? else {
            return Ok(());
        };
        let settings = config::load(&mut conn, cx.project_id)
            .await
            .map_err(retry)?;
        drop(conn);
        // Turned off meanwhile, or the text emptied.
        let text = settings.auto_reply_text.trim().to_owned();
        if settings.auto_reply == AutoReplyMode::Off || text.is_empty() {
            return Ok(());
        }
        if paused(self.store.pool()).await.map_err(retry)? {
            tracing::info!(message_id, "auto-reply not sent: auto-replies are paused");
            return Ok(());
        }
        let mut tx = self.store.write().await.map_err(retry)?;
        if answered_after(&mut tx, cx.conversation_id, message_id)
            .await
            .map_err(retry)?
        {
            tracing::info!(message_id, "auto-reply not needed: someone answered");
            return Ok(());
        }
        let already: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND author_kind = 'auto_reply'
                            AND created_at >= ?2)",
        )
        .bind(cx.conversation_id)
        .bind(period_start)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| retry(e.into()))?;
        if already {
            tracing::debug!(message_id, "auto-reply already sent in this period");
            return Ok(());
        }
        let (_, reply_id) = self
            .outbox
            .reply_in(
                &mut tx,
                Reply {
                    conversation_id: cx.conversation_id,
                    text,
                    attachments: Vec::new(),
                    author: AuthorKind::AutoReply,
                    author_name: None,
                    person_id: None,
                    reply_to: None,
                    send_at: None,
                },
            )
            .await
            .map_err(retry)?;
        tx.commit().await.map_err(|e| retry(e.into()))?;
        self.outbox.after_commit(cx.conversation_id, reply_id).await;
        Ok(())
    }
}

/// Whether auto-replies are paused for the whole app.
pub async fn paused(db: impl sqlx::SqliteExecutor<'_>) -> crate::error::Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT paused FROM auto_reply_pause WHERE id = 1")
            .fetch_optional(db)
            .await?
            .unwrap_or(false),
    )
}

pub struct AutoReplyHandler(pub Core);

#[async_trait]
impl JobHandler for AutoReplyHandler {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        self.0.auto_reply(job).await
    }
}
