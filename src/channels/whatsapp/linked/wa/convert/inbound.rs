//! Received messages (and the number's own, sent from the phone) as the
//! channel keeps them.

use whatsapp_rust::wacore::proto_helpers::MessageExt;
use whatsapp_rust::wacore::types::message::MessageInfo;
use whatsapp_rust::waproto::buffa::{Message as _, MessageField};
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::{Jid, Server};

use super::super::super::device::{Content, Media, MediaKind, Quoted, SharedContact, WaMessage};
use super::media::MediaHandle;

/// The contact whose number is worth looking up before mapping `info`: a
/// customer known by a LID only (WhatsApp's number-less address), with no
/// number alongside it in the message.
pub fn lid_to_resolve(info: &MessageInfo) -> Option<&Jid> {
    let (jid, alt) = counterpart(info)?;
    if jid.is_lid() && !alt.is_some_and(Jid::is_pn) {
        Some(jid)
    } else {
        None
    }
}

/// The customer in a message and the other address WhatsApp gave for them:
/// the sender, or for the number's own messages in a private chat, the chat.
fn counterpart(info: &MessageInfo) -> Option<(&Jid, Option<&Jid>)> {
    let source = &info.source;
    if !source.is_from_me {
        Some((&source.sender, source.sender_alt.as_ref()))
    } else if !source.is_group {
        Some((&source.chat, source.recipient_alt.as_ref()))
    } else {
        None
    }
}

/// `+` and the digits of a phone-number address.
fn phone_of(jid: &Jid) -> Option<String> {
    if !jid.is_pn() {
        return None;
    }
    let digits = jid.user_base();
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then(|| format!("+{digits}"))
}

/// One received (or self-sent) message, as the channel keeps it; `None` for
/// what is not a conversation with a customer (status updates, channels,
/// the protocol's own housekeeping). `lid_phone` is the number WhatsApp
/// mapped to the customer's LID, when [`lid_to_resolve`] asked for one.
///
/// `sender_phone` is the customer's number: the sender's, or in a private
/// chat the number's own messages carry the chat's.
pub fn to_wa_message(
    info: &MessageInfo,
    message: &wa::Message,
    lid_phone: Option<&str>,
) -> Option<WaMessage> {
    let source = &info.source;
    if matches!(source.chat.server, Server::Broadcast | Server::Newsletter) {
        return None;
    }
    let base = message.get_base_message();
    let content = content(base)?;
    let sender_phone = counterpart(info).and_then(|(jid, alt)| {
        phone_of(jid)
            .or_else(|| alt.and_then(phone_of))
            .or_else(|| {
                lid_phone
                    .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
                    .map(|p| format!("+{p}"))
            })
    });
    Some(WaMessage {
        id: info.id.clone(),
        chat: source.chat.to_non_ad().to_string(),
        is_group: source.is_group || source.chat.server == Server::Group,
        from_me: source.is_from_me,
        sender: source.sender.to_non_ad().to_string(),
        sender_phone,
        push_name: Some(info.push_name.trim())
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        timestamp: info.timestamp.timestamp(),
        content,
        reply_to: reply_to(base),
    })
}

/// What the message carries; `None` for the protocol's own messages.
pub fn content(m: &wa::Message) -> Option<Content> {
    if let Some(text) = m.conversation.as_deref().filter(|t| !t.is_empty()) {
        return Some(Content::Text(text.to_owned()));
    }
    if let Some(ext) = m.extended_text_message.as_option() {
        return Some(Content::Text(ext.text.clone().unwrap_or_default()));
    }
    if let Some(media) = media(m) {
        return Some(media);
    }
    if let Some(loc) = m.location_message.as_option() {
        return Some(match (loc.degrees_latitude, loc.degrees_longitude) {
            (Some(latitude), Some(longitude)) => Content::Location {
                latitude,
                longitude,
                name: non_empty(loc.name.as_deref()),
                address: non_empty(loc.address.as_deref()),
            },
            _ => Content::Other("a location without coordinates".into()),
        });
    }
    if let Some(contact) = m.contact_message.as_option() {
        return Some(Content::Contacts(vec![shared_contact(contact)]));
    }
    if let Some(contacts) = m.contacts_array_message.as_option() {
        return Some(Content::Contacts(
            contacts.contacts.iter().map(shared_contact).collect(),
        ));
    }
    if let Some(reaction) = m.reaction_message.as_option() {
        let target_id = reaction.key.as_option().and_then(|k| k.id.clone())?;
        return Some(Content::Reaction {
            target_id,
            emoji: reaction.text.clone().unwrap_or_default(),
        });
    }
    if let Some(protocol) = m.protocol_message.as_option() {
        return protocol_content(protocol);
    }
    other(m).map(|what| Content::Other(what.to_owned()))
}

fn protocol_content(p: &wa::message::ProtocolMessage) -> Option<Content> {
    use wa::message::protocol_message::Type;
    let target_id = p.key.as_option().and_then(|k| k.id.clone());
    match p.r#type {
        Some(Type::REVOKE) => Some(Content::Revoke {
            target_id: target_id?,
        }),
        Some(Type::MESSAGE_EDIT) => {
            let edited = p.edited_message.as_option()?;
            let text = edited
                .text_content()
                .or_else(|| edited.get_caption())
                .unwrap_or_default()
                .to_owned();
            Some(Content::Edit {
                target_id: target_id?,
                text,
            })
        }
        // Key shares, history notices, settings: the protocol's own.
        _ => None,
    }
}

/// A file the message carries, with its caption.
fn media(m: &wa::Message) -> Option<Content> {
    let (media, caption) = if let Some(x) = m.image_message.as_option() {
        (
            Media {
                kind: MediaKind::Image,
                handle: MediaHandle::of(x, MediaKind::Image).encode(),
                mime: non_empty(x.mimetype.as_deref()),
                file_name: None,
                size: x.file_length,
            },
            x.caption.as_deref(),
        )
    } else if let Some(x) = m.audio_message.as_option() {
        let kind = if x.ptt == Some(true) {
            MediaKind::Voice
        } else {
            MediaKind::Audio
        };
        (
            Media {
                kind,
                handle: MediaHandle::of(x, kind).encode(),
                mime: non_empty(x.mimetype.as_deref()),
                file_name: None,
                size: x.file_length,
            },
            None,
        )
    } else if let Some(x) = m.video_message.as_option().or(m.ptv_message.as_option()) {
        (
            Media {
                kind: MediaKind::Video,
                handle: MediaHandle::of(x, MediaKind::Video).encode(),
                mime: non_empty(x.mimetype.as_deref()),
                file_name: None,
                size: x.file_length,
            },
            x.caption.as_deref(),
        )
    } else if let Some(x) = m.document_message.as_option() {
        (
            Media {
                kind: MediaKind::Document,
                handle: MediaHandle::of(x, MediaKind::Document).encode(),
                mime: non_empty(x.mimetype.as_deref()),
                file_name: non_empty(x.file_name.as_deref())
                    .or_else(|| non_empty(x.title.as_deref())),
                size: x.file_length,
            },
            x.caption.as_deref(),
        )
    } else if let Some(x) = m.sticker_message.as_option() {
        (
            Media {
                kind: MediaKind::Sticker,
                handle: MediaHandle::of(x, MediaKind::Sticker).encode(),
                mime: non_empty(x.mimetype.as_deref()),
                file_name: None,
                size: x.file_length,
            },
            None,
        )
    } else {
        return None;
    };
    Some(Content::Media {
        media,
        caption: non_empty(caption),
    })
}

/// What the inbox does not show, described; `None` for what is not a
/// message at all (a bare key distribution, an empty envelope).
fn other(m: &wa::Message) -> Option<&'static str> {
    let described = [
        (m.poll_creation_message.is_set(), "a poll"),
        (m.poll_creation_message_v2.is_set(), "a poll"),
        (m.poll_creation_message_v3.is_set(), "a poll"),
        (m.poll_creation_message_v4.is_set(), "a poll"),
        (m.poll_creation_message_v5.is_set(), "a poll"),
        (m.poll_creation_message_v6.is_set(), "a poll"),
        (m.poll_update_message.is_set(), "a vote in a poll"),
        (m.live_location_message.is_set(), "a live location"),
        (m.call.is_set(), "a call"),
        (m.call_log_messsage.is_set(), "a call"),
        (m.bcall_message.is_set(), "a call"),
        (
            m.scheduled_call_creation_message.is_set(),
            "a scheduled call",
        ),
        (m.group_invite_message.is_set(), "an invitation to a group"),
        (m.event_message.is_set(), "an event"),
        (m.product_message.is_set(), "a product"),
        (m.order_message.is_set(), "an order"),
        (m.invoice_message.is_set(), "an invoice"),
        (m.send_payment_message.is_set(), "a payment"),
        (m.request_payment_message.is_set(), "a payment request"),
        (m.payment_invite_message.is_set(), "a payment invitation"),
        (m.buttons_message.is_set(), "a message with buttons"),
        (m.buttons_response_message.is_set(), "a button reply"),
        (m.template_message.is_set(), "a template message"),
        (m.template_button_reply_message.is_set(), "a button reply"),
        (m.list_message.is_set(), "a list"),
        (m.list_response_message.is_set(), "a reply to a list"),
        (m.interactive_message.is_set(), "an interactive message"),
        (
            m.interactive_response_message.is_set(),
            "a reply to an interactive message",
        ),
        (m.lottie_sticker_message.is_set(), "an animated sticker"),
        (m.sticker_pack_message.is_set(), "a sticker pack"),
        (m.album_message.is_set(), "an album"),
        (m.pin_in_chat_message.is_set(), "a pinned message"),
        (m.keep_in_chat_message.is_set(), "a kept message"),
        (
            m.request_phone_number_message.is_set(),
            "a request for the phone number",
        ),
        (
            m.placeholder_message.is_set(),
            "a message to see on the phone",
        ),
    ];
    if let Some((_, what)) = described.iter().find(|(set, _)| *set) {
        return Some(what);
    }
    let bare = wa::Message {
        sender_key_distribution_message: MessageField::none(),
        fast_ratchet_key_sender_key_distribution_message: MessageField::none(),
        message_context_info: MessageField::none(),
        ..m.clone()
    };
    // Anything set, even empty, is a message of some kind.
    (bare.encoded_len() > 0).then_some("a message of a kind the inbox does not show")
}

/// The message this one answers.
fn reply_to(m: &wa::Message) -> Option<Quoted> {
    let context = context_info(m)?;
    let id = context.stanza_id.clone().filter(|id| !id.is_empty())?;
    let text = context.quoted_message.as_option().and_then(|q| {
        q.text_content()
            .or_else(|| q.get_caption())
            .map(str::to_owned)
    });
    Some(Quoted { id, text })
}

fn context_info(m: &wa::Message) -> Option<&wa::ContextInfo> {
    [
        m.extended_text_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.image_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.video_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.ptv_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.audio_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.document_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.sticker_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.location_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.contact_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
        m.contacts_array_message
            .as_option()
            .and_then(|x| x.context_info.as_option()),
    ]
    .into_iter()
    .flatten()
    .next()
}

fn shared_contact(c: &wa::message::ContactMessage) -> SharedContact {
    let card = c.vcard.as_deref().unwrap_or_default();
    let name = non_empty(c.display_name.as_deref())
        .or_else(|| vcard_name(card))
        .unwrap_or_default();
    SharedContact {
        name,
        phones: vcard_phones(card),
    }
}

/// The `FN` of a vCard.
fn vcard_name(card: &str) -> Option<String> {
    vcard_lines(card)
        .find(|(name, _)| name.eq_ignore_ascii_case("FN"))
        .and_then(|(_, value)| non_empty(Some(value)))
}

/// The numbers of a vCard's `TEL` lines, as written.
pub fn vcard_phones(card: &str) -> Vec<String> {
    vcard_lines(card)
        .filter(|(name, _)| name.eq_ignore_ascii_case("TEL"))
        .filter_map(|(_, value)| non_empty(Some(value)))
        .collect()
}

/// A vCard's lines as (property name, value): `item1.TEL;type=CELL:+7 999`
/// is `("TEL", "+7 999")`.
fn vcard_lines(card: &str) -> impl Iterator<Item = (&str, &str)> {
    card.lines().filter_map(|line| {
        let (head, value) = line.split_once(':')?;
        let name = head.split(';').next()?;
        let name = name.rsplit('.').next()?;
        Some((name.trim(), value.trim()))
    })
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests;
