//! Backups of the one SQLite file, taken while the engine runs: `VACUUM
//! INTO` writes a consistent copy from one read snapshot (writers go on),
//! the copy is checked with `PRAGMA integrity_check` before it gets its
//! final name, and attachments — content-addressed files — are copied
//! incrementally next to the copies. Backups hold no secret: those stay in
//! the OS keyring.
//!
//! ```text
//!  every day (engine task), `tuberry backup`, the window ──► back_up ──► backups/
//!     tuberry-20261206-045700-daily.sqlite3, files/<sha256>…; prune: 7 daily, 4 weekly
//!  Store::open with migrations pending ──► tuberry-…-before-v14.sqlite3 (3 kept)
//! ```
//!
//! Restoring one is the restore module's.

use std::path::{Path, PathBuf};

use chrono::{Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::model::text_enum;

/// The folder under the data directory where backups go unless the owner
/// picked another.
pub const DIR: &str = "backups";
/// The owner's folder for backups (a preference), e.g. a synced drive.
pub const DIR_PREFERENCE: &str = "backup_dir";
const PREFIX: &str = "tuberry-";
const SUFFIX: &str = ".sqlite3";
const KEEP_DAILY: usize = 7;
const KEEP_WEEKLY: usize = 4;
const KEEP_BEFORE_MIGRATION: usize = 3;
const DAY_MS: Millis = 24 * 3_600_000;

text_enum! {
    /// Why a backup was taken.
    BackupKind {
        Daily => "daily",
        Manual => "manual",
        BeforeMigration => "before_migration",
    }
}

text_enum! {
    /// Where a restore being prepared is.
    RestoreStage {
        /// Copying the backup next to the database (bytes).
        Copying => "copying",
        /// SQLite's integrity check of the copy.
        Checking => "checking",
        /// Bringing back the attachments (files).
        Files => "files",
        /// Staged: the restore happens when the app starts again.
        Ready => "ready",
    }
}

/// How a restore being prepared goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoreStep {
    pub stage: RestoreStage,
    pub done: u64,
    pub total: u64,
}

/// One backup file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    pub path: String,
    pub name: String,
    pub kind: BackupKind,
    pub created_at: Millis,
    pub size: u64,
}

pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// `tuberry-20261206-045700-daily.sqlite3` (UTC), or `…-before-v14.sqlite3`.
fn file_name(at: Millis, label: &str) -> String {
    let time = Utc
        .timestamp_millis_opt(at)
        .single()
        .unwrap_or_default()
        .format("%Y%m%d-%H%M%S");
    format!("{PREFIX}{time}-{label}{SUFFIX}")
}

/// What a backup's name says: when and why.
fn parse_name(name: &str) -> Option<(Millis, BackupKind)> {
    let rest = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (time, label) = rest.get(..15).zip(rest.get(16..))?;
    let at = chrono::NaiveDateTime::parse_from_str(time, "%Y%m%d-%H%M%S")
        .ok()?
        .and_utc()
        .timestamp_millis();
    let kind = match label {
        "daily" => BackupKind::Daily,
        "manual" => BackupKind::Manual,
        l if l.starts_with("before-v") => BackupKind::BeforeMigration,
        _ => return None,
    };
    Some((at, kind))
}

/// Writes a consistent copy of the database behind `pool` to `dest`: into a
/// temporary name, checked, then renamed.
pub async fn snapshot(pool: &SqlitePool, dest: &Path) -> Result<()> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| io(dir, e))?;
    let partial = dest.with_extension("partial");
    // A partial copy left by a crash is replaced.
    if tokio::fs::try_exists(&partial).await.unwrap_or(false) {
        tokio::fs::remove_file(&partial)
            .await
            .map_err(|e| io(&partial, e))?;
    }
    sqlx::query("VACUUM INTO ?1")
        .bind(partial.display().to_string())
        .execute(pool)
        .await?;
    if let Err(e) = check(&partial, i64::MAX).await {
        if let Err(removing) = tokio::fs::remove_file(&partial).await {
            tracing::warn!(error = %removing, "could not delete a damaged backup");
        }
        return Err(e);
    }
    tokio::fs::rename(&partial, dest)
        .await
        .map_err(|e| io(dest, e))
}

/// Whether `path` is a whole Tuberry database: SQLite's integrity check
/// passes and it has Tuberry's schema, no newer than `known`.
pub async fn check(path: &Path, known: i64) -> Result<()> {
    if !path.is_file() {
        return Err(Error::invalid(format!("{} is not a file", path.display())));
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| Error::invalid(format!("{} is not a database: {e}", path.display())))?;
    let verdict: Result<()> = async {
        let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&pool)
            .await
            .map_err(|e| Error::invalid(format!("{} is not a database: {e}", path.display())))?;
        if integrity != ["ok"] {
            return Err(Error::invalid(format!(
                "{} is damaged: {}",
                path.display(),
                integrity.join("; ")
            )));
        }
        let tuberry: Option<i64> =
            sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await
                .map_err(|_| {
                    Error::invalid(format!("{} is not a Tuberry database", path.display()))
                })?;
        match tuberry {
            Some(v) if v > known => Err(Error::DatabaseNewer { found: v, known }),
            Some(_) => Ok(()),
            None => Err(Error::invalid(format!(
                "{} is not a Tuberry database",
                path.display()
            ))),
        }
    }
    .await;
    pool.close().await;
    verdict
}

/// The backups in `dir`, the newest first.
pub fn list(dir: &Path) -> Result<Vec<Backup>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((created_at, kind)) = parse_name(&name) else {
            continue;
        };
        out.push(Backup {
            path: entry.path().display().to_string(),
            name,
            kind,
            created_at,
            size: entry.metadata().map(|m| m.len()).unwrap_or(0),
        });
    }
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.name.cmp(&a.name)));
    Ok(out)
}

/// Which backups to delete: of the daily and manual ones, the newest of
/// each of the last seven days that have one and of the last four weeks
/// stay; of those before a migration, the last three.
pub fn to_prune(backups: &[Backup]) -> Vec<&Backup> {
    let mut keep = std::collections::HashSet::new();
    let (mut days, mut weeks) = (Vec::new(), Vec::new());
    let mut before = 0;
    // Newest first: the first of a day or week is its newest.
    for b in backups {
        if b.kind == BackupKind::BeforeMigration {
            if before < KEEP_BEFORE_MIGRATION {
                keep.insert(&b.path);
            }
            before += 1;
            continue;
        }
        let at = Utc
            .timestamp_millis_opt(b.created_at)
            .single()
            .unwrap_or_default();
        let day = at.date_naive();
        let week = (at.iso_week().year(), at.iso_week().week());
        if !days.contains(&day) {
            days.push(day);
            if days.len() <= KEEP_DAILY {
                keep.insert(&b.path);
            }
        }
        if !weeks.contains(&week) {
            weeks.push(week);
            if weeks.len() <= KEEP_WEEKLY {
                keep.insert(&b.path);
            }
        }
    }
    backups.iter().filter(|b| !keep.contains(&b.path)).collect()
}

/// Copies the attachments not yet in `dest` (content-addressed, so a file
/// of the same name is the same file), telling `progress` how many of the
/// files were looked at. Returns how many were copied.
pub(crate) async fn copy_files(
    from: &Path,
    dest: &Path,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<usize> {
    let mut entries = match tokio::fs::read_dir(from).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io(from, e)),
    };
    let mut names = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(|e| io(from, e))? {
        let name = entry.file_name();
        if !name.to_string_lossy().ends_with(".part") {
            names.push(name);
        }
    }
    tokio::fs::create_dir_all(dest)
        .await
        .map_err(|e| io(dest, e))?;
    let total = names.len() as u64;
    progress(0, total);
    let mut copied = 0;
    for (n, name) in names.into_iter().enumerate() {
        let target = dest.join(&name);
        if !tokio::fs::try_exists(&target).await.unwrap_or(false) {
            let partial = dest.join(format!("{}.part", name.to_string_lossy()));
            tokio::fs::copy(from.join(&name), &partial)
                .await
                .map_err(|e| io(&partial, e))?;
            tokio::fs::rename(&partial, &target)
                .await
                .map_err(|e| io(&target, e))?;
            copied += 1;
        }
        progress(n as u64 + 1, total);
    }
    Ok(copied)
}

/// The engine's backups: where they go, taking one, listing them.
#[derive(Clone)]
pub struct Backups {
    pool: SqlitePool,
    clock: SharedClock,
    data_dir: PathBuf,
}

impl Backups {
    pub fn new(pool: SqlitePool, clock: SharedClock, data_dir: &Path) -> Self {
        Self {
            pool,
            clock,
            data_dir: data_dir.to_owned(),
        }
    }

    /// The folder backups go to: the owner's choice, else `backups/` in the
    /// data directory.
    pub async fn dir(&self) -> Result<PathBuf> {
        let chosen = crate::preferences::get(&self.pool, DIR_PREFERENCE).await?;
        Ok(chosen
            .filter(|d| !d.trim().is_empty())
            .map_or_else(|| self.data_dir.join(DIR), PathBuf::from))
    }

    /// Takes a backup now, copies new attachments, and prunes old backups.
    pub async fn back_up(&self, kind: BackupKind) -> Result<Backup> {
        let dir = self.dir().await?;
        let now = self.clock.now_ms();
        let dest = dir.join(file_name(now, kind.as_str()));
        let started = std::time::Instant::now();
        snapshot(&self.pool, &dest).await?;
        let copied =
            copy_files(&self.data_dir.join("files"), &dir.join("files"), &|_, _| {}).await?;
        let all = list(&dir)?;
        for old in to_prune(&all) {
            if let Err(e) = std::fs::remove_file(&old.path) {
                tracing::warn!(path = %old.path, error = %e, "could not delete an old backup");
            }
        }
        let backup = list(&dir)?
            .into_iter()
            .find(|b| Path::new(&b.path) == dest)
            .ok_or_else(|| Error::invalid("the backup disappeared as it was written"))?;
        tracing::info!(
            path = %backup.path,
            size = backup.size,
            files_copied = copied,
            ms = started.elapsed().as_millis() as u64,
            "backup taken"
        );
        Ok(backup)
    }

    pub async fn list(&self) -> Result<Vec<Backup>> {
        list(&self.dir().await?)
    }

    /// Takes the daily backup when the newest daily or manual one is a day
    /// old (or there is none): looks `first` after the start, then `every`,
    /// until cancelled.
    pub async fn watch(
        self,
        first: std::time::Duration,
        every: std::time::Duration,
        cancel: tokio_util::sync::CancellationToken,
    ) {
        let mut wait = first;
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(wait) => {}
            }
            wait = every;
            let due = match self.list().await {
                Ok(all) => all
                    .iter()
                    .find(|b| b.kind != BackupKind::BeforeMigration)
                    .is_none_or(|b| self.clock.now_ms() - b.created_at >= DAY_MS),
                Err(e) => {
                    tracing::warn!(error = %e, "could not list the backups");
                    false
                }
            };
            if due && let Err(e) = self.back_up(BackupKind::Daily).await {
                tracing::warn!(error = %e, "the daily backup failed");
            }
        }
    }
}

/// Backs up the database at `path` before its schema changes (called by
/// the store when migrations are pending on an existing database).
pub async fn before_migration(pool: &SqlitePool, path: &Path, now: Millis, to: i64) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new(".")).join(DIR);
    let dest = dir.join(file_name(now, &format!("before-v{to}")));
    snapshot(pool, &dest).await?;
    let all = list(&dir)?;
    for old in to_prune(&all) {
        if let Err(e) = std::fs::remove_file(&old.path) {
            tracing::warn!(path = %old.path, error = %e, "could not delete an old backup");
        }
    }
    tracing::info!(path = %dest.display(), "backup taken before the schema changes");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup(day: u32, hour: u32, kind: BackupKind) -> Backup {
        let at = Utc
            .with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .unwrap()
            .timestamp_millis();
        let name = file_name(at, kind.as_str());
        Backup {
            path: name.clone(),
            name,
            kind,
            created_at: at,
            size: 1,
        }
    }

    #[test]
    fn names_say_when_and_why() {
        let at = Utc
            .with_ymd_and_hms(2026, 12, 6, 4, 57, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            file_name(at, "daily"),
            "tuberry-20261206-045700-daily.sqlite3"
        );
        assert_eq!(
            parse_name("tuberry-20261206-045700-daily.sqlite3"),
            Some((at, BackupKind::Daily))
        );
        assert_eq!(
            parse_name("tuberry-20261206-045700-before-v14.sqlite3"),
            Some((at, BackupKind::BeforeMigration))
        );
        assert_eq!(parse_name("tuberry.sqlite3"), None);
        assert_eq!(
            parse_name("tuberry-20261206-045700-daily.sqlite3.partial"),
            None
        );
    }

    #[test]
    fn seven_days_and_four_weeks_are_kept() {
        // Two a day for 30 days of November 2026, newest first.
        let mut all: Vec<Backup> = (1..=30)
            .rev()
            .flat_map(|d| {
                [
                    backup(d, 20, BackupKind::Manual),
                    backup(d, 3, BackupKind::Daily),
                ]
            })
            .collect();
        all.extend(
            (1..=5)
                .rev()
                .map(|d| backup(d, 1, BackupKind::BeforeMigration)),
        );
        all.sort_by_key(|b| std::cmp::Reverse(b.created_at));
        let pruned: Vec<&str> = to_prune(&all).iter().map(|b| b.name.as_str()).collect();
        let kept: Vec<&Backup> = all
            .iter()
            .filter(|b| !pruned.contains(&b.name.as_str()))
            .collect();
        let names: Vec<&str> = kept.iter().map(|b| b.name.as_str()).collect();
        // The newest of each of the last seven days (24–30 November)…
        for day in 24..=30 {
            assert!(names.contains(
                &file_name(backup(day, 20, BackupKind::Manual).created_at, "manual").as_str()
            ));
            assert!(!names.contains(
                &file_name(backup(day, 3, BackupKind::Daily).created_at, "daily").as_str()
            ));
        }
        // …the newest of each of the last four weeks (Monday 30 November
        // starts the newest; Sundays 29, 22 and 15 end the others)…
        for day in [22, 15] {
            assert!(
                names.contains(
                    &file_name(backup(day, 20, BackupKind::Manual).created_at, "manual").as_str()
                ),
                "{day}"
            );
        }
        // …and the last three before a migration.
        let before = kept
            .iter()
            .filter(|b| b.kind == BackupKind::BeforeMigration)
            .count();
        assert_eq!(before, 3);
        assert!(
            !names.iter().any(|n| n.starts_with("tuberry-20261108")),
            "{names:#?}"
        );
        assert_eq!(kept.len(), 7 + 2 + 3, "{names:#?}");
    }
}
