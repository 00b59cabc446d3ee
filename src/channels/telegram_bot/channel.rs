//! A project's bot as a customer channel: replies to the people who wrote to
//! the bot in a private chat.

use async_trait::async_trait;
use teloxide_core::errors::{ApiError, RequestError};
use teloxide_core::payloads::{
    EditMessageCaptionSetters, SendDocumentSetters, SendPhotoSetters, SendVoiceSetters,
    SetMessageReactionSetters,
};
use teloxide_core::requests::HasPayload;
use teloxide_core::requests::Requester;
use teloxide_core::types::{ChatId, InputFile, MessageId, ReactionType, ReplyParameters};

use super::{Bots, own_file_id};
use crate::channels::{Channel, Edit, Outgoing, Reaction, SendError, Sent};
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
        JobError::Unreachable(reason) => SendError::Unreachable(reason),
        JobError::Fatal(reason) => SendError::Rejected(reason),
    }
}

/// `chat:message`, as sent and received messages are known.
fn message_ref(external_id: &str) -> Result<(ChatId, MessageId), SendError> {
    external_id
        .split_once(':')
        .and_then(|(chat, id)| Some((ChatId(chat.parse().ok()?), MessageId(id.parse().ok()?))))
        .ok_or_else(|| SendError::Rejected(format!("`{external_id}` is not a Telegram message")))
}

impl BotChannel {
    fn bot(&self) -> Result<super::BotHandle, SendError> {
        self.bots
            .get(self.account_id)
            .ok_or_else(|| SendError::Transient("the bot is not connected".into()))
    }
}

#[async_trait]
impl Channel for BotChannel {
    async fn edit(&self, edit: &Edit) -> Result<(), SendError> {
        let bot = self.bot()?;
        let (chat, id) = message_ref(&edit.external_id)?;
        let done = if edit.has_files {
            let caption: String = edit.text.chars().take(1024).collect();
            bot.bot
                .edit_message_caption(chat, id)
                .caption(caption)
                .await
                .map(|_| ())
        } else {
            bot.bot
                .edit_message_text(chat, id, edit.text.clone())
                .await
                .map(|_| ())
        };
        match done {
            Err(e) if super::api_text(&e).contains("message is not modified") => Ok(()),
            other => other.map_err(|e| send_error(&e)),
        }
    }

    async fn react(&self, reaction: &Reaction) -> Result<(), SendError> {
        let bot = self.bot()?;
        let (chat, id) = message_ref(&reaction.external_id)?;
        let list = match reaction.emoji.is_empty() {
            true => Vec::new(),
            false => vec![ReactionType::Emoji {
                emoji: reaction.emoji.clone(),
            }],
        };
        bot.bot
            .set_message_reaction(chat, id)
            .reaction(list)
            .await
            .map(|_| ())
            .map_err(|e| send_error(&e))
    }

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
        // A reply to one of the customer's messages quotes it in the chat.
        let quote = message
            .reply_to
            .as_ref()
            .and_then(|r| message_ref(&r.external_id).ok())
            .filter(|(in_chat, _)| *in_chat == chat)
            .map(|(_, id)| ReplyParameters::new(id).allow_sending_without_reply());
        let sent = match media {
            Some((kind, id)) => {
                let file = InputFile::file_id(id);
                let caption: String = text.chars().take(1024).collect();
                match kind {
                    AttachmentKind::Image => {
                        let mut request = bot.bot.send_photo(chat, file).caption(caption);
                        request.payload_mut().reply_parameters = quote;
                        request.await
                    }
                    AttachmentKind::Audio => {
                        let mut request = bot.bot.send_voice(chat, file).caption(caption);
                        request.payload_mut().reply_parameters = quote;
                        request.await
                    }
                    _ => {
                        let mut request = bot.bot.send_document(chat, file).caption(caption);
                        request.payload_mut().reply_parameters = quote;
                        request.await
                    }
                }
            }
            None => {
                let mut request = bot.bot.send_message(chat, text);
                request.payload_mut().reply_parameters = quote;
                request.await
            }
        }
        .map_err(|e| send_error(&e))?;
        Ok(Sent {
            external_id: Some(format!("{}:{}", chat.0, sent.id.0)),
        })
    }
}
