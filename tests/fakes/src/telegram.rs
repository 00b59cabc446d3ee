//! A fake Telegram Bot API server.
//!
//! It speaks the real wire format (`{base}/bot{token}/{method}` with JSON,
//! form, query string or multipart parameters; `{"ok":…}` answers;
//! `{base}/file/bot{token}/{path}` downloads), so the real client library
//! talks to it unchanged, and it keeps bots, chats, forum topics, messages,
//! files and pending updates in memory.
//!
//! It enforces what Telegram enforces:
//! - the Bot API description (`tests/fixtures/telegram-bot-api.json`): a
//!   missing required parameter or a value of the wrong type is refused with
//!   400, a parameter the method does not have is ignored as Telegram does;
//!   all three are recorded in [`FakeTelegram::spec_errors`], as is any
//!   answer of the fake that does not match the description (checked in
//!   debug builds);
//! - the flood limits of Telegram's Bot FAQ: about one message per second
//!   per chat (with a short burst allowed), 20 messages per minute per group
//!   and 30 messages per second per bot ([`Limits`]). Beyond them a call is
//!   answered 429 with `retry_after`; a call made while a `retry_after` is
//!   still in force is a [violation](FakeTelegram::violations);
//! - message, caption and topic name lengths, topic rights, closed topics,
//!   membership, and the 20 MB download limit.
//!
//! Tests drive the other side through [`FakeTelegram`]'s methods (a person
//! writes to a bot, a bot is added to a group, …) or, from another process,
//! through the same operations over HTTP under `/_control/`.
//!
//! Simplifications: one private chat per person, shared by all bots (message
//! ids in it are shared too); no channels, basic groups or inline mode;
//! `parse_mode` text is kept as sent; webhooks are delivered over plain HTTP.

mod actions;
mod api;
mod control;
mod limits;
mod objects;
mod params;
mod server;
mod spec;
mod state;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

pub use limits::Limits;
use state::{ControlResult, Rights, State};

/// A person on Telegram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub first_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
}

impl User {
    pub fn new(id: i64, first_name: impl Into<String>) -> Self {
        Self {
            id,
            first_name: first_name.into(),
            last_name: None,
            username: None,
            language_code: None,
        }
    }

    #[must_use]
    pub fn with_last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(last_name.into());
        self
    }

    #[must_use]
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    #[must_use]
    pub fn with_language_code(mut self, language_code: impl Into<String>) -> Self {
        self.language_code = Some(language_code.into());
        self
    }
}

/// The kind of file a person sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Photo,
    Voice,
    Document,
    Audio,
    Video,
}

/// A file a person sends to a bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub kind: MediaKind,
    pub bytes: Vec<u8>,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    pub caption: Option<String>,
    /// The size Telegram reports instead of the length of `bytes`, to
    /// simulate files over the 20 MB download limit without the bytes.
    pub reported_size: Option<u64>,
}

impl Media {
    pub fn new(kind: MediaKind, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            kind,
            bytes: bytes.into(),
            file_name: None,
            mime_type: None,
            caption: None,
            reported_size: None,
        }
    }

    #[must_use]
    pub fn with_caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    #[must_use]
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    #[must_use]
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    #[must_use]
    pub fn with_reported_size(mut self, size: u64) -> Self {
        self.reported_size = Some(size);
        self
    }
}

/// How the fake fails while Telegram is out of reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outage {
    /// Every request is answered `502 Bad Gateway` with an HTML page, as a
    /// proxy in front of an unreachable Telegram answers. (teloxide-core
    /// waits 10 seconds after any 5xx answer before it reports the error.)
    BadGateway,
    /// Every connection is cut without an answer, as when the network is
    /// gone: clients see a network error at once.
    ConnectionReset,
}

impl Outage {
    /// The status recorded for requests answered during the outage; 0 for
    /// a cut connection.
    pub(crate) fn status(self) -> u16 {
        match self {
            Self::BadGateway => 502,
            Self::ConnectionReset => 0,
        }
    }
}

/// A forum topic of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    pub thread_id: i64,
    pub name: String,
    pub icon_color: i64,
    pub closed: bool,
    pub deleted: bool,
}

/// A message in a chat, whoever sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    pub message_id: i64,
    pub from_bot: Option<i64>,
    pub from_user: Option<i64>,
    /// `text`, `photo`, `voice`, `document`, `audio`, `video` or `service`.
    pub kind: String,
    /// The text, or the caption of media.
    pub text: Option<String>,
    pub thread_id: Option<i64>,
    /// The file of a media message.
    pub file_id: Option<String>,
    /// The message it answers (in a topic, the topic's first message when
    /// it answers none).
    pub reply_to: Option<i64>,
    /// Changed since it was sent.
    pub edited: bool,
}

/// A 429 answer the fake gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimited {
    pub bot_id: i64,
    /// The chat the limit was about; `None` for the bot-wide limit.
    pub chat_id: Option<i64>,
    pub method: String,
    pub retry_after_s: u64,
    /// Milliseconds since the fake started.
    pub at_ms: u64,
}

/// A Bot API request the fake answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// `None` when the token was unknown.
    pub bot_id: Option<i64>,
    /// As the description spells it, or as requested when unknown.
    pub method: String,
    /// The parameters as JSON; uploads are listed under `_uploads`.
    pub params: serde_json::Value,
    pub status: u16,
    /// Milliseconds since the fake started.
    pub at_ms: u64,
    /// Microseconds since the fake started (see [`FakeTelegram::started`]).
    #[serde(default)]
    pub at_us: u64,
}

/// What the server tasks share.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Bumped after every change, to wake long polls and waiters.
    changed: watch::Sender<u64>,
    /// Set when the last [`FakeTelegram`] handle is dropped.
    closed: AtomicBool,
}

impl Shared {
    fn new(limits: Limits) -> Self {
        Self {
            state: Mutex::new(State::new(limits)),
            changed: watch::Sender::new(0),
            closed: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Looks at the state.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Changes the state and wakes whoever waits for a change.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let result = f(&mut self.lock());
        self.changed
            .send_modify(|version| *version = version.wrapping_add(1));
        result
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }
}

struct Handle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: tokio::task::AbortHandle,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.server.abort();
        self.shared.closed.store(true, Ordering::Relaxed);
        self.shared
            .changed
            .send_modify(|version| *version = version.wrapping_add(1));
    }
}

/// A running fake Telegram Bot API server. Cheap to clone; the server stops
/// when the last clone is dropped (or its Tokio runtime ends).
///
/// The control methods (a person writes, a bot joins a group, …) panic when
/// asked something impossible, such as writing in a group that does not
/// exist: that is a mistake in the test.
#[derive(Clone)]
pub struct FakeTelegram {
    handle: Arc<Handle>,
}

#[track_caller]
fn control<T>(result: ControlResult<T>) -> T {
    result.unwrap_or_else(|e| panic!("fake Telegram: {e}"))
}

impl FakeTelegram {
    /// Starts the fake on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start(limits: Limits) -> Self {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::start_at(addr, limits)
            .await
            .unwrap_or_else(|e| panic!("fake Telegram cannot listen: {e}"))
    }

    /// Starts the fake on the given address.
    pub async fn start_at(addr: SocketAddr, limits: Limits) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(limits));
        let app = server::router(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("fake Telegram server stopped: {e}");
            }
        });
        tracing::debug!("fake Telegram listening on http://{addr}");
        Ok(Self {
            handle: Arc::new(Handle {
                shared,
                addr,
                server: server.abort_handle(),
            }),
        })
    }

    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    /// The API base to hand to the client (`Bot::set_api_url`), e.g.
    /// `http://127.0.0.1:41234`.
    /// When the fake started: what the requests' times count from.
    pub fn started(&self) -> std::time::Instant {
        self.shared().read(|s| s.started)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.handle.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.handle.addr
    }

    pub fn limits(&self) -> Limits {
        self.shared().read(|s| s.limits)
    }

    /// Changes the flood limits from now on.
    pub fn set_limits(&self, limits: Limits) {
        self.shared().update(|s| s.limits = limits);
    }

    // The world the bots live in.

    /// Creates a bot; its id is the number before ':' in the token.
    pub fn add_bot(&self, token: &str, username: &str) -> i64 {
        control(self.shared().update(|s| s.add_bot(token, username)))
    }

    /// Revokes a bot's token as @BotFather's /revoke does: requests with the
    /// old token are answered 401 Unauthorized, the new one works.
    pub fn revoke_token(&self, token: &str, new_token: &str) {
        control(self.shared().update(|s| s.revoke_token(token, new_token)));
    }

    /// Creates a supergroup, a forum when `forum`, and returns its id.
    pub fn create_group(&self, title: &str, forum: bool) -> i64 {
        self.shared().update(|s| s.create_group(title, forum))
    }

    /// Turns topics on or off in a group.
    pub fn set_forum(&self, chat_id: i64, forum: bool) {
        control(self.shared().update(|s| s.set_forum(chat_id, forum)));
    }

    /// A person writes to a bot in private; the bot may write back from
    /// then on. Returns the message id.
    pub fn user_writes_to_bot(&self, bot_token: &str, user: &User, text: &str) -> i64 {
        control(
            self.shared()
                .update(|s| s.user_writes_to_bot(bot_token, user, text)),
        )
    }

    /// A person changes the text of message `message_id` they sent a bot.
    pub fn user_edits_to_bot(&self, bot_token: &str, user: &User, message_id: i64, text: &str) {
        control(
            self.shared()
                .update(|s| s.user_edits_to_bot(bot_token, user, message_id, text)),
        )
    }

    /// A person reacts to message `message_id` of their chat with a bot, or
    /// takes the reaction back (`None`).
    pub fn user_reacts_to_bot(
        &self,
        bot_token: &str,
        user: &User,
        message_id: i64,
        emoji: Option<&str>,
    ) {
        control(
            self.shared()
                .update(|s| s.user_reacts_to_bot(bot_token, user, message_id, emoji)),
        )
    }

    /// A person sends a small photo to a bot.
    pub fn user_sends_photo_to_bot(
        &self,
        bot_token: &str,
        user: &User,
        caption: Option<&str>,
    ) -> i64 {
        let media = Media::new(MediaKind::Photo, b"\xff\xd8\xff\xe0 fake jpeg".to_vec());
        self.user_sends_media_to_bot(bot_token, user, with_caption(media, caption))
    }

    /// A person sends a short voice message to a bot.
    pub fn user_sends_voice_to_bot(
        &self,
        bot_token: &str,
        user: &User,
        caption: Option<&str>,
    ) -> i64 {
        let media = Media::new(MediaKind::Voice, b"OggS fake voice".to_vec());
        self.user_sends_media_to_bot(bot_token, user, with_caption(media, caption))
    }

    /// A person sends a small document to a bot.
    pub fn user_sends_document_to_bot(
        &self,
        bot_token: &str,
        user: &User,
        file_name: &str,
        caption: Option<&str>,
    ) -> i64 {
        let media =
            Media::new(MediaKind::Document, b"fake document".to_vec()).with_file_name(file_name);
        self.user_sends_media_to_bot(bot_token, user, with_caption(media, caption))
    }

    /// A person sends any file to a bot.
    pub fn user_sends_media_to_bot(&self, bot_token: &str, user: &User, media: Media) -> i64 {
        control(
            self.shared()
                .update(|s| s.user_sends_media_to_bot(bot_token, user, media)),
        )
    }

    /// A person blocks a bot: sending to them is refused with 403 until
    /// they write again.
    pub fn user_blocks_bot(&self, bot_token: &str, user_id: i64) {
        control(
            self.shared()
                .update(|s| s.user_blocks_bot(bot_token, user_id)),
        );
    }
}

fn with_caption(media: Media, caption: Option<&str>) -> Media {
    match caption {
        Some(caption) => media.with_caption(caption),
        None => media,
    }
}
