//! The built-in "Test chat" channel. It plays the customer: what it writes goes
//! through exactly the same ingest path as any provider's message, and replies
//! sent to it land in its transcript. A new user sees the product work before
//! connecting anything, and tests drive the whole path through it.

use async_trait::async_trait;
use sqlx::FromRow;

use super::{AccountState, AccountStatus, Adapter, Channel, Edit, Outgoing, SendError, Sent};
use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventBus};
use crate::model::{ChannelKind, ContactIdentity, IdentityKind, IngestOutcome, SimulatorEntry};
use crate::relay::{Inbound, Relay};
use crate::store::{Store, parse_column};

/// `external_id` of the simulator's one channel account.
pub const ACCOUNT_EXTERNAL_ID: &str = "test-chat";

pub const MAX_CUSTOMER_NAME: usize = 80;

#[derive(Clone)]
pub struct Simulator {
    store: Store,
    clock: SharedClock,
    bus: EventBus,
    account_id: i64,
    opened_at: Millis,
}

#[derive(FromRow)]
struct EntryRow {
    id: i64,
    customer: String,
    direction: String,
    text: String,
    message_id: Option<i64>,
    created_at: i64,
}

impl EntryRow {
    fn into_model(self) -> Result<SimulatorEntry> {
        Ok(SimulatorEntry {
            id: self.id,
            customer: self.customer,
            direction: parse_column("simulator_transcript.direction", &self.direction)?,
            text: self.text,
            message_id: self.message_id,
            created_at: self.created_at,
        })
    }
}

macro_rules! entry_select {
    () => {
        "SELECT id, customer, direction, text, message_id, created_at FROM simulator_transcript "
    };
}

fn customer_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("the customer's name is empty"));
    }
    if name.chars().count() > MAX_CUSTOMER_NAME {
        return Err(Error::invalid(format!(
            "the customer's name is longer than {MAX_CUSTOMER_NAME} characters"
        )));
    }
    Ok(name.to_owned())
}

impl Simulator {
    pub fn new(store: Store, clock: SharedClock, bus: EventBus, account_id: i64) -> Self {
        let opened_at = clock.now_ms();
        Self {
            store,
            clock,
            bus,
            account_id,
            opened_at,
        }
    }

    pub fn account_id(&self) -> i64 {
        self.account_id
    }

    /// The simulated customer `customer` writes `text` to the shop.
    pub async fn customer_writes(
        &self,
        relay: &Relay,
        customer: &str,
        text: &str,
    ) -> Result<IngestOutcome> {
        self.customer_writes_on(relay, customer, text, None).await
    }

    /// [`Simulator::customer_writes`] as if on a channel of `channel` kind
    /// (what the assistant's persona calls the channel).
    pub async fn customer_writes_on(
        &self,
        relay: &Relay,
        customer: &str,
        text: &str,
        channel: Option<ChannelKind>,
    ) -> Result<IngestOutcome> {
        if channel == Some(ChannelKind::Simulator) {
            return Err(Error::invalid("the Test chat cannot pretend to be itself"));
        }
        let customer = customer_name(customer)?;
        let external_id = format!("sim-in-{:016x}", fastrand::u64(..));
        let inbound = Inbound {
            channel_account_id: self.account_id,
            external_message_id: external_id.clone(),
            external_thread_id: customer.clone(),
            sender: ContactIdentity {
                kind: IdentityKind::Simulator,
                value: customer.clone(),
            },
            sender_name: customer.clone(),
            subject: None,
            text: text.to_owned(),
            attachments: Vec::new(),
            sent_at: Some(self.clock.now_ms()),
        };
        let checked = inbound.validate()?;
        // The customer's own side first: a real customer's message exists before
        // the shop receives it.
        let entry_id: i64 = sqlx::query_scalar(
            "INSERT INTO simulator_transcript (channel_account_id, customer, direction, text, external_id, created_at, channel_kind)
             VALUES (?1, ?2, 'in', ?3, ?4, ?5, ?6) RETURNING id",
        )
        .bind(self.account_id)
        .bind(&customer)
        .bind(&checked.text)
        .bind(&external_id)
        .bind(self.clock.now_ms())
        .bind(channel.map(ChannelKind::as_str))
        .fetch_one(self.store.pool())
        .await?;
        self.publish_entry(entry_id).await?;
        relay.ingest(checked).await
    }

    async fn publish_entry(&self, id: i64) -> Result<()> {
        let row: EntryRow = sqlx::query_as(concat!(entry_select!(), "WHERE id = ?1"))
            .bind(id)
            .fetch_one(self.store.pool())
            .await?;
        self.bus.publish(EngineEvent::SimulatorEntry {
            entry: row.into_model()?,
        });
        Ok(())
    }

    /// Forgets one simulated customer: their transcript, conversation and
    /// everything in it, so the next message starts afresh.
    pub async fn reset(&self, customer: &str) -> Result<Option<i64>> {
        let customer = customer_name(customer)?;
        let mut tx = self.store.write().await?;
        let conversation: Option<i64> = sqlx::query_scalar(
            "DELETE FROM conversations WHERE channel_account_id = ?1 AND external_thread_id = ?2 RETURNING id",
        )
        .bind(self.account_id)
        .bind(&customer)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM simulator_transcript WHERE channel_account_id = ?1 AND customer = ?2",
        )
        .bind(self.account_id)
        .bind(&customer)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(conversation_id = ?conversation, "Test chat customer reset");
        Ok(conversation)
    }

    /// The project the Test chat speaks for.
    pub async fn project(&self) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT project_id FROM channel_accounts WHERE id = ?1")
                .bind(self.account_id)
                .fetch_one(self.store.pool())
                .await?,
        )
    }

    /// Makes the Test chat speak for `project_id` (its persona, catalogue and schedule).
    pub async fn set_project(&self, project_id: Option<i64>) -> Result<()> {
        let mut tx = self.store.write().await?;
        if let Some(id) = project_id {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            exists.ok_or_else(|| Error::not_found("project", id))?;
        }
        sqlx::query("UPDATE channel_accounts SET project_id = ?2 WHERE id = ?1")
            .bind(self.account_id)
            .bind(project_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The transcript of one customer, or of all of them.
    pub async fn transcript(&self, customer: Option<&str>) -> Result<Vec<SimulatorEntry>> {
        let rows: Vec<EntryRow> = sqlx::query_as(concat!(
            entry_select!(),
            "WHERE ?1 IS NULL OR customer = ?1 ORDER BY id"
        ))
        .bind(customer.map(str::trim))
        .fetch_all(self.store.pool())
        .await?;
        rows.into_iter().map(EntryRow::into_model).collect()
    }
}

#[async_trait]
impl Channel for Simulator {
    /// The simulated customer sees the reply changed.
    async fn edit(&self, edit: &Edit) -> Result<(), SendError> {
        let changed: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
            "UPDATE simulator_transcript SET text = ?3
             WHERE channel_account_id = ?1 AND external_id = ?2 RETURNING id",
        )
        .bind(self.account_id)
        .bind(&edit.external_id)
        .bind(&edit.text)
        .fetch_optional(self.store.pool())
        .await;
        match changed {
            Ok(Some(id)) => {
                if let Err(e) = self.publish_entry(id).await {
                    tracing::warn!(error = %e, "could not publish the simulator transcript entry");
                }
                Ok(())
            }
            Ok(None) => Err(SendError::Rejected(
                "the Test chat has no such message".into(),
            )),
            Err(e) => Err(SendError::Transient(format!("simulator transcript: {e}"))),
        }
    }

    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError> {
        let external_id = format!("sim-out-{}", message.message_id);
        // Unique per message: a retried send lands once.
        let inserted: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO simulator_transcript (channel_account_id, customer, direction, text, message_id, external_id, created_at)
             VALUES (?1, ?2, 'out', ?3, ?4, ?5, ?6)
             ON CONFLICT (message_id) DO NOTHING RETURNING id",
        )
        .bind(self.account_id)
        .bind(&message.external_thread_id)
        .bind(&message.text)
        .bind(message.message_id)
        .bind(&external_id)
        .bind(self.clock.now_ms())
        .fetch_optional(self.store.pool())
        .await;
        match inserted {
            Ok(Some(id)) => {
                if let Err(e) = self.publish_entry(id).await {
                    tracing::warn!(error = %e, "could not publish the simulator transcript entry");
                }
            }
            Ok(None) => {}
            Err(e) => return Err(SendError::Transient(format!("simulator transcript: {e}"))),
        }
        Ok(Sent {
            external_id: Some(external_id),
        })
    }
}

/// The Test chat is always there: nothing to connect or supervise.
#[async_trait]
impl Adapter for Simulator {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Simulator
    }

    async fn start(&self) {}

    async fn shutdown(&self) {}

    fn status(&self, _account_id: i64) -> AccountStatus {
        AccountStatus::new(AccountState::Connected).connected_at(Some(self.opened_at))
    }

    /// A Test chat customer by name.
    fn address(&self, _account_id: i64, to: &str) -> Result<super::Address> {
        let name = to.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid(
                "a Test chat customer is named by 1 to 100 characters",
            ));
        }
        Ok(super::Address {
            identity: ContactIdentity {
                kind: IdentityKind::Simulator,
                value: name.to_owned(),
            },
            thread: Some(name.to_owned()),
        })
    }
}

impl Simulator {
    /// The Test chat's channel account (created on first start) and its sender.
    pub async fn open(cx: &super::Context) -> Result<std::sync::Arc<Self>> {
        let account_id = account(&cx.store, cx.clock.now_ms()).await?;
        let simulator = std::sync::Arc::new(Self::new(
            cx.store.clone(),
            cx.clock.clone(),
            cx.bus.clone(),
            account_id,
        ));
        cx.senders.connect(account_id, simulator.clone());
        Ok(simulator)
    }
}

/// The simulator's channel account, created on first start.
async fn account(store: &Store, now: i64) -> Result<i64> {
    let mut tx = store.write().await?;
    sqlx::query(
        "INSERT INTO channel_accounts (kind, name, external_id, created_at) VALUES ('simulator', 'Test chat', ?1, ?2)
         ON CONFLICT (kind, external_id) DO NOTHING",
    )
    .bind(ACCOUNT_EXTERNAL_ID)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let id = sqlx::query_scalar(
        "SELECT id FROM channel_accounts WHERE kind = 'simulator' AND external_id = ?1",
    )
    .bind(ACCOUNT_EXTERNAL_ID)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}
