//! Channels as plug-ins. Each kind of channel is a folder here that
//! implements [`Adapter`] — what the kind is, how its accounts are started
//! and supervised (one runner per account, see [`runners`]), how they report
//! their state (one [`AccountStatus`] model for every kind), the budgets its
//! replies count against, its LAN routes and its jobs — and hands its
//! connected accounts' senders ([`Channel`]) to the [`Registry`]. The engine
//! registers one adapter per kind; the spine (relay, outbox, queue, inbox)
//! never names a kind.
//!
//! ```text
//!  engine ──register──► Registry ◄──lookups── outbox (rate keys, sender of an account)
//!                         │                  api / CLI (accounts and their state)
//!                         ├── adapters: avito, email, telegram_bot, telegram_account, whatsapp, custom, simulator
//!                         └── senders: connected account id ──► dyn Channel
//! ```

pub mod accounts;
pub mod avito;
pub mod custom;
pub mod email;
pub mod login;
pub mod runners;
pub mod simulator;
pub mod telegram_account;
pub mod telegram_bot;
pub mod whatsapp;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;

pub use accounts::{Account, AccountState, AccountStatus};

use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::files::Files;
use crate::keyring::Keyring;
use crate::model::{Attachment, ChannelKind, ContactIdentity, IdentityKind, Listing};
pub use crate::queue::JobKind;
use crate::queue::{Queue, Rate};
use crate::relay::Relay;
use crate::settings::Settings;
use crate::store::Store;

/// What every channel kind is opened with: `Kind::open(&Context)`.
#[derive(Clone)]
pub struct Context {
    pub store: Store,
    pub clock: SharedClock,
    pub bus: EventBus,
    pub relay: Relay,
    pub queue: Arc<Queue>,
    pub keyring: Keyring,
    pub files: Files,
    pub settings: Settings,
    /// Where a kind puts the senders of its connected accounts.
    pub senders: Arc<Channels>,
}

/// A reply on its way to a customer.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub message_id: i64,
    pub channel_account_id: i64,
    /// The thread at the provider (chat id, e-mail thread...).
    pub external_thread_id: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
    /// The message this reply answers, when the channel knows it.
    pub reply_to: Option<Answering>,
}

/// The message a reply answers: its id at the provider and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answering {
    pub external_id: String,
    pub text: String,
}

/// Who a message addressed by `to` goes to on an account: the person as
/// the store knows people, and the thread a first message to them opens
/// (none: only someone who wrote before can be reached this way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub identity: ContactIdentity,
    pub thread: Option<String>,
}

/// `+` and 8 to 15 digits (E.164), spaces, dashes and brackets allowed in between.
pub fn e164(to: &str) -> Option<String> {
    let rest = to.trim().strip_prefix('+')?;
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')'))
    {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (8..=15)
        .contains(&digits.len())
        .then(|| format!("+{digits}"))
}

/// `@name` as Telegram spells usernames (5 to 32 letters, digits, `_`), lowercased without the `@`.
pub fn telegram_username(to: &str) -> Option<String> {
    let name = to.trim().strip_prefix('@')?;
    (name.len() >= 5
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then(|| name.to_lowercase())
}

/// How Telegram channels read `to`: a numeric chat id (a first message goes
/// there), `@username` or `+phone` (people who wrote before).
pub fn telegram_address(to: &str) -> Result<Address> {
    let to = to.trim();
    if let Ok(id) = to.parse::<i64>() {
        return Ok(Address {
            identity: ContactIdentity {
                kind: IdentityKind::TelegramUser,
                value: id.to_string(),
            },
            thread: Some(id.to_string()),
        });
    }
    if let Some(name) = telegram_username(to) {
        return Ok(Address {
            identity: ContactIdentity {
                kind: IdentityKind::TelegramUsername,
                value: name,
            },
            thread: None,
        });
    }
    if let Some(phone) = e164(to) {
        return Ok(Address {
            identity: ContactIdentity {
                kind: IdentityKind::Phone,
                value: phone,
            },
            thread: None,
        });
    }
    Err(Error::invalid(format!(
        "“{to}” is not a Telegram address: a numeric chat id, @username or +phone"
    )))
}

/// The provider accepted the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// A 5xx, the store busy: try again later, a few times.
    #[error("{0}")]
    Transient(String),
    /// The provider cannot be reached (no network, the service out): the
    /// reply waits and is tried again until it can go.
    #[error("{0}")]
    Unreachable(String),
    /// The provider's rate limit: wait this long.
    #[error("rate limited for {after_ms} ms")]
    RateLimited { after_ms: Millis },
    /// The provider refused the message for good.
    #[error("{0}")]
    Rejected(String),
}

/// A sent message to change at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub external_thread_id: String,
    /// The message's id at the provider (as [`Sent::external_id`] gave it).
    pub external_id: String,
    pub text: String,
    /// It went with files: the text is their caption.
    pub has_files: bool,
}

/// A reaction to put on a customer's message at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    pub external_thread_id: String,
    pub external_id: String,
    /// Empty: the reaction is taken back.
    pub emoji: String,
}

/// One connected account's way of sending.
#[async_trait]
pub trait Channel: Send + Sync + 'static {
    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError>;

    /// Changes a message sent before, where the provider lets a sender do
    /// that; a channel that cannot refuses with the reason.
    async fn edit(&self, _edit: &Edit) -> Result<(), SendError> {
        Err(SendError::Rejected(
            "this channel cannot change a message once sent".into(),
        ))
    }

    /// Puts a reaction on a customer's message, where the provider has them.
    async fn react(&self, _reaction: &Reaction) -> Result<(), SendError> {
        Err(SendError::Rejected("this channel has no reactions".into()))
    }
}

/// What a channel kind is to the engine. One value per kind, registered once.
#[async_trait]
pub trait Adapter: Send + Sync + 'static {
    fn kind(&self) -> ChannelKind;

    /// Starts a supervised runner for every enabled account of this kind.
    async fn start(&self);

    /// Stops every runner, each within its stop timeout.
    async fn shutdown(&self);

    /// How one account of this kind is doing.
    fn status(&self, account_id: i64) -> AccountStatus;

    /// The shared budgets a reply to `thread` counts against besides its
    /// conversation, narrowest first (see [`crate::queue::NewJob::rate_keys`]).
    fn rate_keys(&self, _account_id: i64, _thread: &str) -> Vec<String> {
        Vec::new()
    }

    /// Token buckets for those budgets, by key prefix.
    fn rates(&self) -> Vec<(&'static str, Rate)> {
        Vec::new()
    }

    /// The job kinds this channel queues and runs.
    fn jobs(&self) -> Vec<JobKind> {
        Vec::new()
    }

    /// The routes this kind serves on the LAN endpoint (webhooks).
    fn routes(&self) -> Option<axum::Router> {
        None
    }

    /// Told once the LAN endpoint listens (webhooks can be turned on).
    fn lan_endpoint(&self, _listening: bool) {}

    /// Who `to` names on `account_id`, as this kind addresses people (a
    /// phone, @username, chat id, e-mail), for a message that does not
    /// answer a conversation. Kinds whose customers always write first refuse.
    fn address(&self, _account_id: i64, _to: &str) -> Result<Address> {
        Err(Error::invalid(format!(
            "on {} the customer writes first: answer their conversation by its conversationId",
            self.kind()
        )))
    }

    /// What a conversation of this kind is about at the provider (the
    /// listing of a marketplace chat), for the thread's header and the
    /// assistant's prompt.
    async fn listing(&self, _conversation_id: i64) -> Result<Option<Listing>> {
        Ok(None)
    }
}

/// The senders of connected channel accounts, by account id.
#[derive(Default)]
pub struct Channels(RwLock<HashMap<i64, Arc<dyn Channel>>>);

impl Channels {
    pub fn connect(&self, account_id: i64, channel: Arc<dyn Channel>) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(account_id, channel);
    }

    pub fn disconnect(&self, account_id: i64) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&account_id);
    }

    pub fn get(&self, account_id: i64) -> Option<Arc<dyn Channel>> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&account_id)
            .cloned()
    }
}

/// Every registered channel kind, and the senders of their connected accounts.
#[derive(Default)]
pub struct Registry {
    adapters: RwLock<Vec<Arc<dyn Adapter>>>,
    senders: Arc<Channels>,
}

impl Registry {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Adds a kind: its jobs and budgets go to `queue`. A kind registered
    /// twice replaces the first. Gives the adapter back for typed use.
    pub fn add<A: Adapter>(&self, queue: &Queue, adapter: Arc<A>) -> Arc<A> {
        queue.register_all(adapter.jobs());
        for (prefix, rate) in adapter.rates() {
            queue.set_rate(prefix, rate);
        }
        let mut adapters = self
            .adapters
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        adapters.retain(|a| a.kind() != adapter.kind());
        adapters.push(adapter.clone());
        adapter
    }

    pub fn adapters(&self) -> Vec<Arc<dyn Adapter>> {
        self.adapters
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn adapter(&self, kind: ChannelKind) -> Option<Arc<dyn Adapter>> {
        self.adapters
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|a| a.kind() == kind)
            .cloned()
    }

    /// The senders of connected accounts (adapters connect and disconnect them).
    pub fn senders(&self) -> &Arc<Channels> {
        &self.senders
    }

    pub fn rate_keys(&self, kind: ChannelKind, account_id: i64, thread: &str) -> Vec<String> {
        self.adapter(kind)
            .map(|a| a.rate_keys(account_id, thread))
            .unwrap_or_default()
    }

    /// How an account is doing, by its kind's adapter.
    pub fn status(&self, kind: ChannelKind, account_id: i64) -> AccountStatus {
        self.adapter(kind)
            .map(|a| a.status(account_id))
            .unwrap_or_else(AccountStatus::stopped)
    }

    /// The listing of a conversation, if its channel has one.
    pub async fn listing(&self, store: &Store, conversation_id: i64) -> Result<Option<Listing>> {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT a.kind FROM conversations c JOIN channel_accounts a ON a.id = c.channel_account_id
             WHERE c.id = ?1",
        )
        .bind(conversation_id)
        .fetch_optional(store.pool())
        .await?;
        let Some(kind) = kind.and_then(|k| k.parse::<ChannelKind>().ok()) else {
            return Ok(None);
        };
        match self.adapter(kind) {
            Some(adapter) => adapter.listing(conversation_id).await,
            None => Ok(None),
        }
    }

    /// Every connected account of every kind with its state.
    pub async fn accounts(&self, store: &Store) -> Result<Vec<Account>> {
        accounts::list(self, store).await
    }

    pub async fn start(&self) {
        for adapter in self.adapters() {
            adapter.start().await;
        }
    }

    pub async fn shutdown(&self) {
        for adapter in self.adapters() {
            adapter.shutdown().await;
        }
    }
}
