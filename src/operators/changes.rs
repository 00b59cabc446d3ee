//! Changes to messages that Telegram tells the project's bot about: a
//! customer editing a message or reacting in the private chat with the bot;
//! an operator editing a reply in a topic (the customer's channel changes
//! it where it can) or reacting to a customer's message there (the
//! reaction goes to the customer where the channel has reactions).

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
    if message.from.as_ref().is_none_or(|u| u.is_bot) {
        return Ok(Vec::new());
    }
    if !message.chat.is_private() {
        return operator_edited(shared, db, message).await;
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
    let emoji = reaction
        .new_reaction
        .iter()
        .find_map(|r| match r {
            ReactionType::Emoji { emoji } => Some(emoji.as_str()),
            _ => None,
        })
        .unwrap_or("");
    if !reaction.chat.is_private() {
        return operator_reacted(shared, db, reaction, emoji).await;
    }
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

/// The stored message a topic message stands for: the operator's own reply
/// (`operator`) or a mirror (`mirror`).
async fn stored_for(
    db: &mut SqliteConnection,
    chat_id: i64,
    telegram_message_id: i32,
    origin: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT message_id FROM topic_messages
         WHERE chat_id = ?1 AND telegram_message_id = ?2 AND origin = ?3 ORDER BY message_id DESC LIMIT 1",
    )
    .bind(chat_id)
    .bind(i64::from(telegram_message_id))
    .bind(origin)
    .fetch_optional(&mut *db)
    .await?)
}

/// An operator changed a reply they wrote in a topic: the stored reply
/// follows, and the customer's channel changes it where it can.
async fn operator_edited(
    shared: &Shared,
    db: &mut SqliteConnection,
    message: &Message,
) -> Result<Vec<Publish>> {
    let Some(message_id) = stored_for(db, message.chat.id.0, message.id.0, "operator").await?
    else {
        return Ok(Vec::new());
    };
    let text = message.text().or(message.caption()).unwrap_or_default();
    let changed = shared.outbox.edit_reply_in(db, message_id, text).await?;
    Ok(changed
        .map(|conversation_id| Publish::Message(conversation_id, message_id))
        .into_iter()
        .collect())
}

/// An operator reacted to a customer's message mirrored in a topic: the
/// reaction goes to the customer. Reactions on anything else stay in the group.
async fn operator_reacted(
    shared: &Shared,
    db: &mut SqliteConnection,
    reaction: &MessageReactionUpdated,
    emoji: &str,
) -> Result<Vec<Publish>> {
    if reaction.user().is_none_or(|u| u.is_bot) {
        return Ok(Vec::new());
    }
    let Some(message_id) =
        stored_for(db, reaction.chat.id.0, reaction.message_id.0, "mirror").await?
    else {
        return Ok(Vec::new());
    };
    let inbound: bool = sqlx::query_scalar("SELECT direction = 'in' FROM messages WHERE id = ?1")
        .bind(message_id)
        .fetch_one(&mut *db)
        .await?;
    if inbound {
        shared.outbox.react_in(db, message_id, emoji).await?;
    }
    Ok(Vec::new())
}
