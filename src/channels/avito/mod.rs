//! Avito Messenger: the seller's Avito account as a customer channel. Each
//! Avito chat is a conversation, the buyer a contact known by their Avito user
//! id, the listing the chat is about its header.
//!
//! ```text
//!  poller (adaptive interval) ─┐                      ┌─► Relay::ingest (+ chat cursor, one tx)
//!                              ├─► read chat ─► convert (download images, voices)
//!  webhook ─► avito.ingest job ┘                      └─► …
//!  outbox ─► AvitoChannel ─► text parts ≤ 1000 chars / uploaded images ─► mark chat read
//! ```
//!
//! An account is a channel account of kind `avito`: its client id in the
//! settings, its client secret and cached access token in the OS keyring.

mod accounts;
mod adapter;
pub mod client;
pub mod model;
mod receive;
pub mod send;
mod webhook;
pub mod wire;

pub use accounts::Avito;
pub use receive::{INGEST_JOB, INGEST_JOB_VERSION, IngestHandler};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use self::client::{Client, Credentials};
use self::model::{AvitoError, AvitoState};
use crate::channels::accounts::{Board, Reported};
use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::files::Files;
use crate::keyring::Keyring;
use crate::relay::Relay;
use crate::secret::Secret;
use crate::settings::AvitoSettings;
use crate::store::Store;

/// An account's settings as kept in `channel_accounts.settings` (never the
/// secret: `secret_ref` names its keyring entry).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Stored {
    pub client_id: String,
    pub api_url: Option<String>,
    pub secret_ref: String,
}

impl Stored {
    fn read(account_id: i64, settings: &str) -> Result<Self> {
        serde_json::from_str(settings)
            .map_err(|e| Error::Corrupt(format!("settings of Avito account {account_id}: {e}")))
    }

    /// The keyring entry of the cached access token.
    fn token_ref(&self) -> String {
        format!("{}-token", self.secret_ref)
    }

    /// The keyring entry of the webhook's secret path segment.
    fn webhook_ref(&self) -> String {
        format!("{}-webhook", self.secret_ref)
    }
}

/// A connected account's client and what its poller and sender share.
pub(crate) struct Session {
    pub account_id: i64,
    /// Avito's user id of the account.
    pub user_id: i64,
    pub client: Client,
    /// Wakes the poller at once (a reply was sent, a webhook arrived).
    pub wake: Notify,
    /// When a message last came or went: polling is fast for a while after.
    pub last_activity: AtomicI64,
    /// The secret in the webhook's path, while webhooks are on.
    pub webhook_secret: RwLock<Option<Secret<String>>>,
}

impl Session {
    pub fn active(&self, now: Millis) {
        self.last_activity.fetch_max(now, Ordering::SeqCst);
        self.wake.notify_one();
    }
}

#[derive(Debug, Clone)]
struct Status {
    state: AvitoState,
    last_error: Option<AvitoError>,
    last_poll_at: Option<Millis>,
}

impl Reported for Status {
    fn starting() -> Self {
        Self {
            state: AvitoState::Connecting,
            last_error: None,
            last_poll_at: None,
        }
    }

    fn stopped() -> Self {
        Self {
            state: AvitoState::Stopped,
            ..Self::starting()
        }
    }

    fn is_connected(&self) -> bool {
        self.state == AvitoState::Online
    }
}

/// What the accounts, the poller, the webhook and the sender share.
pub(crate) struct Core {
    pub store: Store,
    pub clock: SharedClock,
    pub bus: EventBus,
    pub keyring: Keyring,
    pub settings: AvitoSettings,
    pub files: Files,
    pub relay: Relay,
    sessions: RwLock<HashMap<i64, Arc<Session>>>,
    /// What each account's poller reports.
    board: Board<Status>,
    /// The LAN endpoint listens (webhooks can be turned on).
    lan_endpoint: AtomicBool,
}

impl Core {
    pub fn new(
        store: Store,
        clock: SharedClock,
        bus: EventBus,
        keyring: Keyring,
        settings: AvitoSettings,
        files: Files,
        relay: Relay,
    ) -> Arc<Self> {
        let board = Board::new(clock.clone(), bus.clone());
        Arc::new(Self {
            store,
            clock,
            bus,
            keyring,
            settings,
            files,
            relay,
            sessions: RwLock::new(HashMap::new()),
            board,
            lan_endpoint: AtomicBool::new(false),
        })
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.settings.timeout_s)
    }

    fn api_url<'a>(&'a self, stored: &'a Stored) -> &'a str {
        stored.api_url.as_deref().unwrap_or(&self.settings.api_url)
    }

    fn client(&self, stored: &Stored, secret: Secret<String>) -> Result<Client> {
        Client::new(
            self.api_url(stored),
            self.timeout(),
            Credentials {
                client_id: stored.client_id.clone(),
                client_secret: secret,
                token_ref: stored.token_ref(),
            },
            self.keyring.clone(),
            self.clock.clone(),
        )
        .map_err(|e| Error::Remote {
            service: "Avito",
            message: e.to_string(),
        })
    }

    /// An enabled account's settings.
    async fn stored(&self, account_id: i64) -> Result<Stored> {
        let settings: Option<String> = sqlx::query_scalar(
            "SELECT settings FROM channel_accounts WHERE id = ?1 AND kind = 'avito' AND enabled = 1",
        )
        .bind(account_id)
        .fetch_optional(self.store.pool())
        .await?;
        let settings = settings.ok_or_else(|| Error::not_found("Avito account", account_id))?;
        Stored::read(account_id, &settings)
    }

    /// The account's session, made on first use from its settings and the
    /// keyring.
    pub async fn session(&self, account_id: i64) -> Result<Arc<Session>> {
        if let Some(session) = self
            .sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&account_id)
        {
            return Ok(session.clone());
        }
        let stored = self.stored(account_id).await?;
        let secret = self.keyring.get(&stored.secret_ref).await?.ok_or_else(|| {
            Error::Keyring(format!(
                "no client secret for Avito account {account_id}; connect it again"
            ))
        })?;
        let (user_id, webhook_url): (i64, Option<String>) = sqlx::query_as(
            "SELECT user_id, webhook_url FROM avito_accounts WHERE channel_account_id = ?1",
        )
        .bind(account_id)
        .fetch_one(self.store.pool())
        .await?;
        let webhook_secret = match webhook_url {
            Some(_) => self.keyring.get(&stored.webhook_ref()).await?,
            None => None,
        };
        let session = Arc::new(Session {
            account_id,
            user_id,
            client: self.client(&stored, secret)?,
            wake: Notify::new(),
            last_activity: AtomicI64::new(0),
            webhook_secret: RwLock::new(webhook_secret),
        });
        Ok(self
            .sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(account_id)
            .or_insert(session)
            .clone())
    }

    /// The running session, if the account is connected.
    fn live_session(&self, account_id: i64) -> Option<Arc<Session>> {
        self.sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&account_id)
            .cloned()
    }

    fn forget_session(&self, account_id: i64) {
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&account_id);
    }

    fn set_status(&self, account_id: i64, change: impl FnOnce(&mut Status)) {
        self.board.set(account_id, change);
    }

    fn status(&self, account_id: i64) -> Status {
        self.board.get(account_id)
    }
}
