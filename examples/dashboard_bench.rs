//! Prints how long the Dashboard takes on a large store: every chart of the
//! screen is read by one call, for today, 7, 30 and 90 days, the whole
//! history, and with the project and channel filters.
//!
//! `cargo run --release --example dashboard_bench [conversations] [days]`
//! (default 100000 conversations of ten messages each, 1M messages, started
//! evenly over the last 365 days);
//! `DASHBOARD_BENCH_KEEP=FILE` keeps a copy of the seeded store.

use std::time::{Duration, Instant};

use tuberry::model::ChannelKind;
use tuberry::stats::DashboardQuery;
use tuberry::{Engine, EngineOptions, api};

const DAY: i64 = 86_400_000;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Conversations spread evenly over the last `days` days, ten messages each:
/// customer, answer, customer... answers by the assistant, an auto-reply and
/// five people; one in ten still waiting, one in ten handed to a person, the
/// rest closed.
async fn seed(engine: &Engine, total: i64, days: i64) -> Result<(), Box<dyn std::error::Error>> {
    let now = engine.clock().now_ms();
    let simulator = engine.simulator().account_id();
    let mut tx = engine.store().pool().begin().await?;
    sqlx::query(
        "INSERT INTO projects (id, name, created_at) VALUES (1, 'Магазин', 0), (2, 'Склад', 0), (3, 'Опт', 0)",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE channel_accounts SET project_id = 1 WHERE id = ?1")
        .bind(simulator)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO channel_accounts (project_id, kind, name, external_id, created_at)
         VALUES (2, 'email', 'Почта', 'shop@example.com', 0), (3, 'avito', 'Avito', '42', 0)",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO people (id, telegram_user_id, name, role, linked_at)
         VALUES (1, 101, 'Анна', 'owner', 0), (2, 102, 'Борис', 'manager', 0),
                (3, 103, 'Вера', 'manager', 0), (4, 104, 'Глеб', 'operator', 0),
                (5, 105, 'Дина', 'operator', 0)",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO contacts (id, display_name, search_key, created_at, updated_at)
         SELECT i, 'Покупатель ' || i, 'покупатель ' || i, 0, 0 FROM n",
    )
    .bind(total)
    .execute(&mut *tx)
    .await?;
    // Account by i % 3; the start moves back evenly over 90 days.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1),
              a(k, account, project) AS (
                  SELECT row_number() OVER (ORDER BY id) - 1, id, project_id FROM channel_accounts)
         INSERT INTO conversations (id, project_id, channel_account_id, contact_id,
                                    external_thread_id, status, last_message_at,
                                    last_message_direction, created_at, updated_at, closed_at)
         SELECT i, a.project, a.account, i, 'thread-' || i,
                CASE i % 10 WHEN 0 THEN 'awaiting_response' WHEN 1 THEN 'needs_human' ELSE 'closed' END,
                ?2 - i * (?4 * ?3 / ?1) + 9 * 60000,
                CASE i % 10 WHEN 0 THEN 'in' ELSE 'out' END,
                ?2 - i * (?4 * ?3 / ?1), ?2 - i * (?4 * ?3 / ?1) + 9 * 60000,
                CASE WHEN i % 10 > 1 THEN ?2 - i * (?4 * ?3 / ?1) + (i % 48) * 3600000 END
         FROM n JOIN a ON a.k = i % 3",
    )
    .bind(total)
    .bind(now)
    .bind(DAY)
    .bind(days)
    .execute(&mut *tx)
    .await?;
    // Message k of a conversation: even from the customer, odd an answer;
    // a waiting conversation ends with its customer.
    sqlx::query(
        "WITH RECURSIVE k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < 9)
         INSERT INTO messages (conversation_id, channel_account_id, direction, author_kind,
                               text, external_id, delivery, created_at, person_id)
         SELECT c.id, c.channel_account_id,
                CASE WHEN k % 2 = 0 OR (c.id % 10 = 0 AND k = 9) THEN 'in' ELSE 'out' END,
                CASE WHEN k % 2 = 0 OR (c.id % 10 = 0 AND k = 9) THEN 'customer'
                     WHEN k = 1 AND c.id % 3 = 0 THEN 'auto_reply'
                     WHEN k = 1 THEN 'assistant'
                     WHEN (c.id + k) % 2 = 0 THEN 'manager' ELSE 'operator' END,
                'Сообщение ' || k || ' о заказе ' || c.id,
                CASE WHEN k % 2 = 0 OR (c.id % 10 = 0 AND k = 9) THEN 'm-' || c.id || '-' || k END,
                CASE WHEN k % 2 = 0 OR (c.id % 10 = 0 AND k = 9) THEN NULL ELSE 'delivered' END,
                c.created_at + k * 60000,
                CASE WHEN k % 2 = 1 AND k > 1 AND NOT (c.id % 10 = 0 AND k = 9)
                     THEN 1 + (c.id + k) % 5 END
         FROM conversations c, k
         ORDER BY c.id, k",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let total: i64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let history: i64 = std::env::args()
        .nth(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(365);
    let dir = tempfile::tempdir()?;
    let engine = Engine::open(EngineOptions::new(dir.path())).await?;
    let start = Instant::now();
    seed(&engine, total, history).await?;
    let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(engine.store().pool())
        .await?;
    println!(
        "seeded {total} conversations, {messages} messages over {history} days in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    if let Ok(path) = std::env::var("DASHBOARD_BENCH_KEEP") {
        // A copy of the seeded store, to read query plans from.
        sqlx::query("VACUUM INTO ?1")
            .bind(&path)
            .execute(engine.store().pool())
            .await?;
        println!("seeded store copied to {path}");
    }
    let mut worst = Duration::ZERO;
    for (days, project_id, channel, what) in [
        (1, None, None, "today"),
        (7, None, None, "7 days"),
        (30, None, None, "30 days"),
        (90, None, None, "90 days"),
        (
            history.clamp(1, 366) as u32,
            None,
            None,
            "the whole history",
        ),
        (30, Some(2), None, "30 days, one project"),
        (30, None, Some(ChannelKind::Avito), "30 days, one channel"),
    ] {
        let period = api::last_days(&engine, days).await?;
        let query = DashboardQuery {
            period,
            project_id,
            channel,
        };
        let mut samples = Vec::new();
        let mut shown = None;
        for _ in 0..7 {
            let start = Instant::now();
            let dashboard = api::dashboard(&engine, query.clone()).await?;
            samples.push(start.elapsed());
            shown = Some(dashboard);
        }
        let dashboard = shown.expect("seven runs");
        let t = median(samples);
        if days <= 30 {
            worst = worst.max(t);
        }
        println!(
            "dashboard, every chart, {what:<22} {:>7.1} ms  ({} new conversations, {} answered, {} waiting, {} people)",
            t.as_secs_f64() * 1e3,
            dashboard.figures.new_conversations,
            dashboard.figures.answered,
            dashboard
                .waiting
                .iter()
                .map(|w| w.conversations)
                .sum::<u32>(),
            dashboard.people.len(),
        );
    }
    println!(
        "slowest of the window's periods (today, 7 and 30 days): {:.1} ms (goal: every chart in 200 ms)",
        worst.as_secs_f64() * 1e3
    );
    let size = std::fs::metadata(dir.path().join(tuberry::engine::DATABASE_FILE))?.len();
    println!("database file: {:.1} MiB", size as f64 / 1048576.0);
    engine.shutdown(Duration::from_secs(1)).await;
    Ok(())
}
