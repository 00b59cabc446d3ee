//! Sending: a reply goes to the customer's WhatsApp as one message per file
//! (uploaded to Meta, then sent by its media id) and text messages of at
//! most 4096 characters. Each part Meta accepted is recorded, so a retried
//! reply never sends a part twice.
//!
//! Meta takes free-form replies only within 24 hours of the customer's
//! last message; after that only approved templates (see `templates`). A
//! free-form reply outside the window is refused before it is tried, and
//! Meta's own refusal (code 131047) reads the same; a reply stored as a
//! template goes as one, at any time.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::Core;
use super::graph::GraphError;
use crate::channels::{Channel, Outgoing, Reaction, SendError, Sent};
use crate::clock::Millis;
use crate::error::Error;
use crate::model::{Attachment, AttachmentKind};

/// The longest text Meta takes in one message.
pub const MAX_TEXT: usize = 4096;
/// The customer service window.
pub const WINDOW_MS: Millis = 24 * 60 * 60 * 1000;

/// Splits `text` into parts of at most `max` characters, preferring to break
/// between paragraphs, then lines, then words.
fn split(text: &str, max: usize) -> Vec<String> {
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
fn send_error(e: &GraphError) -> SendError {
    match e {
        GraphError::RateLimited { after_ms, .. } => SendError::RateLimited {
            after_ms: *after_ms,
        },
        GraphError::Network(_) => SendError::Unreachable(e.to_string()),
        GraphError::Status {
            status: 502..=504, ..
        } => SendError::Unreachable(e.to_string()),
        e if e.is_transient() => SendError::Transient(e.to_string()),
        GraphError::Status { message, .. } => SendError::Rejected(format!("WhatsApp: {message}")),
        e => SendError::Rejected(e.to_string()),
    }
}

fn engine_error(e: &Error) -> SendError {
    SendError::Transient(crate::error::display_chain(e))
}

/// How Meta takes a file: its message type and whether the type fits.
fn media_type(attachment: &Attachment) -> &'static str {
    let mime = attachment.mime.as_deref().unwrap_or("");
    match attachment.kind {
        AttachmentKind::Image if matches!(mime, "image/jpeg" | "image/png") => "image",
        AttachmentKind::Audio if mime.starts_with("audio/") => "audio",
        AttachmentKind::Video if matches!(mime, "video/mp4" | "video/3gpp") => "video",
        _ => "document",
    }
}

/// A Cloud API number as the outbox's channel.
pub struct CloudChannel {
    core: Arc<Core>,
    account_id: i64,
}

impl CloudChannel {
    /// The number's Graph API client; a number removed refuses for good.
    async fn number(&self) -> Result<std::sync::Arc<super::Number>, SendError> {
        self.core
            .number(self.account_id)
            .await
            .map_err(|e| match e {
                Error::NotFound { .. } => SendError::Rejected(e.to_string()),
                e => engine_error(&e),
            })
    }

    pub(crate) fn new(core: Arc<Core>, account_id: i64) -> Self {
        Self { core, account_id }
    }

    /// When the customer of the thread last wrote, if ever.
    async fn last_inbound(&self, thread: &str) -> Result<Option<Millis>, SendError> {
        sqlx::query_scalar(
            "SELECT max(coalesce(m.sent_at, m.created_at)) FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
             WHERE c.channel_account_id = ?1 AND c.external_thread_id = ?2 AND m.direction = 'in'",
        )
        .bind(self.account_id)
        .bind(thread)
        .fetch_one(self.core.store.pool())
        .await
        .map_err(|e| engine_error(&e.into()))
    }

    async fn sent_part(&self, message_id: i64, part: i64) -> Result<Option<String>, SendError> {
        sqlx::query_scalar(
            "SELECT external_id FROM whatsapp_sent_parts WHERE message_id = ?1 AND part = ?2",
        )
        .bind(message_id)
        .bind(part)
        .fetch_optional(self.core.store.pool())
        .await
        .map_err(|e| engine_error(&e.into()))
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
        .map_err(|e| engine_error(&e.into()))?;
        Ok(())
    }

    /// Notes what Meta's answer says of the number.
    fn noted(&self, e: GraphError) -> SendError {
        if let GraphError::Credentials(_) = &e {
            self.core.refused(self.account_id, e.to_string());
        }
        tracing::warn!(account_id = self.account_id, error = %e, "WhatsApp Cloud API refused a reply");
        send_error(&e)
    }
}

#[async_trait]
impl Channel for CloudChannel {
    /// A reaction message on the customer's message (Meta has no edits).
    async fn react(&self, reaction: &Reaction) -> Result<(), SendError> {
        let number = self.number().await?;
        let body = json!({
            "recipient_type": "individual",
            "to": reaction.external_thread_id,
            "type": "reaction",
            "reaction": { "message_id": reaction.external_id, "emoji": reaction.emoji },
        });
        number.graph.send(body).await.map_err(|e| self.noted(e))?;
        Ok(())
    }

    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError> {
        let number = self.number().await?;
        let to = &message.external_thread_id;
        let template = super::templates::sent_as(&self.core.store, message.message_id)
            .await
            .map_err(|e| engine_error(&e))?;
        if let Some((name, language, params)) = template {
            let id = match self.sent_part(message.message_id, 0).await? {
                Some(id) => id,
                None => {
                    let body = json!({
                        "recipient_type": "individual",
                        "to": to,
                        "type": "template",
                        "template": super::templates::message_template(&name, &language, &params),
                    });
                    let id = number.graph.send(body).await.map_err(|e| self.noted(e))?;
                    self.record_part(message.message_id, 0, &id).await?;
                    id
                }
            };
            self.core.working(self.account_id);
            return Ok(Sent {
                external_id: Some(id),
            });
        }
        let last = self.last_inbound(to).await?;
        let now = self.core.clock.now_ms();
        if last.is_none_or(|at| now - at > WINDOW_MS) {
            return Err(SendError::Rejected(GraphError::WindowClosed.to_string()));
        }
        let mut part: i64 = 0;
        let mut ids = Vec::new();
        let mut text = message.text.clone();
        for attachment in &message.attachments {
            let local = attachment
                .url
                .as_deref()
                .filter(|u| self.core.files.path(u).is_some());
            let Some(url) = local else {
                // A file not kept here (a link) goes as its name.
                text = format!("{text}\n📎 {}", attachment.name).trim().to_owned();
                continue;
            };
            if let Some(id) = self.sent_part(message.message_id, part).await? {
                ids.push(id);
                part += 1;
                continue;
            }
            let bytes = self
                .core
                .files
                .read(url)
                .await
                .map_err(|e| engine_error(&e))?;
            let kind = media_type(attachment);
            let mime = attachment
                .mime
                .as_deref()
                .unwrap_or("application/octet-stream");
            let media_id = number
                .graph
                .upload(bytes, &attachment.name, mime)
                .await
                .map_err(|e| self.noted(e))?;
            let mut media = json!({ "id": media_id });
            if kind == "document" {
                media["filename"] = attachment.name.clone().into();
            }
            let mut body = json!({
                "recipient_type": "individual",
                "to": to,
                "type": kind,
            });
            body[kind] = media;
            answering(&mut body, message, part);
            let id = number.graph.send(body).await.map_err(|e| self.noted(e))?;
            self.record_part(message.message_id, part, &id).await?;
            ids.push(id);
            part += 1;
        }
        for piece in split(&text, MAX_TEXT) {
            if let Some(id) = self.sent_part(message.message_id, part).await? {
                ids.push(id);
            } else {
                let mut body = json!({
                    "recipient_type": "individual",
                    "to": to,
                    "type": "text",
                    "text": { "body": piece, "preview_url": false },
                });
                answering(&mut body, message, part);
                let id = number.graph.send(body).await.map_err(|e| self.noted(e))?;
                self.record_part(message.message_id, part, &id).await?;
                ids.push(id);
            }
            part += 1;
        }
        self.core.working(self.account_id);
        Ok(Sent {
            external_id: ids.pop(),
        })
    }
}

/// The first part of a reply to a customer's message shows it quoted.
fn answering(body: &mut serde_json::Value, message: &Outgoing, part: i64) {
    if let Some(answered) = message.reply_to.as_ref().filter(|_| part == 0) {
        body["context"] = json!({ "message_id": answered.external_id });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(kind: AttachmentKind, mime: &str) -> Attachment {
        Attachment {
            kind,
            name: "f".into(),
            mime: Some(mime.into()),
            url: None,
            size: None,
        }
    }

    #[test]
    fn long_text_is_split_in_characters_at_paragraphs_or_words() {
        let text = format!("{}\n\n{}", "я".repeat(4000), "б".repeat(3000));
        assert_eq!(
            split(&text, MAX_TEXT),
            vec!["я".repeat(4000), "б".repeat(3000)]
        );
        let unbroken = "ж".repeat(MAX_TEXT + 1);
        let parts = split(&unbroken, MAX_TEXT);
        assert_eq!(
            parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            vec![MAX_TEXT, 1]
        );
        assert!(split("   ", MAX_TEXT).is_empty());
    }

    #[test]
    fn metas_refusals_read_as_the_outbox_needs_them() {
        let limited = GraphError::RateLimited {
            after_ms: 2_000,
            message: "slow down".into(),
        };
        assert_eq!(
            send_error(&limited),
            SendError::RateLimited { after_ms: 2_000 }
        );
        let down = GraphError::Status {
            status: 503,
            code: 2,
            message: "unavailable".into(),
        };
        assert!(matches!(send_error(&down), SendError::Unreachable(_)));
        assert!(matches!(
            send_error(&GraphError::Network("reset".into())),
            SendError::Unreachable(_)
        ));
        let trouble = GraphError::Status {
            status: 500,
            code: 1,
            message: "unknown".into(),
        };
        assert!(matches!(send_error(&trouble), SendError::Transient(_)));
        assert_eq!(
            send_error(&GraphError::WindowClosed),
            SendError::Rejected(
                "more than 24 hours since the customer's last message: only an approved template can be sent"
                    .into()
            )
        );
        let bad = GraphError::Status {
            status: 400,
            code: 100,
            message: "Invalid parameter".into(),
        };
        assert_eq!(
            send_error(&bad),
            SendError::Rejected("WhatsApp: Invalid parameter".into())
        );
    }

    #[test]
    fn files_go_as_the_type_meta_takes_them_as() {
        assert_eq!(
            media_type(&file(AttachmentKind::Image, "image/jpeg")),
            "image"
        );
        assert_eq!(
            media_type(&file(AttachmentKind::Image, "image/gif")),
            "document"
        );
        assert_eq!(
            media_type(&file(AttachmentKind::Audio, "audio/ogg")),
            "audio"
        );
        assert_eq!(
            media_type(&file(AttachmentKind::Video, "video/mp4")),
            "video"
        );
        assert_eq!(
            media_type(&file(AttachmentKind::File, "application/pdf")),
            "document"
        );
    }
}
