//! The assistant's plugs into the spine: a look at every customer message
//! (drafts, answers, auto-replies), and the outbox guard before each send.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::SqliteConnection;

use super::jobs::{AUTO_REPLY_JOB, INBOUND_JOB, InboundHandler, JOB_VERSION};
use super::{Core, auto_reply::AutoReplyHandler, guard};
use crate::clock::Millis;
use crate::error::Result;
use crate::events::EngineEvent;
use crate::hooks::{MessageHook, SendCheck, StoredMessage};
use crate::model::AuthorKind;
use crate::operators::{mirror, text};
use crate::queue::JobKind;

/// Queues the assistant's look at each stored customer message.
pub struct AssistantHook;

#[async_trait]
impl MessageHook for AssistantHook {
    async fn stored(
        &self,
        db: &mut SqliteConnection,
        now: Millis,
        message: &StoredMessage,
    ) -> Result<()> {
        if message.author != AuthorKind::Customer {
            return Ok(());
        }
        super::jobs::enqueue_inbound(db, now, message.conversation_id, message.message_id).await
    }
}

/// The outbox guard: holds automatic replies to people not on the whitelist.
pub struct GuardCheck;

#[async_trait]
impl SendCheck for GuardCheck {
    async fn allows(&self, db: &mut SqliteConnection, message_id: i64) -> Result<bool> {
        guard::allows(db, message_id).await
    }

    /// Holds the reply and says so in the operators' topic.
    async fn hold(
        &self,
        db: &mut SqliteConnection,
        message_id: i64,
        now: Millis,
    ) -> Result<Option<Vec<EngineEvent>>> {
        if !guard::hold(db, message_id, now).await? {
            return Ok(None);
        }
        let conversation_id: i64 =
            sqlx::query_scalar("SELECT conversation_id FROM messages WHERE id = ?1")
                .bind(message_id)
                .fetch_one(&mut *db)
                .await?;
        mirror::enqueue_conversation_notice(
            db,
            now,
            conversation_id,
            &format!("held:{message_id}:{now}"),
            text::held,
        )
        .await?;
        Ok(Some(vec![EngineEvent::GuardChanged]))
    }
}

impl Core {
    /// The assistant's job kinds.
    pub fn jobs(&self) -> Vec<JobKind> {
        vec![
            JobKind {
                kind: INBOUND_JOB,
                version: JOB_VERSION,
                handler: Arc::new(InboundHandler(self.clone())),
            },
            JobKind {
                kind: AUTO_REPLY_JOB,
                version: JOB_VERSION,
                handler: Arc::new(AutoReplyHandler(self.clone())),
            },
        ]
    }
}
