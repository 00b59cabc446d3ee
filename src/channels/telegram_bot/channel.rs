//! A project's bot as a customer channel: replies to the people who wrote to
//! the bot in a private chat.

use async_trait::async_trait;
use teloxide_core::errors::{ApiError, RequestError};
use teloxide_core::payloads::{SendDocumentSetters, SendPhotoSetters, SendVoiceSetters};
use teloxide_core::requests::Requester;
use teloxide_core::types::{ChatId, InputFile};

use super::{Bots, own_file_id};
use crate::channels::{Channel, Outgoing, SendError, Sent};
use crate::model::AttachmentKind;
use crate::queue::JobError;

pub struct BotChannel {
    bots: Bots,
    account_id: i64,
}

impl BotChannel {
    pub fn new(bots: Bots, account_id: i64) -> Self {
        Self { bots, account_id }
    }
}

/// What a failed call means for the outbox: the same reading as the work
/// group's jobs, plus the one refusal a customer causes.
fn send_error(e: &RequestError) -> SendError {
    if let RequestError::Api(ApiError::BotBlocked) = e {
        return SendError::Rejected("the customer blocked the bot".into());
    }
    match super::job_error(e) {
        JobError::RetryAfter { after_ms, .. } => SendError::RateLimited { after_ms },
        JobError::Retry(reason) => SendError::Transient(reason),
        JobError::Fatal(reason) => SendError::Rejected(reason),
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
        .map_err(|e| send_error(&e))?;
        Ok(Sent {
            external_id: Some(format!("{}:{}", chat.0, sent.id.0)),
        })
    }
}
