//! `GET /metrics` in Prometheus's text format: what a shop's monitoring
//! (Prometheus, Grafana Agent, VictoriaMetrics) scrapes. Counts come from the
//! store at each scrape (so they survive restarts); job durations are a
//! histogram the queue keeps since it started.
//!
//! ```text
//!  tuberry_messages_total{channel,direction}   messages stored, per channel kind
//!  tuberry_delivery_failures{channel}          replies whose delivery failed (until retried)
//!  tuberry_queue_depth{kind}                   jobs waiting or running
//!  tuberry_queue_oldest_seconds                how long the oldest due job has waited
//!  tuberry_jobs_failed{kind}                   jobs that gave up
//!  tuberry_job_duration_seconds{kind}          how long jobs took (histogram)
//!  tuberry_channel_up{channel,account}         1 while an account is connected
//! ```

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::channels::AccountState;
use crate::engine::Engine;
use crate::error::Result;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Way {
    channel: String,
    direction: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Channel {
    channel: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobKind {
    kind: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AccountLabel {
    channel: String,
    account: String,
}

/// The content type of the text it writes (OpenMetrics, which Prometheus reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The figures as Prometheus reads them, now.
pub async fn render(engine: &Engine) -> Result<String> {
    let pool = engine.store().pool();
    let now = engine.clock().now_ms();
    let mut registry = Registry::with_prefix("tuberry");

    let messages = Family::<Way, Counter>::default();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT a.kind, m.direction, sum(m.n) FROM message_counts m
         JOIN channel_accounts a ON a.id = m.channel_account_id GROUP BY a.kind, m.direction",
    )
    .fetch_all(pool)
    .await?;
    for (channel, direction, n) in rows {
        messages
            .get_or_create(&Way { channel, direction })
            .inc_by(u64::try_from(n).unwrap_or(0));
    }
    registry.register(
        "messages",
        "Messages stored, by channel kind and direction",
        messages,
    );

    let failures = Family::<Channel, Gauge>::default();
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT a.kind, count(*) FROM messages m JOIN channel_accounts a ON a.id = m.channel_account_id
         WHERE m.direction = 'out' AND m.delivery = 'failed' GROUP BY a.kind",
    )
    .fetch_all(pool)
    .await?;
    for (channel, n) in rows {
        failures.get_or_create(&Channel { channel }).set(n);
    }
    registry.register(
        "delivery_failures",
        "Replies whose delivery failed, until they are sent again",
        failures,
    );

    let depth = Family::<JobKind, Gauge>::default();
    let failed = Family::<JobKind, Gauge>::default();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT kind, status, count(*) FROM jobs WHERE status IN ('queued', 'running', 'failed')
         GROUP BY kind, status",
    )
    .fetch_all(pool)
    .await?;
    for (kind, status, n) in rows {
        let family = if status == "failed" { &failed } else { &depth };
        family.get_or_create(&JobKind { kind }).inc_by(n);
    }
    registry.register("queue_depth", "Jobs waiting or running, by kind", depth);
    registry.register("jobs_failed", "Jobs that gave up, by kind", failed);

    let oldest: Option<i64> = sqlx::query_scalar(
        "SELECT min(run_at) FROM jobs WHERE status IN ('queued', 'running') AND run_at <= ?1",
    )
    .bind(now)
    .fetch_one(pool)
    .await?;
    let oldest_seconds = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    #[allow(clippy::cast_precision_loss)]
    oldest_seconds.set(oldest.map_or(0.0, |at| (now - at).max(0) as f64 / 1000.0));
    registry.register(
        "queue_oldest_seconds",
        "How long the oldest job that is due has waited",
        oldest_seconds,
    );

    registry.register(
        "job_duration_seconds",
        "How long jobs took to run, by kind, since Tuberry started",
        engine.queue().durations().clone(),
    );

    let up = Family::<AccountLabel, Gauge>::default();
    for account in engine.channels().accounts(engine.store()).await? {
        up.get_or_create(&AccountLabel {
            channel: account.kind.to_string(),
            account: account.id.to_string(),
        })
        .set(i64::from(account.status.state == AccountState::Connected));
    }
    registry.register("channel_up", "1 while a channel account is connected", up);

    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)
        .map_err(|e| crate::error::Error::Corrupt(format!("metrics could not be written: {e}")))?;
    Ok(text)
}
