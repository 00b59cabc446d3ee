//! WhatsApp Business Cloud API numbers as WhatsApp accounts. Meta posts a
//! number's messages and statuses to the LAN endpoint (through a public
//! HTTPS address the owner forwards to it); replies leave through Meta's
//! Graph API.
//!
//! ```text
//!  Meta ─► GET  /webhooks/whatsapp/<id>  verify token ─► echo hub.challenge
//!       ─► POST /webhooks/whatsapp/<id>  X-Hub-Signature-256 over the raw body
//!             ─► messages: media fetched, Relay::ingest (reply context, reactions)
//!             ─► statuses: Relay::receipt / delivery failed
//!             ─► 200 only once stored (500 lets Meta deliver again)
//!  outbox ─► CloudChannel ─► 24-hour window ─► uploads, text parts ≤ 4096 ─► /messages
//! ```
//!
//! A number is a channel account of kind `whatsapp` whose external id is
//! `cloud:<phone_number_id>`; its access token, app secret and verify token
//! are in the OS keyring only.

pub mod graph;
pub mod model;
mod numbers;
mod receive;
mod send;
mod templates;
mod webhook;
pub mod wire;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use self::graph::Graph;
use crate::channels::accounts::{Board, Reported};
use crate::channels::{AccountState, AccountStatus, Channels, Context, JobKind};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::files::Files;
use crate::keyring::Keyring;
use crate::queue::Rate;
use crate::relay::Relay;
use crate::secret::Secret;
use crate::store::Store;

/// The budget of one number's replies: Meta's default throughput is 80
/// messages a second; a shop's laptop stays well below it.
const PER_SECOND: u32 = 20;
/// The prefix of a number's budget key.
const RATE_PREFIX: &str = "wacloud:";

/// The path Meta's webhooks for a number go to on the LAN endpoint.
pub fn webhook_path(account_id: i64) -> String {
    format!("/webhooks/whatsapp/{account_id}")
}

/// A number with its secrets, as the webhook and the sender use it.
pub(crate) struct Number {
    pub account_id: i64,
    pub phone_number_id: String,
    pub graph: Graph,
    pub app_secret: Secret<String>,
    pub verify_token: Secret<String>,
}

/// A number's row of `whatsapp_cloud_numbers`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Row {
    pub phone_number_id: String,
    pub display_phone: Option<String>,
    pub token_ref: String,
    pub app_secret_ref: String,
    pub verify_token_ref: String,
    pub api_url: String,
    pub api_version: String,
    pub business_account_id: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
struct Report {
    state: AccountState,
    last_error: Option<String>,
}

impl Reported for Report {
    fn starting() -> Self {
        Self {
            state: AccountState::Connecting,
            last_error: None,
        }
    }

    fn stopped() -> Self {
        Self {
            state: AccountState::Stopped,
            last_error: None,
        }
    }

    fn is_connected(&self) -> bool {
        self.state == AccountState::Connected
    }
}

/// What the numbers, the webhook and the sender share.
pub(crate) struct Core {
    pub store: Store,
    pub clock: SharedClock,
    pub bus: EventBus,
    pub keyring: Keyring,
    pub files: Files,
    pub relay: Relay,
    senders: Arc<Channels>,
    /// The enabled numbers' account ids (`owns` answers from here).
    owned: RwLock<HashSet<i64>>,
    /// Numbers with their secrets, read from the keyring on first use.
    numbers: RwLock<HashMap<i64, Arc<Number>>>,
    board: Board<Report>,
    /// The LAN endpoint listens (webhooks can arrive).
    lan: AtomicBool,
    /// The Graph API of numbers added without an address of their own.
    graph_url: String,
}

impl Core {
    pub(crate) async fn row(&self, account_id: i64) -> Result<Row> {
        sqlx::query_as(
            "SELECT n.channel_account_id, n.phone_number_id, n.display_phone, n.token_ref,
                    n.app_secret_ref, n.verify_token_ref, n.api_url, n.api_version,
                    n.business_account_id, n.created_at
             FROM whatsapp_cloud_numbers n JOIN channel_accounts a ON a.id = n.channel_account_id
             WHERE n.channel_account_id = ?1 AND a.enabled = 1",
        )
        .bind(account_id)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or_else(|| Error::not_found("WhatsApp Cloud API number", account_id))
    }

    async fn secret(&self, name: &str, what: &str, account_id: i64) -> Result<Secret<String>> {
        self.keyring.get(name).await?.ok_or_else(|| {
            Error::Keyring(format!(
                "no {what} for WhatsApp Cloud API number {account_id}; enter it again"
            ))
        })
    }

    /// The number with its secrets.
    pub(crate) async fn number(&self, account_id: i64) -> Result<Arc<Number>> {
        if let Some(number) = self
            .numbers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&account_id)
        {
            return Ok(number.clone());
        }
        let row = self.row(account_id).await?;
        let token = self
            .secret(&row.token_ref, "access token", account_id)
            .await?;
        let app_secret = self
            .secret(&row.app_secret_ref, "app secret", account_id)
            .await?;
        let verify_token = self
            .secret(&row.verify_token_ref, "verify token", account_id)
            .await?;
        let graph = Graph::new(&row.api_url, &row.api_version, &row.phone_number_id, token)
            .map_err(|e| Error::Remote {
                service: "WhatsApp",
                message: e.to_string(),
            })?;
        let number = Arc::new(Number {
            account_id,
            phone_number_id: row.phone_number_id,
            graph,
            app_secret,
            verify_token,
        });
        Ok(self
            .numbers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(account_id)
            .or_insert(number)
            .clone())
    }

    /// Forgets a number's secrets held in memory (changed or removed).
    pub(crate) fn forget(&self, account_id: i64) {
        self.numbers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&account_id);
    }

    pub(crate) fn own(&self, account_id: i64, owned: bool) {
        let mut all = self.owned.write().unwrap_or_else(PoisonError::into_inner);
        if owned {
            all.insert(account_id);
        } else {
            all.remove(&account_id);
        }
    }

    pub(crate) fn owned(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .owned
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .copied()
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The number works (a webhook came, Meta accepted a reply).
    pub(crate) fn working(&self, account_id: i64) {
        if self.board.get(account_id).is_connected() {
            return;
        }
        self.board.set(account_id, |r| {
            r.state = AccountState::Connected;
            r.last_error = None;
        });
    }

    /// Meta refused the number's access token.
    pub(crate) fn refused(&self, account_id: i64, error: String) {
        self.board.set(account_id, |r| {
            r.state = AccountState::BadCredentials;
            r.last_error = Some(error);
        });
    }

    pub(crate) fn report(&self, account_id: i64) -> (AccountState, Option<String>) {
        let report = self.board.get(account_id);
        (report.state, report.last_error)
    }

    fn connect_channel(self: &Arc<Self>, account_id: i64) {
        self.senders.connect(
            account_id,
            Arc::new(send::CloudChannel::new(self.clone(), account_id)),
        );
    }

    fn lan_listening(&self) -> bool {
        self.lan.load(Ordering::SeqCst)
    }
}

/// The Cloud API numbers of the WhatsApp channel.
pub struct Cloud {
    core: Arc<Core>,
}

impl Cloud {
    pub async fn open(cx: &Context) -> Result<Arc<Self>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT n.channel_account_id FROM whatsapp_cloud_numbers n
             JOIN channel_accounts a ON a.id = n.channel_account_id WHERE a.enabled = 1",
        )
        .fetch_all(cx.store.pool())
        .await?;
        let core = Arc::new(Core {
            store: cx.store.clone(),
            clock: cx.clock.clone(),
            bus: cx.bus.clone(),
            keyring: cx.keyring.clone(),
            files: cx.files.clone(),
            relay: cx.relay.clone(),
            senders: cx.senders.clone(),
            owned: RwLock::new(ids.iter().copied().collect()),
            numbers: RwLock::new(HashMap::new()),
            board: Board::new(cx.clock.clone(), cx.bus.clone()),
            lan: AtomicBool::new(false),
            graph_url: cx
                .settings
                .whatsapp
                .cloud_api_url
                .clone()
                .unwrap_or_else(|| numbers::GRAPH_URL.to_owned()),
        });
        // Replies go out from the command line too, without `start`.
        for id in ids {
            core.connect_channel(id);
        }
        Ok(Arc::new(Self { core }))
    }

    /// Every number is ready as soon as the engine relays: Meta calls in.
    pub async fn start(&self) {
        for id in self.core.owned() {
            self.core.board.set(id, |r| {
                if r.state != AccountState::BadCredentials {
                    r.state = AccountState::Connected;
                }
            });
        }
    }

    pub async fn shutdown(&self) {
        for id in self.core.owned() {
            self.core.board.set(id, |r| r.state = AccountState::Stopped);
        }
    }

    /// Whether the account is a Cloud API number.
    pub fn owns(&self, account_id: i64) -> bool {
        self.core
            .owned
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&account_id)
    }

    pub fn status(&self, account_id: i64) -> AccountStatus {
        let (state, last_error) = self.core.report(account_id);
        let status = AccountStatus::new(state)
            .error(last_error)
            .connected_at(self.core.board.connected_at(account_id));
        if state == AccountState::Connected && !self.core.lan_listening() {
            // It sends, but Meta's webhooks have nowhere to go.
            status.detail("no_lan_endpoint")
        } else {
            status
        }
    }

    pub fn rate_keys(&self, account_id: i64, _thread: &str) -> Vec<String> {
        vec![format!("{RATE_PREFIX}{account_id}")]
    }

    pub fn rates(&self) -> Vec<(&'static str, Rate)> {
        vec![(RATE_PREFIX, Rate::per(PER_SECOND, 1_000))]
    }

    pub fn jobs(&self) -> Vec<JobKind> {
        Vec::new()
    }

    pub fn routes(&self) -> Option<axum::Router> {
        Some(webhook::router(self.core.clone()))
    }

    pub fn lan_endpoint(&self, listening: bool) {
        self.core.lan.store(listening, Ordering::SeqCst);
    }
}
