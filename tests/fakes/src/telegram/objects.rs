//! The Bot API objects the fake answers with, built as JSON.
//!
//! Every builder's output is checked against the Bot API description in the
//! tests below, and every answer the server gives is checked again at run
//! time in debug builds.

use serde_json::{Map, Value, json};

use super::User;
use super::state::{Bot, Chat, ChatKind, Rights, StoredFile};

/// A person as a `User` object.
pub(crate) fn user(user: &User) -> Value {
    let mut value = json!({"id": user.id, "is_bot": false, "first_name": user.first_name});
    insert_some(&mut value, "last_name", user.last_name.as_deref());
    insert_some(&mut value, "username", user.username.as_deref());
    insert_some(&mut value, "language_code", user.language_code.as_deref());
    value
}

/// A bot as the `User` object others see.
pub(crate) fn bot_user(bot: &Bot) -> Value {
    json!({"id": bot.id, "is_bot": true, "first_name": bot.first_name, "username": bot.username})
}

/// A bot as `getMe` describes it.
pub(crate) fn me(bot: &Bot) -> Value {
    json!({
        "id": bot.id,
        "is_bot": true,
        "first_name": bot.first_name,
        "username": bot.username,
        "can_join_groups": true,
        "can_read_all_group_messages": false,
        "supports_inline_queries": false,
        "can_connect_to_business": false,
        "has_main_web_app": false,
    })
}

/// A chat as the `Chat` object inside messages and updates.
pub(crate) fn chat(chat: &Chat) -> Value {
    match &chat.kind {
        ChatKind::Private(person) => {
            let mut value =
                json!({"id": chat.id, "type": "private", "first_name": person.first_name});
            insert_some(&mut value, "last_name", person.last_name.as_deref());
            insert_some(&mut value, "username", person.username.as_deref());
            value
        }
        ChatKind::Supergroup { title, is_forum } => {
            let mut value = json!({"id": chat.id, "type": "supergroup", "title": title});
            if *is_forum {
                value["is_forum"] = Value::Bool(true);
            }
            value
        }
    }
}

/// A chat as `getChat` describes it.
pub(crate) fn chat_full_info(chat: &Chat) -> Value {
    let mut value = self::chat(chat);
    value["accent_color_id"] = json!(0);
    value["max_reaction_count"] = json!(11);
    value["accepted_gift_types"] = json!({
        "unlimited_gifts": false,
        "limited_gifts": false,
        "unique_gifts": false,
        "premium_subscription": false,
        "gifts_from_channels": false,
    });
    if matches!(chat.kind, ChatKind::Supergroup { .. }) {
        value["permissions"] = json!({
            "can_send_messages": true,
            "can_send_audios": true,
            "can_send_documents": true,
            "can_send_photos": true,
            "can_send_videos": true,
            "can_send_video_notes": true,
            "can_send_voice_notes": true,
            "can_send_polls": true,
            "can_send_other_messages": true,
            "can_add_web_page_previews": true,
            "can_change_info": false,
            "can_invite_users": true,
            "can_pin_messages": false,
            "can_manage_topics": false,
        });
    }
    value
}

/// A membership, as a `ChatMember` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Owner,
    Administrator { can_manage_topics: bool },
    Member,
    Left,
}

impl Status {
    pub(crate) fn of_bot(rights: Option<Rights>) -> Self {
        match rights {
            None => Self::Left,
            Some(Rights { admin: false, .. }) => Self::Member,
            Some(Rights {
                admin: true,
                can_manage_topics,
            }) => Self::Administrator { can_manage_topics },
        }
    }
}

pub(crate) fn chat_member(user: Value, status: Status) -> Value {
    match status {
        Status::Owner => json!({"status": "creator", "user": user, "is_anonymous": false}),
        Status::Administrator { can_manage_topics } => json!({
            "status": "administrator",
            "user": user,
            "can_be_edited": false,
            "is_anonymous": false,
            "can_manage_chat": true,
            "can_delete_messages": true,
            "can_manage_video_chats": true,
            "can_restrict_members": true,
            "can_promote_members": false,
            "can_change_info": true,
            "can_invite_users": true,
            "can_post_stories": true,
            "can_edit_stories": true,
            "can_delete_stories": true,
            "can_pin_messages": true,
            "can_manage_topics": can_manage_topics,
        }),
        Status::Member => json!({"status": "member", "user": user}),
        Status::Left => json!({"status": "left", "user": user}),
    }
}

/// A `ChatMemberUpdated`, the payload of `my_chat_member` updates.
pub(crate) fn chat_member_updated(
    chat: Value,
    from: Value,
    date: i64,
    old: Value,
    new: Value,
) -> Value {
    json!({"chat": chat, "from": from, "date": date, "old_chat_member": old, "new_chat_member": new})
}

/// A file as `getFile` describes it.
pub(crate) fn file(file: &StoredFile) -> Value {
    json!({
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.size,
        "file_path": file.file_path,
    })
}

/// The content of a message: what it shows, apart from who sent it where.
#[derive(Debug, Clone)]
pub(crate) struct Content {
    /// `text`, `photo`, `voice`, `document`, `audio`, `video` or `service`.
    pub kind: &'static str,
    /// The text or the caption.
    pub text: Option<String>,
    /// The file a media message carries (the largest size of a photo).
    pub file_id: Option<String>,
    /// The fields the content adds to the `Message` object.
    pub fields: Map<String, Value>,
}

impl Content {
    /// A text message; commands at its start get a `bot_command` entity,
    /// as Telegram adds.
    pub(crate) fn text(text: &str) -> Self {
        let mut fields = Map::new();
        fields.insert("text".to_owned(), json!(text));
        if text.starts_with('/') {
            let command = text.split_whitespace().next().unwrap_or(text);
            let length = command.encode_utf16().count();
            fields.insert(
                "entities".to_owned(),
                json!([{"type": "bot_command", "offset": 0, "length": length}]),
            );
        }
        Self {
            kind: "text",
            text: Some(text.to_owned()),
            file_id: None,
            fields,
        }
    }

    /// A media message: `field` is `photo`, `voice`, `document`, ...
    pub(crate) fn media(
        field: &'static str,
        object: Value,
        file_id: String,
        caption: Option<&str>,
    ) -> Self {
        let mut fields = Map::new();
        fields.insert(field.to_owned(), object);
        if let Some(caption) = caption {
            fields.insert("caption".to_owned(), json!(caption));
        }
        Self {
            kind: field,
            text: caption.map(str::to_owned),
            file_id: Some(file_id),
            fields,
        }
    }

    /// A service message such as `forum_topic_created`.
    pub(crate) fn service(field: &str, object: Value) -> Self {
        let mut fields = Map::new();
        fields.insert(field.to_owned(), object);
        Self {
            kind: "service",
            text: None,
            file_id: None,
            fields,
        }
    }

    /// The same content with another caption (for `copyMessage`).
    pub(crate) fn with_caption(mut self, caption: &str) -> Self {
        if self.kind != "text" && self.kind != "service" {
            self.fields.insert("caption".to_owned(), json!(caption));
            self.text = Some(caption.to_owned());
        }
        self
    }
}

/// The media object of a file, by the message field it goes in.
pub(crate) fn media_object(
    field: &str,
    file: &StoredFile,
    thumbnail: Option<&StoredFile>,
) -> Value {
    let base = json!({"file_id": file.file_id, "file_unique_id": file.file_unique_id, "file_size": file.size});
    let mut value = base.clone();
    match field {
        "photo" => {
            let mut sizes = Vec::new();
            if let Some(thumb) = thumbnail {
                sizes.push(json!({
                    "file_id": thumb.file_id,
                    "file_unique_id": thumb.file_unique_id,
                    "file_size": thumb.size,
                    "width": 90,
                    "height": 90,
                }));
            }
            let mut full = base;
            full["width"] = json!(800);
            full["height"] = json!(800);
            sizes.push(full);
            return Value::Array(sizes);
        }
        "voice" => {
            value["duration"] = json!(1);
            value["mime_type"] = json!(file.mime_type.as_deref().unwrap_or("audio/ogg"));
        }
        "audio" => {
            value["duration"] = json!(1);
            insert_some(&mut value, "file_name", file.file_name.as_deref());
            insert_some(&mut value, "mime_type", file.mime_type.as_deref());
        }
        "video" => {
            value["width"] = json!(640);
            value["height"] = json!(480);
            value["duration"] = json!(1);
            insert_some(&mut value, "file_name", file.file_name.as_deref());
            insert_some(&mut value, "mime_type", file.mime_type.as_deref());
        }
        _ => {
            insert_some(&mut value, "file_name", file.file_name.as_deref());
            insert_some(&mut value, "mime_type", file.mime_type.as_deref());
        }
    }
    value
}

/// Where a message is and who sent it.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub message_id: i64,
    pub date: i64,
    pub chat: Value,
    pub from: Value,
    pub thread_id: Option<i64>,
    pub reply_to: Option<Value>,
}

/// A `Message` object.
pub(crate) fn message(envelope: Envelope, content: &Content) -> Value {
    let mut value = json!({
        "message_id": envelope.message_id,
        "from": envelope.from,
        "date": envelope.date,
        "chat": envelope.chat,
    });
    if let Some(thread_id) = envelope.thread_id {
        value["message_thread_id"] = json!(thread_id);
        value["is_topic_message"] = json!(true);
    }
    if let Some(mut reply) = envelope.reply_to {
        // Telegram does not nest replies further.
        if let Some(map) = reply.as_object_mut() {
            map.remove("reply_to_message");
        }
        value["reply_to_message"] = reply;
    }
    if let Some(map) = value.as_object_mut() {
        map.extend(content.fields.clone());
    }
    value
}

/// A `ForumTopic` object.
pub(crate) fn forum_topic(thread_id: i64, name: &str, icon_color: i64) -> Value {
    json!({"message_thread_id": thread_id, "name": name, "icon_color": icon_color})
}

/// A `WebhookInfo` object.
pub(crate) fn webhook_info(bot: &Bot) -> Value {
    let Some(hook) = &bot.webhook else {
        return json!({"url": "", "has_custom_certificate": false, "pending_update_count": bot.updates.len()});
    };
    let mut value = json!({
        "url": hook.url,
        "has_custom_certificate": false,
        "pending_update_count": bot.updates.len(),
        "max_connections": 40,
    });
    if let Some((date, message)) = &hook.last_error {
        value["last_error_date"] = json!(date);
        value["last_error_message"] = json!(message);
    }
    if let Some(allowed) = &bot.allowed_updates {
        value["allowed_updates"] = json!(allowed);
    }
    value
}

fn insert_some(value: &mut Value, key: &str, field: Option<&str>) {
    if let Some(field) = field {
        value[key] = json!(field);
    }
}

#[cfg(test)]
mod tests {
    use super::super::spec::spec;
    use super::super::state::{Bot, Webhook};
    use super::*;

    fn assert_fits(value: &Value, type_name: &str) {
        let mut errors = Vec::new();
        spec().check_answer(value, &[type_name.to_owned()], type_name, &mut errors);
        assert!(
            errors.is_empty(),
            "{type_name} does not match the Bot API: {errors:#?}\n{value:#}"
        );
    }

    fn person() -> User {
        User {
            id: 7,
            first_name: "Ann".into(),
            last_name: Some("Lee".into()),
            username: Some("ann".into()),
            language_code: Some("en".into()),
        }
    }

    fn group(is_forum: bool) -> Chat {
        Chat::new(
            -1_001_000_000_001,
            ChatKind::Supergroup {
                title: "Shop".into(),
                is_forum,
            },
        )
    }

    fn stored_file() -> StoredFile {
        StoredFile {
            file_id: "AgAD1".into(),
            file_unique_id: "u1".into(),
            file_path: "documents/file_1.pdf".into(),
            file_name: Some("a.pdf".into()),
            mime_type: Some("application/pdf".into()),
            size: 3,
            bytes: vec![1, 2, 3],
        }
    }

    #[test]
    fn users_and_bots() {
        assert_fits(&user(&person()), "User");
        assert_fits(&user(&User::new(8, "Bo")), "User");
        let mut bot = Bot::new(1, "1:x".into(), "shop_bot".into());
        assert_fits(&bot_user(&bot), "User");
        assert_fits(&me(&bot), "User");
        assert_fits(&webhook_info(&bot), "WebhookInfo");
        bot.webhook = Some(Webhook {
            url: "http://127.0.0.1:1/hook".into(),
            secret: None,
            generation: 1,
            last_error: Some((1, "Connection refused".into())),
        });
        bot.allowed_updates = Some(vec!["message".into()]);
        assert_fits(&webhook_info(&bot), "WebhookInfo");
    }

    #[test]
    fn chats() {
        let private = Chat::new(7, ChatKind::Private(person()));
        for chat in [private, group(false), group(true)] {
            assert_fits(&self::chat(&chat), "Chat");
            assert_fits(&chat_full_info(&chat), "ChatFullInfo");
        }
    }

    #[test]
    fn members() {
        let who = user(&person());
        for status in [
            Status::Owner,
            Status::Administrator {
                can_manage_topics: true,
            },
            Status::Member,
            Status::Left,
        ] {
            let member = chat_member(who.clone(), status);
            assert_fits(&member, "ChatMember");
            let updated = chat_member_updated(
                self::chat(&group(true)),
                who.clone(),
                1,
                member.clone(),
                member,
            );
            assert_fits(&updated, "ChatMemberUpdated");
        }
    }

    #[test]
    fn messages_and_files() {
        let file = stored_file();
        assert_fits(&self::file(&file), "File");
        let envelope = Envelope {
            message_id: 3,
            date: 1,
            chat: self::chat(&group(true)),
            from: user(&person()),
            thread_id: Some(2),
            reply_to: None,
        };
        let created = message(
            envelope.clone(),
            &Content::service(
                "forum_topic_created",
                json!({"name": "Ann", "icon_color": 7_322_096}),
            ),
        );
        assert_fits(&created, "Message");
        let contents = [
            Content::text("/bind now"),
            Content::media(
                "photo",
                media_object("photo", &file, Some(&file)),
                "AgAD1".into(),
                Some("hi"),
            ),
            Content::media(
                "voice",
                media_object("voice", &file, None),
                "AgAD1".into(),
                None,
            ),
            Content::media(
                "document",
                media_object("document", &file, None),
                "AgAD1".into(),
                None,
            ),
            Content::media(
                "audio",
                media_object("audio", &file, None),
                "AgAD1".into(),
                None,
            ),
            Content::media(
                "video",
                media_object("video", &file, None),
                "AgAD1".into(),
                None,
            ),
            Content::service("forum_topic_closed", json!({})),
            Content::service("forum_topic_reopened", json!({})),
            Content::service("forum_topic_edited", json!({"name": "Bo"})),
        ];
        for content in &contents {
            let reply = Envelope {
                reply_to: Some(created.clone()),
                ..envelope.clone()
            };
            let value = message(reply, content);
            assert_fits(&value, "Message");
            assert_fits(&json!({"update_id": 1, "message": value}), "Update");
        }
        assert_fits(&forum_topic(3, "Ann", 7_322_096), "ForumTopic");
        assert_fits(&json!({"message_id": 3}), "MessageId");
    }
}
