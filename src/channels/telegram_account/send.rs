//! Replies leave from the account: the text, with the composer's files
//! (pictures as photos, voice recordings as voice messages, the rest as
//! files), through the runner's connection.

use std::sync::Arc;

use async_trait::async_trait;

use super::Core;
use super::mtproto::{MtError, Peer, Upload};
use super::receive::external_id;
use crate::channels::{Channel, Edit, Outgoing, Reaction, SendError, Sent};
use crate::model::AttachmentKind;

pub struct AccountChannel {
    core: Arc<Core>,
    account_id: i64,
}

impl AccountChannel {
    pub fn new(core: Arc<Core>, account_id: i64) -> Self {
        Self { core, account_id }
    }
}

fn refused(e: MtError) -> SendError {
    match e {
        MtError::FloodWait { seconds } => SendError::RateLimited {
            after_ms: i64::from(seconds) * 1000,
        },
        MtError::Network(e) => SendError::Unreachable(e),
        MtError::Unauthorized(e) => SendError::Rejected(format!(
            "the Telegram account was logged out ({e}); connect it again"
        )),
        MtError::Rpc(e) => SendError::Rejected(format!("Telegram refused the message: {e}")),
    }
}

impl AccountChannel {
    /// The connection, and the chat and message an external id names.
    fn message(
        &self,
        external_id: &str,
    ) -> Result<(std::sync::Arc<super::live::Live>, Peer, i32), SendError> {
        let (chat_id, id) = external_id
            .split_once(':')
            .and_then(|(chat, id)| Some((chat.parse::<i64>().ok()?, id.parse::<i32>().ok()?)))
            .ok_or_else(|| {
                SendError::Rejected(format!("`{external_id}` is not a Telegram message"))
            })?;
        let live =
            self.core.live.get(self.account_id).ok_or_else(|| {
                SendError::Transient("the Telegram account is not connected".into())
            })?;
        Ok((live, Peer { chat_id }, id))
    }
}

#[async_trait]
impl Channel for AccountChannel {
    async fn edit(&self, edit: &Edit) -> Result<(), SendError> {
        let (live, peer, id) = self.message(&edit.external_id)?;
        live.conn.edit(&peer, id, &edit.text).await.map_err(refused)
    }

    async fn react(&self, reaction: &Reaction) -> Result<(), SendError> {
        let (live, peer, id) = self.message(&reaction.external_id)?;
        live.conn
            .react(&peer, id, &reaction.emoji)
            .await
            .map_err(refused)
    }

    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError> {
        let chat_id: i64 = message.external_thread_id.parse().map_err(|_| {
            SendError::Rejected(format!(
                "`{}` is not a Telegram chat",
                message.external_thread_id
            ))
        })?;
        let Some(live) = self.core.live.get(self.account_id) else {
            return Err(SendError::Transient(
                "the Telegram account is not connected".into(),
            ));
        };
        let mut files = Vec::new();
        for attachment in &message.attachments {
            let Some(url) = &attachment.url else { continue };
            let bytes = self.core.files.read(url).await.map_err(|e| {
                SendError::Rejected(format!("the file {} is gone: {e}", attachment.name))
            })?;
            let mime = attachment.mime.clone();
            let voice = mime
                .as_deref()
                .is_some_and(|m| m == "audio/ogg" || m.starts_with("audio/ogg;"));
            files.push(Upload {
                name: attachment.name.clone(),
                as_photo: attachment.kind == AttachmentKind::Image
                    && mime
                        .as_deref()
                        .is_some_and(|m| matches!(m, "image/jpeg" | "image/png" | "image/webp")),
                as_voice: attachment.kind == AttachmentKind::Audio && voice,
                mime,
                bytes,
            });
        }
        // A reply to a message of this chat answers it there.
        let reply_to = message.reply_to.as_ref().and_then(|r| {
            r.external_id
                .strip_prefix(&format!("{chat_id}:"))
                .and_then(|id| id.parse::<i32>().ok())
        });
        let ids = live
            .send(&Peer { chat_id }, &message.text, &files, reply_to)
            .await
            .map_err(refused)?;
        tracing::info!(
            account_id = self.account_id,
            message_id = message.message_id,
            "reply sent from the Telegram account"
        );
        Ok(Sent {
            external_id: ids.first().map(|id| external_id(chat_id, *id)),
        })
    }
}
