//! Replies leave from the number: the text (split at WhatsApp's limit),
//! then the composer's files (pictures as images, OGG/Opus recordings as
//! voice messages, the rest by their kind), the first part answering the
//! customer's message when the reply is to one. Each part is noted once
//! WhatsApp took it, so a retried reply sends only what is missing.

use std::sync::Arc;

use async_trait::async_trait;

use super::Core;
use super::device::{MediaKind, Quoted, Upload, WaError};
use super::receive::external_id;
use crate::channels::{Channel, Edit, Outgoing, Reaction, SendError, Sent};
use crate::error::Error;
use crate::model::AttachmentKind;

/// A text longer than this goes in several messages: 4 096 characters is
/// what WhatsApp's business interfaces take in one, and the phone folds a
/// longer one behind "Read more" anyway.
pub const MAX_TEXT: usize = 4_096;
/// A caption longer than this goes as a text of its own.
const MAX_CAPTION: usize = 1_024;

pub struct NumberChannel {
    core: Arc<Core>,
    account_id: i64,
}

impl NumberChannel {
    pub fn new(core: Arc<Core>, account_id: i64) -> Self {
        Self { core, account_id }
    }
}

fn refused(e: WaError) -> SendError {
    match e {
        WaError::RateLimited { seconds } => SendError::RateLimited {
            after_ms: i64::from(seconds) * 1000,
        },
        WaError::Network(e) => SendError::Unreachable(e),
        WaError::LoggedOut(e) => SendError::Rejected(format!(
            "the WhatsApp number is no longer linked ({e}); link it again"
        )),
        WaError::Refused(e) => SendError::Rejected(format!("WhatsApp refused the message: {e}")),
    }
}

fn stored(e: &Error) -> SendError {
    SendError::Transient(format!("the reply's progress could not be noted: {e}"))
}

/// `text` in pieces of at most `max` characters, cut at a line or a space
/// near the end of each piece when there is one.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        let cut = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let head = &rest[..cut];
        let at = head
            .rfind('\n')
            .or_else(|| head.rfind(' '))
            .filter(|&i| i > cut / 2)
            .unwrap_or(cut);
        parts.push(rest[..at].trim_end().to_owned());
        rest = rest[at..].trim_start();
    }
    if !rest.is_empty() {
        parts.push(rest.to_owned());
    }
    parts
}

fn media_kind(kind: AttachmentKind, mime: &str) -> MediaKind {
    match kind {
        AttachmentKind::Image if matches!(mime, "image/jpeg" | "image/png" | "image/webp") => {
            MediaKind::Image
        }
        AttachmentKind::Audio if mime == "audio/ogg" || mime.starts_with("audio/ogg;") => {
            MediaKind::Voice
        }
        AttachmentKind::Audio => MediaKind::Audio,
        AttachmentKind::Video if mime == "video/mp4" => MediaKind::Video,
        _ => MediaKind::Document,
    }
}

impl NumberChannel {
    async fn sent_part(&self, message_id: i64, part: i64) -> Result<Option<String>, SendError> {
        sqlx::query_scalar(
            "SELECT external_id FROM whatsapp_sent_parts WHERE message_id = ?1 AND part = ?2",
        )
        .bind(message_id)
        .bind(part)
        .fetch_optional(self.core.store.pool())
        .await
        .map_err(|e| stored(&e.into()))
    }

    async fn record_part(&self, message_id: i64, part: i64, id: &str) -> Result<(), SendError> {
        sqlx::query(
            "INSERT INTO whatsapp_sent_parts (message_id, part, external_id) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )
        .bind(message_id)
        .bind(part)
        .bind(id)
        .execute(self.core.store.pool())
        .await
        .map_err(|e| stored(&e.into()))?;
        Ok(())
    }
}

impl NumberChannel {
    /// The device, and the chat and message an external id (`chat:id`) names.
    fn message<'a>(
        &self,
        external_id: &'a str,
    ) -> Result<(Arc<super::live::Live>, &'a str, &'a str), SendError> {
        let (chat, id) = external_id
            .rsplit_once(':')
            .filter(|(chat, id)| chat.contains('@') && !id.is_empty())
            .ok_or_else(|| {
                SendError::Rejected(format!("`{external_id}` is not a WhatsApp message"))
            })?;
        let live =
            self.core.live.get(self.account_id).ok_or_else(|| {
                SendError::Transient("the WhatsApp number is not connected".into())
            })?;
        Ok((live, chat, id))
    }
}

#[async_trait]
impl Channel for NumberChannel {
    async fn edit(&self, edit: &Edit) -> Result<(), SendError> {
        let (live, chat, id) = self.message(&edit.external_id)?;
        live.device
            .edit(chat, id, &edit.text)
            .await
            .map_err(refused)
    }

    /// On a customer's message (the shop's own are not reacted to from here).
    async fn react(&self, reaction: &Reaction) -> Result<(), SendError> {
        let (live, chat, id) = self.message(&reaction.external_id)?;
        live.device
            .react(chat, id, false, &reaction.emoji)
            .await
            .map_err(refused)
    }

    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError> {
        let chat = message.external_thread_id.as_str();
        if !chat.contains('@') {
            return Err(SendError::Rejected(format!(
                "`{chat}` is not a WhatsApp chat"
            )));
        }
        let Some(live) = self.core.live.get(self.account_id) else {
            return Err(SendError::Transient(
                "the WhatsApp number is not connected".into(),
            ));
        };
        let mut files = Vec::new();
        for attachment in &message.attachments {
            let Some(url) = &attachment.url else { continue };
            let bytes = self.core.files.read(url).await.map_err(|e| {
                SendError::Rejected(format!("the file {} is gone: {e}", attachment.name))
            })?;
            let mime = attachment
                .mime
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into());
            files.push(Upload {
                kind: media_kind(attachment.kind, &mime),
                name: attachment.name.clone(),
                mime,
                bytes,
            });
        }
        let text = message.text.trim();
        let caption_fits = !files.is_empty()
            && text.chars().count() <= MAX_CAPTION
            && files[0].kind != MediaKind::Voice;
        let texts = if caption_fits {
            Vec::new()
        } else {
            split(text, MAX_TEXT)
        };
        let quoted = message.reply_to.as_ref().and_then(|r| {
            r.external_id
                .strip_prefix(&format!("{chat}:"))
                .map(|id| Quoted {
                    id: id.to_owned(),
                    text: Some(r.text.clone()),
                })
        });
        let mut first: Option<String> = None;
        let mut part = 0i64;
        for piece in &texts {
            let id = match self.sent_part(message.message_id, part).await? {
                Some(id) => id,
                None => {
                    let reply_to = if part == 0 { quoted.as_ref() } else { None };
                    let id = live
                        .send_text(chat, piece, reply_to)
                        .await
                        .map_err(refused)?;
                    self.record_part(message.message_id, part, &id).await?;
                    id
                }
            };
            first.get_or_insert(id);
            part += 1;
        }
        for (i, file) in files.iter().enumerate() {
            let id = match self.sent_part(message.message_id, part).await? {
                Some(id) => id,
                None => {
                    let caption = (i == 0 && caption_fits && !text.is_empty()).then_some(text);
                    let reply_to = if part == 0 { quoted.as_ref() } else { None };
                    let id = live
                        .send_file(chat, file, caption, reply_to)
                        .await
                        .map_err(refused)?;
                    self.record_part(message.message_id, part, &id).await?;
                    id
                }
            };
            first.get_or_insert(id);
            part += 1;
        }
        tracing::info!(
            account_id = self.account_id,
            message_id = message.message_id,
            parts = part,
            "reply sent from the WhatsApp number"
        );
        Ok(Sent {
            external_id: first.map(|id| external_id(chat, &id)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn a_long_text_is_cut_at_a_space_within_the_limit() {
        let text = "word ".repeat(30);
        let parts = split(&text, 22);
        assert!(parts.iter().all(|p| p.chars().count() <= 22));
        assert_eq!(parts.join(" "), text.trim());
        assert_eq!(split("short", 22), vec!["short".to_owned()]);
        assert!(split("   ", 22).is_empty());
        let unbroken = "ж".repeat(50);
        let parts = split(&unbroken, 22);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.concat(), unbroken);
    }
}
