//! Tuberry's figures beside a reference measured in the same run on the same
//! machine, with the ratio and the goal. Today: durable ingest through the
//! real ingest path against plain SQLite doing the same writes (a contact,
//! a conversation, a message and its trigram full-text row, one transaction
//! each, WAL, synchronous=NORMAL, the same driver); the inbox's list window,
//! search and cold start on the store that ingest filled; the list window
//! and search again at 1,000,000 conversations, on a store filled in bulk
//! (`million`); the desktop app from its start to the inbox drawn and its
//! memory, beside an empty Tauri window (`desktop`); the size of the .deb
//! when the installers were built; the work group's side against the
//! Telegram fake: inbound to the first mirror request, and how much of a
//! group's budget a burst uses.
//!
//! `scripts/with-keyring.sh cargo run --release --example bench [messages] [--json] [--only=PART]`
//! (default 20000; the bot's token is kept in the keyring). A run measures
//! every part; `--only=` one of them: `store`, `million` (a few minutes:
//! the fill), `desktop` (after `cd ui && npm run build` and `cargo build
//! --release -p tuberry-desktop --bin tuberry-desktop --example
//! empty_window`; skipped with a note when the app is not built),
//! `telegram` or `mail`.

mod desktop;
mod mail;
mod million;
mod process;
mod sample;
mod screen;
mod table;
mod telegram;

use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tuberry::model::{ContactIdentity, ConversationFilter, IdentityKind};
use tuberry::relay::Inbound;
use tuberry::{Engine, EngineOptions, api};

use sample::{customer, search_p95, text, window_p95};
use table::Line;

/// Messages a second through Tuberry's ingest (hooks and all).
async fn tuberry_ingest(
    engine: &Engine,
    range: std::ops::Range<usize>,
) -> Result<f64, Box<dyn std::error::Error>> {
    let account = engine.simulator().account_id();
    let count = range.len();
    let start = Instant::now();
    for i in range {
        let name = customer(i);
        let inbound = Inbound {
            channel_account_id: account,
            external_message_id: format!("bench-{i}"),
            external_thread_id: name.clone(),
            sender: ContactIdentity {
                kind: IdentityKind::Simulator,
                value: name.clone(),
            },
            sender_name: name,
            subject: None,
            text: text(i),
            attachments: Vec::new(),
            sent_at: None,
        };
        engine.relay().ingest(inbound.validate()?).await?;
    }
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

/// Messages a second of the same writes in plain SQLite.
async fn raw_ingest(total: usize) -> Result<f64, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("raw.sqlite3"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    for statement in [
        "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, identity TEXT NOT NULL UNIQUE)",
        "CREATE TABLE conversations (id INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL REFERENCES contacts(id),
             thread TEXT NOT NULL UNIQUE, last_message_at INTEGER NOT NULL)",
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL REFERENCES conversations(id),
             external_id TEXT NOT NULL UNIQUE, text TEXT NOT NULL, created_at INTEGER NOT NULL)",
        "CREATE INDEX messages_conversation ON messages (conversation_id, id)",
        "CREATE VIRTUAL TABLE messages_fts USING fts5 (text, content = 'messages', content_rowid = 'id', tokenize = 'trigram')",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&pool).await?;
    }
    let start = Instant::now();
    for i in 0..total {
        let name = customer(i);
        let now = i64::try_from(i)?;
        let mut tx = pool.begin().await?;
        let contact: i64 = sqlx::query_scalar(
            "INSERT INTO contacts (name, identity) VALUES (?1, ?1) RETURNING id",
        )
        .bind(&name)
        .fetch_one(&mut *tx)
        .await?;
        let conversation: i64 = sqlx::query_scalar(
            "INSERT INTO conversations (contact_id, thread, last_message_at) VALUES (?1, ?2, ?3) RETURNING id",
        )
        .bind(contact)
        .bind(&name)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let body = text(i);
        let message: i64 = sqlx::query_scalar(
            "INSERT INTO messages (conversation_id, external_id, text, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
        )
        .bind(conversation)
        .bind(format!("bench-{i}"))
        .bind(&body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO messages_fts (rowid, text) VALUES (?1, ?2)")
            .bind(message)
            .bind(&body)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// The size of the newest .deb the installers' script built, in MiB.
fn deb_size() -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let newest = std::fs::read_dir(target.join("release/bundle/deb"))
        .ok()?
        .filter_map(|e| e.ok()?.metadata().ok().filter(|m| m.is_file()))
        .max_by_key(|m| m.modified().ok())?;
    Some(newest.len() as f64 / 1_048_576.0)
}

/// Ingest against plain SQLite, then the list window, search and cold start
/// on the store ingest filled.
async fn store_lines(
    total: usize,
    notes: &mut Vec<String>,
) -> Result<Vec<Line>, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let engine = Engine::open(EngineOptions::new(dir.path())).await?;
    // Alternated halves, so that a machine busy for a moment weighs on both.
    let half = total / 2;
    let raw_first = raw_ingest(half).await?;
    let ours_first = tuberry_ingest(&engine, 0..half).await?;
    let raw_second = raw_ingest(total - half).await?;
    // The second half continues the same store.
    let ours_second = tuberry_ingest(&engine, half..total).await?;
    let ours = (ours_first + ours_second) / 2.0;
    let raw = (raw_first + raw_second) / 2.0;

    let window = window_p95(&engine, total).await;
    let search = search_p95(&engine).await;

    // Cold start: the engine opened again on the store just filled, to the
    // first window of the list answered (in this process).
    engine.shutdown(Duration::from_secs(1)).await;
    let start = Instant::now();
    let engine = Engine::open(EngineOptions::new(dir.path())).await?;
    engine.start().await?;
    let first = ConversationFilter {
        limit: 100,
        ..ConversationFilter::default()
    };
    std::hint::black_box(api::list_conversations(&engine, first).await?);
    let cold = start.elapsed().as_secs_f64() * 1000.0;

    let mut lines = vec![
        Line {
            what: "durable ingest (a new conversation each)",
            unit: "messages/s",
            tuberry: ours,
            reference: Some(raw),
            reference_is: "plain SQLite, the same writes",
            ratio: Some(ours / raw),
            goal: "≥ 0.5 of the reference",
        },
        Line {
            what: "list window of 100 (p95)",
            unit: "ms",
            tuberry: window,
            reference: None,
            reference_is: "",
            ratio: None,
            goal: "≤ 20 ms at 1M conversations",
        },
        Line {
            what: "search (p95)",
            unit: "ms",
            tuberry: search,
            reference: None,
            reference_is: "",
            ratio: None,
            goal: "≤ 100 ms at 1M messages",
        },
        Line {
            what: "cold start to the first list window (in process)",
            unit: "ms",
            tuberry: cold,
            reference: None,
            reference_is: "",
            ratio: None,
            goal: "≤ 1 s at 100k conversations",
        },
    ];
    engine.shutdown(Duration::from_secs(1)).await;
    match process::binary() {
        Some(bin) => {
            let window = process::first_window(&bin, dir.path())?;
            let (ready, rss) = process::serve(&bin, dir.path(), Duration::from_secs(5))?;
            lines.push(Line {
                what: "`tuberry conversations`: start to the first window",
                unit: "ms",
                tuberry: window,
                reference: None,
                reference_is: "",
                ratio: None,
                goal: "≤ 1 s at 100k conversations",
            });
            lines.push(Line {
                what: "`tuberry serve`: start to running",
                unit: "ms",
                tuberry: ready,
                reference: None,
                reference_is: "",
                ratio: None,
                goal: "≤ 1 s at 100k conversations",
            });
            lines.push(Line {
                what: "`tuberry serve` idle, no account connected (RSS)",
                unit: "MiB",
                tuberry: rss,
                reference: None,
                reference_is: "",
                ratio: None,
                goal: "",
            });
        }
        None => notes.push("processes: skipped (cargo build --release --bin tuberry first)".into()),
    }
    Ok(lines)
}

/// The work group's side against the Telegram fake.
async fn telegram_lines(
    lines: &mut Vec<Line>,
    notes: &mut Vec<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let (p50, p99, samples) = telegram::mirror_latency(10, 20).await?;
    lines.push(Line {
        what: "inbound to the first mirror request, 10 msg/s (p50)",
        unit: "ms",
        tuberry: p50,
        reference: None,
        reference_is: "",
        ratio: None,
        goal: "",
    });
    lines.push(Line {
        what: "inbound to the first mirror request, 10 msg/s (p99)",
        unit: "ms",
        tuberry: p99,
        reference: None,
        reference_is: "",
        ratio: None,
        goal: "≤ 50 ms",
    });
    let burst = telegram::mirror_burst(10, 10, 6_000).await?;
    lines.push(Line {
        what: "mirrors into one group, 30 conversations: calls a window",
        unit: "calls",
        tuberry: burst.ratio * 20.0,
        reference: Some(20.0),
        reference_is: "Telegram's 20 a minute",
        ratio: Some(burst.ratio),
        goal: "≥ 0.95, 0 × 429, 0 early",
    });
    notes.push(format!(
        "inbound to mirror: {samples} messages; into one group: {} messages, {} group calls, {} answered 429, {} before a retry_after (Telegram's minute scaled to 6 s)",
        burst.messages, burst.calls, burst.rate_limited, burst.early_calls
    ));
    Ok(())
}

/// Whether real mail servers can be started here (Dovecot and Postfix
/// installed, run as root), as the e-mail tests start them.
fn mail_servers() -> bool {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    root && std::path::Path::new("/usr/sbin/dovecot").exists()
}

/// A mailbox of 10,000 mails imported, against mbsync fetching it.
async fn mail_lines(
    lines: &mut Vec<Line>,
    notes: &mut Vec<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    const MAILS: usize = 10_000;
    if !mail_servers() {
        notes.push("IMAP import: skipped (needs root, Dovecot and Postfix)".into());
        return Ok(());
    }
    let import = mail::import(MAILS).await?;
    let reference = import.mbsync.map(|(s, _)| s);
    lines.push(Line {
        what: "IMAP import of 10,000 mails from Dovecot",
        unit: "s",
        tuberry: import.tuberry_s,
        reference,
        reference_is: "mbsync (isync) into a Maildir",
        ratio: reference.map(|r| import.tuberry_s / r),
        goal: "≤ 1.5× mbsync",
    });
    if let Some(bin) = process::binary() {
        let rss = process::serve_connected(&bin, Duration::from_secs(10)).await?;
        lines.push(Line {
            what: "`tuberry serve` idle with a bot, a mailbox, Avito (RSS)",
            unit: "MiB",
            tuberry: rss,
            reference: None,
            reference_is: "",
            ratio: None,
            goal: "≤ 40 MB",
        });
    }
    let list = |q: f64| import.list_ms[((import.list_ms.len() - 1) as f64 * q) as usize];
    notes.push(format!(
        "IMAP import: the inbox list meanwhile answered in {:.1} ms (median), {:.1} ms (p95), {:.1} ms at worst ({} times)",
        list(0.5),
        list(0.95),
        list(1.0),
        import.list_ms.len()
    ));
    notes.push(match import.mbsync {
        Some((_, got)) => format!(
            "IMAP import: Tuberry stored {} messages, mbsync {got} files",
            import.tuberry_mails
        ),
        None => format!(
            "IMAP import: Tuberry stored {} messages; mbsync is not installed (apt-get install isync)",
            import.tuberry_mails
        ),
    });
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let total: usize = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20_000);
    // `--only=store`, `million`, `desktop`, `telegram` or `mail`: one part of the table.
    let only = args.iter().find_map(|a| a.strip_prefix("--only="));
    let part = |name: &str| only.is_none_or(|o| o == name);

    let mut notes: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    if part("store") {
        lines.extend(store_lines(total, &mut notes).await?);
    }
    if part("million") {
        lines.extend(million::lines(&mut notes).await?);
    }
    if part("desktop") {
        lines.extend(desktop::lines(&mut notes).await?);
    }

    if part("telegram") {
        telegram_lines(&mut lines, &mut notes).await?;
    }
    if part("mail") {
        mail_lines(&mut lines, &mut notes).await?;
    }
    if let Some(size) = deb_size() {
        lines.push(Line {
            what: "the .deb (installers/build-linux.sh)",
            unit: "MiB",
            tuberry: size,
            reference: None,
            reference_is: "",
            ratio: None,
            goal: "",
        });
    }
    table::print(total, &lines, &notes, json)?;
    Ok(())
}
