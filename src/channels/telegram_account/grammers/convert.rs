//! grammers' updates and messages in the channel's words: the chat (with
//! its kind in the Bot API's id form), who wrote, the text — stickers,
//! contacts and places written out as text — and the file to download.

use grammers_client::media::Media as GMedia;
use grammers_client::message::Message;
use grammers_client::peer::Peer as GPeer;
use grammers_client::session::types::{PeerId, PeerKind};
use grammers_client::session::updates::UpdatesLike;
use grammers_client::tl;
use grammers_client::update::Update;

use crate::channels::telegram_account::mtproto::{
    AccountUpdate, Chat, ChatKind, ChatMessage, Media, MediaKind, Person,
};

/// Whether Telegram says the shown login token was scanned.
pub fn is_login_token(update: &UpdatesLike) -> bool {
    let is = |u: &tl::enums::Update| matches!(u, tl::enums::Update::LoginToken);
    match update {
        UpdatesLike::Updates(tl::enums::Updates::UpdateShort(short)) => is(&short.update),
        UpdatesLike::Updates(tl::enums::Updates::Updates(all)) => all.updates.iter().any(is),
        UpdatesLike::Updates(tl::enums::Updates::Combined(all)) => all.updates.iter().any(is),
        _ => false,
    }
}

/// The update, when it is one the channel cares about. `remember` keeps a
/// message's file for download and gives its handle.
pub fn update(update: Update, remember: impl FnOnce(GMedia) -> u64) -> Option<AccountUpdate> {
    match update {
        Update::NewMessage(message) => message_of(&message, remember).map(AccountUpdate::Message),
        // The account's own message changes when the customer reacts to it
        // (an edit from the owner's phone is not taken over).
        Update::MessageEdited(message) if message.outgoing() => {
            let inner: &Message = &message;
            let tl::enums::Message::Message(raw) = &inner.raw else {
                return None;
            };
            Some(AccountUpdate::Reacted {
                chat_id: message.peer_id().bot_api_dialog_id()?,
                message_id: message.id(),
                emoji: others_reaction(raw.reactions.as_ref())?,
            })
        }
        Update::MessageEdited(message) => message_of(&message, remember).map(AccountUpdate::Edited),
        Update::MessageDeleted(deletion) => Some(AccountUpdate::Deleted {
            chat_id: deletion
                .channel_id()
                .map(|id| PeerId::channel_unchecked(id).bot_api_dialog_id_unchecked()),
            message_ids: deletion.into_messages(),
        }),
        Update::Raw(raw) => match raw.raw {
            tl::enums::Update::MessageReactions(changed) => Some(AccountUpdate::Reacted {
                chat_id: PeerId::from(changed.peer).bot_api_dialog_id()?,
                message_id: changed.msg_id,
                emoji: others_reaction(Some(&changed.reactions))?,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// The reaction someone other than the account put on a message: the
/// newest named one, else one the account did not choose; empty when there
/// is none. `None` when Telegram sent only part of the list (`min`), which
/// says nothing of who reacted.
pub fn others_reaction(reactions: Option<&tl::enums::MessageReactions>) -> Option<String> {
    let Some(tl::enums::MessageReactions::Reactions(reactions)) = reactions else {
        return Some(String::new());
    };
    if reactions.min {
        return None;
    }
    let emoji = |reaction: &tl::enums::Reaction| match reaction {
        tl::enums::Reaction::Emoji(emoji) => Some(emoji.emoticon.clone()),
        _ => None,
    };
    let named = reactions.recent_reactions.iter().flatten().find_map(|r| {
        let tl::enums::MessagePeerReaction::Reaction(r) = r;
        (!r.my).then(|| emoji(&r.reaction)).flatten()
    });
    let counted = || {
        reactions.results.iter().find_map(|r| {
            let tl::enums::ReactionCount::Count(r) = r;
            (r.chosen_order.is_none() || r.count > 1)
                .then(|| emoji(&r.reaction))
                .flatten()
        })
    };
    Some(named.or_else(counted).unwrap_or_default())
}

fn person(peer: &GPeer) -> Person {
    match peer {
        GPeer::User(user) => Person {
            user_id: user.id().bare_id_unchecked(),
            name: user.full_name(),
            username: user.username().map(str::to_owned),
            phone: user.phone().map(str::to_owned),
        },
        other => Person {
            user_id: other.id().bot_api_dialog_id_unchecked(),
            name: other.name().unwrap_or_default().to_owned(),
            username: None,
            phone: None,
        },
    }
}

fn chat_of(message: &Message) -> Option<Chat> {
    let id = message.peer_id();
    let peer = message.peer();
    let kind = match (id.kind(), peer) {
        (PeerKind::User, _) => ChatKind::Private,
        (PeerKind::Chat, _) => ChatKind::Group,
        (_, Some(GPeer::Channel(_))) => ChatKind::Channel,
        (_, _) => ChatKind::Group,
    };
    if id.kind() == PeerKind::User && id == PeerId::self_user() {
        return None;
    }
    Some(Chat {
        id: id.bot_api_dialog_id()?,
        kind,
        title: match kind {
            ChatKind::Private => None,
            _ => peer.and_then(|p| p.name()).map(str::to_owned),
        },
        person: match (kind, peer) {
            (ChatKind::Private, Some(peer)) => Some(person(peer)),
            _ => None,
        },
    })
}

fn message_of(message: &Message, remember: impl FnOnce(GMedia) -> u64) -> Option<ChatMessage> {
    // Service messages (joined, pinned…) are not part of the conversation.
    if message.action().is_some() {
        return None;
    }
    let chat = chat_of(message)?;
    let sender = message
        .sender()
        .map(person)
        .or_else(|| chat.person.clone())
        .unwrap_or_default();
    let mut text = message.text().to_owned();
    let mut media = None;
    match message.media() {
        Some(GMedia::Photo(photo)) => {
            media = Some((
                MediaKind::Photo,
                None,
                Some("image/jpeg".to_owned()),
                photo.size(),
                GMedia::Photo(photo),
            ));
        }
        Some(GMedia::Document(document)) => {
            let mime = document.mime_type().map(str::to_owned);
            let kind = match mime.as_deref() {
                Some("audio/ogg") => MediaKind::Voice,
                Some(m) if m.starts_with("audio/") => MediaKind::Audio,
                Some(m) if m.starts_with("video/") => MediaKind::Video,
                _ => MediaKind::Document,
            };
            let name = document.name().filter(|n| !n.is_empty()).map(str::to_owned);
            let size = document.size();
            media = Some((kind, name, mime, size, GMedia::Document(document)));
        }
        Some(GMedia::Sticker(sticker)) => {
            append(&mut text, &format!("[sticker {}]", sticker.emoji()))
        }
        Some(GMedia::Contact(contact)) => append(
            &mut text,
            &format!(
                "👤 {} {} {}",
                contact.first_name(),
                contact.last_name(),
                contact.phone_number()
            )
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        ),
        Some(GMedia::Geo(geo)) => append(&mut text, &place(geo.latitue(), geo.longitude())),
        Some(GMedia::GeoLive(_)) => append(&mut text, "📍 (live location)"),
        Some(GMedia::Venue(venue)) => append(
            &mut text,
            &format!("📍 {}, {}", venue.title(), venue.address()),
        ),
        _ => {}
    }
    let media = media.map(|(kind, file_name, mime, size, found)| Media {
        kind,
        handle: remember(found).to_le_bytes().to_vec(),
        file_name,
        mime,
        size: size.and_then(|s| i64::try_from(s).ok()),
    });
    Some(ChatMessage {
        chat,
        message_id: message.id(),
        outgoing: message.outgoing(),
        sender,
        text,
        media,
        date: message.date().as_second(),
        reply_to: message.reply_to_message_id(),
    })
}

fn place(latitude: f64, longitude: f64) -> String {
    format!(
        "📍 {latitude:.5}, {longitude:.5} https://www.openstreetmap.org/?mlat={latitude:.5}&mlon={longitude:.5}"
    )
}

fn append(text: &mut String, line: &str) {
    if line.is_empty() {
        return;
    }
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer_reaction(my: bool, emoticon: &str) -> tl::enums::MessagePeerReaction {
        tl::types::MessagePeerReaction {
            big: false,
            unread: true,
            my,
            peer_id: tl::types::PeerUser { user_id: 7 }.into(),
            date: 0,
            reaction: tl::types::ReactionEmoji {
                emoticon: emoticon.to_owned(),
            }
            .into(),
        }
        .into()
    }

    fn counted(chosen: Option<i32>, count: i32, emoticon: &str) -> tl::enums::ReactionCount {
        tl::types::ReactionCount {
            chosen_order: chosen,
            reaction: tl::types::ReactionEmoji {
                emoticon: emoticon.to_owned(),
            }
            .into(),
            count,
        }
        .into()
    }

    fn reactions(
        min: bool,
        results: Vec<tl::enums::ReactionCount>,
        recent: Option<Vec<tl::enums::MessagePeerReaction>>,
    ) -> tl::enums::MessageReactions {
        tl::types::MessageReactions {
            min,
            can_see_list: recent.is_some(),
            reactions_as_tags: false,
            results,
            recent_reactions: recent,
            top_reactors: None,
        }
        .into()
    }

    #[test]
    fn the_customers_reaction_is_the_one_the_account_did_not_put() {
        let both = reactions(
            false,
            vec![counted(Some(0), 1, "❤"), counted(None, 1, "👍")],
            Some(vec![peer_reaction(true, "❤"), peer_reaction(false, "👍")]),
        );
        assert_eq!(others_reaction(Some(&both)).as_deref(), Some("👍"));
        // Without the list of who reacted, the counts tell it.
        let counts = reactions(
            false,
            vec![counted(Some(0), 1, "❤"), counted(None, 1, "🔥")],
            None,
        );
        assert_eq!(others_reaction(Some(&counts)).as_deref(), Some("🔥"));
        let same = reactions(false, vec![counted(Some(0), 2, "❤")], None);
        assert_eq!(others_reaction(Some(&same)).as_deref(), Some("❤"));
    }

    #[test]
    fn no_reaction_but_the_accounts_is_none_and_a_partial_list_says_nothing() {
        let mine = reactions(
            false,
            vec![counted(Some(0), 1, "❤")],
            Some(vec![peer_reaction(true, "❤")]),
        );
        assert_eq!(others_reaction(Some(&mine)).as_deref(), Some(""));
        assert_eq!(others_reaction(None).as_deref(), Some(""));
        let partial = reactions(true, vec![counted(None, 1, "👍")], None);
        assert_eq!(others_reaction(Some(&partial)), None);
    }
}
