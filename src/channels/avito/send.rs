//! Sending: a reply goes to its Avito chat as text messages of at most 1000
//! characters (Avito's limit; longer text is split at paragraph, line or word
//! boundaries) and images (uploaded, then sent). Each part Avito accepted is
//! recorded, so a retried reply never sends a part twice; a text part tried
//! but not recorded (the run ended while Avito answered) is looked for in
//! the chat before it is sent again. The chat is marked read once the reply
//! is out.

use std::sync::Arc;

use async_trait::async_trait;

use super::client::ApiError;
use super::{Core, Session};
use crate::channels::{Channel, Outgoing, SendError, Sent};
use crate::clock::Millis;
use crate::error::Error;
use crate::model::AttachmentKind;

/// Seconds before a part was first tried that its copy in the chat may be
/// dated (the two clocks differ).
const SENT_LEEWAY_S: i64 = 5;

/// The longest text Avito takes in one message.
pub const MAX_TEXT: usize = 1000;

/// Splits `text` into parts of at most `max` characters, preferring to break
/// between paragraphs, then lines, then words.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        // The byte index just past the `max`-th character.
        let limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let window = &rest[..limit];
        let cut = ["\n\n", "\n", " "]
            .iter()
            .find_map(|sep| window.rfind(sep).filter(|&i| i > limit / 2))
            .unwrap_or(limit);
        let (part, tail) = rest.split_at(cut);
        let part = part.trim_end();
        if !part.is_empty() {
            parts.push(part.to_owned());
        }
        rest = tail.trim_start();
    }
    if !rest.is_empty() {
        parts.push(rest.to_owned());
    }
    parts
}

/// What a failed call means for the outbox.
fn send_error(e: &ApiError) -> SendError {
    match e {
        ApiError::RateLimited { after_ms } => SendError::RateLimited {
            after_ms: *after_ms,
        },
        e if e.is_unreachable() => SendError::Unreachable(e.to_string()),
        e if e.is_transient() => SendError::Transient(e.to_string()),
        ApiError::Status { message, .. } => SendError::Rejected(format!("Avito: {message}")),
        e => SendError::Rejected(e.to_string()),
    }
}

fn engine_error(e: &Error) -> SendError {
    SendError::Transient(crate::error::display_chain(e))
}

/// An Avito account as the outbox's channel.
pub struct AvitoChannel {
    core: Arc<Core>,
    account_id: i64,
}

impl AvitoChannel {
    pub(crate) fn new(core: Arc<Core>, account_id: i64) -> Self {
        Self { core, account_id }
    }

    /// The id of a part Avito already accepted.
    async fn sent_part(&self, message_id: i64, part: i64) -> Result<Option<String>, SendError> {
        sqlx::query_scalar(
            "SELECT external_id FROM avito_sent_parts WHERE message_id = ?1 AND part = ?2",
        )
        .bind(message_id)
        .bind(part)
        .fetch_optional(self.core.store.pool())
        .await
        .map_err(|e| engine_error(&e.into()))
    }

    /// When a part was first tried, if it was; otherwise notes that it is
    /// tried now, before the call that sends it.
    async fn tried(&self, message_id: i64, part: i64) -> Result<Option<Millis>, SendError> {
        let pool = self.core.store.pool();
        let noted = sqlx::query(
            "INSERT INTO avito_parts_tried (message_id, part, tried_at) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )
        .bind(message_id)
        .bind(part)
        .bind(self.core.clock.now_ms())
        .execute(pool)
        .await
        .map_err(|e| engine_error(&e.into()))?;
        if noted.rows_affected() == 1 {
            return Ok(None);
        }
        sqlx::query_scalar(
            "SELECT tried_at FROM avito_parts_tried WHERE message_id = ?1 AND part = ?2",
        )
        .bind(message_id)
        .bind(part)
        .fetch_optional(pool)
        .await
        .map_err(|e| engine_error(&e.into()))
    }

    /// A part an earlier attempt may have sent without its answer being
    /// recorded (the run ended, the connection broke): the account's own
    /// text of that wording in the chat's newest page, written since the
    /// part was first tried and not recorded as another part.
    async fn find_sent(
        &self,
        session: &Session,
        chat: &str,
        piece: &str,
        tried_at: Millis,
    ) -> Result<Option<String>, SendError> {
        let page = session
            .client
            .messages(session.user_id, chat, 0)
            .await
            .map_err(|e| send_error(&e))?;
        // Avito tells seconds; a little leeway for the clocks.
        let since = tried_at / 1000 - SENT_LEEWAY_S;
        for m in page {
            let same = m.is_from(session.user_id)
                && m.kind == "text"
                && m.created >= since
                && m.content.text.as_deref().map(str::trim) == Some(piece);
            if same && !self.recorded(&m.id).await? {
                return Ok(Some(m.id));
            }
        }
        Ok(None)
    }

    /// Whether Avito's message `id` is already a recorded part of a reply.
    async fn recorded(&self, id: &str) -> Result<bool, SendError> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM avito_sent_parts WHERE external_id = ?1)")
            .bind(id)
            .fetch_one(self.core.store.pool())
            .await
            .map_err(|e| engine_error(&e.into()))
    }

    async fn record_part(&self, message_id: i64, part: i64, id: &str) -> Result<(), SendError> {
        sqlx::query(
            "INSERT INTO avito_sent_parts (message_id, part, external_id) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )
        .bind(message_id)
        .bind(part)
        .bind(id)
        .execute(self.core.store.pool())
        .await
        .map_err(|e| engine_error(&e.into()))?;
        Ok(())
    }
}

#[async_trait]
impl Channel for AvitoChannel {
    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError> {
        let session = self
            .core
            .session(self.account_id)
            .await
            .map_err(|e| match e {
                Error::NotFound { .. } => SendError::Rejected(e.to_string()),
                e => engine_error(&e),
            })?;
        let chat = &message.external_thread_id;
        let user = session.user_id;
        let mut text = message.text.clone();
        let mut images = Vec::new();
        for a in &message.attachments {
            let local = a
                .url
                .as_deref()
                .filter(|u| self.core.files.path(u).is_some());
            match local {
                Some(url) if a.kind == AttachmentKind::Image => images.push((a, url)),
                // Avito's messenger takes text and images only.
                _ => {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(&format!("📎 {}", a.name));
                }
            }
        }
        let mut part: i64 = 0;
        let mut ids = Vec::new();
        for (attachment, url) in images {
            if let Some(id) = self.sent_part(message.message_id, part).await? {
                ids.push(id);
            } else {
                let bytes = self
                    .core
                    .files
                    .read(url)
                    .await
                    .map_err(|e| engine_error(&e))?;
                let mime = attachment.mime.as_deref().unwrap_or("image/jpeg");
                let image_id = session
                    .client
                    .upload_image(user, bytes, &attachment.name, mime)
                    .await
                    .map_err(|e| send_error(&e))?;
                let id = session
                    .client
                    .send_image(user, chat, &image_id)
                    .await
                    .map_err(|e| send_error(&e))?;
                self.record_part(message.message_id, part, &id).await?;
                ids.push(id);
            }
            part += 1;
        }
        for piece in split(&text, MAX_TEXT) {
            if let Some(id) = self.sent_part(message.message_id, part).await? {
                ids.push(id);
                part += 1;
                continue;
            }
            let found = match self.tried(message.message_id, part).await? {
                Some(tried_at) => self.find_sent(&session, chat, &piece, tried_at).await?,
                None => None,
            };
            let id = match found {
                Some(id) => {
                    tracing::info!(
                        account_id = self.account_id,
                        message_id = message.message_id,
                        part,
                        "a part Avito had already taken was found in the chat, not sent again"
                    );
                    id
                }
                None => session
                    .client
                    .send_text(user, chat, &piece)
                    .await
                    .map_err(|e| send_error(&e))?,
            };
            self.record_part(message.message_id, part, &id).await?;
            ids.push(id);
            part += 1;
        }
        // The buyer's messages were answered: the chat is read on Avito too.
        if let Err(e) = session.client.read(user, chat).await {
            tracing::warn!(account_id = self.account_id, error = %e, "could not mark an Avito chat read");
        }
        session.active(self.core.clock.now_ms());
        session.wake.notify_one();
        Ok(Sent {
            external_id: ids.pop(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_part() {
        assert_eq!(split("  hello  ", 10), vec!["hello"]);
        assert!(split("   ", 10).is_empty());
    }

    #[test]
    fn long_text_breaks_at_paragraphs_then_lines_then_words() {
        let text = format!("{}\n\n{}", "a".repeat(8), "b".repeat(8));
        assert_eq!(split(&text, 12), vec!["a".repeat(8), "b".repeat(8)]);
        let words = "one two three four five six";
        let parts = split(words, 10);
        assert!(parts.iter().all(|p| p.chars().count() <= 10), "{parts:?}");
        assert_eq!(parts.join(" "), words);
    }

    #[test]
    fn unbroken_text_is_cut_at_the_limit_in_characters() {
        let text = "я".repeat(25);
        let parts = split(&text, 10);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.chars().count() <= 10));
        assert_eq!(parts.concat(), text);
    }
}
