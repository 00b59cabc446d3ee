//! Search and the list window at 1,000,000 conversations, one customer
//! message each: the goals' size, on a store filled in bulk.
//!
//! Through the real ingest path (a transaction a message, ~880 a second
//! here) that store would take 20 minutes; [`fill`] writes the same rows in
//! big transactions instead. The engine makes the store (its migrations, the
//! Test chat's account), then for each customer the rows ingest writes, with
//! the values it writes: the contact (its name folded for search), its
//! simulator identity, the conversation as it stands after the message
//! (awaiting a response, the message's preview, one unread) and the message.
//! The store's triggers do the rest as they do for ingest: the trigram
//! full-text row and the Dashboard's figures (the quarter's count, the
//! conversation's first message and since when its customer waits). What
//! ingest's hooks would add for this account is nothing: the Test chat's
//! account has no project (no work group to mirror into, no assistant).
//! The engine is then opened again on the store and timed as the store part
//! times its own (`sample::window_p95`, `sample::search_p95`).

use std::path::Path;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, SqliteConnection};
use tuberry::engine::DATABASE_FILE;
use tuberry::model::{AuthorKind, ConversationStatus, Direction, IdentityKind};
use tuberry::relay::preview;
use tuberry::{Engine, EngineOptions};

use crate::sample::{customer, search_p95, text, window_p95};
use crate::table::Line;

type Error = Box<dyn std::error::Error>;

pub const MILLION: usize = 1_000_000;

/// Rows a statement inserts (the messages' 7 parameters each stay under
/// SQLite's 32,766), and statements a transaction.
const ROWS: usize = 1_000;
const CHUNKS_A_TRANSACTION: usize = 25;

/// `INSERT … VALUES row, row, …` with `n` rows.
fn insert(head: &str, row: &str, n: usize) -> String {
    let mut sql = String::with_capacity(head.len() + (row.len() + 2) * n);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(row);
    }
    sql
}

/// What the rows of customer `i` share: ids, the account, the time.
struct Ids {
    contact: i64,
    conversation: i64,
    message: i64,
    account: i64,
    project: Option<i64>,
    /// The first customer's time; each next one a millisecond later.
    at: i64,
}

/// Writes customers `range` (contacts, identities, conversations, messages).
async fn chunk(
    db: &mut SqliteConnection,
    ids: &Ids,
    range: std::ops::Range<usize>,
) -> Result<(), Error> {
    let n = range.len();
    let rows: Vec<(i64, String, String)> = range
        .clone()
        .map(|i| (i64::try_from(i).unwrap_or(i64::MAX), customer(i), text(i)))
        .collect();
    let at = |i: i64| ids.at + i;

    let sql = insert(
        "INSERT INTO contacts (id, display_name, search_key, created_at, updated_at)",
        "(?, ?, ?, ?, ?)",
        n,
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (i, name, _) in &rows {
        q = q
            .bind(ids.contact + i)
            .bind(name)
            .bind(name.to_lowercase())
            .bind(at(*i))
            .bind(at(*i));
    }
    q.execute(&mut *db).await?;

    let sql = insert(
        "INSERT INTO contact_identities (contact_id, kind, value, created_at)",
        "(?, ?, ?, ?)",
        n,
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (i, name, _) in &rows {
        q = q
            .bind(ids.contact + i)
            .bind(IdentityKind::Simulator.as_str())
            .bind(name)
            .bind(at(*i));
    }
    q.execute(&mut *db).await?;

    // As ingest leaves it once the message is in: its preview, one unread.
    let sql = insert(
        "INSERT INTO conversations (id, project_id, channel_account_id, contact_id, external_thread_id,
                                    subject, status, last_message_at, last_message_preview,
                                    last_message_direction, unread_count, created_at, updated_at)",
        "(?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, 1, ?, ?)",
        n,
    );
    let status = ConversationStatus::AwaitingResponse
        .after_customer_message()
        .as_str();
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (i, name, body) in &rows {
        q = q
            .bind(ids.conversation + i)
            .bind(ids.project)
            .bind(ids.account)
            .bind(ids.contact + i)
            .bind(name)
            .bind(status)
            .bind(at(*i))
            .bind(preview(body, &[]))
            .bind(Direction::In.as_str())
            .bind(at(*i))
            .bind(at(*i));
    }
    q.execute(&mut *db).await?;

    // The triggers write the full-text row and the figures, row by row.
    let sql = insert(
        "INSERT INTO messages (id, conversation_id, channel_account_id, direction, author_kind,
                               author_name, text, attachments, external_id, created_at, sent_at)",
        "(?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, NULL)",
        n,
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (i, name, body) in &rows {
        q = q
            .bind(ids.message + i)
            .bind(ids.conversation + i)
            .bind(ids.account)
            .bind(Direction::In.as_str())
            .bind(AuthorKind::Customer.as_str())
            .bind(name)
            .bind(body)
            .bind(format!("bench-{i}"))
            .bind(at(*i));
    }
    q.execute(&mut *db).await?;
    Ok(())
}

/// A new store in `dir` with `total` customers of the Test chat, one message
/// each (the last one now), written in bulk; answers how long it took.
pub async fn fill(dir: &Path, total: usize) -> Result<Duration, Error> {
    let started = Instant::now();
    let engine = Engine::open(EngineOptions::new(dir)).await?;
    let account = engine.simulator().account_id();
    engine.shutdown(Duration::from_secs(1)).await;
    drop(engine);

    let options = SqliteConnectOptions::new()
        .filename(dir.join(DATABASE_FILE))
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let next = |table: &str| {
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!(
            "SELECT coalesce(max(id), 0) + 1 FROM {table}"
        )))
        .fetch_one(&pool)
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let ids = Ids {
        contact: next("contacts").await?,
        conversation: next("conversations").await?,
        message: next("messages").await?,
        account,
        project: sqlx::query_scalar("SELECT project_id FROM channel_accounts WHERE id = ?1")
            .bind(account)
            .fetch_one(&pool)
            .await?,
        at: i64::try_from(now)? - i64::try_from(total)?,
    };
    let step = ROWS * CHUNKS_A_TRANSACTION;
    for from in (0..total).step_by(step) {
        let mut tx = pool.begin().await?;
        for at in (from..(from + step).min(total)).step_by(ROWS) {
            chunk(&mut tx, &ids, at..(at + ROWS).min(total)).await?;
        }
        tx.commit().await?;
    }
    pool.close().await;
    Ok(started.elapsed())
}

fn size_mib(dir: &Path) -> f64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len() as f64)
        .sum::<f64>()
        / 1_048_576.0
}

/// The list window and search at 1,000,000 conversations.
pub async fn lines(notes: &mut Vec<String>) -> Result<Vec<Line>, Error> {
    let dir = tempfile::tempdir()?;
    let took = fill(dir.path(), MILLION).await?;
    let engine = Engine::open(EngineOptions::new(dir.path())).await?;
    let window = window_p95(&engine, MILLION).await;
    let search = search_p95(&engine).await;
    engine.shutdown(Duration::from_secs(1)).await;
    notes.push(format!(
        "1,000,000: conversations of one customer message each, written in bulk in {:.0} s ({:.0} a second; the store {:.0} MiB), not through ingest",
        took.as_secs_f64(),
        MILLION as f64 / took.as_secs_f64(),
        size_mib(dir.path())
    ));
    Ok(vec![
        Line::alone(
            "list window of 100 at 1,000,000 conversations (p95)",
            "ms",
            window,
            "≤ 20 ms at 1M conversations",
        ),
        Line::alone(
            "search at 1,000,000 messages (p95)",
            "ms",
            search,
            "≤ 100 ms at 1M messages",
        ),
    ])
}
