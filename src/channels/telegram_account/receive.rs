//! What happens in an account, into the inbox: a customer's message through
//! ingest (files downloaded and kept on this computer), the owner's own
//! message from the phone stored as sent, an edit or a deletion applied to
//! the stored message, the customer's reaction shown on the message reacted
//! to. The account's delivery flags decide which chats count.

use super::Core;
use super::live::Live;
use super::model::DeliveryFlags;
use super::mtproto::{AccountUpdate, ChatKind, ChatMessage, Media, MediaKind, MtError, Person};
use crate::error::{Error, Result};
use crate::model::{Attachment, AttachmentKind, ContactIdentity, IdentityKind};
use crate::relay::{Inbound, SentElsewhere};

/// The message's id as stored: unique per chat.
pub fn external_id(chat_id: i64, message_id: i32) -> String {
    format!("{chat_id}:{message_id}")
}

fn accepted(flags: DeliveryFlags, kind: ChatKind) -> bool {
    match kind {
        ChatKind::Private => flags.private_chats,
        ChatKind::Group => flags.groups,
        ChatKind::Channel => flags.channels,
    }
}

/// A failure that stops this update from being stored now: the runner
/// reconnects and Telegram delivers it again (from the saved update state).
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Telegram(#[from] MtError),
    #[error(transparent)]
    Store(#[from] Error),
}

/// Applies one update of account `account_id`.
pub async fn apply(
    core: &Core,
    account_id: i64,
    account_name: &str,
    live: &Live,
    update: AccountUpdate,
) -> Result<(), ReceiveError> {
    match update {
        AccountUpdate::Message(message) => {
            let flags = super::store::flags(&core.store, account_id).await?;
            if !accepted(flags, message.chat.kind) {
                tracing::debug!(
                    account_id,
                    "a message of a chat the account's flags leave out"
                );
                return Ok(());
            }
            if message.outgoing {
                if live.sent_here(message.chat.id, message.message_id).await {
                    return Ok(());
                }
                return sent_from_phone(core, account_id, account_name, live, message).await;
            }
            let attachments = files(core, live, message.media.as_ref()).await?;
            let inbound = Inbound {
                channel_account_id: account_id,
                external_message_id: external_id(message.chat.id, message.message_id),
                external_thread_id: message.chat.id.to_string(),
                sender: telegram_user(&sender_of(&message)),
                sender_name: sender_of(&message).name,
                subject: message.chat.title.clone(),
                text: message.text.clone(),
                attachments,
                sent_at: Some(message.date * 1000),
            };
            let Some(inbound) = core.relay.check(inbound).await? else {
                return Ok(());
            };
            let outcome = core.relay.ingest(inbound).await?;
            if message.chat.kind == ChatKind::Private && !outcome.duplicate {
                core.relay
                    .note_identities(outcome.conversation_id, &known_as(&message.sender))
                    .await?;
            }
            Ok(())
        }
        AccountUpdate::Edited(message) if !message.outgoing => {
            let id = external_id(message.chat.id, message.message_id);
            core.relay
                .edit_inbound(account_id, &id, &message.text)
                .await?;
            Ok(())
        }
        AccountUpdate::Edited(_) => Ok(()),
        AccountUpdate::Deleted {
            chat_id,
            message_ids,
        } => {
            let ids = match chat_id {
                Some(chat) => message_ids.iter().map(|m| external_id(chat, *m)).collect(),
                None => deleted_without_chat(core, account_id, &message_ids).await?,
            };
            core.relay.delete_inbound(account_id, &ids).await?;
            Ok(())
        }
        AccountUpdate::Reacted {
            chat_id,
            message_id,
            emoji,
        } => {
            let id = external_id(chat_id, message_id);
            core.relay.react(account_id, &id, &emoji).await?;
            Ok(())
        }
    }
}

/// Private chats and basic groups number their messages per account, so a
/// deletion there names no chat: the stored messages with those numbers.
async fn deleted_without_chat(
    core: &Core,
    account_id: i64,
    message_ids: &[i32],
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for id in message_ids {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT external_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.channel_account_id = ?1 AND m.direction = 'in' AND m.external_id = c.external_thread_id || ':' || ?2
               AND c.external_thread_id NOT LIKE '-100%'",
        )
        .bind(account_id)
        .bind(id)
        .fetch_all(core.store.pool())
        .await?;
        found.extend(ids);
    }
    Ok(found)
}

/// Who a message in the inbox is from: the sender, or for a channel's post
/// the channel itself.
fn sender_of(message: &ChatMessage) -> Person {
    if message.chat.kind == ChatKind::Channel && message.sender.user_id == 0 {
        return Person {
            user_id: message.chat.id,
            name: message.chat.title.clone().unwrap_or_default(),
            username: None,
            phone: None,
        };
    }
    message.sender.clone()
}

/// The person's username and phone, as contact identities.
fn known_as(person: &Person) -> Vec<ContactIdentity> {
    let mut known = Vec::new();
    if let Some(username) = &person.username {
        known.push(ContactIdentity {
            kind: IdentityKind::TelegramUsername,
            value: username.trim_start_matches('@').to_lowercase(),
        });
    }
    if let Some(phone) = &person.phone {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            known.push(ContactIdentity {
                kind: IdentityKind::Phone,
                value: format!("+{digits}"),
            });
        }
    }
    known
}

fn telegram_user(person: &Person) -> ContactIdentity {
    ContactIdentity {
        kind: IdentityKind::TelegramUser,
        value: person.user_id.to_string(),
    }
}

async fn sent_from_phone(
    core: &Core,
    account_id: i64,
    account_name: &str,
    live: &Live,
    message: ChatMessage,
) -> Result<(), ReceiveError> {
    // The customer of a private chat is its other person; a group is known
    // by itself.
    let customer = match (&message.chat.person, message.chat.kind) {
        (Some(person), ChatKind::Private) => person.clone(),
        _ => Person {
            user_id: message.chat.id,
            name: message.chat.title.clone().unwrap_or_default(),
            username: None,
            phone: None,
        },
    };
    let attachments = files(core, live, message.media.as_ref()).await?;
    if message.text.trim().is_empty() && attachments.is_empty() {
        return Ok(());
    }
    core.relay
        .record_sent_elsewhere(SentElsewhere {
            channel_account_id: account_id,
            external_message_id: external_id(message.chat.id, message.message_id),
            external_thread_id: message.chat.id.to_string(),
            customer: telegram_user(&customer),
            customer_name: customer.name.clone(),
            author_name: account_name.to_owned(),
            text: message.text,
            attachments,
            sent_at: Some(message.date * 1000),
        })
        .await?;
    Ok(())
}

/// The message's file, downloaded and kept (photos, voices, documents…).
async fn files(
    core: &Core,
    live: &Live,
    media: Option<&Media>,
) -> Result<Vec<Attachment>, ReceiveError> {
    let Some(media) = media else {
        return Ok(Vec::new());
    };
    let bytes = live.conn.download(media).await?;
    let url = core.files.put(&bytes).await?;
    let (kind, default_name, default_mime) = match media.kind {
        MediaKind::Photo => (AttachmentKind::Image, "photo.jpg", "image/jpeg"),
        MediaKind::Voice => (AttachmentKind::Audio, "voice.ogg", "audio/ogg"),
        MediaKind::Audio => (AttachmentKind::Audio, "audio", "audio/mpeg"),
        MediaKind::Video => (AttachmentKind::Video, "video.mp4", "video/mp4"),
        MediaKind::Document => (AttachmentKind::File, "file", "application/octet-stream"),
    };
    let mime = media
        .mime
        .clone()
        .unwrap_or_else(|| default_mime.to_owned());
    let kind = if media.kind == MediaKind::Document {
        AttachmentKind::from_mime(&mime)
    } else {
        kind
    };
    Ok(vec![Attachment {
        kind,
        name: media
            .file_name
            .clone()
            .unwrap_or_else(|| default_name.to_owned()),
        mime: Some(mime),
        url: Some(url),
        size: Some(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
    }])
}
