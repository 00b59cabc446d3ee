//! Snoozing a conversation: it leaves the inbox list until a time and comes
//! back then (a queued job, so a restart keeps the time) or as soon as the
//! customer writes (ingest clears the snooze).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::queue::{self, Job, JobError, JobHandler, NewJob};
use crate::relay::Relay;
use crate::store::Store;

pub const WAKE_JOB: &str = "conversation.wake";
pub const WAKE_JOB_VERSION: i64 = 1;
/// The longest snooze.
pub const MAX_SNOOZE_MS: Millis = 366 * 24 * 3_600_000;

#[derive(Debug, Serialize, Deserialize)]
struct WakePayload {
    conversation_id: i64,
}

/// Snoozes the conversations until `until`, or wakes them now (`None`);
/// answers those that changed. An unknown conversation writes nothing.
pub async fn snooze(
    db: &mut SqliteConnection,
    now: Millis,
    max_attempts: i64,
    conversation_ids: &[i64],
    until: Option<Millis>,
) -> Result<Vec<i64>> {
    if let Some(until) = until {
        if until <= now {
            return Err(Error::invalid("a snooze ends in the future"));
        }
        if until - now > MAX_SNOOZE_MS {
            return Err(Error::invalid("a snooze lasts at most a year"));
        }
    }
    let mut changed = Vec::new();
    for &conversation_id in conversation_ids {
        let done = sqlx::query(
            "UPDATE conversations SET snoozed_until = ?2, updated_at = ?3
             WHERE id = ?1 AND snoozed_until IS NOT ?2",
        )
        .bind(conversation_id)
        .bind(until)
        .bind(now)
        .execute(&mut *db)
        .await?;
        if done.rows_affected() == 0 {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT id FROM conversations WHERE id = ?1")
                    .bind(conversation_id)
                    .fetch_optional(&mut *db)
                    .await?;
            if known.is_none() {
                return Err(Error::not_found("conversation", conversation_id));
            }
            continue;
        }
        if let Some(until) = until {
            let mut job = NewJob::new(
                WAKE_JOB,
                WAKE_JOB_VERSION,
                serde_json::json!(WakePayload { conversation_id }),
                format!("{WAKE_JOB}:{conversation_id}:{until}"),
                format!("snooze:{conversation_id}"),
            );
            job.run_at = Some(until);
            queue::enqueue(db, now, max_attempts, job).await?;
        }
        changed.push(conversation_id);
    }
    Ok(changed)
}

/// The `conversation.wake` job: at its time, the snoozed conversation comes
/// back to the list (unless it was snoozed again, for later, meanwhile).
pub struct WakeHandler {
    store: Store,
    clock: SharedClock,
    relay: Relay,
}

impl WakeHandler {
    pub fn new(store: Store, clock: SharedClock, relay: Relay) -> Self {
        Self {
            store,
            clock,
            relay,
        }
    }
}

#[async_trait]
impl JobHandler for WakeHandler {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let WakePayload { conversation_id } = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("bad payload: {e}")))?;
        let now = self.clock.now_ms();
        let woke = sqlx::query(
            "UPDATE conversations SET snoozed_until = NULL, updated_at = ?2
             WHERE id = ?1 AND snoozed_until <= ?2",
        )
        .bind(conversation_id)
        .bind(now)
        .execute(self.store.pool())
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
        if woke.rows_affected() > 0 {
            tracing::info!(conversation_id, "snoozed conversation back");
            self.relay.publish_conversation(conversation_id).await;
        }
        Ok(())
    }
}
