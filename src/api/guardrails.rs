//! Guardrails: ratios over the last 24 hours that say something goes wrong
//! before a customer does — inbound events without a usable sender, replies
//! that failed, mirrors into the work group waiting longer than a minute,
//! and conversations the assistant handed over. A ratio over its threshold
//! shows on the Health screen and in the tray.

use serde::{Deserialize, Serialize};
use specta::Type;
use sqlx::SqliteConnection;

use crate::clock::Millis;
use crate::engine::Engine;
use crate::error::Result;
use crate::model::text_enum;
use crate::operators::mirror::MIRROR_JOB;

use super::ApiResult;

/// The window the ratios are taken over.
pub const WINDOW_MS: Millis = 24 * 3_600_000;
/// Fewer events than this in the window say nothing yet: no alarm.
pub const MIN_EVENTS: u32 = 10;
/// A mirror waiting longer than this is late.
pub const LATE_MIRROR_MS: Millis = 60_000;

text_enum! {
    /// What a guardrail watches.
    GuardrailKind {
        /// Inbound events the channel could not store for want of a sender.
        NoSender => "no_sender",
        /// Replies whose sending failed for good.
        FailedReplies => "failed_replies",
        /// Mirrors into the work group that waited longer than a minute.
        LateMirrors => "late_mirrors",
        /// Customer messages the assistant handed to a person.
        Handovers => "handovers",
    }
}

impl GuardrailKind {
    /// The share over which the guardrail is crossed. Seed values: a
    /// channel's events without a valid sender ≤ 1 %, errors < 1 %; a late
    /// mirror is felt by an operator at 5 %; an assistant that hands over
    /// more than a third of what it reads lacks a persona or a catalogue.
    pub fn threshold(self) -> f64 {
        match self {
            Self::NoSender | Self::FailedReplies => 0.01,
            Self::LateMirrors => 0.05,
            Self::Handovers => 0.35,
        }
    }
}

/// One ratio of the last 24 hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Guardrail {
    pub kind: GuardrailKind,
    /// The events that went wrong…
    pub events: u32,
    /// …of all the events of the kind.
    pub total: u32,
    /// `events / total` (0 with no events).
    pub ratio: f64,
    pub threshold: f64,
    /// Over its threshold, with at least [`MIN_EVENTS`] events.
    pub crossed: bool,
}

impl Guardrail {
    fn new(kind: GuardrailKind, events: i64, total: i64) -> Self {
        let events = u32::try_from(events).unwrap_or(u32::MAX);
        let total = u32::try_from(total).unwrap_or(u32::MAX).max(events);
        let ratio = if total == 0 {
            0.0
        } else {
            f64::from(events) / f64::from(total)
        };
        Self {
            kind,
            events,
            total,
            ratio,
            threshold: kind.threshold(),
            crossed: total >= MIN_EVENTS && ratio > kind.threshold(),
        }
    }
}

/// The guardrails of the last 24 hours (the Health screen; the tray shows
/// those crossed).
pub async fn guardrails(engine: &Engine) -> ApiResult<Vec<Guardrail>> {
    let now = engine.clock().now_ms();
    let mut conn = engine.store().conn().await?;
    Ok(guardrails_at(&mut conn, now).await?)
}

/// The guardrails over the 24 hours before `now`.
pub(crate) async fn guardrails_at(
    db: &mut SqliteConnection,
    now: Millis,
) -> Result<Vec<Guardrail>> {
    let since = now - WINDOW_MS;
    let (skipped, no_sender): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE reason = 'no_sender')
         FROM inbound_skips WHERE at >= ?1",
    )
    .bind(since)
    .fetch_one(&mut *db)
    .await?;
    let (inbound, replies, failed): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE direction = 'in'),
                count(*) FILTER (WHERE direction = 'out' AND author_kind <> 'auto_reply'),
                count(*) FILTER (WHERE direction = 'out' AND author_kind <> 'auto_reply'
                                 AND delivery = 'failed')
         FROM messages WHERE created_at >= ?1",
    )
    .bind(since)
    .fetch_one(&mut *db)
    .await?;
    let (mirrors, late): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE coalesce(finished_at, ?2) - created_at > ?3)
         FROM jobs WHERE kind = ?4 AND created_at >= ?1",
    )
    .bind(since)
    .bind(now)
    .bind(LATE_MIRROR_MS)
    .bind(MIRROR_JOB)
    .fetch_one(&mut *db)
    .await?;
    let (runs, handovers): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE outcome = 'handoff')
         FROM assistant_runs WHERE created_at >= ?1",
    )
    .bind(since)
    .fetch_one(&mut *db)
    .await?;
    Ok(vec![
        Guardrail::new(GuardrailKind::NoSender, no_sender, inbound + skipped),
        Guardrail::new(GuardrailKind::FailedReplies, failed, replies),
        Guardrail::new(GuardrailKind::LateMirrors, late, mirrors),
        Guardrail::new(GuardrailKind::Handovers, handovers, runs),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guardrail_is_crossed_over_its_threshold_with_enough_events() {
        let g = Guardrail::new(GuardrailKind::FailedReplies, 2, 100);
        assert!((g.ratio - 0.02).abs() < 1e-9);
        assert!(g.crossed);
        assert!(!Guardrail::new(GuardrailKind::FailedReplies, 1, 100).crossed);
        // One failure of three: too few events to say.
        assert!(!Guardrail::new(GuardrailKind::FailedReplies, 1, 3).crossed);
        assert!(!Guardrail::new(GuardrailKind::Handovers, 0, 0).crossed);
        assert_eq!(Guardrail::new(GuardrailKind::Handovers, 0, 0).ratio, 0.0);
        assert!(Guardrail::new(GuardrailKind::Handovers, 4, 10).crossed);
        assert!(!Guardrail::new(GuardrailKind::Handovers, 3, 10).crossed);
    }
}
