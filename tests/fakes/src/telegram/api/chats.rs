//! Forum topics, files, chats and their members, reactions, commands.

use super::*;

impl State {
    pub(super) fn topic_name(p: &Params) -> Result<Option<String>, ApiError> {
        let Some(name) = p.str("name") else {
            return Ok(None);
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::bad_request("TOPIC_TITLE_EMPTY"));
        }
        if name.chars().count() > MAX_TOPIC_NAME {
            return Err(ApiError::bad_request("TOPIC_TITLE_TOO_LONG"));
        }
        Ok(Some(name.to_owned()))
    }

    pub(super) fn create_forum_topic(
        &mut self,
        bot_id: i64,
        p: &Params,
        now: Instant,
    ) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        if !chat.is_forum() {
            return Err(ApiError::bad_request("the chat is not a forum"));
        }
        if !manages_topics(chat, bot_id) {
            return Err(ApiError::bad_request("not enough rights to create a topic"));
        }
        let name =
            Self::topic_name(p)?.ok_or_else(|| ApiError::bad_request("TOPIC_TITLE_EMPTY"))?;
        let icon_color = p.i64("icon_color").unwrap_or(DEFAULT_ICON_COLOR);
        if !ICON_COLORS.contains(&icon_color) {
            return Err(ApiError::bad_request("TOPIC_ICON_COLOR_INVALID"));
        }
        self.admit(bot_id, chat_id, "createForumTopic", now)?;
        let Some(chat) = self.chats.get_mut(&chat_id) else {
            return Err(ApiError::bad_request("chat not found"));
        };
        // The topic's id is the id of its first message, the service
        // message announcing it.
        let thread_id = chat.next_message_id;
        let topic = TopicState {
            name: name.clone(),
            icon_color,
            closed: false,
            deleted: false,
            created_by: Actor::Bot(bot_id),
        };
        chat.topics.insert(thread_id, topic);
        let created = Content::service(
            "forum_topic_created",
            json!({"name": name, "icon_color": icon_color}),
        );
        self.post(chat_id, Some(thread_id), Actor::Bot(bot_id), created, None);
        Ok(objects::forum_topic(thread_id, &name, icon_color))
    }

    /// The topic a topic method is about, when the bot may manage it:
    /// administrators with `can_manage_topics`, or the bot that made it
    /// when `creator_may` (editing, closing, reopening).
    pub(super) fn managed_topic(
        &self,
        bot_id: i64,
        p: &Params,
        creator_may: bool,
    ) -> Result<(i64, i64), ApiError> {
        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        if !chat.is_forum() {
            return Err(ApiError::bad_request("the chat is not a forum"));
        }
        let thread_id = p.i64("message_thread_id").unwrap_or_default();
        let topic = chat
            .live_topic(thread_id)
            .ok_or_else(|| ApiError::bad_request("message thread not found"))?;
        let is_creator = creator_may && topic.created_by == Actor::Bot(bot_id);
        if !manages_topics(chat, bot_id) && !is_creator {
            return Err(ApiError::bad_request("not enough rights to manage topics"));
        }
        Ok((chat_id, thread_id))
    }

    pub(super) fn edit_forum_topic(&mut self, bot_id: i64, p: &Params, now: Instant) -> ApiResult {
        let (chat_id, thread_id) = self.managed_topic(bot_id, p, true)?;
        let current = self
            .chats
            .get(&chat_id)
            .and_then(|c| c.topics.get(&thread_id))
            .map(|t| t.name.clone());
        let new_name = Self::topic_name(p)?.filter(|name| Some(name) != current.as_ref());
        let emoji = p.str("icon_custom_emoji_id").map(str::to_owned);
        if new_name.is_none() && emoji.is_none() {
            return Err(ApiError::bad_request("TOPIC_NOT_MODIFIED"));
        }
        self.admit(bot_id, chat_id, "editForumTopic", now)?;
        let mut edited = serde_json::Map::new();
        if let Some(name) = new_name {
            if let Some(topic) = self
                .chats
                .get_mut(&chat_id)
                .and_then(|c| c.topics.get_mut(&thread_id))
            {
                topic.name.clone_from(&name);
            }
            edited.insert("name".to_owned(), Value::String(name));
        }
        if let Some(emoji) = emoji {
            edited.insert("icon_custom_emoji_id".to_owned(), Value::String(emoji));
        }
        let content = Content::service("forum_topic_edited", Value::Object(edited));
        self.post(chat_id, Some(thread_id), Actor::Bot(bot_id), content, None);
        Ok(Value::Bool(true))
    }

    pub(super) fn set_topic_closed(&mut self, bot_id: i64, p: &Params, closed: bool) -> ApiResult {
        let (chat_id, thread_id) = self.managed_topic(bot_id, p, true)?;
        let Some(topic) = self
            .chats
            .get_mut(&chat_id)
            .and_then(|c| c.topics.get_mut(&thread_id))
        else {
            return Err(ApiError::bad_request("message thread not found"));
        };
        if topic.closed == closed {
            return Err(ApiError::bad_request("TOPIC_NOT_MODIFIED"));
        }
        topic.closed = closed;
        let field = if closed {
            "forum_topic_closed"
        } else {
            "forum_topic_reopened"
        };
        self.post(
            chat_id,
            Some(thread_id),
            Actor::Bot(bot_id),
            Content::service(field, json!({})),
            None,
        );
        Ok(Value::Bool(true))
    }

    pub(super) fn delete_forum_topic(&mut self, bot_id: i64, p: &Params) -> ApiResult {
        let (chat_id, thread_id) = self.managed_topic(bot_id, p, false)?;
        if let Some(chat) = self.chats.get_mut(&chat_id) {
            if let Some(topic) = chat.topics.get_mut(&thread_id) {
                topic.deleted = true;
            }
            delete_topic_messages(chat, thread_id);
        }
        Ok(Value::Bool(true))
    }

    pub(super) fn get_file(&self, p: &Params) -> ApiResult {
        let file_id = p.str("file_id").unwrap_or_default();
        let file = self
            .files
            .get(file_id)
            .ok_or_else(|| ApiError::bad_request("invalid file_id"))?;
        if file.size > MAX_DOWNLOAD {
            return Err(ApiError::bad_request("file is too big"));
        }
        Ok(objects::file(file))
    }

    pub(super) fn get_chat(&self, bot_id: i64, p: &Params) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        match self.reachable_chat(bot_id, chat_id) {
            Ok(chat) => Ok(objects::chat_full_info(chat)),
            Err(e) if e.code == 403 && self.chats.get(&chat_id).is_some_and(|c| !c.is_group()) => {
                Err(ApiError::bad_request("chat not found"))
            }
            Err(e) => Err(e),
        }
    }

    pub(super) fn get_chat_member(&self, bot_id: i64, p: &Params) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        let user_id = p.i64("user_id").unwrap_or_default();
        if self.bots.contains_key(&user_id) {
            let status = match &chat.kind {
                ChatKind::Private(_) if user_id == bot_id => Status::Member,
                ChatKind::Private(_) => Status::Left,
                ChatKind::Supergroup { .. } => Status::of_bot(rights(chat, user_id)),
            };
            return Ok(objects::chat_member(self.bot_json(user_id), status));
        }
        let user = self
            .users
            .get(&user_id)
            .ok_or_else(|| ApiError::bad_request("user not found"))?;
        let status = match &chat.kind {
            ChatKind::Private(person) if person.id == user_id => Status::Member,
            ChatKind::Private(_) => Status::Left,
            ChatKind::Supergroup { .. } if chat.owner.as_ref().is_some_and(|o| o.id == user_id) => {
                Status::Owner
            }
            ChatKind::Supergroup { .. } if chat.members.contains_key(&user_id) => Status::Member,
            ChatKind::Supergroup { .. } => Status::Left,
        };
        Ok(objects::chat_member(objects::user(user), status))
    }

    pub(super) fn get_chat_administrators(&self, bot_id: i64, p: &Params) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        if !chat.is_group() {
            return Err(ApiError::bad_request(
                "there are no administrators in the private chat",
            ));
        }
        let mut admins = Vec::new();
        if let Some(owner) = &chat.owner {
            admins.push(objects::chat_member(objects::user(owner), Status::Owner));
        }
        for (&id, &rights) in chat.bots.iter().filter(|(_, r)| r.admin) {
            admins.push(objects::chat_member(
                self.bot_json(id),
                Status::of_bot(Some(rights)),
            ));
        }
        Ok(Value::Array(admins))
    }

    pub(super) fn set_message_reaction(&mut self, bot_id: i64, p: &Params) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        let message_id = p.i64("message_id").unwrap_or_default();
        if chat.message(message_id).is_none() {
            return Err(ApiError::bad_request("message to react not found"));
        }
        let reactions = p
            .get("reaction")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut emoji = Vec::new();
        for reaction in &reactions {
            let is_emoji = reaction.get("type").and_then(Value::as_str) == Some("emoji");
            let value = reaction.get("emoji").and_then(Value::as_str);
            match value {
                Some(e) if is_emoji && REACTION_EMOJI.contains(&e) => emoji.push(e.to_owned()),
                _ => return Err(ApiError::bad_request("REACTION_INVALID")),
            }
        }
        if emoji.len() > 1 {
            return Err(ApiError::bad_request("REACTIONS_TOO_MANY"));
        }
        if let Some(chat) = self.chats.get_mut(&chat_id) {
            let on_message = chat.reactions.entry(message_id).or_default();
            if emoji.is_empty() {
                on_message.remove(&bot_id);
            } else {
                on_message.insert(bot_id, emoji);
            }
        }
        Ok(Value::Bool(true))
    }

    pub(super) fn set_my_commands(&mut self, bot_id: i64, p: &Params) -> ApiResult {
        let commands = p
            .get("commands")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if commands.len() > 100 {
            return Err(ApiError::bad_request("BOT_COMMANDS_TOO_MUCH"));
        }
        for command in &commands {
            let name = command
                .get("command")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let name = name.strip_prefix('/').unwrap_or(name);
            let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
            if name.is_empty() || name.len() > 32 || !name.chars().all(valid) {
                return Err(ApiError::bad_request("BOT_COMMAND_INVALID"));
            }
            let description = command
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let length = description.chars().count();
            if length == 0 || length > 256 {
                return Err(ApiError::bad_request("BOT_COMMAND_DESCRIPTION_INVALID"));
            }
        }
        if let Some(bot) = self.bots.get_mut(&bot_id) {
            bot.commands = Value::Array(commands);
        }
        Ok(Value::Bool(true))
    }

    pub(super) fn leave_chat(&mut self, bot_id: i64, p: &Params) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        if !chat.is_group() {
            return Err(ApiError::bad_request(
                "chat member status can't be changed in private chats",
            ));
        }
        let old = rights(chat, bot_id);
        let bot_json = self.bot_json(bot_id);
        let Some(chat) = self.chats.get_mut(&chat_id) else {
            return Err(ApiError::bad_request("chat not found"));
        };
        chat.bots.remove(&bot_id);
        let update = objects::chat_member_updated(
            objects::chat(chat),
            bot_json.clone(),
            unix_now(),
            objects::chat_member(bot_json.clone(), Status::of_bot(old)),
            objects::chat_member(bot_json, Status::Left),
        );
        self.deliver(bot_id, "my_chat_member", update);
        Ok(Value::Bool(true))
    }
}
