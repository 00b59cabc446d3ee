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

mod chats;
mod sending;

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
            "editMessageText" => self.edit_message(bot_id, method, p, now),
            "editMessageCaption" => self.edit_message(bot_id, method, p, now),
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
