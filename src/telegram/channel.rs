//! A project's bot as a customer channel: replies to the people who wrote to
//! the bot in a private chat.

use async_trait::async_trait;
use teloxide_core::errors::{ApiError, RequestError};
use teloxide_core::payloads::{SendDocumentSetters, SendPhotoSetters, SendVoiceSetters};
use teloxide_core::requests::Requester;
use teloxide_core::types::{ChatId, InputFile};

use super::Bots;
use super::mirror::own_file_id;
use crate::channels::{Channel, Outgoing, SendError, Sent};
use crate::clock::Millis;
use crate::model::AttachmentKind;

pub struct BotChannel {
    bots: Bots,
    account_id: i64,
}

impl BotChannel {
    pub fn new(bots: Bots, account_id: i64) -> Self {
        Self { bots, account_id }
    }
}

fn send_error(e: RequestError) -> SendError {
    match e {
        RequestError::RetryAfter(after) => SendError::RateLimited {
            after_ms: Millis::try_from(after.duration().as_millis()).unwrap_or(Millis::MAX),
        },
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            SendError::Transient(format!("Telegram: {e}"))
        }
        RequestError::Api(ApiError::InvalidToken) => {
            SendError::Transient("Telegram: the bot token was revoked".into())
        }
        RequestError::Api(ApiError::Unknown(ref text))
            if text.starts_with("Internal Server Error") || text.starts_with("Bad Gateway") =>
        {
            SendError::Transient(format!("Telegram: {text}"))
        }
        RequestError::Api(ApiError::BotBlocked) => {
            SendError::Rejected("the customer blocked the bot".into())
        }
        other => SendError::Rejected(format!("Telegram: {other}")),
    }
}

#[async_trait]
impl Channel for BotChannel {
    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError> {
        let bot = self
            .bots
            .get(self.account_id)
            .ok_or_else(|| SendError::Transient("the bot is not connected".into()))?;
        let chat: i64 = message.external_thread_id.parse().map_err(|_| {
            SendError::Rejected(format!(
                "`{}` is not a Telegram chat",
                message.external_thread_id
            ))
        })?;
        let chat = ChatId(chat);
        // A file an operator sent through this bot goes on by its id; other
        // attachments are named in the text.
        let media = message
            .attachments
            .iter()
            .find_map(|a| own_file_id(a, self.account_id).map(|id| (a.kind, id)));
        let mut text = message.text.clone();
        for a in &message.attachments {
            if own_file_id(a, self.account_id).is_none() {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&format!("📎 {}", a.name));
            }
        }
        let sent = match media {
            Some((kind, id)) => {
                let file = InputFile::file_id(id);
                let caption: String = text.chars().take(1024).collect();
                match kind {
                    AttachmentKind::Image => bot.bot.send_photo(chat, file).caption(caption).await,
                    AttachmentKind::Audio => bot.bot.send_voice(chat, file).caption(caption).await,
                    _ => bot.bot.send_document(chat, file).caption(caption).await,
                }
            }
            None => bot.bot.send_message(chat, text).await,
        }
        .map_err(send_error)?;
        Ok(Sent {
            external_id: Some(format!("{}:{}", chat.0, sent.id.0)),
        })
    }
}
