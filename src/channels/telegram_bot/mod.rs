//! Telegram bots over the Bot API: the client, Telegram's limits as token
//! buckets, and the bots' connections (one long-polling runner per bot, or
//! webhooks through the LAN endpoint). What an update means is not decided
//! here: each one goes to the [`UpdateSink`] the engine registered (the
//! operators' side of a project), so a bot is both a customer channel (private
//! chats, sent to through [`channel::BotChannel`]) and the work group's bot.
//!
//! ```text
//!  Bot API ──getUpdates (long poll)──► poller ─┐
//!  Telegram ──POST /telegram/<bot>──► webhook ─┴─► UpdateSink::handle (one
//!     transaction per update, with the update offset, so a restart neither
//!     loses nor repeats an update)
//! ```
//!
//! Telegram's limits (its Bot FAQ): about 1 message a second per chat, 20 a
//! minute into one group, 30 a second per bot; beyond them it answers 429 with
//! `retry_after`. Every call that counts is a queued job with those budgets, and
//! a 429 holds the chat or group until the time it named.

mod adapter;
pub mod channel;
mod poller;
pub mod webhook;

pub use adapter::{TelegramBots, UpdateSink};

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use teloxide_core::Bot;
use teloxide_core::errors::{ApiError, RequestError};
use teloxide_core::types::FileId;

use crate::clock::Millis;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::model::{Attachment, text_enum};
use crate::queue::{JobError, Rate};
use crate::secret::Secret;
use crate::settings::TelegramSettings;

text_enum! {
    /// How a connected Telegram bot is doing.
    BotState {
        Connecting => "connecting",
        Online => "online",
        Offline => "offline",
        Unauthorized => "unauthorized",
        Conflict => "conflict",
        Stopped => "stopped",
    }
}

/// A bot to connect: the token from @BotFather and, optionally, a Bot API
/// server of one's own and a proxy to reach it through.
#[derive(Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BotInput {
    pub token: String,
    pub api_url: Option<String>,
    /// `socks5://[user:password@]host:port` or `http://…`: the bot's Bot API
    /// traffic goes through it. Kept in the keyring (it may hold a password).
    #[serde(default)]
    #[specta(optional)]
    pub proxy: Option<String>,
}

impl std::fmt::Debug for BotInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotInput")
            .field("token", &"<redacted>")
            .field("api_url", &self.api_url)
            .field("proxy", &self.proxy.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A proxy for a bot: SOCKS5 (names resolved by the proxy with `socks5h`)
/// or HTTP(S), with a host and a port.
pub fn check_proxy(proxy: &str) -> Result<reqwest::Proxy> {
    const SHAPE: &str = "the proxy must look like socks5://host:port or http://host:port \
                         (with user:password@ before the host when it asks for a login)";
    let url = url::Url::parse(proxy.trim()).map_err(|_| Error::invalid(SHAPE))?;
    let known = matches!(url.scheme(), "socks5" | "socks5h" | "http" | "https");
    if !known || url.host_str().is_none() || url.port_or_known_default().is_none() {
        return Err(Error::invalid(SHAPE));
    }
    reqwest::Proxy::all(url.as_str()).map_err(|_| Error::invalid(SHAPE))
}

/// The HTTP client of bots: Teloxide's settings, through `proxy` when given.
pub fn http_client(proxy: Option<&Secret<String>>) -> Result<reqwest::Client> {
    let mut builder = teloxide_core::net::default_reqwest_settings();
    if let Some(proxy) = proxy {
        builder = builder.proxy(check_proxy(proxy.expose())?);
    }
    builder.build().map_err(|e| Error::Remote {
        service: "Telegram",
        message: format!("cannot set up the HTTP client: {e}"),
    })
}

pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// What a bot asks Telegram for, polling or by webhook: messages, their
/// edits, reactions (which Telegram sends only when asked) and its
/// membership in groups.
pub const UPDATES: [teloxide_core::types::AllowedUpdate; 4] = [
    teloxide_core::types::AllowedUpdate::Message,
    teloxide_core::types::AllowedUpdate::EditedMessage,
    teloxide_core::types::AllowedUpdate::MessageReaction,
    teloxide_core::types::AllowedUpdate::MyChatMember,
];

/// The budget of one private chat of one bot.
pub fn chat_key(bot_account_id: i64, chat: &str) -> String {
    format!("tg-chat:{bot_account_id}:{chat}")
}

/// The budget of one group, shared by all of its topics.
pub fn group_key(chat_id: i64) -> String {
    format!("tg-group:{chat_id}")
}

/// The budget of one bot across all chats.
pub fn bot_key(bot_account_id: i64) -> String {
    format!("tg-bot:{bot_account_id}")
}

/// The budgets that keep every bot inside Telegram's limits: the group's and
/// the bot's are counted in sliding windows, as Telegram states them ("20
/// messages per minute"); a chat's is one message per interval, and a
/// group, a chat too, takes its 20 at that pace after a burst of three (a
/// topic and its first messages).
pub fn rates(limits: &TelegramSettings) -> [(&'static str, Rate); 3] {
    [
        (
            "tg-group:",
            Rate::Window {
                count: limits.group_messages.max(1),
                window_ms: limits.group_window_ms,
                burst: 3,
                // A tenth slower than Telegram's pace: a call slow on its
                // way must not arrive early for the next one.
                pace_ms: limits.chat_interval_ms + limits.chat_interval_ms / 10 + 1,
            },
        ),
        (
            "tg-chat:",
            Rate::Bucket {
                burst: 1,
                every_ms: limits.chat_interval_ms + 1,
            },
        ),
        (
            "tg-bot:",
            Rate::Window {
                count: limits.bot_per_second.max(1),
                window_ms: 1_000,
                burst: limits.bot_per_second.max(1),
                pace_ms: 0,
            },
        ),
    ]
}

/// A file the bot can send again by its id: `tg:<bot account>:<file id>`.
pub fn file_ref(bot_account_id: i64, file_id: &str) -> String {
    format!("tg:{bot_account_id}:{file_id}")
}

/// The file id of an attachment that came through this bot.
pub fn own_file_id(attachment: &Attachment, bot_account_id: i64) -> Option<FileId> {
    let rest = attachment.url.as_deref()?.strip_prefix("tg:")?;
    let (account, file_id) = rest.split_once(':')?;
    (account.parse::<i64>().ok()? == bot_account_id).then(|| FileId(file_id.to_owned()))
}

/// Checks the shape of a bot token (`123456789:AA...`) before it is sent anywhere.
pub fn check_token(token: &str) -> Result<()> {
    let valid = token.split_once(':').is_some_and(|(id, key)| {
        !id.is_empty()
            && id.len() <= 20
            && id.bytes().all(|b| b.is_ascii_digit())
            && key.len() >= 20
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "this does not look like a bot token: copy the whole token @BotFather gave, like 123456789:AAH…",
        ))
    }
}

pub fn check_api_url(url: &str) -> Result<url::Url> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|e| Error::invalid(format!("the Bot API address `{url}` is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(Error::invalid(format!(
            "the Bot API address `{url}` must be an http or https URL"
        )));
    }
    Ok(parsed)
}

/// A client for one bot at one Bot API server: the bots' shared HTTP client,
/// or one of its own through its proxy.
pub fn client(
    http: &reqwest::Client,
    token: &Secret<String>,
    api_url: &str,
    proxy: Option<&Secret<String>>,
) -> Result<Bot> {
    let url = check_api_url(api_url)?;
    let http = match proxy {
        Some(proxy) => http_client(Some(proxy))?,
        None => http.clone(),
    };
    Ok(Bot::with_client(token.expose().clone(), http).set_api_url(url))
}

/// What a failed Bot API call means for a job. The token never appears:
/// teloxide strips URLs from network errors.
pub fn job_error(e: &RequestError) -> JobError {
    match e {
        RequestError::RetryAfter(after) => JobError::RetryAfter {
            after_ms: Millis::try_from(after.duration().as_millis()).unwrap_or(Millis::MAX),
            reason: "Telegram: too many requests".into(),
        },
        // Telegram always answers JSON: anything else came from something
        // in between (a proxy, a gateway, a captive portal).
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            JobError::Unreachable(format!("Telegram: {e}"))
        }
        RequestError::Api(ApiError::Unknown(text)) if is_out(text) => {
            JobError::Unreachable(format!("Telegram: {text}"))
        }
        RequestError::Api(ApiError::Unknown(text)) if is_server_trouble(text) => {
            JobError::Retry(format!("Telegram: {text}"))
        }
        RequestError::Api(ApiError::InvalidToken) => {
            JobError::Retry("Telegram: the bot token was revoked".into())
        }
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => {
            JobError::Fatal(format!("Telegram: {e}"))
        }
    }
}

/// Telegram out of reach behind a gateway or restarting.
fn is_out(text: &str) -> bool {
    ["Bad Gateway", "Service Unavailable", "Gateway Timeout"]
        .iter()
        .any(|out| text.starts_with(out))
}

fn is_server_trouble(text: &str) -> bool {
    text.starts_with("Internal Server Error") || text.contains("restart")
}

/// The error text Telegram gave, for matching the few that need handling.
pub fn api_text(e: &RequestError) -> String {
    match e {
        RequestError::Api(ApiError::Unknown(text)) => text.clone(),
        RequestError::Api(api) => api.to_string(),
        other => other.to_string(),
    }
}

pub fn remote(e: &RequestError) -> Error {
    match e {
        RequestError::Api(ApiError::InvalidToken) => {
            Error::invalid("Telegram did not accept this bot token (it may have been revoked)")
        }
        other => Error::Remote {
            service: "Telegram",
            message: other.to_string(),
        },
    }
}

/// The connected bots, by channel account: shared by the poller, the mirror
/// jobs and the customer channel.
#[derive(Default, Clone)]
pub struct Bots(Arc<RwLock<HashMap<i64, BotHandle>>>);

#[derive(Clone)]
pub struct BotHandle {
    pub bot: Bot,
    /// The bot's own Telegram user id.
    pub user_id: i64,
    pub username: String,
}

impl Bots {
    pub fn insert(&self, account_id: i64, handle: BotHandle) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(account_id, handle);
    }

    pub fn remove(&self, account_id: i64) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&account_id);
    }

    pub fn get(&self, account_id: i64) -> Option<BotHandle> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&account_id)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape() {
        assert!(check_token("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw").is_ok());
        for bad in [
            "",
            "123456789",
            "abc:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "1:short",
            "1:AAHdqTcvCH1vGWJxfSeofSAs0K5P LDsaw",
        ] {
            assert!(check_token(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn buckets_stay_inside_the_limits() {
        let limits = TelegramSettings::default();
        let [(_, group), (_, chat), (_, bot)] = rates(&limits);
        assert!(group.most_in(60_000) <= 20.0, "group: {group:?}");
        assert!(
            group.most_in(600_000) >= 0.95 * 200.0,
            "the group's budget is used: {group:?}"
        );
        assert!(chat.most_in(1_000) <= 2.0, "chat: {chat:?}");
        assert!(bot.most_in(1_000) <= 30.0, "bot: {bot:?}");
    }
}
