//! What a channel tells about messages besides new inbound ones: a message
//! the shop wrote outside Tuberry (from the account's own phone), which is
//! stored as already sent so the inbox and the topic show the whole
//! conversation; a customer's message edited or deleted at the provider;
//! a reply delivered to or read by the customer; a reaction; the message a
//! customer's reply answers.

use super::{Relay, conversation_for, preview};
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::hooks::{Change, ChangedMessage, StoredMessage};
use crate::model::{Attachment, AuthorKind, ContactIdentity, IngestOutcome};

/// A message the shop wrote outside Tuberry, as its channel tells it.
#[derive(Debug, Clone)]
pub struct SentElsewhere {
    pub channel_account_id: i64,
    pub external_message_id: String,
    pub external_thread_id: String,
    /// The customer the conversation is with.
    pub customer: ContactIdentity,
    pub customer_name: String,
    /// Who of the shop wrote it (the account's name).
    pub author_name: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub sent_at: Option<Millis>,
}

/// What a provider's receipt says of replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// On the customer's device.
    Delivered,
    /// Seen by the customer.
    Read,
}

impl Relay {
    /// Stores a message the shop wrote outside Tuberry as sent by a person
    /// of the shop, once (`duplicate` when it was stored before).
    pub async fn record_sent_elsewhere(&self, sent: SentElsewhere) -> Result<IngestOutcome> {
        if sent.text.trim().is_empty() && sent.attachments.is_empty() {
            return Err(Error::invalid("the message is empty"));
        }
        let now = self.clock.now_ms();
        let mut tx = self.store.write().await?;
        let seen: Option<(i64, i64)> = sqlx::query_as(
            "SELECT id, conversation_id FROM messages
             WHERE channel_account_id = ?1 AND direction = 'out' AND external_id = ?2",
        )
        .bind(sent.channel_account_id)
        .bind(&sent.external_message_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((message_id, conversation_id)) = seen {
            return Ok(IngestOutcome {
                conversation_id,
                message_id,
                duplicate: true,
            });
        }
        let (conversation_id, status) = conversation_for(
            &mut tx,
            sent.channel_account_id,
            &sent.external_thread_id,
            &sent.customer,
            &sent.customer_name,
            None,
            now,
        )
        .await?;
        let attachments = serde_json::to_string(&sent.attachments)
            .map_err(|e| Error::invalid(format!("attachments: {e}")))?;
        let message_id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (conversation_id, channel_account_id, direction, author_kind, author_name,
                                   text, attachments, delivery, external_id, created_at, sent_at)
             VALUES (?1, ?2, 'out', 'manager', ?3, ?4, ?5, 'delivered', ?6, ?7, ?8) RETURNING id",
        )
        .bind(conversation_id)
        .bind(sent.channel_account_id)
        .bind(&sent.author_name)
        .bind(sent.text.trim_end())
        .bind(attachments)
        .bind(&sent.external_message_id)
        .bind(now)
        .bind(sent.sent_at)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE conversations SET status = ?2, last_message_at = ?3, last_message_preview = ?4,
                    last_message_direction = 'out', unread_count = 0, updated_at = ?3
             WHERE id = ?1",
        )
        .bind(conversation_id)
        .bind(status.after_reply(AuthorKind::Manager).as_str())
        .bind(now)
        .bind(preview(&sent.text, &sent.attachments))
        .execute(&mut *tx)
        .await?;
        self.hooks
            .stored(
                &mut tx,
                now,
                &StoredMessage {
                    conversation_id,
                    message_id,
                    author: AuthorKind::Manager,
                },
            )
            .await?;
        tx.commit().await?;
        let outcome = IngestOutcome {
            conversation_id,
            message_id,
            duplicate: false,
        };
        self.waker.wake();
        tracing::info!(
            conversation_id,
            message_id,
            "a message written elsewhere stored"
        );
        self.publish_message(conversation_id, message_id, false)
            .await;
        Ok(outcome)
    }

    /// A customer changed the text of a message: the stored one follows,
    /// marked edited, the earlier text kept in its history. `false` when no
    /// such message is stored (or the text is the same).
    pub async fn edit_inbound(
        &self,
        channel_account_id: i64,
        external_id: &str,
        text: &str,
    ) -> Result<bool> {
        let now = self.clock.now_ms();
        let mut tx = self.store.write().await?;
        let edited = self
            .edit_inbound_in(&mut tx, now, channel_account_id, external_id, text)
            .await?;
        tx.commit().await?;
        let Some((message_id, conversation_id)) = edited else {
            return Ok(false);
        };
        self.publish_message(conversation_id, message_id, true)
            .await;
        Ok(true)
    }

    /// [`Relay::edit_inbound`] in the caller's transaction: the message and
    /// its conversation when it changed; the caller publishes after committing.
    pub async fn edit_inbound_in(
        &self,
        tx: &mut sqlx::SqliteConnection,
        now: Millis,
        channel_account_id: i64,
        external_id: &str,
        text: &str,
    ) -> Result<Option<(i64, i64)>> {
        let before: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT id, conversation_id, text FROM messages
             WHERE channel_account_id = ?1 AND direction = 'in' AND external_id = ?2",
        )
        .bind(channel_account_id)
        .bind(external_id)
        .fetch_optional(&mut *tx)
        .await?;
        let text = text.trim_end();
        let Some((message_id, conversation_id, old)) = before.filter(|(_, _, old)| old != text)
        else {
            return Ok(None);
        };
        sqlx::query("INSERT INTO message_edits (message_id, text, edited_at) VALUES (?1, ?2, ?3)")
            .bind(message_id)
            .bind(&old)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE messages SET text = ?2, edited_at = ?3 WHERE id = ?1")
            .bind(message_id)
            .bind(text)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        self.changed(tx, now, conversation_id, message_id, Change::Edited)
            .await?;
        tracing::info!(message_id, "a customer edited a message");
        Ok(Some((message_id, conversation_id)))
    }

    /// A customer deleted messages: the stored ones stay, marked deleted
    /// (the conversation's history keeps what was said). Answers how many.
    pub async fn delete_inbound(
        &self,
        channel_account_id: i64,
        external_ids: &[String],
    ) -> Result<usize> {
        let now = self.clock.now_ms();
        let mut tx = self.store.write().await?;
        let mut changed = Vec::new();
        for external_id in external_ids {
            let row: Option<(i64, i64)> = sqlx::query_as(
                "UPDATE messages SET deleted_at = ?3
                 WHERE channel_account_id = ?1 AND direction = 'in' AND external_id = ?2 AND deleted_at IS NULL
                 RETURNING id, conversation_id",
            )
            .bind(channel_account_id)
            .bind(external_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((message_id, conversation_id)) = row {
                self.changed(&mut tx, now, conversation_id, message_id, Change::Deleted)
                    .await?;
                changed.push((message_id, conversation_id));
            }
        }
        tx.commit().await?;
        for (message_id, conversation_id) in &changed {
            self.publish_message(*conversation_id, *message_id, true)
                .await;
        }
        Ok(changed.len())
    }

    async fn changed(
        &self,
        tx: &mut sqlx::SqliteConnection,
        now: Millis,
        conversation_id: i64,
        message_id: i64,
        change: Change,
    ) -> Result<()> {
        self.hooks
            .changed(
                tx,
                now,
                &ChangedMessage {
                    conversation_id,
                    message_id,
                    change,
                },
            )
            .await?;
        self.waker.wake();
        Ok(())
    }

    /// More ways the customer of a conversation is known (a username, a
    /// phone number the channel shared), so that merging finds them. One
    /// already known as another contact stays with that one.
    pub async fn note_identities(
        &self,
        conversation_id: i64,
        identities: &[ContactIdentity],
    ) -> Result<()> {
        let now = self.clock.now_ms();
        for identity in identities {
            if identity.value.trim().is_empty() {
                continue;
            }
            sqlx::query(
                "INSERT INTO contact_identities (contact_id, kind, value, created_at)
                 SELECT contact_id, ?2, ?3, ?4 FROM conversations WHERE id = ?1
                 ON CONFLICT (kind, value) DO NOTHING",
            )
            .bind(conversation_id)
            .bind(identity.kind.as_str())
            .bind(&identity.value)
            .bind(now)
            .execute(self.store.pool())
            .await?;
        }
        Ok(())
    }

    /// The provider says replies reached the customer (or were read):
    /// their delivery moves on, never back. Answers how many changed.
    pub async fn receipt(
        &self,
        channel_account_id: i64,
        external_ids: &[String],
        receipt: Receipt,
    ) -> Result<usize> {
        let now = self.clock.now_ms();
        let mut changed = Vec::new();
        for external_id in external_ids {
            let row: Option<(i64, i64)> = match receipt {
                Receipt::Delivered => {
                    sqlx::query_as(
                        "UPDATE messages SET delivery = 'delivered', delivery_error = NULL
                         WHERE channel_account_id = ?1 AND direction = 'out' AND external_id = ?2
                           AND delivery IN ('pending', 'sent')
                         RETURNING id, conversation_id",
                    )
                    .bind(channel_account_id)
                    .bind(external_id)
                    .fetch_optional(self.store.pool())
                    .await?
                }
                Receipt::Read => {
                    sqlx::query_as(
                        "UPDATE messages SET delivery = 'delivered', delivery_error = NULL, read_at = ?3
                         WHERE channel_account_id = ?1 AND direction = 'out' AND external_id = ?2
                           AND read_at IS NULL AND delivery IN ('pending', 'sent', 'delivered')
                         RETURNING id, conversation_id",
                    )
                    .bind(channel_account_id)
                    .bind(external_id)
                    .bind(now)
                    .fetch_optional(self.store.pool())
                    .await?
                }
            };
            changed.extend(row);
        }
        for (message_id, conversation_id) in &changed {
            self.publish_message(*conversation_id, *message_id, true)
                .await;
        }
        Ok(changed.len())
    }

    /// The customer reacted to a message (either side's); an empty
    /// `emoji` takes the reaction back. `false` when no such message is stored.
    pub async fn react(
        &self,
        channel_account_id: i64,
        external_id: &str,
        emoji: &str,
    ) -> Result<bool> {
        let now = self.clock.now_ms();
        let mut tx = self.store.write().await?;
        let changed = self
            .react_in(&mut tx, now, channel_account_id, external_id, emoji)
            .await?;
        tx.commit().await?;
        let Some((message_id, conversation_id)) = changed else {
            return Ok(false);
        };
        self.publish_message(conversation_id, message_id, true)
            .await;
        Ok(true)
    }

    /// [`Relay::react`] in the caller's transaction: the message and its
    /// conversation when it changed; the caller publishes after committing.
    pub async fn react_in(
        &self,
        tx: &mut sqlx::SqliteConnection,
        now: Millis,
        channel_account_id: i64,
        external_id: &str,
        emoji: &str,
    ) -> Result<Option<(i64, i64)>> {
        let emoji = emoji.trim();
        let changed: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE messages SET reaction = nullif(?3, '')
             WHERE channel_account_id = ?1 AND external_id = ?2
               AND coalesce(reaction, '') != ?3
             RETURNING id, conversation_id",
        )
        .bind(channel_account_id)
        .bind(external_id)
        .bind(emoji.chars().take(16).collect::<String>())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((message_id, conversation_id)) = changed else {
            return Ok(None);
        };
        self.changed(tx, now, conversation_id, message_id, Change::Reacted)
            .await?;
        Ok(Some((message_id, conversation_id)))
    }

    /// The customer's message `external_id` answers another one: the text
    /// it answers is kept with it, as quoted. The answered message is
    /// looked up among the stored ones when `quoted` is not given.
    pub async fn note_reply_context(
        &self,
        channel_account_id: i64,
        external_id: &str,
        answers: &str,
        quoted: Option<&str>,
    ) -> Result<bool> {
        let quoted =
            match quoted.map(str::trim).filter(|q| !q.is_empty()) {
                Some(q) => Some(q.to_owned()),
                None => sqlx::query_scalar(
                    "SELECT text FROM messages WHERE channel_account_id = ?1 AND external_id = ?2",
                )
                .bind(channel_account_id)
                .bind(answers)
                .fetch_optional(self.store.pool())
                .await?,
            };
        let Some(quoted) = quoted.filter(|q| !q.trim().is_empty()) else {
            return Ok(false);
        };
        let quoted: String = quoted.chars().take(1_000).collect();
        let changed: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE messages SET quoted = ?3
             WHERE channel_account_id = ?1 AND direction = 'in' AND external_id = ?2 AND quoted IS NULL
             RETURNING id, conversation_id",
        )
        .bind(channel_account_id)
        .bind(external_id)
        .bind(quoted)
        .fetch_optional(self.store.pool())
        .await?;
        let Some((message_id, conversation_id)) = changed else {
            return Ok(false);
        };
        self.publish_message(conversation_id, message_id, true)
            .await;
        Ok(true)
    }

    /// The provider accepted a reply but then could not deliver it: it is
    /// failed with the provider's reason, and its conversation needs a
    /// person, as when the outbox gives up. A reply delivered, read or
    /// failed already stays as it is. `false` when no such reply is stored.
    pub async fn delivery_failed(
        &self,
        channel_account_id: i64,
        external_id: &str,
        reason: &str,
    ) -> Result<bool> {
        let now = self.clock.now_ms();
        let mut tx = self.store.write().await?;
        let changed: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE messages SET delivery = 'failed', delivery_error = ?3
             WHERE channel_account_id = ?1 AND direction = 'out' AND external_id = ?2
               AND delivery IN ('pending', 'sent') AND read_at IS NULL
             RETURNING id, conversation_id",
        )
        .bind(channel_account_id)
        .bind(external_id)
        .bind(reason)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((message_id, conversation_id)) = changed else {
            return Ok(false);
        };
        self.hooks
            .delivered(&mut tx, message_id, Some(reason))
            .await?;
        sqlx::query("UPDATE conversations SET status = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(conversation_id)
            .bind(crate::model::ConversationStatus::NeedsHuman.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(message_id, "the provider could not deliver a reply");
        self.publish_message(conversation_id, message_id, true)
            .await;
        Ok(true)
    }
}
