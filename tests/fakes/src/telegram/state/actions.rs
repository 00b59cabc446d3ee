//! The control side of the state: bots, groups and what people do in them.

use super::*;

impl State {
    pub(crate) fn add_bot(&mut self, token: &str, username: &str) -> ControlResult<i64> {
        let id = token
            .split_once(':')
            .and_then(|(id, _)| id.parse::<i64>().ok())
            .filter(|&id| id > 0)
            .ok_or_else(|| format!("a bot token looks like 123456:secret, not {token}"))?;
        if let Some(other) = self.bots.get(&id) {
            if other.token != token {
                return Err(format!("bot {id} already exists with another token"));
            }
            return Ok(id);
        }
        self.bots
            .insert(id, Bot::new(id, token.to_owned(), username.to_owned()));
        Ok(id)
    }

    /// @BotFather's /revoke: the bot keeps its id, the old token answers 401.
    pub(crate) fn revoke_token(&mut self, token: &str, new_token: &str) -> ControlResult<()> {
        let id = self.bot_by_token(token)?;
        if !new_token.starts_with(&format!("{id}:")) {
            return Err(format!("a new token of bot {id} starts with {id}:"));
        }
        if let Some(bot) = self.bots.get_mut(&id) {
            bot.token = new_token.to_owned();
        }
        Ok(())
    }

    pub(crate) fn create_group(&mut self, title: &str, forum: bool) -> i64 {
        let id = self.next_group;
        self.next_group -= 1;
        let kind = ChatKind::Supergroup {
            title: title.to_owned(),
            is_forum: forum,
        };
        self.chats.insert(id, Chat::new(id, kind));
        id
    }

    pub(crate) fn set_forum(&mut self, chat_id: i64, forum: bool) -> ControlResult<()> {
        let chat = self.group_mut(chat_id)?;
        if let ChatKind::Supergroup { is_forum, .. } = &mut chat.kind {
            *is_forum = forum;
        }
        Ok(())
    }

    pub(crate) fn user_writes_to_bot(
        &mut self,
        token: &str,
        user: &User,
        text: &str,
    ) -> ControlResult<i64> {
        self.user_sends_to_bot(token, user, Content::text(text))
    }

    pub(crate) fn user_sends_media_to_bot(
        &mut self,
        token: &str,
        user: &User,
        media: Media,
    ) -> ControlResult<i64> {
        let (field, folder, extension, default_mime) = match media.kind {
            MediaKind::Photo => ("photo", "photos", "jpg", None),
            MediaKind::Voice => ("voice", "voice", "oga", Some("audio/ogg")),
            MediaKind::Document => (
                "document",
                "documents",
                "bin",
                Some("application/octet-stream"),
            ),
            MediaKind::Audio => ("audio", "music", "mp3", Some("audio/mpeg")),
            MediaKind::Video => ("video", "videos", "mp4", Some("video/mp4")),
        };
        let extension = media
            .file_name
            .as_deref()
            .and_then(|name| name.rsplit_once('.'))
            .map_or(extension, |(_, ext)| ext)
            .to_owned();
        let mime_type = media.mime_type.or_else(|| default_mime.map(str::to_owned));
        let file = self.add_file(
            folder,
            &extension,
            media.bytes,
            media.file_name,
            mime_type,
            media.reported_size,
        );
        let content = self.media_content(field, &file, media.caption.as_deref());
        self.user_sends_to_bot(token, user, content)
    }

    pub(super) fn user_sends_to_bot(
        &mut self,
        token: &str,
        user: &User,
        content: Content,
    ) -> ControlResult<i64> {
        let bot_id = self.bot_by_token(token)?;
        let chat_id = self.private_chat(user);
        if let Some(bot) = self.bots.get_mut(&bot_id) {
            bot.known_users.insert(user.id);
            bot.blocked_by.remove(&user.id);
        }
        let message = self.post(chat_id, None, Actor::User(user.id), content, None);
        let message_id = message["message_id"].as_i64().unwrap_or_default();
        self.deliver(bot_id, "message", message);
        Ok(message_id)
    }

    /// A person changes the text of a message they sent a bot; the bot gets
    /// an `edited_message` update.
    pub(crate) fn user_edits_to_bot(
        &mut self,
        token: &str,
        user: &User,
        message_id: i64,
        text: &str,
    ) -> ControlResult<()> {
        let bot_id = self.bot_by_token(token)?;
        let message = self
            .chats
            .get_mut(&user.id)
            .and_then(|c| c.messages.iter_mut().find(|m| m.id == message_id))
            .filter(|m| m.from == Actor::User(user.id))
            .ok_or_else(|| format!("{} sent no message {message_id}", user.id))?;
        let json = message.edit(text);
        self.deliver(bot_id, "edited_message", json);
        Ok(())
    }

    /// A person puts a reaction on a message of their chat with a bot (or
    /// takes theirs back with `None`); the bot gets a `message_reaction`
    /// update if it asked for them.
    pub(crate) fn user_reacts_to_bot(
        &mut self,
        token: &str,
        user: &User,
        message_id: i64,
        emoji: Option<&str>,
    ) -> ControlResult<()> {
        let bot_id = self.bot_by_token(token)?;
        let chat = self
            .chats
            .get_mut(&user.id)
            .filter(|c| c.message(message_id).is_some())
            .ok_or_else(|| format!("no message {message_id} in the chat with {}", user.id))?;
        let update = reaction_update(chat, user, message_id, emoji);
        self.deliver(bot_id, "message_reaction", update);
        Ok(())
    }

    /// A person changes their message in a group; the administrator bots
    /// get an `edited_message` update.
    pub(crate) fn user_edits_in_group(
        &mut self,
        chat_id: i64,
        user: &User,
        message_id: i64,
        text: &str,
    ) -> ControlResult<()> {
        let message = self
            .group_mut(chat_id)?
            .messages
            .iter_mut()
            .find(|m| m.id == message_id && m.from == Actor::User(user.id))
            .ok_or_else(|| format!("{} wrote no message {message_id} in {chat_id}", user.id))?;
        let json = message.edit(text);
        for bot_id in admin_bots(self.group(chat_id)?) {
            self.deliver(bot_id, "edited_message", json.clone());
        }
        Ok(())
    }

    /// A person reacts to a message of a group (or takes theirs back);
    /// administrator bots that asked for reactions get `message_reaction`.
    pub(crate) fn user_reacts_in_group(
        &mut self,
        chat_id: i64,
        user: &User,
        message_id: i64,
        emoji: Option<&str>,
    ) -> ControlResult<()> {
        let chat = self.group_mut(chat_id)?;
        if chat.message(message_id).is_none() {
            return Err(format!("group {chat_id} has no message {message_id}"));
        }
        let update = reaction_update(chat, user, message_id, emoji);
        for bot_id in admin_bots(chat) {
            self.deliver(bot_id, "message_reaction", update.clone());
        }
        Ok(())
    }

    pub(crate) fn user_blocks_bot(&mut self, token: &str, user_id: i64) -> ControlResult<()> {
        let bot_id = self.bot_by_token(token)?;
        if let Some(bot) = self.bots.get_mut(&bot_id) {
            bot.blocked_by.insert(user_id);
        }
        Ok(())
    }

    /// Changes a bot's membership in a group and tells the bot with a
    /// `my_chat_member` update. `rights: None` takes the bot out.
    pub(crate) fn set_bot_membership(
        &mut self,
        token: &str,
        chat_id: i64,
        rights: Option<Rights>,
        by: Option<&User>,
    ) -> ControlResult<()> {
        let bot_id = self.bot_by_token(token)?;
        let chat = self.group(chat_id)?;
        let by = by
            .cloned()
            .or_else(|| chat.owner.clone())
            .unwrap_or_else(|| User::new(1, "Owner"));
        let old = chat.bots.get(&bot_id).copied();
        self.users.insert(by.id, by.clone());
        let chat = self.group_mut(chat_id)?;
        chat.owner.get_or_insert_with(|| by.clone());
        match rights {
            Some(rights) => chat.bots.insert(bot_id, rights),
            None => chat.bots.remove(&bot_id),
        };
        let chat_json = objects::chat(chat);
        let bot_json = self.bot_json(bot_id);
        let update = objects::chat_member_updated(
            chat_json,
            objects::user(&by),
            unix_now(),
            objects::chat_member(bot_json.clone(), Status::of_bot(old)),
            objects::chat_member(bot_json, Status::of_bot(rights)),
        );
        self.deliver(bot_id, "my_chat_member", update);
        Ok(())
    }

    pub(crate) fn user_writes_in_group(
        &mut self,
        chat_id: i64,
        thread_id: Option<i64>,
        user: &User,
        text: &str,
    ) -> ControlResult<i64> {
        self.user_replies_in_group(chat_id, thread_id, user, text, None)
    }

    /// As [`Self::user_writes_in_group`], answering message `reply_to`.
    pub(crate) fn user_replies_in_group(
        &mut self,
        chat_id: i64,
        thread_id: Option<i64>,
        user: &User,
        text: &str,
        reply_to: Option<i64>,
    ) -> ControlResult<i64> {
        let chat = self.group(chat_id)?;
        if let Some(thread_id) = thread_id
            && chat.live_topic(thread_id).is_none()
        {
            return Err(format!("group {chat_id} has no topic {thread_id}"));
        }
        self.users.insert(user.id, user.clone());
        self.group_mut(chat_id)?
            .members
            .insert(user.id, user.clone());
        let message = self.post(
            chat_id,
            thread_id,
            Actor::User(user.id),
            Content::text(text),
            reply_to,
        );
        let message_id = message["message_id"].as_i64().unwrap_or_default();
        self.deliver_to_group_bots(chat_id, &message, Some(text));
        Ok(message_id)
    }

    /// A person closes or reopens a topic: the service message goes to the
    /// administrator bots.
    pub(crate) fn user_sets_topic_closed(
        &mut self,
        chat_id: i64,
        thread_id: i64,
        closed: bool,
        by: Option<&User>,
    ) -> ControlResult<()> {
        let chat = self.group_mut(chat_id)?;
        let user = by
            .cloned()
            .or_else(|| chat.owner.clone())
            .unwrap_or_else(|| User::new(1, "Owner"));
        let topic = chat
            .topics
            .get_mut(&thread_id)
            .filter(|t| !t.deleted)
            .ok_or_else(|| format!("group {chat_id} has no topic {thread_id}"))?;
        if topic.closed == closed {
            return Ok(());
        }
        topic.closed = closed;
        self.users.insert(user.id, user.clone());
        let field = if closed {
            "forum_topic_closed"
        } else {
            "forum_topic_reopened"
        };
        let content = Content::service(field, json!({}));
        let message = self.post(
            chat_id,
            Some(thread_id),
            Actor::User(user.id),
            content,
            None,
        );
        self.deliver_to_group_bots(chat_id, &message, None);
        Ok(())
    }

    /// A person deletes a topic: it and its messages vanish, no update.
    pub(crate) fn user_deletes_topic(&mut self, chat_id: i64, thread_id: i64) -> ControlResult<()> {
        let chat = self.group_mut(chat_id)?;
        let topic = chat
            .topics
            .get_mut(&thread_id)
            .filter(|t| !t.deleted)
            .ok_or_else(|| format!("group {chat_id} has no topic {thread_id}"))?;
        topic.deleted = true;
        delete_topic_messages(chat, thread_id);
        Ok(())
    }

    // Inspection.

    pub(crate) fn topics(&self, chat_id: i64) -> Vec<Topic> {
        self.chats.get(&chat_id).map_or_else(Vec::new, |chat| {
            chat.topics
                .iter()
                .map(|(&thread_id, t)| Topic {
                    thread_id,
                    name: t.name.clone(),
                    icon_color: t.icon_color,
                    closed: t.closed,
                    deleted: t.deleted,
                })
                .collect()
        })
    }

    pub(crate) fn messages(&self, chat_id: i64, thread_id: Option<i64>) -> Vec<SentMessage> {
        let Some(chat) = self.chats.get(&chat_id) else {
            return Vec::new();
        };
        chat.messages
            .iter()
            .filter(|m| thread_id.is_none() || m.thread_id == thread_id)
            .map(|m| SentMessage {
                message_id: m.id,
                from_bot: match m.from {
                    Actor::Bot(id) => Some(id),
                    Actor::User(_) => None,
                },
                from_user: match m.from {
                    Actor::User(id) => Some(id),
                    Actor::Bot(_) => None,
                },
                kind: m.content.kind.to_owned(),
                text: m.content.text.clone(),
                thread_id: m.thread_id,
                file_id: m.content.file_id.clone(),
                reply_to: m.json["reply_to_message"]["message_id"].as_i64(),
                edited: m.edited,
            })
            .collect()
    }

    pub(crate) fn reactions(&self, chat_id: i64, message_id: i64) -> Vec<String> {
        self.chats
            .get(&chat_id)
            .and_then(|chat| chat.reactions.get(&message_id))
            .map(|by_bot| by_bot.values().flatten().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn pending_updates(&self, token: &str) -> usize {
        self.bot_id(token)
            .and_then(|id| self.bots.get(&id))
            .map_or(0, |b| b.updates.len())
    }
}

/// Sets `user`'s reaction on a message of `chat` (or takes it back) and
/// answers the `MessageReactionUpdated` that tells it.
fn reaction_update(chat: &mut Chat, user: &User, message_id: i64, emoji: Option<&str>) -> Value {
    let reaction = |e: &String| serde_json::json!({"type": "emoji", "emoji": e});
    let on_message = chat.reactions.entry(message_id).or_default();
    let old: Vec<Value> = on_message
        .get(&user.id)
        .map(|list| list.iter().map(reaction).collect())
        .unwrap_or_default();
    match emoji {
        Some(e) => on_message.insert(user.id, vec![e.to_owned()]),
        None => on_message.remove(&user.id),
    };
    let new: Vec<Value> = emoji.map(|e| reaction(&e.to_owned())).into_iter().collect();
    serde_json::json!({
        "chat": objects::chat(chat),
        "message_id": message_id,
        "user": objects::user(user),
        "date": unix_now(),
        "old_reaction": old,
        "new_reaction": new,
    })
}

/// The administrator bots of a group (they see everything in it).
fn admin_bots(chat: &Chat) -> Vec<i64> {
    chat.bots
        .iter()
        .filter(|(_, rights)| rights.admin)
        .map(|(&bot_id, _)| bot_id)
        .collect()
}
