//! Where features plug into the spine. The relay and the outbox call these
//! hooks at three points of a message's life and never name a feature; the
//! engine registers the features (the operators' topic mirror, the assistant,
//! the outbox guard) when it opens.
//!
//! ```text
//!  Relay::ingest_in / Outbox::reply_in ──► MessageHook::stored     (in the transaction)
//!  Relay::edit_inbound / delete / react ──► ChangeHook::changed     (in the transaction)
//!  outbox.send job, before the channel ──► SendCheck::allows / hold
//!  outbox.send job, after the channel  ──► DeliveryObserver::delivered (in the transaction)
//! ```
//!
//! Hooks that run inside a transaction only write rows and queue jobs: no
//! network, so ingest stays as fast as its store writes.

use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use sqlx::SqliteConnection;

use crate::clock::Millis;
use crate::error::Result;
use crate::events::EngineEvent;
use crate::model::AuthorKind;

/// A message that was just stored: a customer's, or a reply on its way.
#[derive(Debug, Clone, Copy)]
pub struct StoredMessage {
    pub conversation_id: i64,
    pub message_id: i64,
    /// Who wrote it: [`AuthorKind::Customer`] for an inbound message.
    pub author: AuthorKind,
}

/// Reacts to a stored message inside the transaction that stored it.
#[async_trait]
pub trait MessageHook: Send + Sync + 'static {
    async fn stored(
        &self,
        db: &mut SqliteConnection,
        now: Millis,
        message: &StoredMessage,
    ) -> Result<()>;
}

/// What changed about a stored message at its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Its text changed (the earlier one is in `message_edits`).
    Edited,
    /// Deleted at the provider (kept here, marked).
    Deleted,
    /// A reaction was put on it or taken back (`messages.reaction`).
    Reacted,
    /// A reply changed here that its channel could not change at the
    /// customer's side (`messages.edit_error`).
    NotChangedThere,
}

/// A stored message that changed.
#[derive(Debug, Clone, Copy)]
pub struct ChangedMessage {
    pub conversation_id: i64,
    pub message_id: i64,
    pub change: Change,
}

/// Reacts to a change of a stored message inside the transaction that made it.
#[async_trait]
pub trait ChangeHook: Send + Sync + 'static {
    async fn changed(
        &self,
        db: &mut SqliteConnection,
        now: Millis,
        message: &ChangedMessage,
    ) -> Result<()>;
}

/// Decides whether a stored reply may leave now.
#[async_trait]
pub trait SendCheck: Send + Sync + 'static {
    async fn allows(&self, db: &mut SqliteConnection, message_id: i64) -> Result<bool>;

    /// Keeps a reply that is not allowed, inside the caller's transaction.
    /// `None` when it was held already; otherwise what to publish once committed.
    async fn hold(
        &self,
        db: &mut SqliteConnection,
        message_id: i64,
        now: Millis,
    ) -> Result<Option<Vec<EngineEvent>>>;
}

/// Learns how each reply's delivery ended, inside the transaction that records
/// it (the operator's topic shows the result).
#[async_trait]
pub trait DeliveryObserver: Send + Sync + 'static {
    async fn delivered(
        &self,
        db: &mut SqliteConnection,
        message_id: i64,
        failure: Option<&str>,
    ) -> Result<()>;
}

/// The registered hooks, called in the order they were added.
#[derive(Default)]
pub struct Hooks {
    stored: RwLock<Vec<Arc<dyn MessageHook>>>,
    changed: RwLock<Vec<Arc<dyn ChangeHook>>>,
    send: RwLock<Vec<Arc<dyn SendCheck>>>,
    delivered: RwLock<Vec<Arc<dyn DeliveryObserver>>>,
}

fn snapshot<T: ?Sized>(list: &RwLock<Vec<Arc<T>>>) -> Vec<Arc<T>> {
    list.read().unwrap_or_else(PoisonError::into_inner).clone()
}

impl Hooks {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn on_stored(&self, hook: Arc<dyn MessageHook>) {
        self.stored
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(hook);
    }

    pub fn on_changed(&self, hook: Arc<dyn ChangeHook>) {
        self.changed
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(hook);
    }

    pub async fn changed(
        &self,
        db: &mut SqliteConnection,
        now: Millis,
        message: &ChangedMessage,
    ) -> Result<()> {
        for hook in snapshot(&self.changed) {
            hook.changed(&mut *db, now, message).await?;
        }
        Ok(())
    }

    pub fn on_send(&self, hook: Arc<dyn SendCheck>) {
        self.send
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(hook);
    }

    pub fn on_delivered(&self, hook: Arc<dyn DeliveryObserver>) {
        self.delivered
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(hook);
    }

    pub async fn stored(
        &self,
        db: &mut SqliteConnection,
        now: Millis,
        message: &StoredMessage,
    ) -> Result<()> {
        for hook in snapshot(&self.stored) {
            hook.stored(&mut *db, now, message).await?;
        }
        Ok(())
    }

    /// The first check that refuses, if any (its index, for [`Hooks::hold`]).
    pub async fn refusing(
        &self,
        db: &mut SqliteConnection,
        message_id: i64,
    ) -> Result<Option<usize>> {
        for (i, check) in snapshot(&self.send).iter().enumerate() {
            if !check.allows(&mut *db, message_id).await? {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    pub async fn hold(
        &self,
        check: usize,
        db: &mut SqliteConnection,
        message_id: i64,
        now: Millis,
    ) -> Result<Option<Vec<EngineEvent>>> {
        match snapshot(&self.send).get(check) {
            Some(check) => check.hold(db, message_id, now).await,
            None => Ok(None),
        }
    }

    pub async fn delivered(
        &self,
        db: &mut SqliteConnection,
        message_id: i64,
        failure: Option<&str>,
    ) -> Result<()> {
        for hook in snapshot(&self.delivered) {
            hook.delivered(&mut *db, message_id, failure).await?;
        }
        Ok(())
    }
}
