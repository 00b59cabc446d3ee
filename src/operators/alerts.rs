//! Alerts to the owner and admins in their private chat with the bot: a
//! channel account broken (a token revoked, a password refused, Avito's
//! tariff lost) and back, a work group whose rights were lost and given
//! back, and a customer who has needed a person for longer than the owner's
//! threshold.
//!
//! ```text
//!  AccountChanged / ProjectChanged / every check_ms ──► raise: alert_states
//!     says what was last told per thing; only a change adds an alert row
//!  every check_ms ──► deliver: unsent alerts older than group_ms, at most one
//!     message per min_gap_ms, one message per person ──► the bot's notice job
//! ```
//!
//! Everything is in the store: an alert raised before a crash is sent after
//! it, and nothing is told twice.

use std::sync::Arc;

use sqlx::SqliteConnection;
use tokio_util::sync::CancellationToken;

use super::mirror::{self, Notice};
use super::model::WorkGroupCheck;
use super::team_text::{self, Said};
use crate::channels::{AccountState, Registry};
use crate::clock::{Millis, SharedClock};
use crate::error::Result;
use crate::events::{EngineEvent, EventBus};
use crate::model::{ChannelKind, Language};
use crate::queue::Waker;
use crate::settings::AlertSettings;
use crate::store::Store;

/// The owner's threshold (minutes) for a customer waiting for a person; off at 0.
pub const WAITING_MINUTES: &str = "alert_waiting_minutes";
pub const DEFAULT_WAITING_MINUTES: u32 = 30;
/// A conversation quiet for longer is old business, not an alert.
const STALE_MS: Millis = 3 * 24 * 3_600_000;
/// Lines of one alert message, the rest counted.
const MAX_LINES: usize = 30;

/// A conversation waiting: id, the customer's name, since when, its topic.
type WaitingRow = (i64, String, Option<Millis>, Option<i64>, Option<i64>);

pub struct Alerts {
    pub store: Store,
    pub clock: SharedClock,
    pub bus: EventBus,
    pub registry: Arc<Registry>,
    pub waker: Waker,
    pub settings: AlertSettings,
}

/// The owner's waiting threshold in minutes (0: off).
pub async fn waiting_minutes(db: impl sqlx::SqliteExecutor<'_>) -> Result<u32> {
    Ok(crate::preferences::get(db, WAITING_MINUTES)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_WAITING_MINUTES))
}

impl Alerts {
    /// Runs until cancelled.
    pub async fn watch(self, cancel: CancellationToken) {
        let mut events = self.bus.subscribe();
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(
            u64::try_from(self.settings.check_ms.max(10)).unwrap_or(15_000),
        ));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let outcome = tokio::select! {
                () = cancel.cancelled() => break,
                event = events.next() => match event {
                    Some(EngineEvent::AccountChanged { account_id }) => self.account(account_id).await,
                    Some(EngineEvent::ProjectChanged { project_id }) => self.work_group(project_id).await,
                    Some(_) => Ok(()),
                    None => break,
                },
                _ = tick.tick() => self.check().await,
            };
            if let Err(e) = outcome {
                tracing::warn!(error = %e, "alerts: could not look at a change");
            }
        }
    }

    async fn check(&self) -> Result<()> {
        self.waiting().await?;
        self.deliver().await
    }

    /// A channel account's state: broken (credentials refused, an error) or
    /// working again. Offline and connecting are pauses, not changes.
    async fn account(&self, account_id: i64) -> Result<()> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT kind, name FROM channel_accounts WHERE id = ?1")
                .bind(account_id)
                .fetch_optional(self.store.pool())
                .await?;
        let Some((kind, name)) = row else {
            return Ok(());
        };
        let Ok(kind) = kind.parse::<ChannelKind>() else {
            return Ok(());
        };
        let status = self.registry.status(kind, account_id);
        let key = format!("account:{account_id}");
        match status.state {
            AccountState::BadCredentials | AccountState::Error => {
                let said = team_text::account_broken(&name, kind, status.last_error.as_deref());
                self.raise(&key, true, &said, None).await
            }
            AccountState::Connected => {
                self.raise(&key, false, &team_text::account_back(&name, kind), None)
                    .await
            }
            _ => Ok(()),
        }
    }

    /// A project's work group: the bot's rights lost, or given back.
    async fn work_group(&self, project_id: i64) -> Result<()> {
        let row: Option<(String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT name, work_group_id, work_group_check FROM projects WHERE id = ?1",
        )
        .bind(project_id)
        .fetch_optional(self.store.pool())
        .await?;
        let Some((name, Some(_), Some(check))) = row else {
            return Ok(());
        };
        let Ok(check) = serde_json::from_str::<WorkGroupCheck>(&check) else {
            return Ok(());
        };
        let key = format!("group:{project_id}");
        if check.error.is_some() {
            // The check itself could not be made (network): nothing known.
            return Ok(());
        }
        if check.missing.is_empty() {
            self.raise(&key, false, &team_text::group_back(&name), None)
                .await
        } else {
            let said = team_text::group_broken(&name, &check.missing);
            self.raise(&key, true, &said, None).await
        }
    }

    /// Customers waiting for a person longer than the owner's threshold,
    /// each told once per wait.
    async fn waiting(&self) -> Result<()> {
        let minutes = waiting_minutes(self.store.pool()).await?;
        if minutes == 0 {
            return Ok(());
        }
        let now = self.clock.now_ms();
        let limit = now - Millis::from(minutes) * 60_000;
        // Since the customer's first message after the last answer: an
        // auto-reply ("we will answer soon") is not one, as on the Dashboard.
        let rows: Vec<WaitingRow> = sqlx::query_as(concat!(
            "SELECT c.id, ct.display_name, ",
            crate::stats::waiting_since!(),
            " AS since,
                    t.chat_id, t.thread_id
             FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
             LEFT JOIN topics t ON t.conversation_id = c.id
             WHERE c.status IN ('awaiting_response', 'needs_human') AND ?1 IS NOT NULL
               AND c.last_message_at >= ?2
             ORDER BY c.last_message_at"
        ))
        .bind(limit)
        .bind(now - STALE_MS)
        .fetch_all(self.store.pool())
        .await?;
        for (conversation_id, name, since, chat_id, thread_id) in rows {
            let Some(since) = since.filter(|since| *since <= limit) else {
                continue;
            };
            let url = chat_id
                .zip(thread_id)
                .map(|(chat, thread)| super::joining::topic_url(chat, thread));
            let said = team_text::waiting(&name, (now - since) / 60_000, url.as_deref());
            self.raise(
                &format!("waiting:{conversation_id}"),
                true,
                &said,
                Some(since),
            )
            .await?;
        }
        Ok(())
    }

    /// Records the state of `key` and adds an alert when it changed: a
    /// break first seen, or a recovery after a break that was told.
    /// `episode` tells one wait from the next for the same key.
    async fn raise(
        &self,
        key: &str,
        broken: bool,
        said: &Said,
        episode: Option<Millis>,
    ) -> Result<()> {
        let now = self.clock.now_ms();
        // Read without the write lock: most looks change nothing. This task
        // is the only writer of alert_states.
        let last: Option<(bool, Millis)> =
            sqlx::query_as("SELECT broken, changed_at FROM alert_states WHERE key = ?1")
                .bind(key)
                .fetch_optional(self.store.pool())
                .await?;
        let changed = match (last, episode) {
            (Some((_, at)), Some(episode)) => at != episode,
            (Some((was, _)), None) => was != broken,
            // Only a break is news the first time; working is the normal state.
            (None, _) => broken,
        };
        if !changed {
            return Ok(());
        }
        let mut tx = self.store.write().await?;
        sqlx::query(
            "INSERT INTO alert_states (key, broken, changed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET broken = excluded.broken, changed_at = excluded.changed_at",
        )
        .bind(key)
        .bind(broken)
        .bind(episode.unwrap_or(now))
        .execute(&mut *tx)
        .await?;
        if crate::team::has_owner(&mut tx).await? {
            sqlx::query(
                "INSERT INTO alerts (key, broken, text, created_at) VALUES (?1, ?2, ?3, ?4)",
            )
            .bind(key)
            .bind(broken)
            .bind(serde_json::to_string(said).expect("texts serialize"))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tracing::info!(key, broken, "alert raised");
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sends the waiting alerts as one message to each owner and admin,
    /// once the grouping time passed and not sooner than the gap allows.
    async fn deliver(&self) -> Result<()> {
        let now = self.clock.now_ms();
        let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM alerts WHERE sent_at IS NULL")
            .fetch_one(self.store.pool())
            .await?;
        if waiting == 0 {
            return Ok(());
        }
        let mut tx = self.store.write().await?;
        let unsent: Vec<(i64, String, Millis)> = sqlx::query_as(
            "SELECT id, text, created_at FROM alerts WHERE sent_at IS NULL ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let Some(first) = unsent.first() else {
            return Ok(());
        };
        if now - first.2 < self.settings.group_ms {
            return Ok(());
        }
        let last_sent: Option<Millis> = sqlx::query_scalar("SELECT max(sent_at) FROM alerts")
            .fetch_one(&mut *tx)
            .await?;
        if last_sent.is_some_and(|at| now - at < self.settings.min_gap_ms) {
            return Ok(());
        }
        let said: Vec<Said> = unsent
            .iter()
            .filter_map(|(_, text, _)| serde_json::from_str(text).ok())
            .collect();
        let last_id = unsent.last().map_or(first.0, |a| a.0);
        for (person, chat_id, bot, lang) in recipients(&mut tx).await? {
            let mut text = String::from(team_text::alerts_head(lang));
            for line in said.iter().take(MAX_LINES) {
                text.push('\n');
                text.push_str(line.get(lang));
            }
            if said.len() > MAX_LINES {
                text.push_str(&format!("\n… +{}", said.len() - MAX_LINES));
            }
            mirror::enqueue_notice(
                &mut tx,
                now,
                bot,
                Notice {
                    chat_id,
                    thread_id: None,
                    reply_to: None,
                    text,
                    conversation_id: None,
                },
                &format!("alerts:{}-{last_id}:{person}", first.0),
            )
            .await?;
        }
        sqlx::query("UPDATE alerts SET sent_at = ?2 WHERE id <= ?1 AND sent_at IS NULL")
            .bind(last_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.waker.wake();
        tracing::info!(alerts = unsent.len(), "alerts sent");
        Ok(())
    }
}

/// The owner and admins, each with the bot that writes to them — the one
/// they linked through while it works, else a working one — and its
/// project's language.
async fn recipients(db: &mut SqliteConnection) -> Result<Vec<(i64, i64, i64, Language)>> {
    let people: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, telegram_user_id, bot_account_id FROM people
         WHERE role IN ('owner', 'admin') AND removed_at IS NULL ORDER BY id",
    )
    .fetch_all(&mut *db)
    .await?;
    // The projects' bots, the working ones first.
    let bots: Vec<(i64, String, bool)> = sqlx::query_as(
        "SELECT b.channel_account_id, p.language, b.state = 'online' FROM telegram_bots b
         JOIN projects p ON p.bot_account_id = b.channel_account_id
         ORDER BY b.state = 'online' DESC, p.id",
    )
    .fetch_all(&mut *db)
    .await?;
    let mut out = Vec::new();
    for (person, chat_id, own) in people {
        let chosen = bots
            .iter()
            .find(|(bot, _, online)| *online && Some(*bot) == own)
            .or_else(|| bots.first());
        let Some((bot, language, _)) = chosen else {
            continue;
        };
        let lang = language.parse().unwrap_or(Language::Ru);
        out.push((person, chat_id, *bot, lang));
    }
    Ok(out)
}
