//! Changes to messages that Telegram tells the project's bot about: a
//! customer editing a message or reacting in the private chat with the bot.

use sqlx::SqliteConnection;
use teloxide_core::types::{Message, MessageReactionUpdated, ReactionType};

use super::projects::Shared;
use super::updates::Publish;
use crate::error::Result;

/// The bot's messages and its customers' are known as `chat:message`.
fn external_id(chat_id: i64, message_id: i32) -> String {
    format!("{chat_id}:{message_id}")
}

/// A customer changed a message they sent the bot: the stored one follows
/// (and its mirror in the topic). Edits in the work group are not replies.
pub(super) async fn on_edited(
    shared: &Shared,
    db: &mut SqliteConnection,
    account_id: i64,
    message: &Message,
) -> Result<Vec<Publish>> {
    if !message.chat.is_private() || message.from.as_ref().is_none_or(|u| u.is_bot) {
        return Ok(Vec::new());
    }
    let text = message.text().or(message.caption()).unwrap_or_default();
    let now = shared.clock.now_ms();
    let edited = shared
        .relay
        .edit_inbound_in(
            db,
            now,
            account_id,
            &external_id(message.chat.id.0, message.id.0),
            text,
        )
        .await?;
    Ok(edited
        .map(|(message_id, conversation_id)| Publish::Message(conversation_id, message_id))
        .into_iter()
        .collect())
}

/// A customer put a reaction on a message in the chat with the bot (theirs
/// or a reply), or took it back.
pub(super) async fn on_reaction(
    shared: &Shared,
    db: &mut SqliteConnection,
    account_id: i64,
    reaction: &MessageReactionUpdated,
) -> Result<Vec<Publish>> {
    if !reaction.chat.is_private() {
        return Ok(Vec::new());
    }
    let emoji = reaction
        .new_reaction
        .iter()
        .find_map(|r| match r {
            ReactionType::Emoji { emoji } => Some(emoji.as_str()),
            _ => None,
        })
        .unwrap_or("");
    let now = shared.clock.now_ms();
    let changed = shared
        .relay
        .react_in(
            db,
            now,
            account_id,
            &external_id(reaction.chat.id.0, reaction.message_id.0),
            emoji,
        )
        .await?;
    Ok(changed
        .map(|(message_id, conversation_id)| Publish::Message(conversation_id, message_id))
        .into_iter()
        .collect())
}
