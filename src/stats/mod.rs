//! Figures of how the shop answers, read from the store for a period: new
//! conversations, how fast the first answer came, and who wrote the replies.
//!
//! The first response is the first reply by a person or the assistant after
//! the customer's first message; an auto-reply ("we will answer soon") is an
//! acknowledgement, not an answer, and does not count. Percentiles are
//! nearest-rank over the conversations answered.

use chrono::{Datelike, Duration, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use specta::Type;
use sqlx::SqliteConnection;

use crate::clock::Millis;
use crate::error::Result;
use crate::model::ChannelKind;

mod dashboard;

pub use dashboard::{
    AgeBand, Dashboard, DashboardQuery, DayFigures, PersonFigures, Waiting, dashboard,
};

/// From `from` (inclusive) to `to` (exclusive), in milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    pub from: Millis,
    pub to: Millis,
}

impl Period {
    /// From the last local midnight in `tz` until `now`.
    pub fn today(now: Millis, tz: Tz) -> Self {
        Self {
            from: local_midnight(now, tz, 0),
            to: now + 1,
        }
    }

    /// From the local midnight starting this week (Monday) until `now`.
    pub fn this_week(now: Millis, tz: Tz) -> Self {
        let local = tz.timestamp_millis_opt(now).single();
        let back = local.map_or(0, |d| i64::from(d.weekday().num_days_from_monday()));
        Self {
            from: local_midnight(now, tz, back),
            to: now + 1,
        }
    }
}

/// The local midnight `days` days before the local midnight `midnight`.
pub fn days_before(midnight: Millis, tz: Tz, days: i64) -> Millis {
    local_midnight(midnight, tz, days)
}

/// The local midnight `days_back` days before the day of `now` in `tz`.
fn local_midnight(now: Millis, tz: Tz, days_back: i64) -> Millis {
    let Some(local) = tz.timestamp_millis_opt(now).single() else {
        return now;
    };
    let day = local.date_naive() - Duration::days(days_back);
    let midnight = day.and_time(NaiveTime::MIN);
    // A zone that skips midnight (a DST change) starts the day at the first valid instant.
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .map_or(now, |d| d.timestamp_millis())
}

/// How the shop answered in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub period: Option<Period>,
    /// Conversations started in the period.
    pub new_conversations: u32,
    /// Of those, how many got an answer (by a person or the assistant).
    pub answered: u32,
    pub first_response_median_ms: Option<Millis>,
    pub first_response_p90_ms: Option<Millis>,
    /// Replies written in the period, by who wrote them.
    pub replies_by_people: u32,
    pub replies_by_assistant: u32,
    pub replies_by_auto_reply: u32,
}

/// The nearest-rank percentile `p` (0–100) of sorted values.
fn percentile(sorted: &[Millis], p: usize) -> Option<Millis> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Which conversations count: of these projects (every project, and
/// conversations of none, when `None`) and of this channel kind.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub projects: Option<Vec<i64>>,
    pub channel: Option<ChannelKind>,
}

impl Scope {
    /// ?3 and ?4 of a query using [`SCOPE`].
    fn binds(&self) -> (Option<String>, Option<&'static str>) {
        (
            self.projects
                .as_ref()
                .map(|ids| serde_json::to_string(ids).expect("ids serialize")),
            self.channel.map(ChannelKind::as_str),
        )
    }
}

/// The condition on a conversation `c` of a [`Scope`] bound as ?3 and ?4.
macro_rules! scope {
    () => {
        "(?3 IS NULL OR c.project_id IN (SELECT value FROM json_each(?3)))
     AND (?4 IS NULL OR c.channel_account_id IN (SELECT id FROM channel_accounts WHERE kind = ?4))"
    };
}
use scope;

/// The condition on a channel account `a` of a [`Scope`] bound as ?3 and
/// ?4 (a conversation's project is its account's).
macro_rules! account_scope {
    () => {
        "(?3 IS NULL OR a.project_id IN (SELECT value FROM json_each(?3)))
     AND (?4 IS NULL OR a.kind = ?4)"
    };
}

/// Since when the customer of conversation `c` waits: their first message
/// after the last answer (an auto-reply, "we will answer soon", is not one);
/// NULL when nothing waits. Kept by the store as messages arrive
/// (`conversations.waiting_since`). The Dashboard, the waiting alert and the
/// bot's `/unanswered` and `/status` all count from it.
macro_rules! waiting_since {
    () => {
        "c.waiting_since"
    };
}
pub(crate) use waiting_since;

/// Binds a period as ?1 and ?2 and a [`Scope`]'s binds as ?3 and ?4 to a
/// query using [`scope!`] (`query_as` or `query_scalar` alike).
macro_rules! bind_scope {
    ($query:expr, $period:expr, $projects:expr, $channel:expr) => {
        $query
            .bind($period.from)
            .bind($period.to)
            .bind($projects)
            .bind($channel)
    };
}
use bind_scope;

/// The figures of `period`, for the conversations of `projects` (every
/// project, and conversations of none, when `None`).
pub async fn figures(
    db: &mut SqliteConnection,
    period: Period,
    projects: Option<&[i64]>,
) -> Result<Figures> {
    let scope = Scope {
        projects: projects.map(<[i64]>::to_vec),
        channel: None,
    };
    figures_in(db, period, &scope).await
}

/// The figures of `period` for the conversations of `scope`.
pub async fn figures_in(
    db: &mut SqliteConnection,
    period: Period,
    scope: &Scope,
) -> Result<Figures> {
    let (new_conversations, times) = first_responses(db, period, scope).await?;
    let replies = replies_by_author(&message_quarters(db, period, scope).await?);
    Ok(Figures::new(period, new_conversations, &times, &replies))
}

/// The values of `sql`, one `json_group_array` over `period` (?1, ?2) and
/// `scope` (?3, ?4): a query answers one row of many values rather than
/// many rows (each row costs far more than its value).
async fn scoped_values<T: serde::de::DeserializeOwned>(
    db: &mut SqliteConnection,
    sql: &'static str,
    period: Period,
    scope: &Scope,
) -> Result<Vec<T>> {
    let (projects, channel) = scope.binds();
    let json: String = bind_scope!(sqlx::query_scalar(sql), period, &projects, channel)
        .fetch_one(&mut *db)
        .await?;
    values(&json)
}

/// The values of a `json_group_array` the store answered.
fn values<T: serde::de::DeserializeOwned>(json: &str) -> Result<Vec<T>> {
    serde_json::from_str(json)
        .map_err(|e| crate::error::Error::invalid(format!("figures the store answered: {e}")))
}

/// How many conversations of `scope` started in `period` with a customer's
/// message, and the first response times of those answered, sorted.
async fn first_responses(
    db: &mut SqliteConnection,
    period: Period,
    scope: &Scope,
) -> Result<(usize, Vec<Millis>)> {
    let firsts: Vec<Option<Millis>> = scoped_values(
        db,
        concat!(
            "SELECT json_group_array(c.first_answer_at - c.first_in_at) FROM conversations c
         WHERE c.created_at >= ?1 AND c.created_at < ?2 AND c.first_in_at IS NOT NULL AND ",
            scope!(),
            ""
        ),
        period,
        scope,
    )
    .await?;
    let mut times: Vec<Millis> = firsts.iter().flatten().copied().collect();
    times.sort_unstable();
    Ok((firsts.len(), times))
}

/// The messages of `period` and `scope` by quarter of an hour (UTC ms /
/// 900000), way and author: whole quarters from the counts the store keeps
/// (`message_counts`), the part-quarters at the period's ends from the
/// messages themselves, so any period is counted to the millisecond.
async fn message_quarters(
    db: &mut SqliteConnection,
    period: Period,
    scope: &Scope,
) -> Result<Vec<(i64, String, String, i64)>> {
    scoped_values(
        db,
        concat!(
            "SELECT json_group_array(json_array(q, direction, author_kind, n)) FROM (
             SELECT q, direction, author_kind, sum(n) AS n FROM (
               SELECT k.quarter AS q, k.direction, k.author_kind, k.n FROM message_counts k
               WHERE k.quarter >= (?1 + 899999) / 900000 AND k.quarter < ?2 / 900000
                 AND k.channel_account_id IN (SELECT a.id FROM channel_accounts a WHERE ",
            account_scope!(),
            ")
               UNION ALL
               SELECT m.created_at / 900000, m.direction, m.author_kind, 1 FROM messages m
               WHERE m.created_at >= ?1 AND m.created_at < min(?2, (?1 + 899999) / 900000 * 900000)
                 AND m.channel_account_id IN (SELECT a.id FROM channel_accounts a WHERE ",
            account_scope!(),
            ")
               UNION ALL
               SELECT m.created_at / 900000, m.direction, m.author_kind, 1 FROM messages m
               WHERE m.created_at >= max(?1, ?2 / 900000 * 900000, (?1 + 899999) / 900000 * 900000)
                 AND m.created_at < ?2
                 AND m.channel_account_id IN (SELECT a.id FROM channel_accounts a WHERE ",
            account_scope!(),
            "))
             GROUP BY 1, 2, 3)"
        ),
        period,
        scope,
    )
    .await
}

/// Outbound messages by author kind, from [`message_quarters`].
fn replies_by_author(quarters: &[(i64, String, String, i64)]) -> Vec<(String, i64)> {
    let mut by_author: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for (_, direction, author, n) in quarters {
        if direction == "out" {
            *by_author.entry(author.as_str()).or_default() += n;
        }
    }
    by_author
        .into_iter()
        .map(|(author, n)| (author.to_owned(), n))
        .collect()
}

impl Figures {
    /// From the conversations started, their sorted first response times
    /// and the count of replies by author kind.
    fn new(period: Period, started: usize, times: &[Millis], replies: &[(String, i64)]) -> Self {
        let count = |kinds: &[&str]| -> u32 {
            let n: i64 = replies
                .iter()
                .filter(|(k, _)| kinds.contains(&k.as_str()))
                .map(|(_, n)| n)
                .sum();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        Self {
            period: Some(period),
            new_conversations: u32::try_from(started).unwrap_or(u32::MAX),
            answered: u32::try_from(times.len()).unwrap_or(u32::MAX),
            first_response_median_ms: percentile(times, 50),
            first_response_p90_ms: percentile(times, 90),
            replies_by_people: count(&["manager", "operator"]),
            replies_by_assistant: count(&["assistant"]),
            replies_by_auto_reply: count(&["auto_reply"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        let ten: Vec<Millis> = (1..=10).collect();
        assert_eq!(percentile(&ten, 50), Some(5));
        assert_eq!(percentile(&ten, 90), Some(9));
        assert_eq!(percentile(&[1, 2, 3], 50), Some(2));
    }

    #[test]
    fn today_and_this_week_start_at_local_midnights() {
        // Wednesday 2026-12-02 01:30 in Moscow (UTC+3) is Tuesday 22:30 UTC.
        let tz: Tz = "Europe/Moscow".parse().unwrap();
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 12, 1, 22, 30, 0)
            .unwrap()
            .timestamp_millis();
        let today = Period::today(now, tz);
        let moscow_midnight = chrono::Utc
            .with_ymd_and_hms(2026, 12, 1, 21, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(today.from, moscow_midnight);
        assert_eq!(today.to, now + 1);
        // Monday 2026-11-30 00:00 Moscow.
        let week = Period::this_week(now, tz);
        let monday = chrono::Utc
            .with_ymd_and_hms(2026, 11, 29, 21, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(week.from, monday);
        // In UTC the same instant is still Tuesday.
        let utc_today = Period::today(now, Tz::UTC);
        assert_eq!(
            utc_today.from,
            chrono::Utc
                .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
    }
}
