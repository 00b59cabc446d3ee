//! What the queue holds and what its handlers answer: a job as queued and as
//! run, its handler, and the outcome of one step.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::{FromRow, SqliteConnection};

use crate::clock::Millis;
use crate::error::Result;
use crate::events::EngineEvent;

/// A job as its handler sees it.
#[derive(Debug, Clone, FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub version: i64,
    #[sqlx(json)]
    pub payload: Value,
    pub destination: String,
    /// Shared budgets this job counts against besides its destination,
    /// space-separated, narrowest first.
    pub rate_keys: String,
    /// Including the one now running.
    pub attempts: i64,
    pub max_attempts: i64,
}

/// What to put in the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub version: i64,
    pub payload: Value,
    /// A second job with the same key is not queued: the first one stands.
    pub idempotency_key: String,
    pub destination: String,
    /// Shared budgets besides the destination (a Telegram group, a bot),
    /// narrowest first: a "retry after" answer holds the destination and the
    /// first of them.
    pub rate_keys: Vec<String>,
    pub max_attempts: Option<i64>,
    pub run_at: Option<Millis>,
}

impl NewJob {
    /// A job with the usual attempts, due now, counting only against its destination.
    pub fn new(
        kind: &'static str,
        version: i64,
        payload: Value,
        idempotency_key: String,
        destination: String,
    ) -> Self {
        Self {
            kind,
            version,
            payload,
            idempotency_key,
            destination,
            rate_keys: Vec::new(),
            max_attempts: None,
            run_at: None,
        }
    }

    pub fn rate_keys(mut self, keys: impl IntoIterator<Item = String>) -> Self {
        self.rate_keys = keys.into_iter().collect();
        self
    }
}

impl Job {
    pub fn rate_keys(&self) -> impl Iterator<Item = &str> {
        self.rate_keys.split_ascii_whitespace()
    }

    /// The destination and its narrowest shared budget: what a "retry after"
    /// answer holds.
    pub(super) fn hold_keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.destination.as_str()).chain(self.rate_keys().take(1))
    }

    /// Every bucket a run of this job takes a token from.
    pub(super) fn budget_keys(&self) -> Vec<&str> {
        std::iter::once(self.destination.as_str())
            .chain(self.rate_keys())
            .collect()
    }
}

/// The longest wait between two tries of an unreachable destination.
pub const UNREACHABLE_RETRY_MS: Millis = 60_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a 5xx, the store busy); given up after the
    /// job's attempts.
    #[error("{0}")]
    Retry(String),
    /// The destination cannot be reached now (the network is down, the
    /// service is out): tried again, at most [`UNREACHABLE_RETRY_MS`] apart,
    /// for as long as it takes. A reply written during an outage goes when
    /// the outage ends.
    #[error("{0}")]
    Unreachable(String),
    /// The destination asked to wait; not counted as a failed attempt.
    #[error("destination asked to retry after {after_ms} ms: {reason}")]
    RetryAfter { after_ms: Millis, reason: String },
    /// Will never succeed (bad request, unknown chat).
    #[error("{0}")]
    Fatal(String),
}

#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, job: &Job) -> Result<(), JobError>;

    /// Called inside the transaction that marks the job failed for good, so what
    /// the failure means (a message marked failed) is stored with it. Returns the
    /// events to publish once committed.
    async fn gave_up(
        &self,
        _db: &mut SqliteConnection,
        _job: &Job,
        _reason: &str,
    ) -> Result<Vec<EngineEvent>> {
        Ok(Vec::new())
    }
}

/// What one step of the queue did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing can run now; the next job becomes due at this time, if known.
    Idle {
        next_due: Option<Millis>,
    },
    Done {
        job: i64,
    },
    Retrying {
        job: i64,
        at: Millis,
    },
    Held {
        job: i64,
        until: Millis,
    },
    Failed {
        job: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct JobRecord {
    pub id: i64,
    pub kind: String,
    pub version: i64,
    pub destination: String,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: Millis,
    pub lease_until: Option<Millis>,
    pub last_error: Option<String>,
}

/// A job kind a channel or feature runs: its name, version and handler.
pub struct JobKind {
    pub kind: &'static str,
    pub version: i64,
    pub handler: Arc<dyn JobHandler>,
}

/// Queues job `id` again for `at` after a failed try.
pub(super) async fn again(
    tx: &mut SqliteConnection,
    id: i64,
    at: Millis,
    reason: &str,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET status = 'queued', run_at = ?2, lease_until = NULL, last_error = ?3,
                         updated_at = ?4 WHERE id = ?1",
    )
    .bind(id)
    .bind(at)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
