//! Everything the fake knows: bots, chats, messages, files, updates, and
//! what it observed. Changed only under the server's lock.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::limits::{Limiter, Limits};
use super::objects::{self, Content, Envelope, Status};
use super::{Media, MediaKind, Outage, RateLimited, Recorded, SentMessage, Topic, User};

mod actions;

/// A control operation that cannot be done, such as writing to a chat that
/// does not exist.
pub(crate) type ControlResult<T> = Result<T, String>;

/// Update types a bot gets when it did not choose (`allowed_updates` empty
/// or never given): all but these.
const NOT_BY_DEFAULT: [&str; 3] = ["chat_member", "message_reaction", "message_reaction_count"];

/// The first update id of every bot.
const FIRST_UPDATE_ID: i64 = 10_001;

/// The id of the first group the fake creates, as Telegram's supergroup ids
/// look.
const FIRST_GROUP_ID: i64 = -1_001_000_000_001;

/// The default colour of a topic icon, one of the six Telegram allows.
pub(crate) const DEFAULT_ICON_COLOR: i64 = 7_322_096;

#[derive(Debug, Clone)]
pub(crate) struct PendingUpdate {
    pub id: i64,
    pub kind: &'static str,
    pub payload: Value,
}

impl PendingUpdate {
    pub(crate) fn to_json(&self) -> Value {
        let mut value = json!({"update_id": self.id});
        value[self.kind] = self.payload.clone();
        value
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    pub url: String,
    pub secret: Option<String>,
    /// Which `setWebhook` this is; a delivery task stops when it changes.
    pub generation: u64,
    /// Unix time and text of the last failed delivery.
    pub last_error: Option<(i64, String)>,
}

#[derive(Debug)]
pub(crate) struct Bot {
    pub id: i64,
    pub token: String,
    pub username: String,
    pub first_name: String,
    pub updates: VecDeque<PendingUpdate>,
    pub next_update_id: i64,
    /// Bumped by every `getUpdates`; an earlier one still waiting sees the
    /// change and answers 409.
    pub poll_generation: u64,
    /// `getUpdates` calls of the bot waiting right now.
    pub waiting_polls: usize,
    pub allowed_updates: Option<Vec<String>>,
    pub webhook: Option<Webhook>,
    pub webhook_generation: u64,
    pub commands: Value,
    /// People who wrote to the bot, whom it may therefore write to.
    pub known_users: BTreeSet<i64>,
    /// People who blocked the bot.
    pub blocked_by: BTreeSet<i64>,
}

impl Bot {
    pub(crate) fn new(id: i64, token: String, username: String) -> Self {
        Self {
            id,
            token,
            first_name: username.clone(),
            username,
            updates: VecDeque::new(),
            next_update_id: FIRST_UPDATE_ID,
            poll_generation: 0,
            waiting_polls: 0,
            allowed_updates: None,
            webhook: None,
            webhook_generation: 0,
            commands: json!([]),
            known_users: BTreeSet::new(),
            blocked_by: BTreeSet::new(),
        }
    }

    pub(crate) fn wants(&self, kind: &str) -> bool {
        match &self.allowed_updates {
            Some(allowed) => allowed.iter().any(|a| a == kind),
            None => !NOT_BY_DEFAULT.contains(&kind),
        }
    }
}

/// What a bot may do in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rights {
    pub admin: bool,
    pub can_manage_topics: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum ChatKind {
    Private(User),
    Supergroup { title: String, is_forum: bool },
}

/// Who sent a message or made a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Actor {
    Bot(i64),
    User(i64),
}

#[derive(Debug, Clone)]
pub(crate) struct StoredMessage {
    pub id: i64,
    pub thread_id: Option<i64>,
    pub from: Actor,
    pub content: Content,
    /// The `Message` object as first answered or delivered (edits applied).
    pub json: Value,
    /// Changed since it was sent.
    pub edited: bool,
}

impl StoredMessage {
    /// Changes its text (or caption) as an edit does; answers the `Message`
    /// object as it now is.
    pub(crate) fn edit(&mut self, text: &str) -> Value {
        let field = if self.content.kind == "text" {
            "text"
        } else {
            "caption"
        };
        self.content.text = Some(text.to_owned());
        self.json[field] = Value::String(text.to_owned());
        self.json["edit_date"] = Value::from(unix_now());
        self.edited = true;
        self.json.clone()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TopicState {
    pub name: String,
    pub icon_color: i64,
    pub closed: bool,
    pub deleted: bool,
    pub created_by: Actor,
}

#[derive(Debug)]
pub(crate) struct Chat {
    pub id: i64,
    pub kind: ChatKind,
    pub next_message_id: i64,
    pub messages: Vec<StoredMessage>,
    pub topics: BTreeMap<i64, TopicState>,
    /// Bots in the group and what they may do.
    pub bots: BTreeMap<i64, Rights>,
    /// The person who first added a bot: the group's owner.
    pub owner: Option<User>,
    /// People seen in the group.
    pub members: BTreeMap<i64, User>,
    /// Reactions set by bots, per message.
    pub reactions: BTreeMap<i64, BTreeMap<i64, Vec<String>>>,
}

impl Chat {
    pub(crate) fn new(id: i64, kind: ChatKind) -> Self {
        // Message 1 of a supergroup is its creation.
        let next_message_id = if matches!(kind, ChatKind::Supergroup { .. }) {
            2
        } else {
            1
        };
        Self {
            id,
            kind,
            next_message_id,
            messages: Vec::new(),
            topics: BTreeMap::new(),
            bots: BTreeMap::new(),
            owner: None,
            members: BTreeMap::new(),
            reactions: BTreeMap::new(),
        }
    }

    pub(crate) fn is_group(&self) -> bool {
        matches!(self.kind, ChatKind::Supergroup { .. })
    }

    pub(crate) fn is_forum(&self) -> bool {
        matches!(self.kind, ChatKind::Supergroup { is_forum: true, .. })
    }

    pub(crate) fn message(&self, id: i64) -> Option<&StoredMessage> {
        self.messages.iter().find(|m| m.id == id)
    }

    /// A topic that exists, by thread id.
    pub(crate) fn live_topic(&self, thread_id: i64) -> Option<&TopicState> {
        self.topics.get(&thread_id).filter(|t| !t.deleted)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub file_id: String,
    pub file_unique_id: String,
    pub file_path: String,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    /// The size Telegram reports, which may exceed the bytes kept.
    pub size: u64,
    pub bytes: Vec<u8>,
}

pub(crate) struct State {
    pub limits: Limits,
    pub limiter: Limiter,
    pub outage: Option<Outage>,
    pub started: Instant,
    pub bots: BTreeMap<i64, Bot>,
    pub users: HashMap<i64, User>,
    pub chats: BTreeMap<i64, Chat>,
    pub files: HashMap<String, StoredFile>,
    pub next_file: u64,
    pub next_group: i64,
    pub requests: Vec<Recorded>,
    pub spec_errors: Vec<String>,
    pub rate_limited: Vec<RateLimited>,
    pub violations: Vec<String>,
}

/// Unix time now, in seconds, as message dates are.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl State {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            limiter: Limiter::default(),
            outage: None,
            started: Instant::now(),
            bots: BTreeMap::new(),
            users: HashMap::new(),
            chats: BTreeMap::new(),
            files: HashMap::new(),
            next_file: 1,
            next_group: FIRST_GROUP_ID,
            requests: Vec::new(),
            spec_errors: Vec::new(),
            rate_limited: Vec::new(),
            violations: Vec::new(),
        }
    }

    pub(crate) fn millis_since_start(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(crate) fn bot_id(&self, token: &str) -> Option<i64> {
        self.bots.values().find(|b| b.token == token).map(|b| b.id)
    }

    fn bot_by_token(&self, token: &str) -> ControlResult<i64> {
        self.bot_id(token)
            .ok_or_else(|| format!("no bot with token {token}"))
    }

    fn group(&self, chat_id: i64) -> ControlResult<&Chat> {
        match self.chats.get(&chat_id) {
            Some(chat) if chat.is_group() => Ok(chat),
            _ => Err(format!("no group {chat_id}")),
        }
    }

    fn group_mut(&mut self, chat_id: i64) -> ControlResult<&mut Chat> {
        match self.chats.get_mut(&chat_id) {
            Some(chat) if chat.is_group() => Ok(chat),
            _ => Err(format!("no group {chat_id}")),
        }
    }

    /// The bot as others see it, as a `User` object.
    pub(crate) fn bot_json(&self, bot_id: i64) -> Value {
        self.bots
            .get(&bot_id)
            .map_or(Value::Null, objects::bot_user)
    }

    /// Who sent something, as a `User` object.
    pub(crate) fn actor_json(&self, actor: Actor) -> Value {
        match actor {
            Actor::Bot(id) => self.bot_json(id),
            Actor::User(id) => self.users.get(&id).map_or(Value::Null, objects::user),
        }
    }

    /// Queues an update for a bot, unless it chose not to get that type.
    pub(crate) fn deliver(&mut self, bot_id: i64, kind: &'static str, payload: Value) {
        if let Some(bot) = self.bots.get_mut(&bot_id)
            && bot.wants(kind)
        {
            let id = bot.next_update_id;
            bot.next_update_id += 1;
            bot.updates.push_back(PendingUpdate { id, kind, payload });
        }
    }

    /// Posts a message into a chat and keeps it. `reply_to` is a message of
    /// the same chat; in a topic, a message that replies to nothing else
    /// replies to the topic's first message, as in Telegram.
    pub(crate) fn post(
        &mut self,
        chat_id: i64,
        thread_id: Option<i64>,
        from: Actor,
        content: Content,
        reply_to: Option<i64>,
    ) -> Value {
        let from_json = self.actor_json(from);
        let Some(chat) = self.chats.get_mut(&chat_id) else {
            return Value::Null;
        };
        let message_id = chat.next_message_id;
        chat.next_message_id += 1;
        let reply_to = reply_to.or(thread_id.filter(|&t| t != message_id));
        let reply_json = reply_to
            .and_then(|id| chat.message(id))
            .map(|m| m.json.clone());
        let envelope = Envelope {
            message_id,
            date: unix_now(),
            chat: objects::chat(chat),
            from: from_json,
            thread_id,
            reply_to: reply_json,
        };
        let json = objects::message(envelope, &content);
        chat.messages.push(StoredMessage {
            id: message_id,
            thread_id,
            from,
            content,
            json: json.clone(),
            edited: false,
        });
        json
    }

    /// Hands a group message to the bots that see it: administrators see
    /// everything; other bots (privacy mode) only commands and mentions.
    fn deliver_to_group_bots(&mut self, chat_id: i64, message: &Value, text: Option<&str>) {
        let Some(chat) = self.chats.get(&chat_id) else {
            return;
        };
        let receivers: Vec<i64> = chat
            .bots
            .iter()
            .filter(|(bot_id, rights)| {
                rights.admin
                    || text.is_some_and(|t| {
                        t.starts_with('/')
                            || self
                                .bots
                                .get(bot_id)
                                .is_some_and(|b| t.contains(&format!("@{}", b.username)))
                    })
            })
            .map(|(&bot_id, _)| bot_id)
            .collect();
        for bot_id in receivers {
            self.deliver(bot_id, "message", message.clone());
        }
    }

    /// Registers a file so `getFile` and the download work.
    pub(crate) fn add_file(
        &mut self,
        folder: &str,
        extension: &str,
        bytes: Vec<u8>,
        file_name: Option<String>,
        mime_type: Option<String>,
        reported_size: Option<u64>,
    ) -> StoredFile {
        let n = self.next_file;
        self.next_file += 1;
        let size = reported_size.unwrap_or_else(|| u64::try_from(bytes.len()).unwrap_or(u64::MAX));
        let file = StoredFile {
            file_id: format!("BQACAgIAAxk{n:08}AAF{}", folder.to_ascii_uppercase()),
            file_unique_id: format!("AgAD{n:06}"),
            file_path: format!("{folder}/file_{n}.{extension}"),
            file_name,
            mime_type,
            size,
            bytes,
        };
        self.files.insert(file.file_id.clone(), file.clone());
        file
    }

    /// The content of a media message around a stored file; a photo gets a
    /// thumbnail size too.
    pub(crate) fn media_content(
        &mut self,
        field: &'static str,
        file: &StoredFile,
        caption: Option<&str>,
    ) -> Content {
        let thumbnail = if field == "photo" {
            Some(self.add_file("thumbnails", "jpg", file.bytes.clone(), None, None, None))
        } else {
            None
        };
        let object = objects::media_object(field, file, thumbnail.as_ref());
        Content::media(field, object, file.file_id.clone(), caption)
    }

    fn private_chat(&mut self, user: &User) -> i64 {
        self.users.insert(user.id, user.clone());
        let chat = self
            .chats
            .entry(user.id)
            .or_insert_with(|| Chat::new(user.id, ChatKind::Private(user.clone())));
        chat.kind = ChatKind::Private(user.clone());
        user.id
    }
}

/// Removes a deleted topic's messages (and reactions to them).
pub(crate) fn delete_topic_messages(chat: &mut Chat, thread_id: i64) {
    let gone: Vec<i64> = chat
        .messages
        .iter()
        .filter(|m| m.thread_id == Some(thread_id))
        .map(|m| m.id)
        .collect();
    chat.messages.retain(|m| m.thread_id != Some(thread_id));
    for id in gone {
        chat.reactions.remove(&id);
    }
}
