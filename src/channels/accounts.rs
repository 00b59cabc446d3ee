//! One state model for every channel account, whatever its kind: the window's
//! account list and `tuberry accounts` show the same words for a bot, a
//! mailbox, an Avito account or the Test chat. Each kind keeps its own finer
//! state (a mailbox "importing", a bot in "conflict") as `detail`.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use serde::{Deserialize, Serialize};
use specta::Type;
use sqlx::FromRow;

use super::Registry;
use crate::clock::{Millis, SharedClock};
use crate::error::Result;
use crate::events::{EngineEvent, EventBus};
use crate::model::{ChannelKind, text_enum};
use crate::store::{Store, parse_column};

text_enum! {
    /// Where a channel account's connection stands.
    AccountState {
        /// Starting, or reconnecting after a pause.
        Connecting => "connecting",
        /// Receiving and able to send.
        Connected => "connected",
        /// Lost for a while (network, the provider down): it keeps retrying.
        Offline => "offline",
        /// The provider no longer accepts the credentials: connect it again.
        BadCredentials => "bad_credentials",
        /// Something else stops it; the error says what.
        Error => "error",
        /// Not running (removed, disabled, or the engine is stopping).
        Stopped => "stopped",
    }
}

/// How one account is doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    pub state: AccountState,
    /// The kind's own finer word for the state ("importing", "listening",
    /// "conflict"...), when it has one.
    pub detail: Option<String>,
    /// The last error, in words a person can act on.
    pub last_error: Option<String>,
    /// When the account was last connected.
    pub last_connected_at: Option<Millis>,
}

impl AccountStatus {
    pub fn stopped() -> Self {
        Self {
            state: AccountState::Stopped,
            detail: None,
            last_error: None,
            last_connected_at: None,
        }
    }

    pub fn new(state: AccountState) -> Self {
        Self {
            state,
            ..Self::stopped()
        }
    }

    /// The kind's own word for the state, as it is sent to the window.
    pub fn detail(mut self, detail: impl Serialize) -> Self {
        self.detail = serde_json::to_value(detail)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        self
    }

    pub fn error(mut self, error: Option<String>) -> Self {
        self.last_error = error;
        self
    }

    pub fn connected_at(mut self, at: Option<Millis>) -> Self {
        self.last_connected_at = at;
        self
    }
}

/// A connected account of any channel, with its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    pub project_id: Option<i64>,
    pub status: AccountStatus,
}

/// When each account was last connected: adapters note it as their
/// accounts come online, so every kind reports it the same way.
#[derive(Default)]
pub struct ConnectedTimes(RwLock<HashMap<i64, Millis>>);

impl ConnectedTimes {
    pub fn connected(&self, account_id: i64, at: Millis) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(account_id, at);
    }

    pub fn get(&self, account_id: i64) -> Option<Millis> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&account_id)
            .copied()
    }
}

/// What a kind's runners report about an account, in the kind's own words.
pub trait Reported: Clone + Send + Sync + 'static {
    /// Before the runner said anything.
    fn starting() -> Self;
    /// No runner has the account.
    fn stopped() -> Self;
    /// Whether the account is connected (its time is noted).
    fn is_connected(&self) -> bool;
}

/// Each account's report, changed by its runner and told to subscribers
/// (`account_changed`) at every change, with when it was last connected.
pub struct Board<S> {
    reports: RwLock<HashMap<i64, S>>,
    connected: ConnectedTimes,
    clock: SharedClock,
    bus: EventBus,
}

impl<S: Reported> Board<S> {
    pub fn new(clock: SharedClock, bus: EventBus) -> Self {
        Self {
            reports: RwLock::new(HashMap::new()),
            connected: ConnectedTimes::default(),
            clock,
            bus,
        }
    }

    pub fn set(&self, account_id: i64, change: impl FnOnce(&mut S)) {
        {
            let mut all = self.reports.write().unwrap_or_else(PoisonError::into_inner);
            let report = all.entry(account_id).or_insert_with(S::starting);
            change(report);
            if report.is_connected() {
                self.connected.connected(account_id, self.clock.now_ms());
            }
        }
        self.bus.publish(EngineEvent::AccountChanged { account_id });
    }

    pub fn get(&self, account_id: i64) -> S {
        self.reports
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&account_id)
            .cloned()
            .unwrap_or_else(S::stopped)
    }

    /// Forgets a removed account.
    pub fn forget(&self, account_id: i64) {
        self.reports
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&account_id);
    }

    pub fn connected_at(&self, account_id: i64) -> Option<Millis> {
        self.connected.get(account_id)
    }
}

/// The enabled accounts of one kind, by name.
pub async fn enabled(store: &Store, kind: ChannelKind) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM channel_accounts WHERE kind = ?1 AND enabled = 1 ORDER BY name, id",
    )
    .bind(kind.as_str())
    .fetch_all(store.pool())
    .await?)
}

#[derive(FromRow)]
struct Row {
    id: i64,
    kind: String,
    name: String,
    project_id: Option<i64>,
    status: Option<String>,
}

/// Every enabled account with its state: as this process's runner reports
/// it, or — where no runner of this process has it (the command line next to
/// a running app) — as the running app last recorded it.
pub(super) async fn list(registry: &Registry, store: &Store) -> Result<Vec<Account>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, kind, name, project_id, status FROM channel_accounts WHERE enabled = 1 ORDER BY id",
    )
    .fetch_all(store.pool())
    .await?;
    rows.into_iter()
        .map(|row| {
            let kind: ChannelKind = parse_column("channel_accounts.kind", &row.kind)?;
            let live = registry.status(kind, row.id);
            let recorded = row
                .status
                .as_deref()
                .and_then(|s| serde_json::from_str::<AccountStatus>(s).ok());
            let status = match recorded {
                Some(recorded) if live.state == AccountState::Stopped => recorded,
                _ => live,
            };
            Ok(Account {
                id: row.id,
                kind,
                name: row.name,
                project_id: row.project_id,
                status,
            })
        })
        .collect()
}

/// Records an account's state as its runner reports it now.
pub async fn record(registry: &Registry, store: &Store, account_id: i64) -> Result<()> {
    let kind: Option<String> =
        sqlx::query_scalar("SELECT kind FROM channel_accounts WHERE id = ?1")
            .bind(account_id)
            .fetch_optional(store.pool())
            .await?;
    let Some(kind) = kind else { return Ok(()) };
    let kind: ChannelKind = parse_column("channel_accounts.kind", &kind)?;
    let status = serde_json::to_string(&registry.status(kind, account_id))
        .map_err(|e| crate::error::Error::Corrupt(e.to_string()))?;
    sqlx::query(
        "UPDATE channel_accounts SET status = ?2 WHERE id = ?1 AND coalesce(status, '') != ?2",
    )
    .bind(account_id)
    .bind(status)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Keeps the recorded states current while the engine runs: every account
/// once at start, then each one its adapter says changed.
pub async fn watch(
    registry: std::sync::Arc<Registry>,
    store: Store,
    bus: EventBus,
    cancel: tokio_util::sync::CancellationToken,
) {
    let mut events = bus.subscribe();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM channel_accounts WHERE enabled = 1")
        .fetch_all(store.pool())
        .await
        .unwrap_or_default();
    for id in ids {
        if let Err(e) = record(&registry, &store, id).await {
            tracing::warn!(error = %e, account_id = id, "could not record an account's state");
        }
    }
    loop {
        let event = tokio::select! {
            () = cancel.cancelled() => break,
            event = events.next() => event,
        };
        match event {
            Some(EngineEvent::AccountChanged { account_id }) => {
                if let Err(e) = record(&registry, &store, account_id).await {
                    tracing::warn!(error = %e, account_id, "could not record an account's state");
                }
            }
            Some(_) => {}
            None => break,
        }
    }
}
