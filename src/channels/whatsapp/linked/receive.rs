//! What happens on the number, into the inbox: a customer's message through
//! ingest (files downloaded and kept on this computer, voice messages as
//! OGG/Opus, a location or a contact card as text), the owner's own
//! message from the phone stored as sent, reactions, edits, deletions and
//! the message a reply answers applied to the stored messages. The number's
//! flags decide which chats count.

use super::Core;
use super::device::{Content, Media, MediaKind, WaError, WaMessage};
use super::live::Live;
use crate::error::{Error, Result};
use crate::model::{Attachment, AttachmentKind, ContactIdentity, IdentityKind};
use crate::relay::{Inbound, SentElsewhere};

/// A message's id as stored: WhatsApp's id within its chat.
pub fn external_id(chat: &str, id: &str) -> String {
    format!("{chat}:{id}")
}

/// A failure that keeps the batch unacknowledged: the runner reconnects
/// and WhatsApp hands the batch over again.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    WhatsApp(#[from] WaError),
    #[error(transparent)]
    Store(#[from] Error),
}

/// `+digits` of a phone-number address (`79991234567@s.whatsapp.net`,
/// `79991234567:12@s.whatsapp.net`).
pub fn phone_of(jid: &str) -> Option<String> {
    let user = jid.strip_suffix("@s.whatsapp.net")?;
    let digits = user.split(':').next()?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then(|| format!("+{digits}"))
}

/// Who a person is: their phone in +E.164 when known (so that the same
/// customer on Telegram or Avito with that phone is the same contact),
/// their WhatsApp address otherwise.
fn identity(address: &str, phone: Option<&str>) -> ContactIdentity {
    match phone.map(str::to_owned).or_else(|| phone_of(address)) {
        Some(phone) => ContactIdentity {
            kind: IdentityKind::Phone,
            value: phone,
        },
        None => ContactIdentity {
            kind: IdentityKind::Whatsapp,
            value: address.to_owned(),
        },
    }
}

/// Applies one message of number `account_id`.
pub async fn apply(
    core: &Core,
    account_id: i64,
    account_name: &str,
    live: &Live,
    message: WaMessage,
) -> Result<(), ReceiveError> {
    let flags = super::store::flags(&core.store, account_id).await?;
    let accepted = if message.is_group {
        flags.groups
    } else {
        flags.private_chats
    };
    if !accepted || message.chat == "status@broadcast" {
        tracing::debug!(
            account_id,
            "a message of a chat the number's flags leave out"
        );
        return Ok(());
    }
    let chat = message.chat.clone();
    match &message.content {
        Content::Reaction { target_id, emoji } => {
            core.relay
                .react(account_id, &external_id(&chat, target_id), emoji)
                .await?;
            return Ok(());
        }
        Content::Edit { target_id, text } => {
            if !message.from_me {
                core.relay
                    .edit_inbound(account_id, &external_id(&chat, target_id), text)
                    .await?;
            }
            return Ok(());
        }
        Content::Revoke { target_id } => {
            if !message.from_me {
                core.relay
                    .delete_inbound(account_id, &[external_id(&chat, target_id)])
                    .await?;
            }
            return Ok(());
        }
        _ => {}
    }
    if message.from_me {
        if live.sent_here(&chat, &message.id).await {
            return Ok(());
        }
        return sent_from_phone(core, account_id, account_name, live, message).await;
    }
    let (text, attachments) = body(core, live, &message.content).await?;
    let id = external_id(&chat, &message.id);
    let inbound = Inbound {
        channel_account_id: account_id,
        external_message_id: id.clone(),
        external_thread_id: chat.clone(),
        sender: identity(&message.sender, message.sender_phone.as_deref()),
        sender_name: message
            .push_name
            .clone()
            .or_else(|| message.sender_phone.clone())
            .unwrap_or_else(|| message.sender.clone()),
        subject: None,
        text,
        attachments,
        sent_at: Some(message.timestamp * 1000),
    };
    let Some(inbound) = core.relay.check(inbound).await? else {
        return Ok(());
    };
    let outcome = core.relay.ingest(inbound).await?;
    if outcome.duplicate {
        return Ok(());
    }
    if let Some(phone) = message
        .sender_phone
        .as_deref()
        .filter(|_| !message.is_group)
    {
        // Known by the phone; the WhatsApp address finds them too.
        core.relay
            .note_identities(
                outcome.conversation_id,
                &[ContactIdentity {
                    kind: IdentityKind::Whatsapp,
                    value: message.sender.clone(),
                }],
            )
            .await?;
        join_by_phone(core, outcome.conversation_id, phone).await?;
    }
    if let Some(quoted) = &message.reply_to {
        core.relay
            .note_reply_context(
                account_id,
                &id,
                &external_id(&chat, &quoted.id),
                quoted.text.as_deref(),
            )
            .await?;
    }
    Ok(())
}

/// A customer met here for the first time becomes the contact that has
/// their phone elsewhere, when exactly one has it (several are offered for
/// merging in the contact's panel).
async fn join_by_phone(core: &Core, conversation_id: i64, phone: &str) -> Result<(), ReceiveError> {
    let (contact_id, known): (i64, bool) = sqlx::query_as(
        "SELECT c.id, c.phone IS NOT NULL FROM conversations v JOIN contacts c ON c.id = v.contact_id
         WHERE v.id = ?1",
    )
    .bind(conversation_id)
    .fetch_one(core.store.pool())
    .await
    .map_err(Error::from)?;
    if known {
        return Ok(());
    }
    let joined =
        crate::contacts::join_by_phone(&core.store, core.clock.now_ms(), contact_id, phone).await?;
    if joined != contact_id {
        core.relay.publish_conversation(conversation_id).await;
    }
    Ok(())
}

async fn sent_from_phone(
    core: &Core,
    account_id: i64,
    account_name: &str,
    live: &Live,
    message: WaMessage,
) -> Result<(), ReceiveError> {
    let (text, attachments) = body(core, live, &message.content).await?;
    if text.trim().is_empty() && attachments.is_empty() {
        return Ok(());
    }
    // The customer of a private chat is the chat; a group is known by itself.
    let customer = identity(&message.chat, None);
    core.relay
        .record_sent_elsewhere(SentElsewhere {
            channel_account_id: account_id,
            external_message_id: external_id(&message.chat, &message.id),
            external_thread_id: message.chat.clone(),
            customer_name: customer.value.clone(),
            customer,
            author_name: account_name.to_owned(),
            text,
            attachments,
            sent_at: Some(message.timestamp * 1000),
        })
        .await?;
    Ok(())
}

/// The message's text and files, as the inbox shows them.
async fn body(
    core: &Core,
    live: &Live,
    content: &Content,
) -> Result<(String, Vec<Attachment>), ReceiveError> {
    Ok(match content {
        Content::Text(text) => (text.clone(), Vec::new()),
        Content::Media { media, caption } => (
            caption.clone().unwrap_or_default(),
            vec![file(core, live, media).await?],
        ),
        Content::Location {
            latitude,
            longitude,
            name,
            address,
        } => {
            let mut lines = Vec::new();
            lines.extend(name.iter().map(|n| format!("📍 {n}")));
            lines.extend(address.iter().cloned());
            lines.push(format!(
                "https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=17/{latitude}/{longitude}"
            ));
            (lines.join("\n"), Vec::new())
        }
        Content::Contacts(cards) => (
            cards
                .iter()
                .map(|c| format!("👤 {}: {}", c.name, c.phones.join(", ")))
                .collect::<Vec<_>>()
                .join("\n"),
            Vec::new(),
        ),
        Content::Other(what) => (format!("[{what}]"), Vec::new()),
        Content::Reaction { .. } | Content::Edit { .. } | Content::Revoke { .. } => {
            (String::new(), Vec::new())
        }
    })
}

/// The message's file, downloaded and kept. A file WhatsApp no longer has
/// is listed by its name, without its contents, rather than holding back
/// the messages after it.
async fn file(core: &Core, live: &Live, media: &Media) -> Result<Attachment, ReceiveError> {
    let (kind, default_name, default_mime) = match media.kind {
        MediaKind::Image => (AttachmentKind::Image, "photo.jpg", "image/jpeg"),
        MediaKind::Sticker => (AttachmentKind::Image, "sticker.webp", "image/webp"),
        MediaKind::Voice => (AttachmentKind::Audio, "voice.ogg", "audio/ogg; codecs=opus"),
        MediaKind::Audio => (AttachmentKind::Audio, "audio", "audio/mpeg"),
        MediaKind::Video => (AttachmentKind::Video, "video.mp4", "video/mp4"),
        MediaKind::Document => (AttachmentKind::File, "file", "application/octet-stream"),
    };
    let mime = media
        .mime
        .clone()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| default_mime.to_owned());
    let kind = if media.kind == MediaKind::Document {
        AttachmentKind::from_mime(&mime)
    } else {
        kind
    };
    let name = media
        .file_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| default_name.to_owned());
    let (url, size) = match live.device.download(media).await {
        Ok(bytes) => (
            Some(core.files.put(&bytes).await?),
            Some(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
        ),
        Err(e @ (WaError::Network(_) | WaError::RateLimited { .. })) => return Err(e.into()),
        Err(e) => {
            tracing::warn!(error = %e, "a file of a WhatsApp message could not be downloaded");
            (None, media.size.and_then(|s| i64::try_from(s).ok()))
        }
    };
    Ok(Attachment {
        kind,
        name,
        mime: Some(mime),
        url,
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::phone_of;

    #[test]
    fn a_phone_address_gives_its_number() {
        assert_eq!(
            phone_of("79991234567@s.whatsapp.net").as_deref(),
            Some("+79991234567")
        );
        assert_eq!(
            phone_of("79991234567:12@s.whatsapp.net").as_deref(),
            Some("+79991234567")
        );
        assert_eq!(phone_of("1203630@g.us"), None);
        assert_eq!(phone_of("123456789@lid"), None);
    }
}
