//! Replies leave through the outbox: storing a reply and queueing the job that
//! sends it happen in one transaction, and the job follows the message's
//! delivery status (pending → sent, or failed with the reason).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use crate::channels::Registry;
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::hooks::{Hooks, StoredMessage};
use crate::inbox;
use crate::model::{Attachment, AuthorKind, ChannelKind, ConversationStatus, Message};
use crate::queue::{self, JobError, NewJob, Queue, Waker};
use crate::relay::{MAX_TEXT, Relay, preview};
use crate::store::{Store, parse_column};

pub mod changes;
pub mod scheduled;
mod send;

pub use send::SendHandler;

pub const SEND_JOB: &str = "outbox.send";
pub const SEND_JOB_VERSION: i64 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct SendPayload {
    message_id: i64,
}

/// The job that sends the stored reply `message_id`: one at a time per
/// conversation, within the channel's shared budgets. `key` makes it unique
/// (a reply is queued again under a new key when the outbox guard releases it).
fn send_job(message_id: i64, conversation_id: i64, rate_keys: Vec<String>, key: String) -> NewJob {
    NewJob::new(
        SEND_JOB,
        SEND_JOB_VERSION,
        serde_json::json!(SendPayload { message_id }),
        key,
        format!("conversation:{conversation_id}"),
    )
    .rate_keys(rate_keys)
}

/// The conversation, account, kind and thread of a stored message.
async fn place(
    db: &mut SqliteConnection,
    message_id: i64,
) -> Result<(i64, i64, ChannelKind, String)> {
    let (conversation, account, kind, thread): (i64, i64, String, String) = sqlx::query_as(
        "SELECT c.id, m.channel_account_id, a.kind, c.external_thread_id FROM messages m
         JOIN conversations c ON c.id = m.conversation_id
         JOIN channel_accounts a ON a.id = m.channel_account_id WHERE m.id = ?1",
    )
    .bind(message_id)
    .fetch_optional(&mut *db)
    .await?
    .ok_or_else(|| Error::not_found("message", message_id))?;
    Ok((
        conversation,
        account,
        parse_column("channel_accounts.kind", &kind)?,
        thread,
    ))
}

/// A reply's (trimmed) text, as every way of writing or changing one checks
/// it: not empty unless it carries files, within the length a message has.
fn check_text(text: &str, has_files: bool) -> Result<()> {
    if text.is_empty() && !has_files {
        return Err(Error::invalid("the reply is empty"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(Error::invalid(format!(
            "the reply is longer than {MAX_TEXT} characters"
        )));
    }
    Ok(())
}

/// What a channel's refusal means for the job that asked.
fn job_error(e: crate::channels::SendError) -> JobError {
    use crate::channels::SendError;
    match e {
        SendError::Transient(reason) => JobError::Retry(reason),
        SendError::Unreachable(reason) => JobError::Unreachable(reason),
        SendError::RateLimited { after_ms } => JobError::RetryAfter {
            after_ms,
            reason: "the channel's rate limit".into(),
        },
        SendError::Rejected(reason) => JobError::Fatal(reason),
    }
}

/// A reply to write, before it is checked.
#[derive(Debug, Clone)]
pub struct Reply {
    pub conversation_id: i64,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub author: AuthorKind,
    pub author_name: Option<String>,
    /// Who of the team wrote it. A manager's reply with none is the
    /// owner's when the owner is linked (the window is the owner's).
    pub person_id: Option<i64>,
    /// The message of the conversation this reply answers.
    pub reply_to: Option<i64>,
    /// Send it then, not now: it waits as a queued job, editable and
    /// cancellable until it goes (see [`scheduled`]).
    pub send_at: Option<crate::clock::Millis>,
}

#[derive(Clone)]
pub struct Outbox {
    store: Store,
    clock: SharedClock,
    relay: Relay,
    registry: Arc<Registry>,
    waker: Waker,
    max_attempts: i64,
}

impl Outbox {
    /// Replies go into `queue`, each within its channel's budgets (`registry`).
    pub fn new(
        store: Store,
        clock: SharedClock,
        relay: Relay,
        registry: Arc<Registry>,
        queue: &Queue,
    ) -> Self {
        Self {
            store,
            clock,
            relay,
            registry,
            waker: queue.waker(),
            max_attempts: queue.settings().max_attempts,
        }
    }

    /// Queues the sending of the stored reply `message_id` under `key` (a
    /// reply is queued again under a new key when the outbox guard releases it).
    pub async fn queue_send(
        &self,
        db: &mut SqliteConnection,
        now: crate::clock::Millis,
        message_id: i64,
        key: String,
    ) -> Result<()> {
        let (conversation_id, account_id, kind, thread) = place(db, message_id).await?;
        let rate_keys = self.registry.rate_keys(kind, account_id, &thread);
        queue::enqueue(
            db,
            now,
            self.max_attempts,
            send_job(message_id, conversation_id, rate_keys, key),
        )
        .await?;
        Ok(())
    }

    /// Stores the reply as a pending message and queues its sending.
    pub async fn reply(&self, reply: Reply) -> Result<Message> {
        let mut tx = self.store.write().await?;
        let (conversation_id, message_id) = self.reply_in(&mut tx, reply).await?;
        tx.commit().await?;
        self.after_commit(conversation_id, message_id).await;
        inbox::message(self.store.pool(), message_id).await
    }

    /// Sends a reply whose sending failed again: the message is pending
    /// again and its job starts over. Other failed jobs are the queue's.
    pub async fn retry_send(&self, job_id: i64) -> Result<Option<i64>> {
        let now = self.clock.now_ms();
        let mut tx = self.store.write().await?;
        let message: Option<(i64, i64)> = sqlx::query_as(
            "SELECT m.id, m.conversation_id FROM jobs j
             JOIN messages m ON m.id = json_extract(j.payload, '$.message_id')
             WHERE j.id = ?1 AND j.kind = ?2",
        )
        .bind(job_id)
        .bind(SEND_JOB)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((message_id, _)) = message {
            sqlx::query(
                "UPDATE messages SET delivery = 'pending', delivery_error = NULL
                 WHERE id = ?1 AND delivery = 'failed'",
            )
            .bind(message_id)
            .execute(&mut *tx)
            .await?;
        }
        queue::requeue_failed(&mut tx, job_id, now).await?;
        tx.commit().await?;
        self.waker.wake();
        if let Some((message_id, conversation_id)) = message {
            self.relay
                .publish_message(conversation_id, message_id, true)
                .await;
        }
        Ok(message.map(|(id, _)| id))
    }

    /// A person changed a reply's text, in the caller's transaction (see
    /// [`changes::edit_reply_in`]); answers its conversation when it changed.
    pub async fn edit_reply_in(
        &self,
        db: &mut SqliteConnection,
        message_id: i64,
        text: &str,
    ) -> Result<Option<i64>> {
        let now = self.clock.now_ms();
        changes::edit_reply_in(db, &self.registry, now, self.max_attempts, message_id, text).await
    }

    /// A person changed a reply's text (see [`changes::edit_reply_in`]).
    pub async fn edit_reply(&self, message_id: i64, text: &str) -> Result<Message> {
        let mut tx = self.store.write().await?;
        let changed = self.edit_reply_in(&mut tx, message_id, text).await?;
        tx.commit().await?;
        if let Some(conversation_id) = changed {
            self.waker.wake();
            self.relay
                .publish_message(conversation_id, message_id, true)
                .await;
        }
        inbox::message(self.store.pool(), message_id).await
    }

    /// A person of the shop reacted to a customer's message, in the
    /// caller's transaction (see [`changes::react_in`]).
    pub async fn react_in(
        &self,
        db: &mut SqliteConnection,
        message_id: i64,
        emoji: &str,
    ) -> Result<()> {
        let now = self.clock.now_ms();
        changes::react_in(
            db,
            &self.registry,
            now,
            self.max_attempts,
            message_id,
            emoji,
        )
        .await
    }

    /// Tells the workers and subscribers about a reply once it is committed.
    pub async fn after_commit(&self, conversation_id: i64, message_id: i64) {
        self.waker.wake();
        tracing::info!(corr = message_id, conversation_id, "reply queued");
        self.relay
            .publish_message(conversation_id, message_id, false)
            .await;
    }

    /// [`Outbox::reply`] inside the caller's transaction. Returns the
    /// conversation and the new message; the caller commits, then calls
    /// [`Outbox::after_commit`].
    pub async fn reply_in(&self, tx: &mut SqliteConnection, reply: Reply) -> Result<(i64, i64)> {
        let text = reply.text.trim().to_owned();
        check_text(&text, !reply.attachments.is_empty())?;
        if reply.author == AuthorKind::Customer {
            return Err(Error::invalid("a reply cannot be written as the customer"));
        }
        let now = self.clock.now_ms();
        if let Some(at) = reply.send_at {
            scheduled::check_time(now, at)?;
        }
        let (account_id, status, kind, thread): (i64, String, String, String) = sqlx::query_as(
            "SELECT c.channel_account_id, c.status, a.kind, c.external_thread_id
             FROM conversations c JOIN channel_accounts a ON a.id = c.channel_account_id WHERE c.id = ?1",
        )
        .bind(reply.conversation_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("conversation", reply.conversation_id))?;
        let status: ConversationStatus = parse_column("conversations.status", &status)?;
        let kind: ChannelKind = parse_column("channel_accounts.kind", &kind)?;
        let attachments = serde_json::to_string(&reply.attachments)
            .map_err(|e| Error::invalid(format!("attachments: {e}")))?;
        if let Some(answered) = reply.reply_to {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM messages WHERE id = ?1 AND conversation_id = ?2",
            )
            .bind(answered)
            .bind(reply.conversation_id)
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                return Err(Error::invalid(
                    "the message answered is not in this conversation",
                ));
            }
        }
        let message_id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (conversation_id, channel_account_id, direction, author_kind, author_name,
                                   text, attachments, delivery, created_at, reply_to_id, scheduled_at)
             VALUES (?1, ?2, 'out', ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9) RETURNING id",
        )
        .bind(reply.conversation_id)
        .bind(account_id)
        .bind(reply.author.as_str())
        .bind(&reply.author_name)
        .bind(&text)
        .bind(attachments)
        .bind(now)
        .bind(reply.reply_to)
        .bind(reply.send_at)
        .fetch_one(&mut *tx)
        .await?;
        if matches!(reply.author, AuthorKind::Manager | AuthorKind::Operator) {
            sign(
                tx,
                message_id,
                reply.conversation_id,
                reply.author,
                reply.person_id,
            )
            .await?;
        }
        let mut job = send_job(
            message_id,
            reply.conversation_id,
            self.registry.rate_keys(kind, account_id, &thread),
            format!("{SEND_JOB}:{message_id}"),
        );
        job.run_at = reply.send_at;
        queue::enqueue(&mut *tx, now, self.max_attempts, job).await?;
        // A reply for later changes the conversation when it goes.
        if reply.send_at.is_none() {
            settle(
                tx,
                self.relay.hooks(),
                now,
                &StoredMessage {
                    conversation_id: reply.conversation_id,
                    message_id,
                    author: reply.author,
                },
                status,
                &preview(&text, &reply.attachments),
            )
            .await?;
        }
        Ok((reply.conversation_id, message_id))
    }
}

/// A reply is in the conversation: its status and latest message follow,
/// and the features hear of it (the topic's mirror, the assistant).
async fn settle(
    tx: &mut SqliteConnection,
    hooks: &Hooks,
    now: crate::clock::Millis,
    stored: &StoredMessage,
    status: ConversationStatus,
    preview: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE conversations SET status = ?2, last_message_at = ?3, last_message_preview = ?4,
                last_message_direction = 'out', unread_count = 0, updated_at = ?3
         WHERE id = ?1",
    )
    .bind(stored.conversation_id)
    .bind(status.after_reply(stored.author).as_str())
    .bind(now)
    .bind(preview)
    .execute(&mut *tx)
    .await?;
    hooks.stored(&mut *tx, now, stored).await
}

/// Records who of the team wrote a person's reply (a manager's is the
/// owner's when none is named), under that person's name, and marks it with
/// the assignee's name when the conversation is assigned to someone else.
async fn sign(
    tx: &mut SqliteConnection,
    message_id: i64,
    conversation_id: i64,
    author: AuthorKind,
    person_id: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET person_id = coalesce(?2, CASE WHEN ?3 = 'manager'
           THEN (SELECT id FROM people WHERE role = 'owner' AND removed_at IS NULL) END)
         WHERE id = ?1",
    )
    .bind(message_id)
    .bind(person_id)
    .bind(author.as_str())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE messages SET
           author_name = coalesce(author_name, (SELECT name FROM people WHERE id = messages.person_id)),
           assigned_to_name = (SELECT p.name FROM conversations c JOIN people p ON p.id = c.assigned_person_id
                               WHERE c.id = ?2 AND p.id IS NOT messages.person_id)
         WHERE id = ?1",
    )
    .bind(message_id)
    .bind(conversation_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
