//! The durable job queue: every outbound message, mirror and assistant call is a
//! row in `jobs`, so a crash, a restart or a 429 neither loses nor repeats it.
//!
//! ```text
//!  enqueue (inside the caller's transaction) ──► jobs: queued ─┐
//!                                                             │ claim: BEGIN IMMEDIATE,
//!   workers (N tasks) ◄── notify on enqueue / finish ◄────────┘ oldest due job whose
//!       │                                                       destination is free,
//!       │  handler.run(job)                                     not held, has a token
//!       ├── Ok ───────────────────────────► done
//!       ├── Retry (transient) ─ attempts left ─► queued, run_at = now + backoff·jitter
//!       │                     └ none left ───► failed (kept) + handler.gave_up
//!       ├── Unreachable ─► queued, run_at = now + backoff (at most a minute), never given up
//!       ├── RetryAfter(t) ─► destination held until now+t, job queued then, attempt not counted
//!       └── Fatal ───────────────────────────► failed (kept) + handler.gave_up
//!  a running job whose lease expired (the process died) is claimed again
//! ```
//!
//! Jobs with the same destination run one at a time, in the order they were
//! queued, so the messages of one conversation never overtake each other. A job
//! may also count against shared budgets (`rate_keys`: a Telegram work group,
//! a bot): it runs only when every one of its buckets has a token.

mod job;
mod rate;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::SqliteConnection;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

pub use job::{Job, JobError, JobHandler, JobKind, JobRecord, NewJob, Step, UNREACHABLE_RETRY_MS};
pub use rate::{Rate, RateLimits};

use crate::clock::{Millis, SharedClock};
use crate::error::{Result, display_chain};
use crate::events::EventBus;
use crate::settings::QueueSettings;
use crate::store::Store;

pub struct Queue {
    store: Store,
    clock: SharedClock,
    bus: EventBus,
    settings: QueueSettings,
    handlers: std::sync::RwLock<HashMap<(String, i64), Arc<dyn JobHandler>>>,
    limits: Arc<Mutex<RateLimits>>,
    wake: Waker,
    durations: Durations,
}

/// How long jobs took to run, by kind: a histogram for `/metrics`.
pub type Durations = prometheus_client::metrics::family::Family<
    JobKindLabel,
    prometheus_client::metrics::histogram::Histogram,
    fn() -> prometheus_client::metrics::histogram::Histogram,
>;

#[derive(Debug, Clone, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
pub struct JobKindLabel {
    pub kind: String,
}

fn duration_buckets() -> prometheus_client::metrics::histogram::Histogram {
    prometheus_client::metrics::histogram::Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    ])
}

/// Wakes idle workers after a transaction that queued jobs committed. Cloned
/// into whatever queues jobs outside the queue itself (the relay).
#[derive(Clone, Default)]
pub struct Waker(Arc<Notify>);

impl Waker {
    pub fn wake(&self) {
        self.0.notify_waiters();
    }
}

/// Lets a job handler that makes more than one call (creating a topic before
/// posting into it) take the extra tokens from the queue's buckets.
#[derive(Clone)]
pub struct RateHandle {
    limits: Arc<Mutex<RateLimits>>,
    clock: SharedClock,
}

impl RateHandle {
    /// Takes one token from each key, or says how long to wait.
    pub fn try_take(&self, keys: &[&str]) -> Result<(), Millis> {
        self.limits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .try_acquire_all(keys, self.clock.now_ms())
    }
}

/// Inserts a job inside the caller's transaction, so the job exists exactly when
/// the change that needs it does. Returns the job's id (the existing one when
/// the idempotency key was used before).
/// Queues the failed job `id` again from its first attempt, in the caller's
/// transaction; an error when it is not a failed job.
pub async fn requeue_failed(db: &mut sqlx::SqliteConnection, id: i64, now: Millis) -> Result<()> {
    let done = sqlx::query(
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?2, lease_until = NULL,
                         finished_at = NULL, updated_at = ?2
         WHERE id = ?1 AND status = 'failed'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::Error::invalid(format!(
            "job {id} is not a failed job"
        )));
    }
    tracing::info!(job_id = id, "failed job queued again");
    Ok(())
}

pub async fn enqueue(
    db: &mut SqliteConnection,
    now: Millis,
    default_max_attempts: i64,
    job: NewJob,
) -> Result<i64> {
    sqlx::query(
        "INSERT INTO jobs (kind, version, payload, idempotency_key, destination, max_attempts,
                           run_at, created_at, updated_at, rate_keys)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(job.kind)
    .bind(job.version)
    .bind(job.payload.to_string())
    .bind(&job.idempotency_key)
    .bind(&job.destination)
    .bind(job.max_attempts.unwrap_or(default_max_attempts).max(1))
    .bind(job.run_at.unwrap_or(now))
    .bind(now)
    .bind(job.rate_keys.join(" "))
    .execute(&mut *db)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT id FROM jobs WHERE idempotency_key = ?1")
            .bind(&job.idempotency_key)
            .fetch_one(&mut *db)
            .await?,
    )
}

impl Queue {
    pub fn new(store: Store, clock: SharedClock, bus: EventBus, settings: QueueSettings) -> Self {
        Self {
            store,
            clock,
            bus,
            settings,
            handlers: std::sync::RwLock::new(HashMap::new()),
            limits: Arc::new(Mutex::new(RateLimits::default())),
            wake: Waker::default(),
            durations: Durations::new_with_constructor(duration_buckets),
        }
    }

    /// Shares a waker made before the queue (so the relay can hold it).
    pub fn with_waker(mut self, waker: Waker) -> Self {
        self.wake = waker;
        self
    }

    /// How long jobs took to run, by kind, since the queue started.
    pub fn durations(&self) -> &Durations {
        &self.durations
    }

    pub fn waker(&self) -> Waker {
        self.wake.clone()
    }

    /// Names the handler of a job kind (channels and features register theirs).
    pub fn register(&self, kind: &str, version: i64, handler: Arc<dyn JobHandler>) {
        self.handlers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((kind.to_owned(), version), handler);
    }

    /// Registers each of `jobs`.
    pub fn register_all(&self, jobs: Vec<JobKind>) {
        for job in jobs {
            self.register(job.kind, job.version, job.handler);
        }
    }

    pub fn set_rate(&self, destination_prefix: &str, rate: Rate) {
        self.limits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .set(destination_prefix, rate);
    }

    pub fn rates(&self) -> RateHandle {
        RateHandle {
            limits: self.limits.clone(),
            clock: self.clock.clone(),
        }
    }

    pub fn settings(&self) -> &QueueSettings {
        &self.settings
    }

    /// Tells idle workers to look again (after an enqueue committed).
    pub fn wake(&self) {
        self.wake.wake();
    }

    /// Queues one job in its own transaction.
    pub async fn push(&self, job: NewJob) -> Result<i64> {
        let mut tx = self.store.write().await?;
        let id = enqueue(
            &mut tx,
            self.clock.now_ms(),
            self.settings.max_attempts,
            job,
        )
        .await?;
        tx.commit().await?;
        self.wake();
        Ok(id)
    }

    pub async fn job(&self, id: i64) -> Result<JobRecord> {
        sqlx::query_as(
            "SELECT id, kind, version, destination, status, attempts, max_attempts, run_at, lease_until, last_error
             FROM jobs WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or_else(|| crate::Error::not_found("job", id))
    }

    /// Failed jobs, newest first: kept for a person to see and retry.
    pub async fn failed_jobs(&self) -> Result<Vec<JobRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, kind, version, destination, status, attempts, max_attempts, run_at, lease_until, last_error
             FROM jobs WHERE status = 'failed' ORDER BY id DESC",
        )
        .fetch_all(self.store.pool())
        .await?)
    }

    /// Runs a failed job again from its first attempt (a person asked to).
    pub async fn retry(&self, id: i64) -> Result<JobRecord> {
        let mut tx = self.store.write().await?;
        requeue_failed(&mut tx, id, self.clock.now_ms()).await?;
        tx.commit().await?;
        self.wake();
        self.job(id).await
    }

    /// Gives up a failed job for good; it stays listed as discarded.
    pub async fn discard(&self, id: i64) -> Result<JobRecord> {
        let now = self.clock.now_ms();
        let done = sqlx::query(
            "UPDATE jobs SET status = 'done', finished_at = ?2, updated_at = ?2,
                             last_error = 'discarded: ' || coalesce(last_error, '')
             WHERE id = ?1 AND status = 'failed'",
        )
        .bind(id)
        .bind(now)
        .execute(self.store.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(crate::Error::invalid(format!(
                "job {id} is not a failed job"
            )));
        }
        tracing::info!(job_id = id, "failed job discarded");
        self.job(id).await
    }

    /// The wait after `attempts` tries, growing up to `ceiling`.
    fn backoff(&self, attempts: i64, ceiling: Millis) -> Millis {
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self
            .settings
            .backoff_base_ms
            .saturating_mul(1_i64 << exp)
            .min(ceiling);
        // Half fixed, half random: spreads retries without ever retrying at once.
        full / 2 + fastrand::i64(0..=full / 2)
    }

    /// Claims the oldest job that may run now, marking it running under a lease.
    async fn claim(&self, now: Millis) -> Result<Result<Job, Option<Millis>>> {
        let mut tx = self.store.write().await?;
        let candidates: Vec<Job> = sqlx::query_as(concat!(
            "SELECT j.id, j.kind, j.version, j.payload, j.destination, j.rate_keys, j.attempts, j.max_attempts
             FROM jobs j
             WHERE ((j.status = 'queued' AND j.run_at <= ?1) OR (j.status = 'running' AND j.lease_until <= ?1))
               AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.destination = j.destination
                               AND e.id < j.id AND e.status IN ('queued', 'running'))
               AND NOT EXISTS (SELECT 1 FROM destination_holds h WHERE h.blocked_until > ?1 AND ",
            "(h.destination = j.destination
                     OR instr(' ' || j.rate_keys || ' ', ' ' || h.destination || ' ') > 0)",
            ")
             ORDER BY j.run_at, j.id
             LIMIT 64"
        ))
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;

        let mut rate_wait: Option<Millis> = None;
        let picked = {
            let mut limits = self.limits.lock().unwrap_or_else(PoisonError::into_inner);
            candidates.into_iter().find(|job| {
                match limits.try_acquire_all(&job.budget_keys(), now) {
                    Ok(()) => true,
                    Err(wait) => {
                        rate_wait = Some(rate_wait.map_or(wait, |w| w.min(wait)));
                        false
                    }
                }
            })
        };
        let Some(mut job) = picked else {
            tx.rollback().await?;
            let next = self.next_due(now).await?;
            let next = match (next, rate_wait) {
                (Some(a), Some(w)) => Some(a.min(now + w)),
                (a, w) => a.or(w.map(|w| now + w)),
            };
            return Ok(Err(next));
        };
        let lease_until = now + self.settings.lease_ms;
        let claimed = sqlx::query(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?2, updated_at = ?3
             WHERE id = ?1",
        )
        .bind(job.id)
        .bind(lease_until)
        .bind(now)
        .execute(&mut *tx)
        .await
        .and(Ok(()));
        if let Err(e) = claimed.and(tx.commit().await) {
            let mut limits = self.limits.lock().unwrap_or_else(PoisonError::into_inner);
            for key in job.budget_keys() {
                limits.refund(key);
            }
            return Err(e.into());
        }
        job.attempts += 1;
        Ok(Ok(job))
    }

    /// When the earliest job not yet due (or held, or leased) becomes due.
    async fn next_due(&self, now: Millis) -> Result<Option<Millis>> {
        Ok(sqlx::query_scalar(
            "SELECT min(t) FROM (
                 SELECT max(j.run_at, coalesce((SELECT max(h.blocked_until) FROM destination_holds h
                                                WHERE h.destination = j.destination
                                                   OR instr(' ' || j.rate_keys || ' ', ' ' || h.destination || ' ') > 0), 0)) AS t
                 FROM jobs j
                 WHERE j.status = 'queued'
                 UNION ALL
                 SELECT lease_until FROM jobs WHERE status = 'running')
             WHERE t > ?1",
        )
        .bind(now)
        .fetch_one(self.store.pool())
        .await?)
    }

    /// Jobs a previous run of the app left running (it was killed or lost
    /// power) may run again at once rather than when their lease lapses: the
    /// caller holds the data directory's lock, so no other process runs them.
    pub async fn take_up_orphans(&self) -> Result<u64> {
        let now = self.clock.now_ms();
        let mut tx = self.store.write().await?;
        let taken = sqlx::query(
            "UPDATE jobs SET lease_until = ?1 WHERE status = 'running' AND lease_until > ?1",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(taken)
    }

    /// Runs at most one job to its outcome.
    pub async fn run_once(&self) -> Result<Step> {
        let now = self.clock.now_ms();
        let job = match self.claim(now).await? {
            Ok(job) => job,
            Err(next_due) => return Ok(Step::Idle { next_due }),
        };
        let handler = self
            .handlers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(job.kind.clone(), job.version))
            .cloned();
        // Every line the job logs carries its id, kind and the message it
        // is about (`corr`, as at ingest and when the reply was queued).
        let span = tracing::info_span!(
            "job",
            id = job.id,
            kind = %job.kind,
            corr = job.payload.get("message_id").and_then(serde_json::Value::as_i64)
        );
        let outcome = match handler.clone() {
            None => Err(JobError::Fatal(format!(
                "no handler for job kind {} v{}",
                job.kind, job.version
            ))),
            Some(handler) => {
                let lease =
                    Duration::from_millis(u64::try_from(self.settings.lease_ms).unwrap_or(0));
                let running = job.clone();
                let began = std::time::Instant::now();
                // A panicking handler fails the attempt instead of the worker.
                let task = tokio::spawn(
                    async move { handler.run(&running).await }.instrument(span.clone()),
                );
                let result = match tokio::time::timeout(lease, task).await {
                    Ok(Ok(result)) => result,
                    Ok(Err(join)) => Err(JobError::Retry(format!("handler stopped: {join}"))),
                    Err(_) => Err(JobError::Retry("timed out".into())),
                };
                self.durations
                    .get_or_create(&JobKindLabel {
                        kind: job.kind.clone(),
                    })
                    .observe(began.elapsed().as_secs_f64());
                result
            }
        };
        let step = self
            .settle(&job, handler.as_deref(), outcome)
            .instrument(span)
            .await?;
        self.wake();
        Ok(step)
    }

    async fn settle(
        &self,
        job: &Job,
        handler: Option<&dyn JobHandler>,
        outcome: Result<(), JobError>,
    ) -> Result<Step> {
        let now = self.clock.now_ms();
        let mut tx = self.store.write().await?;
        let mut events = Vec::new();
        let step = match outcome {
            Ok(()) => {
                sqlx::query(
                    "UPDATE jobs SET status = 'done', lease_until = NULL, last_error = NULL,
                                     updated_at = ?2, finished_at = ?2 WHERE id = ?1",
                )
                .bind(job.id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                Step::Done { job: job.id }
            }
            Err(JobError::RetryAfter { after_ms, reason }) => {
                let until = now + after_ms.max(1);
                for key in job.hold_keys() {
                    sqlx::query(
                        "INSERT INTO destination_holds (destination, blocked_until) VALUES (?1, ?2)
                         ON CONFLICT (destination) DO UPDATE SET blocked_until = max(blocked_until, excluded.blocked_until)",
                    )
                    .bind(key)
                    .bind(until)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE jobs SET status = 'queued', attempts = attempts - 1, run_at = ?2, lease_until = NULL,
                                     last_error = ?3, updated_at = ?4 WHERE id = ?1",
                )
                .bind(job.id)
                .bind(until)
                .bind(&reason)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tracing::info!(job = job.id, kind = %job.kind, destination = %job.destination, after_ms, "destination asked to wait");
                Step::Held { job: job.id, until }
            }
            Err(JobError::Retry(reason)) if job.attempts < job.max_attempts => {
                let at = now + self.backoff(job.attempts, self.settings.backoff_max_ms);
                job::again(&mut tx, job.id, at, &reason, now).await?;
                tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, %reason, "job failed, will retry");
                Step::Retrying { job: job.id, at }
            }
            Err(JobError::Unreachable(reason)) => {
                let ceiling = self.settings.backoff_max_ms.min(UNREACHABLE_RETRY_MS);
                let at = now + self.backoff(job.attempts, ceiling);
                job::again(&mut tx, job.id, at, &reason, now).await?;
                // Said loudly for the usual attempts, quietly through a long outage.
                if job.attempts <= job.max_attempts {
                    tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, %reason, "destination unreachable, will try again");
                } else {
                    tracing::debug!(job = job.id, kind = %job.kind, attempt = job.attempts, %reason, "destination still unreachable");
                }
                Step::Retrying { job: job.id, at }
            }
            Err(JobError::Retry(reason) | JobError::Fatal(reason)) => {
                sqlx::query(
                    "UPDATE jobs SET status = 'failed', lease_until = NULL, last_error = ?2,
                                     updated_at = ?3, finished_at = ?3 WHERE id = ?1",
                )
                .bind(job.id)
                .bind(&reason)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if let Some(handler) = handler {
                    events = handler.gave_up(&mut tx, job, &reason).await?;
                }
                tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempts, %reason, "job failed for good");
                Step::Failed { job: job.id }
            }
        };
        tx.commit().await?;
        for event in events {
            self.bus.publish(event);
        }
        Ok(step)
    }

    /// Runs jobs until none is due now. For tests and the command line.
    pub async fn drain(&self) -> Result<Vec<Step>> {
        let mut steps = Vec::new();
        loop {
            match self.run_once().await? {
                Step::Idle { .. } => return Ok(steps),
                step => steps.push(step),
            }
        }
    }

    /// One worker: runs due jobs, sleeps until the next one is due or a new one
    /// is queued, stops when cancelled (letting a running job finish).
    pub async fn work(self: Arc<Self>, cancel: CancellationToken) {
        const MAX_IDLE: Millis = 60_000;
        while !cancel.is_cancelled() {
            let woken = self.wake.0.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let wait_ms = match self.run_once().await {
                Ok(Step::Idle { next_due }) => {
                    let now = self.clock.now_ms();
                    next_due.map_or(MAX_IDLE, |t| (t - now).clamp(1, MAX_IDLE))
                }
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(error = %display_chain(&e), "queue step failed");
                    1_000
                }
            };
            let wait = Duration::from_millis(u64::try_from(wait_ms).unwrap_or(1_000));
            tokio::select! {
                () = cancel.cancelled() => break,
                () = &mut woken => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}
