//! The one SQLite file: opening it, applying the add-only schema, refusing a
//! database written by a newer Tuberry, and the write-transaction discipline.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqlitePool, Transaction};

use crate::error::{Error, Result};

pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Newest schema version this binary knows.
pub fn known_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema
    /// up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        let store = Self::connect(path, true).await?;
        store.migrate(path).await?;
        Ok(store)
    }

    /// Opens an existing database as it is, without changing its schema.
    pub async fn open_existing(path: &Path) -> Result<Self> {
        Self::connect(path, false).await
    }

    async fn connect(path: &Path, create: bool) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            // A transaction whose COMMIT failed (the disk full) and whose
            // rollback found nothing to undo leaves the driver believing it
            // is still open: every later BEGIN on that connection would fail.
            // Such a connection is closed rather than used again (the ping
            // lets a rollback queued by the dropped transaction run first).
            .after_release(|conn, _| {
                Box::pin(async move {
                    // Nearly always nothing is open: no round trip to the
                    // connection's thread then.
                    if !conn.is_in_transaction() {
                        return Ok(true);
                    }
                    conn.ping().await?;
                    let stuck = conn.is_in_transaction();
                    if stuck {
                        tracing::warn!(
                            "a database connection left in a failed transaction is replaced"
                        );
                    }
                    Ok(!stuck)
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    async fn migrate(&self, path: &Path) -> Result<()> {
        let applied: Option<i64> = match sqlx::query_scalar::<_, Option<i64>>(
            "SELECT max(version) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool)
        .await
        {
            Ok(v) => v,
            // A new database has no migrations table yet.
            Err(sqlx::Error::Database(e)) if e.message().contains("no such table") => None,
            Err(e) => return Err(e.into()),
        };
        let known = known_schema_version();
        if let Some(found) = applied.filter(|v| *v > known) {
            return Err(Error::DatabaseNewer { found, known });
        }
        if let Some(applied) = applied.filter(|v| *v < known) {
            // The schema is about to change: keep the database as it was.
            tracing::info!(from = applied, to = known, "the schema changes");
            crate::backup::before_migration(
                &self.pool,
                path,
                chrono::Utc::now().timestamp_millis(),
                known,
            )
            .await?;
        }
        MIGRATOR.run(&self.pool).await.map_err(Error::Migrate)?;
        Ok(())
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A connection for reading (and single-statement writes).
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Sqlite>> {
        Ok(self.pool.acquire().await?)
    }

    /// A transaction that takes the write lock up front, so two writers never
    /// deadlock upgrading a read lock.
    pub async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Reads a closed-set name stored as text, naming the column when it is not one.
pub fn parse_column<T: FromStr>(column: &'static str, value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| Error::Corrupt(format!("column {column} holds `{value}`")))
}
