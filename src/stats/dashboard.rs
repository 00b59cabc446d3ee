//! The Dashboard: a period's figures per day, how long conversations took to
//! be resolved, who answered, who is waiting now, and the busiest hours.
//!
//! Counts are read per quarter of an hour in SQL and placed into local days
//! and hours here, so every time zone (including the ones a quarter or half an
//! hour off) gets its own midnights without a query per day.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use specta::Type;
use sqlx::SqliteConnection;

use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::model::{ChannelKind, text_enum};

use super::{
    Figures, Period, Scope, bind_scope, first_responses, message_quarters, percentile,
    replies_by_author, scope, scoped_values, values, waiting_since,
};

/// Counts are grouped by this many milliseconds (a quarter of an hour; the
/// queries say 900000).
const QUARTER: Millis = 15 * 60 * 1000;

/// The longest period the Dashboard shows at once.
const MAX_DAYS: i64 = 366;

/// What the Dashboard shows: a period, and optionally one project and one
/// kind of channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardQuery {
    pub period: Period,
    pub project_id: Option<i64>,
    pub channel: Option<ChannelKind>,
}

/// One local day of the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DayFigures {
    /// The local date, `YYYY-MM-DD`.
    pub day: String,
    pub new_conversations: u32,
    pub messages_in: u32,
    pub messages_out: u32,
}

text_enum! {
    /// How long a customer has been waiting for an answer.
    AgeBand {
        UnderQuarterHour => "under_quarter_hour",
        UnderHour => "under_hour",
        UnderFourHours => "under_four_hours",
        UnderDay => "under_day",
        OverDay => "over_day",
    }
}

impl AgeBand {
    fn of(waited: Millis) -> Self {
        match waited / 60_000 {
            m if m < 15 => Self::UnderQuarterHour,
            m if m < 60 => Self::UnderHour,
            m if m < 240 => Self::UnderFourHours,
            m if m < 1440 => Self::UnderDay,
            _ => Self::OverDay,
        }
    }
}

/// Conversations waiting for an answer now, for one band of waiting time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Waiting {
    pub band: AgeBand,
    pub conversations: u32,
}

/// The replies of one person of the team in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonFigures {
    pub person_id: i64,
    pub name: String,
    pub replies: u32,
    /// From the customer's first unanswered message to this person's reply.
    pub median_response_ms: Option<Millis>,
}

/// Everything the Dashboard screen draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub query: DashboardQuery,
    /// The time zone days and hours are counted in.
    pub zone: String,
    pub figures: Figures,
    /// Conversations of the period a person answered or was handed.
    pub needed_a_person: u32,
    /// Conversations closed in the period, and how long from their start.
    pub resolved: u32,
    pub resolution_median_ms: Option<Millis>,
    pub resolution_p90_ms: Option<Millis>,
    pub days: Vec<DayFigures>,
    /// Waiting now (not limited to the period), shortest wait first.
    pub waiting: Vec<Waiting>,
    pub people: Vec<PersonFigures>,
    /// Customers' messages by local weekday (Monday first) and hour: 7 × 24.
    pub busiest_hours: Vec<Vec<u32>>,
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The Dashboard for `query`, with days and hours in `tz`; `now` for the
/// waiting times.
pub async fn dashboard(
    db: &mut SqliteConnection,
    query: DashboardQuery,
    tz: Tz,
    now: Millis,
) -> Result<Dashboard> {
    let period = query.period;
    if period.to <= period.from {
        return Err(Error::invalid("the period ends before it starts"));
    }
    if period.to - period.from > (MAX_DAYS + 1) * 86_400_000 {
        return Err(Error::invalid(format!(
            "the Dashboard shows at most {MAX_DAYS} days at once"
        )));
    }
    let scope = Scope {
        projects: query.project_id.map(|p| vec![p]),
        channel: query.channel,
    };
    let (started_count, first_times) = first_responses(db, period, &scope).await?;
    let (projects, channel) = scope.binds();

    // Every message of the period by quarter of an hour, way and author: the
    // days, the hours and the replies by who.
    let messages = message_quarters(db, period, &scope).await?;
    let by_author = replies_by_author(&messages);
    let figures = Figures::new(period, started_count, &first_times, &by_author);
    let started: Vec<(i64, i64)> = scoped_values(
        db,
        concat!(
            "SELECT json_group_array(json_array(q, n)) FROM (
         SELECT c.created_at / 900000 AS q, count(*) AS n FROM conversations c
         WHERE c.created_at >= ?1 AND c.created_at < ?2 AND ",
            scope!(),
            "
         GROUP BY 1)"
        ),
        period,
        &scope,
    )
    .await?;

    let mut days: BTreeMap<NaiveDate, DayFigures> = BTreeMap::new();
    let mut day = Some(local(period.from, tz).date_naive());
    let last = local(period.to - 1, tz).date_naive();
    while let Some(d) = day.filter(|d| *d <= last) {
        days.insert(d, DayFigures::default());
        day = d.succ_opt();
    }
    let mut busiest = vec![vec![0_u32; 24]; 7];
    for (quarter, direction, _, n) in messages {
        let at = local(quarter * QUARTER, tz);
        let entry = days.entry(at.date_naive()).or_default();
        if direction == "in" {
            entry.messages_in += count(n);
            busiest[at.weekday().num_days_from_monday() as usize][at.hour() as usize] += count(n);
        } else {
            entry.messages_out += count(n);
        }
    }
    for (quarter, n) in started {
        let at = local(quarter * QUARTER, tz);
        days.entry(at.date_naive()).or_default().new_conversations += count(n);
    }
    let days = days
        .into_iter()
        .map(|(day, mut f)| {
            f.day = day.to_string();
            f
        })
        .collect();

    let needed: i64 = bind_scope!(
        sqlx::query_scalar(concat!(
            "SELECT count(*) FROM conversations c
         WHERE c.created_at >= ?1 AND c.created_at < ?2 AND ",
            scope!(),
            "
           AND (c.status = 'needs_human' OR c.person_answered)"
        )),
        period,
        &projects,
        channel
    )
    .fetch_one(&mut *db)
    .await?;

    let mut resolution: Vec<Millis> = scoped_values(
        db,
        concat!(
            "SELECT json_group_array(c.closed_at - c.created_at) FROM conversations c
         WHERE c.closed_at >= ?1 AND c.closed_at < ?2 AND ",
            scope!(),
            ""
        ),
        period,
        &scope,
    )
    .await?;
    resolution.sort_unstable();

    // Since the customer's first message after the last answer (an
    // auto-reply is not one).
    let since: Vec<Option<Millis>> = scoped_values(
        db,
        concat!(
            "SELECT json_group_array(",
            waiting_since!(),
            ")
         FROM conversations c
         WHERE c.status IN ('awaiting_response', 'needs_human') AND ",
            scope!(),
            ""
        ),
        period,
        &scope,
    )
    .await?;
    let mut bands = vec![0_u32; AgeBand::ALL.len()];
    for since in since.into_iter().flatten() {
        let band = AgeBand::of((now - since).max(0));
        if let Some(i) = AgeBand::ALL.iter().position(|b| *b == band) {
            bands[i] += 1;
        }
    }
    let waiting = AgeBand::ALL
        .iter()
        .zip(bands)
        .map(|(band, conversations)| Waiting {
            band: *band,
            conversations,
        })
        .collect();

    let replies: Vec<(i64, String)> = bind_scope!(
        sqlx::query_as(concat!(
            "SELECT m.person_id, json_group_array(m.created_at - m.answered_since)
         FROM messages m
         WHERE m.created_at >= ?1 AND m.created_at < ?2 AND m.person_id IS NOT NULL
           AND m.direction = 'out' AND m.author_kind IN ('manager', 'operator')
           AND (?3 IS NULL AND ?4 IS NULL
                OR m.conversation_id IN (SELECT c.id FROM conversations c WHERE ",
            scope!(),
            "))
         GROUP BY m.person_id"
        )),
        period,
        &projects,
        channel
    )
    .fetch_all(&mut *db)
    .await?;
    let mut by_person: BTreeMap<i64, (u32, Vec<Millis>)> = BTreeMap::new();
    for (person, responses) in replies {
        let responses: Vec<Option<Millis>> = values(&responses)?;
        let replies = u32::try_from(responses.len()).unwrap_or(u32::MAX);
        by_person.insert(person, (replies, responses.into_iter().flatten().collect()));
    }
    let names: BTreeMap<i64, String> = sqlx::query_as("SELECT id, name FROM people")
        .fetch_all(&mut *db)
        .await?
        .into_iter()
        .collect();
    let mut people: Vec<PersonFigures> = by_person
        .into_iter()
        .map(|(person_id, (replies, mut times))| {
            times.sort_unstable();
            PersonFigures {
                person_id,
                name: names.get(&person_id).cloned().unwrap_or_default(),
                replies,
                median_response_ms: percentile(&times, 50),
            }
        })
        .collect();
    people.sort_by(|a, b| b.replies.cmp(&a.replies).then(a.name.cmp(&b.name)));

    Ok(Dashboard {
        query,
        zone: tz.name().to_owned(),
        figures,
        needed_a_person: count(needed),
        resolved: count(i64::try_from(resolution.len()).unwrap_or(i64::MAX)),
        resolution_median_ms: percentile(&resolution, 50),
        resolution_p90_ms: percentile(&resolution, 90),
        days,
        waiting,
        people,
        busiest_hours: busiest,
    })
}

fn local(at: Millis, tz: Tz) -> chrono::DateTime<Tz> {
    tz.timestamp_millis_opt(at)
        .single()
        .unwrap_or_else(|| tz.timestamp_millis_opt(0).unwrap())
}

impl Dashboard {
    /// The Dashboard as CSV: one table of `section,key,value` rows, so a
    /// spreadsheet reads every figure, each day and each hour.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut row = |section: &str, key: &str, value: String| {
            w.write_record([section, key, &value])
                .expect("CSV is written to memory");
        };
        let ms = |v: Option<Millis>| v.map_or(String::new(), |v| (v / 1000).to_string());
        row("section", "key", "value".into());
        let f = &self.figures;
        row("period", "from", self.query.period.from.to_string());
        row("period", "to", self.query.period.to.to_string());
        row("period", "zone", self.zone.clone());
        row(
            "figures",
            "new_conversations",
            f.new_conversations.to_string(),
        );
        row("figures", "answered", f.answered.to_string());
        row(
            "figures",
            "first_response_median_s",
            ms(f.first_response_median_ms),
        );
        row(
            "figures",
            "first_response_p90_s",
            ms(f.first_response_p90_ms),
        );
        row("figures", "resolved", self.resolved.to_string());
        row(
            "figures",
            "resolution_median_s",
            ms(self.resolution_median_ms),
        );
        row("figures", "resolution_p90_s", ms(self.resolution_p90_ms));
        row(
            "figures",
            "needed_a_person",
            self.needed_a_person.to_string(),
        );
        row("replies", "people", f.replies_by_people.to_string());
        row("replies", "assistant", f.replies_by_assistant.to_string());
        row("replies", "auto_reply", f.replies_by_auto_reply.to_string());
        for d in &self.days {
            row("new_conversations", &d.day, d.new_conversations.to_string());
            row("messages_in", &d.day, d.messages_in.to_string());
            row("messages_out", &d.day, d.messages_out.to_string());
        }
        for band in &self.waiting {
            row(
                "waiting_now",
                band.band.as_str(),
                band.conversations.to_string(),
            );
        }
        for p in &self.people {
            row("person_replies", &p.name, p.replies.to_string());
            row(
                "person_median_response_s",
                &p.name,
                ms(p.median_response_ms),
            );
        }
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        for (day, hours) in DAYS.iter().zip(&self.busiest_hours) {
            for (hour, n) in hours.iter().enumerate() {
                row(
                    "messages_in_by_hour",
                    &format!("{day} {hour:02}"),
                    n.to_string(),
                );
            }
        }
        let bytes = w.into_inner().expect("CSV is written to memory");
        String::from_utf8(bytes).expect("CSV of UTF-8 text")
    }
}
