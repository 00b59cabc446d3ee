//! The Bot API methods, answered from the fake's state with Telegram's
//! results and errors. `getUpdates` waits, so the server runs it; see
//! [`State::begin_poll`] and [`State::poll`].

use std::time::Instant;

use serde_json::{Value, json};

use super::RateLimited;
use super::limits::Admission;
use super::objects::{self, Content, Status};
use super::params::{Params, Upload};
use super::state::{
    Actor, Chat, ChatKind, DEFAULT_ICON_COLOR, Rights, State, StoredFile, TopicState, Webhook,
    delete_topic_messages, unix_now,
};

/// A Bot API error answer: `{"ok":false,"error_code":code,"description":…}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub code: u16,
    pub description: String,
    /// Set for 429 answers.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(code: u16, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    pub(crate) fn bad_request(what: &str) -> Self {
        Self::new(400, format!("Bad Request: {what}"))
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(401, "Unauthorized")
    }

    fn forbidden(what: &str) -> Self {
        Self::new(403, format!("Forbidden: {what}"))
    }

    pub(crate) fn not_found() -> Self {
        Self::new(404, "Not Found")
    }

    pub(crate) fn conflict(what: &str) -> Self {
        Self::new(409, format!("Conflict: {what}"))
    }

    fn too_many_requests(retry_after: u64) -> Self {
        Self {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }

    /// The answer body.
    pub(crate) fn to_json(&self) -> Value {
        let mut body =
            json!({"ok": false, "error_code": self.code, "description": self.description});
        if let Some(retry_after) = self.retry_after {
            body["parameters"] = json!({"retry_after": retry_after});
        }
        body
    }
}

type ApiResult = Result<Value, ApiError>;

const WEBHOOK_ACTIVE: &str = "can't use getUpdates method while webhook is active; \
                              use deleteWebhook to delete the webhook first";
const TERMINATED: &str = "terminated by other getUpdates request; \
                          make sure that only one bot instance is running";

/// Text is limited in UTF-16 code units, as Telegram counts them.
const MAX_TEXT: usize = 4096;
const MAX_CAPTION: usize = 1024;
const MAX_TOPIC_NAME: usize = 128;
/// Bots may download files up to 20 MB.
const MAX_DOWNLOAD: u64 = 20 * 1024 * 1024;
/// Bots may upload photos up to 10 MB and other files up to 50 MB.
const MAX_PHOTO_UPLOAD: usize = 10 * 1024 * 1024;
const MAX_UPLOAD: usize = 50 * 1024 * 1024;
/// The colours a topic icon may have.
const ICON_COLORS: [i64; 6] = [
    DEFAULT_ICON_COLOR,
    16_766_590,
    13_338_331,
    9_367_192,
    16_749_490,
    16_478_047,
];
/// The emoji bots may react with (`ReactionTypeEmoji`).
const REACTION_EMOJI: &[&str] = &[
    "👍",
    "👎",
    "❤",
    "🔥",
    "🥰",
    "👏",
    "😁",
    "🤔",
    "🤯",
    "😱",
    "🤬",
    "😢",
    "🎉",
    "🤩",
    "🤮",
    "💩",
    "🙏",
    "👌",
    "🕊",
    "🤡",
    "🥱",
    "🥴",
    "😍",
    "🐳",
    "❤‍🔥",
    "🌚",
    "🌭",
    "💯",
    "🤣",
    "⚡",
    "🍌",
    "🏆",
    "💔",
    "🤨",
    "😐",
    "🍓",
    "🍾",
    "💋",
    "🖕",
    "😈",
    "😴",
    "😭",
    "🤓",
    "👻",
    "👨‍💻",
    "👀",
    "🎃",
    "🙈",
    "😇",
    "😨",
    "🤝",
    "✍",
    "🤗",
    "🫡",
    "🎅",
    "🎄",
    "☃",
    "💅",
    "🤪",
    "🗿",
    "🆒",
    "💘",
    "🙉",
    "🦄",
    "😘",
    "💊",
    "🙊",
    "😎",
    "👾",
    "🤷‍♂",
    "🤷",
    "🤷‍♀",
    "😡",
];

fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// A `chat_id`-like parameter: an integer, or an integer in a string.
/// `@username`s are not known to the fake.
fn chat_id_param(p: &Params, name: &str) -> Result<i64, ApiError> {
    match p.get(name) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::bad_request("chat not found"))
}

fn rights(chat: &Chat, bot_id: i64) -> Option<Rights> {
    chat.bots.get(&bot_id).copied()
}

fn manages_topics(chat: &Chat, bot_id: i64) -> bool {
    rights(chat, bot_id).is_some_and(|r| r.admin && r.can_manage_topics)
}

/// Where a file to send comes from.
enum InputSource {
    Existing(StoredFile),
    Upload(Upload),
    Url(String),
}

/// The folder, default extension and MIME type of files sent as `field`.
fn file_kind(field: &str) -> (&'static str, &'static str, Option<&'static str>) {
    match field {
        "photo" => ("photos", "jpg", None),
        "voice" => ("voice", "oga", Some("audio/ogg")),
        "audio" => ("music", "mp3", Some("audio/mpeg")),
        "video" => ("videos", "mp4", Some("video/mp4")),
        _ => ("documents", "bin", Some("application/octet-stream")),
    }
}

fn mime_of(extension: &str) -> Option<&'static str> {
    Some(match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "zip" => "application/zip",
        _ => return None,
    })
}

impl State {
    /// Answers one Bot API call of `bot_id`. `method` is the name as the
    /// description spells it; the parameters passed the spec check.
    pub(crate) fn call(
        &mut self,
        bot_id: i64,
        method: &str,
        p: &Params,
        now: Instant,
    ) -> ApiResult {
        if !self.bots.contains_key(&bot_id) {
            return Err(ApiError::unauthorized());
        }
        match method {
            "getMe" => Ok(self.bots.get(&bot_id).map_or(Value::Null, objects::me)),
            "setWebhook" => self.set_webhook(bot_id, p),
            "deleteWebhook" => Ok(self.delete_webhook(bot_id, p)),
            "getWebhookInfo" => Ok(self
                .bots
                .get(&bot_id)
                .map_or(Value::Null, objects::webhook_info)),
            "sendMessage" => self.send_message(bot_id, p, now),
            "sendPhoto" => self.send_media(bot_id, method, "photo", p, now),
            "sendVoice" => self.send_media(bot_id, method, "voice", p, now),
            "sendDocument" => self.send_media(bot_id, method, "document", p, now),
            "sendAudio" => self.send_media(bot_id, method, "audio", p, now),
            "sendVideo" => self.send_media(bot_id, method, "video", p, now),
            "copyMessage" => self.copy_message(bot_id, p, now, false),
            "forwardMessage" => self.copy_message(bot_id, p, now, true),
            "createForumTopic" => self.create_forum_topic(bot_id, p, now),
            "editForumTopic" => self.edit_forum_topic(bot_id, p, now),
            "closeForumTopic" => self.set_topic_closed(bot_id, p, true),
            "reopenForumTopic" => self.set_topic_closed(bot_id, p, false),
            "deleteForumTopic" => self.delete_forum_topic(bot_id, p),
            "getFile" => self.get_file(p),
            "getChat" => self.get_chat(bot_id, p),
            "getChatMember" => self.get_chat_member(bot_id, p),
            "getChatAdministrators" => self.get_chat_administrators(bot_id, p),
            "setMessageReaction" => self.set_message_reaction(bot_id, p),
            "setMyCommands" => self.set_my_commands(bot_id, p),
            "leaveChat" => self.leave_chat(bot_id, p),
            _ => Err(ApiError::not_found()),
        }
    }

    /// Takes a flood-limit slot for a counted call, or answers 429 and
    /// records it (and a violation when a `retry_after` was ignored).
    fn admit(
        &mut self,
        bot_id: i64,
        chat_id: i64,
        method: &str,
        now: Instant,
    ) -> Result<(), ApiError> {
        let is_group = self.chats.get(&chat_id).is_some_and(Chat::is_group);
        match self
            .limiter
            .admit(&self.limits, bot_id, chat_id, is_group, now)
        {
            Admission::Granted => Ok(()),
            Admission::Refused {
                retry_after_s,
                chat,
                violation,
            } => {
                let at_ms = self.millis_since_start();
                if let Some(violation) = violation {
                    self.violations.push(format!("{method}: {violation}"));
                }
                self.rate_limited.push(RateLimited {
                    bot_id,
                    chat_id: chat,
                    method: method.to_owned(),
                    retry_after_s,
                    at_ms,
                });
                Err(ApiError::too_many_requests(retry_after_s))
            }
        }
    }

    /// The chat a bot may use, or Telegram's answer why not.
    fn reachable_chat(&self, bot_id: i64, chat_id: i64) -> Result<&Chat, ApiError> {
        if self.bots.contains_key(&chat_id) {
            return Err(ApiError::forbidden("bot can't send messages to bots"));
        }
        let chat = self
            .chats
            .get(&chat_id)
            .ok_or_else(|| ApiError::bad_request("chat not found"))?;
        let bot = self.bots.get(&bot_id).ok_or_else(ApiError::unauthorized)?;
        match &chat.kind {
            ChatKind::Private(user) if bot.blocked_by.contains(&user.id) => {
                Err(ApiError::forbidden("bot was blocked by the user"))
            }
            ChatKind::Private(user) if !bot.known_users.contains(&user.id) => Err(
                ApiError::forbidden("bot can't initiate conversation with a user"),
            ),
            ChatKind::Supergroup { .. } if !chat.bots.contains_key(&bot_id) => Err(
                ApiError::forbidden("bot is not a member of the supergroup chat"),
            ),
            _ => Ok(chat),
        }
    }

    /// The topic a message goes to, checked.
    fn send_thread(chat: &Chat, bot_id: i64, p: &Params) -> Result<Option<i64>, ApiError> {
        let Some(thread_id) = p.i64("message_thread_id") else {
            return Ok(None);
        };
        let topic = chat
            .live_topic(thread_id)
            .ok_or_else(|| ApiError::bad_request("message thread not found"))?;
        if topic.closed && !manages_topics(chat, bot_id) {
            return Err(ApiError::bad_request("TOPIC_CLOSED"));
        }
        Ok(Some(thread_id))
    }

    /// The message a message replies to (`reply_parameters`), checked.
    fn reply_target(chat: &Chat, p: &Params) -> Result<Option<i64>, ApiError> {
        let Some(reply) = p.get("reply_parameters") else {
            return Ok(None);
        };
        let other_chat = reply
            .get("chat_id")
            .is_some_and(|c| c.as_i64() != Some(chat.id));
        if other_chat {
            // Replies to other chats are quotes the fake does not show.
            return Ok(None);
        }
        let target = reply.get("message_id").and_then(Value::as_i64);
        match target {
            Some(id) if chat.message(id).is_some() => Ok(Some(id)),
            _ if reply
                .get("allow_sending_without_reply")
                .and_then(Value::as_bool)
                == Some(true) =>
            {
                Ok(None)
            }
            _ => Err(ApiError::bad_request("message to be replied not found")),
        }
    }

    fn set_webhook(&mut self, bot_id: i64, p: &Params) -> ApiResult {
        let url = p.str("url").unwrap_or_default().trim().to_owned();
        if url.is_empty() {
            return Ok(self.delete_webhook(bot_id, p));
        }
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(ApiError::bad_request(
                "bad webhook: An HTTPS URL must be provided for webhook",
            ));
        }
        let secret = p.str("secret_token").map(str::to_owned);
        if let Some(secret) = &secret {
            let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
            if secret.is_empty() || secret.len() > 256 || !secret.chars().all(allowed) {
                return Err(ApiError::bad_request(
                    "secret token contains unallowed characters",
                ));
            }
        }
        let allowed_updates = allowed_updates_param(p);
        let drop_pending = p.bool("drop_pending_updates") == Some(true);
        if let Some(bot) = self.bots.get_mut(&bot_id) {
            bot.webhook_generation += 1;
            bot.webhook = Some(Webhook {
                url,
                secret,
                generation: bot.webhook_generation,
                last_error: None,
            });
            if let Some(allowed) = allowed_updates {
                bot.allowed_updates = allowed;
            }
            if drop_pending {
                bot.updates.clear();
            }
        }
        Ok(Value::Bool(true))
    }

    fn delete_webhook(&mut self, bot_id: i64, p: &Params) -> Value {
        if let Some(bot) = self.bots.get_mut(&bot_id) {
            bot.webhook = None;
            bot.webhook_generation += 1;
            if p.bool("drop_pending_updates") == Some(true) {
                bot.updates.clear();
            }
        }
        Value::Bool(true)
    }

    fn send_message(&mut self, bot_id: i64, p: &Params, now: Instant) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        let thread = Self::send_thread(chat, bot_id, p)?;
        let reply = Self::reply_target(chat, p)?;
        let text = p.str("text").unwrap_or_default().trim().to_owned();
        if text.is_empty() {
            return Err(ApiError::bad_request("message text is empty"));
        }
        if utf16_len(&text) > MAX_TEXT {
            return Err(ApiError::bad_request("message is too long"));
        }
        self.admit(bot_id, chat_id, "sendMessage", now)?;
        Ok(self.post(
            chat_id,
            thread,
            Actor::Bot(bot_id),
            Content::text(&text),
            reply,
        ))
    }

    fn input_file(&self, p: &Params, field: &str) -> Result<InputSource, ApiError> {
        let value = p.str(field).unwrap_or_default().trim();
        let wrong = || ApiError::bad_request("wrong file identifier/HTTP URL specified");
        if let Some(part) = value.strip_prefix("attach://") {
            let upload = p.uploads.get(part).ok_or_else(wrong)?;
            if upload.bytes.is_empty() {
                return Err(ApiError::bad_request("file must be non-empty"));
            }
            if field == "photo" && upload.bytes.len() > MAX_PHOTO_UPLOAD {
                return Err(ApiError::bad_request("PHOTO_INVALID_DIMENSIONS"));
            }
            if upload.bytes.len() > MAX_UPLOAD {
                return Err(ApiError::new(413, "Request Entity Too Large"));
            }
            return Ok(InputSource::Upload(upload.clone()));
        }
        if value.starts_with("http://") || value.starts_with("https://") {
            return Ok(InputSource::Url(value.to_owned()));
        }
        self.files
            .get(value)
            .cloned()
            .map(InputSource::Existing)
            .ok_or_else(wrong)
    }

    fn store_input(&mut self, field: &str, source: InputSource) -> StoredFile {
        let (folder, default_extension, default_mime) = file_kind(field);
        let (bytes, file_name) = match source {
            InputSource::Existing(file) => return file,
            InputSource::Upload(upload) => {
                (upload.bytes, upload.file_name.filter(|n| !n.is_empty()))
            }
            InputSource::Url(url) => {
                let name = url
                    .rsplit('/')
                    .next()
                    .filter(|n| n.contains('.'))
                    .map(str::to_owned);
                (Vec::new(), name)
            }
        };
        let extension = file_name
            .as_deref()
            .and_then(|n| n.rsplit_once('.'))
            .map_or(default_extension, |(_, ext)| ext)
            .to_owned();
        let mime = if field == "photo" {
            None
        } else {
            mime_of(&extension).or(default_mime)
        };
        self.add_file(
            folder,
            &extension,
            bytes,
            file_name,
            mime.map(str::to_owned),
            None,
        )
    }

    fn send_media(
        &mut self,
        bot_id: i64,
        method: &str,
        field: &'static str,
        p: &Params,
        now: Instant,
    ) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        let thread = Self::send_thread(chat, bot_id, p)?;
        let reply = Self::reply_target(chat, p)?;
        let caption = p
            .str("caption")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        if caption
            .as_deref()
            .is_some_and(|c| utf16_len(c) > MAX_CAPTION)
        {
            return Err(ApiError::bad_request("message caption is too long"));
        }
        let source = self.input_file(p, field)?;
        self.admit(bot_id, chat_id, method, now)?;
        let file = self.store_input(field, source);
        let content = self.media_content(field, &file, caption.as_deref());
        Ok(self.post(chat_id, thread, Actor::Bot(bot_id), content, reply))
    }

    fn copy_message(&mut self, bot_id: i64, p: &Params, now: Instant, forward: bool) -> ApiResult {
        let (method, what) = if forward {
            ("forwardMessage", "forward")
        } else {
            ("copyMessage", "copy")
        };
        let from_chat_id = chat_id_param(p, "from_chat_id")?;
        let source_chat = self.reachable_chat(bot_id, from_chat_id)?;
        let message_id = p.i64("message_id").unwrap_or_default();
        let source = source_chat
            .message(message_id)
            .ok_or_else(|| ApiError::bad_request(&format!("message to {what} not found")))?;
        if source.content.kind == "service" {
            return Err(ApiError::bad_request(&format!("message can't be {what}ed")));
        }
        let mut content = source.content.clone();
        let origin = (
            source.from,
            source.json.get("date").cloned().unwrap_or(Value::Null),
        );

        let chat_id = chat_id_param(p, "chat_id")?;
        let chat = self.reachable_chat(bot_id, chat_id)?;
        let thread = Self::send_thread(chat, bot_id, p)?;
        let reply = if forward {
            None
        } else {
            Self::reply_target(chat, p)?
        };
        if forward {
            let origin =
                json!({"type": "user", "sender_user": self.actor_json(origin.0), "date": origin.1});
            content.fields.insert("forward_origin".to_owned(), origin);
        } else if let Some(caption) = p.str("caption") {
            if utf16_len(caption.trim()) > MAX_CAPTION {
                return Err(ApiError::bad_request("message caption is too long"));
            }
            content = content.with_caption(caption.trim());
        }
        self.admit(bot_id, chat_id, method, now)?;
        let message = self.post(chat_id, thread, Actor::Bot(bot_id), content, reply);
        if forward {
            Ok(message)
        } else {
            Ok(json!({"message_id": message["message_id"]}))
        }
    }

    fn topic_name(p: &Params) -> Result<Option<String>, ApiError> {
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

    fn create_forum_topic(&mut self, bot_id: i64, p: &Params, now: Instant) -> ApiResult {
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
    fn managed_topic(
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

    fn edit_forum_topic(&mut self, bot_id: i64, p: &Params, now: Instant) -> ApiResult {
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

    fn set_topic_closed(&mut self, bot_id: i64, p: &Params, closed: bool) -> ApiResult {
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

    fn delete_forum_topic(&mut self, bot_id: i64, p: &Params) -> ApiResult {
        let (chat_id, thread_id) = self.managed_topic(bot_id, p, false)?;
        if let Some(chat) = self.chats.get_mut(&chat_id) {
            if let Some(topic) = chat.topics.get_mut(&thread_id) {
                topic.deleted = true;
            }
            delete_topic_messages(chat, thread_id);
        }
        Ok(Value::Bool(true))
    }

    fn get_file(&self, p: &Params) -> ApiResult {
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

    fn get_chat(&self, bot_id: i64, p: &Params) -> ApiResult {
        let chat_id = chat_id_param(p, "chat_id")?;
        match self.reachable_chat(bot_id, chat_id) {
            Ok(chat) => Ok(objects::chat_full_info(chat)),
            Err(e) if e.code == 403 && self.chats.get(&chat_id).is_some_and(|c| !c.is_group()) => {
                Err(ApiError::bad_request("chat not found"))
            }
            Err(e) => Err(e),
        }
    }

    fn get_chat_member(&self, bot_id: i64, p: &Params) -> ApiResult {
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

    fn get_chat_administrators(&self, bot_id: i64, p: &Params) -> ApiResult {
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

    fn set_message_reaction(&mut self, bot_id: i64, p: &Params) -> ApiResult {
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

    fn set_my_commands(&mut self, bot_id: i64, p: &Params) -> ApiResult {
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

    fn leave_chat(&mut self, bot_id: i64, p: &Params) -> ApiResult {
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

    /// Starts a `getUpdates`: settles the offset and `allowed_updates`, and
    /// takes over from any earlier `getUpdates` of the bot still waiting.
    pub(crate) fn begin_poll(&mut self, bot_id: i64, p: &Params) -> Result<u64, ApiError> {
        let bot = self
            .bots
            .get_mut(&bot_id)
            .ok_or_else(ApiError::unauthorized)?;
        if bot.webhook.is_some() {
            return Err(ApiError::conflict(WEBHOOK_ACTIVE));
        }
        if let Some(offset) = p.i64("offset") {
            if offset < 0 {
                // The last -offset updates; all before are forgotten.
                let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
                while bot.updates.len() > keep {
                    bot.updates.pop_front();
                }
            } else {
                bot.updates.retain(|u| u.id >= offset);
            }
        }
        // As in Telegram, the choice applies to updates made from now on.
        if let Some(allowed) = allowed_updates_param(p) {
            bot.allowed_updates = allowed;
        }
        bot.poll_generation += 1;
        Ok(bot.poll_generation)
    }

    /// One look at a waiting `getUpdates`: the updates when there are any,
    /// `None` to go on waiting.
    pub(crate) fn poll(
        &self,
        bot_id: i64,
        generation: u64,
        p: &Params,
    ) -> Result<Option<Value>, ApiError> {
        let bot = self.bots.get(&bot_id).ok_or_else(ApiError::unauthorized)?;
        if bot.poll_generation != generation {
            return Err(ApiError::conflict(TERMINATED));
        }
        if bot.webhook.is_some() {
            return Err(ApiError::conflict(WEBHOOK_ACTIVE));
        }
        let limit = p.i64("limit").unwrap_or(100).clamp(1, 100);
        let limit = usize::try_from(limit).unwrap_or(100);
        if bot.updates.is_empty() {
            return Ok(None);
        }
        let updates = bot
            .updates
            .iter()
            .take(limit)
            .map(|u| u.to_json())
            .collect();
        Ok(Some(Value::Array(updates)))
    }
}

/// `allowed_updates`: `Some(None)` for the default (an empty list),
/// `None` when not given (keep the previous choice).
fn allowed_updates_param(p: &Params) -> Option<Option<Vec<String>>> {
    let list = p.get("allowed_updates")?.as_array()?;
    let names: Vec<String> = list
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    Some(if names.is_empty() { None } else { Some(names) })
}
