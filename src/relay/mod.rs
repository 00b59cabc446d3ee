//! The single entry for every inbound message from every channel.
//!
//! ```text
//!  adapter ──► Inbound::validate ──► Relay::ingest ──► one transaction:
//!                                                     contact (by identity), conversation
//!                                                     (by account + thread), message
//!                                                     (unique by account + external id)
//!                                                     hooks (mirror, assistant), same transaction
//!                                                 ──► events, after commit
//! ```
//!
//! An adapter acknowledges a message to its provider only after `ingest`
//! returned, so a message is stored before anyone is told it arrived.

use std::sync::Arc;

use sqlx::SqliteConnection;

use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventBus};
use crate::hooks::{Hooks, StoredMessage};
use crate::inbox;
use crate::model::{Attachment, AuthorKind, ContactIdentity, ConversationStatus, IngestOutcome};
use crate::queue::Waker;
use crate::store::{Store, parse_column};

mod changes;
pub use changes::{Receipt, SentElsewhere};

pub const MAX_TEXT: usize = 65_536;
const PREVIEW_CHARS: usize = 140;

/// A message as an adapter hands it over, before it is checked.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub channel_account_id: i64,
    pub external_message_id: String,
    pub external_thread_id: String,
    pub sender: ContactIdentity,
    pub sender_name: String,
    pub subject: Option<String>,
    pub text: String,
    pub attachments: Vec<Attachment>,
    /// When the customer sent it, by the provider's clock.
    pub sent_at: Option<Millis>,
}

/// An inbound message that passed [`Inbound::validate`].
#[derive(Debug, Clone)]
pub struct CheckedInbound(Inbound);

impl std::ops::Deref for CheckedInbound {
    type Target = Inbound;

    fn deref(&self) -> &Inbound {
        &self.0
    }
}

impl Inbound {
    pub fn validate(mut self) -> Result<CheckedInbound> {
        for (field, value) in [
            ("external message id", &self.external_message_id),
            ("external thread id", &self.external_thread_id),
            ("sender id", &self.sender.value),
        ] {
            if value.trim().is_empty() {
                return Err(Error::invalid(format!("inbound message without {field}")));
            }
        }
        self.text = self.text.trim_end().to_owned();
        if self.text.trim().is_empty() && self.attachments.is_empty() {
            return Err(Error::invalid("the message is empty"));
        }
        if self.text.chars().count() > MAX_TEXT {
            return Err(Error::invalid(format!(
                "the message is longer than {MAX_TEXT} characters"
            )));
        }
        self.sender_name = self.sender_name.trim().to_owned();
        if self.sender_name.is_empty() {
            self.sender_name = self.sender.value.clone();
        }
        Ok(CheckedInbound(self))
    }
}

/// A one-line start of a message for the inbox list.
pub fn preview(text: &str, attachments: &[Attachment]) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = if line.is_empty() {
        attachments
            .first()
            .map(|a| format!("[{}] {}", a.kind, a.name))
            .unwrap_or_default()
    } else {
        line
    };
    if line.chars().count() > PREVIEW_CHARS {
        let cut: String = line.chars().take(PREVIEW_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        line
    }
}

#[derive(Clone)]
pub struct Relay {
    store: Store,
    clock: SharedClock,
    bus: EventBus,
    /// Ingest's hooks queue jobs (mirrors into operator topics): wake the workers.
    waker: Waker,
    hooks: Arc<Hooks>,
}

/// Finds the contact known by `identity`, or creates it.
async fn contact_for(
    db: &mut SqliteConnection,
    identity: &ContactIdentity,
    name: &str,
    now: Millis,
) -> Result<i64> {
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT coalesce(c.merged_into, c.id) FROM contact_identities i
         JOIN contacts c ON c.id = i.contact_id WHERE i.kind = ?1 AND i.value = ?2",
    )
    .bind(identity.kind.as_str())
    .bind(&identity.value)
    .fetch_optional(&mut *db)
    .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contacts (display_name, search_key, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) RETURNING id",
    )
    .bind(name)
    .bind(name.to_lowercase())
    .bind(now)
    .fetch_one(&mut *db)
    .await?;
    sqlx::query("INSERT INTO contact_identities (contact_id, kind, value, created_at) VALUES (?1, ?2, ?3, ?4)")
        .bind(id)
        .bind(identity.kind.as_str())
        .bind(&identity.value)
        .bind(now)
        .execute(&mut *db)
        .await?;
    Ok(id)
}

/// The conversation of `thread` on the account, or a new one with the
/// contact known by `identity` (created when unknown); and its status.
pub(crate) async fn conversation_for(
    db: &mut SqliteConnection,
    account_id: i64,
    thread: &str,
    identity: &ContactIdentity,
    name: &str,
    subject: Option<&str>,
    now: Millis,
) -> Result<(i64, ConversationStatus)> {
    // The conversation first: when it exists (most messages), its contact
    // is known and nothing else is read.
    let existing: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, status FROM conversations WHERE channel_account_id = ?1 AND external_thread_id = ?2",
    )
    .bind(account_id)
    .bind(thread)
    .fetch_optional(&mut *db)
    .await?;
    Ok(match existing {
        Some((id, status)) => (
            id,
            parse_column::<ConversationStatus>("conversations.status", &status)?,
        ),
        None => {
            let contact_id = contact_for(&mut *db, identity, name, now).await?;
            // The account's project comes with the insert; no row: no account.
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO conversations (project_id, channel_account_id, contact_id, external_thread_id,
                                            subject, last_message_at, created_at, updated_at)
                 SELECT project_id, id, ?2, ?3, ?4, ?5, ?5, ?5 FROM channel_accounts WHERE id = ?1
                 RETURNING id",
            )
            .bind(account_id)
            .bind(contact_id)
            .bind(thread)
            .bind(subject)
            .bind(now)
            .fetch_optional(&mut *db)
            .await?
            .ok_or_else(|| Error::not_found("channel account", account_id))?;
            (id, ConversationStatus::AwaitingResponse)
        }
    })
}

impl Relay {
    pub fn new(
        store: Store,
        clock: SharedClock,
        bus: EventBus,
        waker: Waker,
        hooks: Arc<Hooks>,
    ) -> Self {
        Self {
            store,
            clock,
            bus,
            waker,
            hooks,
        }
    }

    /// What reacts to stored messages.
    pub fn hooks(&self) -> &Arc<Hooks> {
        &self.hooks
    }

    pub fn bus(&self) -> &EventBus {
        &self.bus
    }

    /// Checks `inbound` as [`Inbound::validate`] does; one that cannot be
    /// stored (no sender, nothing in it) is logged and counted for the
    /// Health screen's guardrails — why, never what it said — and `None`
    /// is answered: the channel acknowledges it and goes on.
    pub async fn check(&self, inbound: Inbound) -> Result<Option<CheckedInbound>> {
        let account_id = inbound.channel_account_id;
        let no_sender = inbound.sender.value.trim().is_empty();
        let error = match inbound.validate() {
            Ok(checked) => return Ok(Some(checked)),
            Err(e) => e,
        };
        tracing::warn!(account_id, no_sender, error = %error, "an inbound message is left out");
        let mut tx = self.store.write().await?;
        self.count_skip_in(&mut tx, account_id, no_sender).await?;
        tx.commit().await?;
        Ok(None)
    }

    /// Counts an inbound event left out, inside the caller's transaction
    /// (a channel that stores its position with the messages): without a
    /// usable sender, or unusable otherwise.
    pub async fn count_skip_in(
        &self,
        tx: &mut SqliteConnection,
        account_id: i64,
        no_sender: bool,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO inbound_skips (channel_account_id, reason, at) VALUES (?1, ?2, ?3)",
        )
        .bind(account_id)
        .bind(if no_sender { "no_sender" } else { "unusable" })
        .bind(self.clock.now_ms())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Stores an inbound message once. The same message delivered again (same
    /// channel account and external id) changes nothing and reports `duplicate`.
    pub async fn ingest(&self, inbound: CheckedInbound) -> Result<IngestOutcome> {
        let mut tx = self.store.write().await?;
        let outcome = self.ingest_in(&mut tx, &inbound).await?;
        tx.commit().await?;
        self.after_commit(&outcome).await;
        Ok(outcome)
    }

    /// Tells subscribers about a stored message once its transaction committed.
    pub async fn after_commit(&self, outcome: &IngestOutcome) {
        self.after_commit_all(std::slice::from_ref(outcome)).await;
    }

    /// [`Relay::after_commit`] for many messages stored in one transaction (a
    /// batch of mail): the messages and their conversations are read back in
    /// one query each, and each conversation told once, as it is after all.
    pub async fn after_commit_all(&self, outcomes: &[IngestOutcome]) {
        let fresh: Vec<&IngestOutcome> = outcomes.iter().filter(|o| !o.duplicate).collect();
        if fresh.is_empty() {
            return;
        }
        self.waker.wake();
        for outcome in &fresh {
            // `corr`: the message's id, on every log line about it until it
            // is mirrored and answered (the jobs carry it too).
            tracing::info!(
                corr = outcome.message_id,
                conversation_id = outcome.conversation_id,
                "inbound message stored"
            );
        }
        let ids: Vec<i64> = fresh.iter().map(|o| o.message_id).collect();
        match inbox::messages(self.store.pool(), &ids).await {
            Ok(messages) => {
                for message in messages {
                    self.bus.publish(EngineEvent::MessageAdded { message });
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not publish the messages' events"),
        }
        let mut conversations: Vec<i64> = fresh.iter().map(|o| o.conversation_id).collect();
        conversations.sort_unstable();
        conversations.dedup();
        match inbox::conversation_summaries(self.store.pool(), &conversations).await {
            Ok(summaries) => {
                for conversation in summaries {
                    self.bus
                        .publish(EngineEvent::ConversationChanged { conversation });
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not publish the conversations' events"),
        }
    }

    /// [`Relay::ingest`] inside the caller's transaction (an adapter that stores
    /// its position with the message). The caller commits, then calls
    /// [`Relay::after_commit`].
    pub async fn ingest_in(
        &self,
        tx: &mut SqliteConnection,
        inbound: &CheckedInbound,
    ) -> Result<IngestOutcome> {
        let now = self.clock.now_ms();

        let seen: Option<(i64, i64)> = sqlx::query_as(
            "SELECT id, conversation_id FROM messages
             WHERE channel_account_id = ?1 AND direction = 'in' AND external_id = ?2",
        )
        .bind(inbound.channel_account_id)
        .bind(&inbound.external_message_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((message_id, conversation_id)) = seen {
            tracing::debug!(message_id, "inbound message already stored");
            return Ok(IngestOutcome {
                conversation_id,
                message_id,
                duplicate: true,
            });
        }

        let (conversation_id, status) = conversation_for(
            &mut *tx,
            inbound.channel_account_id,
            &inbound.external_thread_id,
            &inbound.sender,
            &inbound.sender_name,
            inbound.subject.as_deref(),
            now,
        )
        .await?;

        let attachments = serde_json::to_string(&inbound.attachments)
            .map_err(|e| Error::invalid(format!("attachments: {e}")))?;
        let message_id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (conversation_id, channel_account_id, direction, author_kind, author_name,
                                   text, attachments, external_id, created_at, sent_at)
             VALUES (?1, ?2, 'in', 'customer', ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        )
        .bind(conversation_id)
        .bind(inbound.channel_account_id)
        .bind(&inbound.sender_name)
        .bind(&inbound.text)
        .bind(attachments)
        .bind(&inbound.external_message_id)
        .bind(now)
        .bind(inbound.sent_at)
        .fetch_one(&mut *tx)
        .await?;

        sqlx::query(
            "UPDATE conversations SET status = ?2, last_message_at = ?3, last_message_preview = ?4,
                    last_message_direction = 'in', unread_count = unread_count + 1, updated_at = ?3,
                    snoozed_until = NULL
             WHERE id = ?1",
        )
        .bind(conversation_id)
        .bind(status.after_customer_message().as_str())
        .bind(now)
        .bind(preview(&inbound.text, &inbound.attachments))
        .execute(&mut *tx)
        .await?;

        self.hooks
            .stored(
                &mut *tx,
                now,
                &StoredMessage {
                    conversation_id,
                    message_id,
                    author: AuthorKind::Customer,
                },
            )
            .await?;
        Ok(IngestOutcome {
            conversation_id,
            message_id,
            duplicate: false,
        })
    }

    /// Tells subscribers about a stored (or updated) message and its
    /// conversation. Failing to read them back is logged, not returned: the
    /// change itself is committed.
    pub async fn publish_message(&self, conversation_id: i64, message_id: i64, updated: bool) {
        match inbox::message(self.store.pool(), message_id).await {
            Ok(message) if updated => self.bus.publish(EngineEvent::MessageUpdated { message }),
            Ok(message) => self.bus.publish(EngineEvent::MessageAdded { message }),
            Err(e) => tracing::warn!(error = %e, message_id, "could not publish a message event"),
        }
        self.publish_conversation(conversation_id).await;
    }

    pub async fn publish_conversation(&self, conversation_id: i64) {
        match inbox::conversation_summary(self.store.pool(), conversation_id).await {
            Ok(conversation) => self
                .bus
                .publish(EngineEvent::ConversationChanged { conversation }),
            Err(e) => {
                tracing::warn!(error = %e, conversation_id, "could not publish a conversation event")
            }
        }
    }
}
