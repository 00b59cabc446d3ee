//! The connected bots: each one's client, its runner (long polling) or its
//! webhook route, and its state. A project connects its bot through
//! [`TelegramBots::run`]; what the updates mean is the [`UpdateSink`]'s.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use async_trait::async_trait;
use teloxide_core::types::Update;

use super::BotState;
use super::channel::BotChannel;
use super::{BotHandle, Bots, bot_key, chat_key, client, rates};
use crate::channels::accounts::{AccountState, AccountStatus, ConnectedTimes};
use crate::channels::runners::Runners;
use crate::channels::{Adapter, Channels};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventBus};
use crate::keyring::Keyring;
use crate::model::ChannelKind;
use crate::queue::Rate;
use crate::secret::Secret;
use crate::settings::TelegramSettings;
use crate::store::Store;

/// What a bot's updates mean (the operators' side of a project registers it).
#[async_trait]
pub trait UpdateSink: Send + Sync + 'static {
    /// Handles one update and stores the bot's next offset in the same
    /// transaction; an update stored before is skipped.
    async fn handle(&self, account_id: i64, bot: &BotHandle, update: &Update) -> Result<()>;
}

/// What the pollers, the webhook route and the projects share.
pub(super) struct Shared {
    pub store: Store,
    pub clock: SharedClock,
    pub bus: EventBus,
    pub keyring: Keyring,
    pub settings: TelegramSettings,
    pub http: reqwest::Client,
    pub bots: Bots,
    pub channels: Arc<Channels>,
    pub sink: OnceLock<Arc<dyn UpdateSink>>,
    /// Webhook secret tokens of the bots in webhook mode.
    webhook_secrets: RwLock<HashMap<i64, Secret<String>>>,
    /// Whether the LAN endpoint is listening (webhook mode needs it).
    lan_endpoint: AtomicBool,
    connected: ConnectedTimes,
    /// Each bot's state as last recorded (what [`Adapter::status`] reads).
    states: RwLock<HashMap<i64, (BotState, Option<String>)>>,
}

impl Shared {
    pub fn webhook_secret(&self, account_id: i64) -> Option<Secret<String>> {
        self.webhook_secrets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&account_id)
            .cloned()
    }

    pub async fn handle(&self, account_id: i64, bot: &BotHandle, update: &Update) -> Result<()> {
        match self.sink.get() {
            Some(sink) => sink.handle(account_id, bot, update).await,
            None => Err(Error::invalid("nothing handles the bot's updates yet")),
        }
    }

    /// Records the bot's state; a change is logged and told to subscribers.
    pub async fn set_state(&self, account_id: i64, state: BotState, error: Option<String>) {
        if state == BotState::Online {
            self.connected.connected(account_id, self.clock.now_ms());
        }
        self.states
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(account_id, (state, error.clone()));
        let changed = sqlx::query(
            "UPDATE telegram_bots SET state = ?2, last_error = ?3, updated_at = ?4
             WHERE channel_account_id = ?1 AND (state != ?2 OR coalesce(last_error, '') != coalesce(?3, ''))",
        )
        .bind(account_id)
        .bind(state.as_str())
        .bind(&error)
        .bind(self.clock.now_ms())
        .execute(self.store.pool())
        .await;
        match changed {
            Ok(done) if done.rows_affected() > 0 => {
                if let Some(error) = &error {
                    tracing::warn!(account_id, %state, %error, "bot state changed");
                } else {
                    tracing::info!(account_id, %state, "bot state changed");
                }
                self.bus.publish(EngineEvent::AccountChanged { account_id });
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, account_id, "could not record the bot's state"),
        }
    }
}

/// The Telegram bot channel kind.
pub struct TelegramBots {
    shared: Arc<Shared>,
    runners: Runners,
}

fn webhook_ref(secret_ref: &str) -> String {
    format!("{secret_ref}-webhook")
}

impl TelegramBots {
    pub fn new(
        store: Store,
        clock: SharedClock,
        bus: EventBus,
        keyring: Keyring,
        settings: TelegramSettings,
        channels: Arc<Channels>,
    ) -> Result<Self> {
        let http = super::http_client(None)?;
        Ok(Self {
            shared: Arc::new(Shared {
                store,
                clock,
                bus,
                keyring,
                settings,
                http,
                bots: Bots::default(),
                channels,
                sink: OnceLock::new(),
                webhook_secrets: RwLock::new(HashMap::new()),
                lan_endpoint: AtomicBool::new(false),
                connected: ConnectedTimes::default(),
                states: RwLock::new(HashMap::new()),
            }),
            runners: Runners::new("a bot's poller"),
        })
    }

    /// Who handles the bots' updates. Set once, before [`Adapter::start`].
    pub fn set_sink(&self, sink: Arc<dyn UpdateSink>) {
        if self.shared.sink.set(sink).is_err() {
            tracing::warn!("the bots' updates already have a handler");
        }
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.shared.http
    }

    /// The running bots' clients.
    pub fn bots(&self) -> &Bots {
        &self.shared.bots
    }

    pub fn keyring(&self) -> &Keyring {
        &self.shared.keyring
    }

    /// The keyring entry of a bot's webhook secret.
    pub fn webhook_ref(secret_ref: &str) -> String {
        webhook_ref(secret_ref)
    }

    pub fn webhook_secret(&self, account_id: i64) -> Option<Secret<String>> {
        self.shared.webhook_secret(account_id)
    }

    pub fn set_webhook_secret(&self, account_id: i64, secret: Option<Secret<String>>) {
        let mut secrets = self
            .shared
            .webhook_secrets
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        match secret {
            Some(secret) => secrets.insert(account_id, secret),
            None => secrets.remove(&account_id),
        };
    }

    /// Whether the LAN endpoint listens (webhook mode needs it).
    pub fn lan_listening(&self) -> bool {
        self.shared.lan_endpoint.load(Ordering::SeqCst)
    }

    pub async fn set_state(&self, account_id: i64, state: BotState, error: Option<String>) {
        self.shared.set_state(account_id, state, error).await;
    }

    /// Makes the bot available to the jobs and the outbox, and polls for its
    /// updates unless they come by webhook.
    pub async fn run(&self, account_id: i64, handle: BotHandle, poll: bool) {
        self.shared
            .states
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(account_id)
            .or_insert((BotState::Connecting, None));
        self.shared.bots.insert(account_id, handle.clone());
        self.shared.channels.connect(
            account_id,
            Arc::new(BotChannel::new(self.shared.bots.clone(), account_id)),
        );
        if !poll {
            self.runners.stop(account_id).await;
            return;
        }
        let shared = self.shared.clone();
        self.runners
            .spawn(account_id, move |cancel| {
                super::poller::run(shared.clone(), account_id, handle.clone(), cancel)
            })
            .await;
    }

    /// Stops the bot's runner; the outbox and jobs can no longer use it.
    pub async fn stop(&self, account_id: i64) {
        self.runners.stop(account_id).await;
        self.shared.bots.remove(account_id);
        self.shared.channels.disconnect(account_id);
        self.shared
            .states
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&account_id);
    }

    async fn start_one(&self, row: BotRow) -> Result<(), String> {
        let webhook = row.webhook_url.is_some();
        if webhook {
            match self.shared.keyring.get(&webhook_ref(&row.secret_ref)).await {
                Ok(Some(secret)) => self.set_webhook_secret(row.account_id, Some(secret)),
                Ok(None) => return Err("the webhook's secret is missing from the system keyring; turn webhook mode off and on again".into()),
                Err(e) => return Err(e.to_string()),
            }
        }
        let token = match self.shared.keyring.get(&row.secret_ref).await {
            Ok(Some(token)) => token,
            Ok(None) => {
                return Err(
                    "the bot's token is missing from the system keyring; connect the bot again"
                        .into(),
                );
            }
            Err(e) => return Err(e.to_string()),
        };
        let proxy = match &row.proxy_ref {
            None => None,
            Some(name) => match self.shared.keyring.get(name).await {
                Ok(Some(proxy)) => Some(proxy),
                Ok(None) => {
                    return Err("the bot's proxy is missing from the system keyring; connect the bot again with its proxy".into());
                }
                Err(e) => return Err(e.to_string()),
            },
        };
        let bot = client(&self.shared.http, &token, &row.api_url, proxy.as_ref())
            .map_err(|e| e.to_string())?;
        let handle = BotHandle {
            bot,
            user_id: row.external_id.parse().unwrap_or_default(),
            username: row.username,
        };
        self.run(row.account_id, handle, !webhook).await;
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct BotRow {
    account_id: i64,
    external_id: String,
    username: String,
    api_url: String,
    secret_ref: String,
    webhook_url: Option<String>,
    proxy_ref: Option<String>,
}

/// A bot's own state in the one account model.
fn account_state(state: BotState) -> AccountState {
    match state {
        BotState::Connecting => AccountState::Connecting,
        BotState::Online => AccountState::Connected,
        BotState::Offline => AccountState::Offline,
        BotState::Unauthorized => AccountState::BadCredentials,
        BotState::Conflict => AccountState::Error,
        BotState::Stopped => AccountState::Stopped,
    }
}

#[async_trait]
impl Adapter for TelegramBots {
    fn kind(&self) -> ChannelKind {
        ChannelKind::TelegramBot
    }

    /// Starts every connected bot (tokens from the keyring).
    async fn start(&self) {
        let bots: Vec<BotRow> = match sqlx::query_as(
            "SELECT b.channel_account_id AS account_id, a.external_id, b.username, b.api_url,
                    b.secret_ref, b.webhook_url, b.proxy_ref
             FROM telegram_bots b JOIN channel_accounts a ON a.id = b.channel_account_id",
        )
        .fetch_all(self.shared.store.pool())
        .await
        {
            Ok(bots) => bots,
            Err(e) => {
                tracing::error!(error = %e, "could not read the connected bots");
                return;
            }
        };
        for row in bots {
            let account_id = row.account_id;
            if let Err(reason) = self.start_one(row).await {
                self.set_state(account_id, BotState::Stopped, Some(reason))
                    .await;
            }
        }
    }

    /// Stops all pollers (their last batch of updates is stored first).
    async fn shutdown(&self) {
        self.runners.shutdown().await;
    }

    fn status(&self, account_id: i64) -> AccountStatus {
        let states = self
            .shared
            .states
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        match states.get(&account_id) {
            Some((state, error)) => AccountStatus::new(account_state(*state))
                .detail(state)
                .error(error.clone())
                .connected_at(self.shared.connected.get(account_id)),
            None => AccountStatus::stopped(),
        }
    }

    fn rate_keys(&self, account_id: i64, thread: &str) -> Vec<String> {
        vec![chat_key(account_id, thread), bot_key(account_id)]
    }

    /// A chat id (a person who started the bot), or @username / +phone of
    /// someone who wrote before.
    fn address(&self, _account_id: i64, to: &str) -> Result<crate::channels::Address> {
        crate::channels::telegram_address(to)
    }

    fn rates(&self) -> Vec<(&'static str, Rate)> {
        rates(&self.shared.settings).to_vec()
    }

    fn routes(&self) -> Option<axum::Router> {
        Some(super::webhook::router(self.shared.clone()))
    }

    fn lan_endpoint(&self, listening: bool) {
        self.shared.lan_endpoint.store(listening, Ordering::SeqCst);
    }
}

impl TelegramBots {
    /// The bots' connections; they run once [`Adapter::start`] is called.
    pub async fn open(cx: &crate::channels::Context) -> Result<Arc<Self>> {
        Ok(Arc::new(Self::new(
            cx.store.clone(),
            cx.clock.clone(),
            cx.bus.clone(),
            cx.keyring.clone(),
            cx.settings.telegram.clone(),
            cx.senders.clone(),
        )?))
    }
}
