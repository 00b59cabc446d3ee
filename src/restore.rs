//! Restoring a backup. The database is only ever replaced while no engine
//! runs on the data directory; the backup is checked first and the database
//! it replaces is kept aside.
//!
//! ```text
//!  tuberry restore FILE ──► lock ──► stage ──► swap
//!  the window ──► prepare (beside the running engine, with progress):
//!                 stage + restore-pending.json ──► the app starts again
//!  next start, before the engine opens ──► finish_pending: lock ──► swap
//!                 ──► restore-outcome.json (the window shows it once)
//! ```
//!
//! Staging copies the backup next to the database, checks the copy and
//! brings the attachments back (content-addressed files, so only missing
//! ones are copied): the slow part, which can run while the app works. The
//! swap is two renames.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use crate::backup::{RestoreStage, RestoreStep};
use crate::backup::{check, copy_files, io};
use crate::clock::Millis;
use crate::engine::DATABASE_FILE;
use crate::error::{Error, Result};
use crate::lock::DataLock;
use crate::store::{Store, known_schema_version};

/// Written when a restore is staged for the next start.
pub const PENDING_FILE: &str = "restore-pending.json";
/// Written by the start that restored; read (and dismissed) by the window.
pub const OUTCOME_FILE: &str = "restore-outcome.json";
/// How long the next start waits for the app it replaces to let go of the
/// data directory.
const LOCK_WAIT: Duration = Duration::from_secs(15);
const CHUNK: usize = 1 << 20;

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    /// The backup restored.
    #[serde(default)]
    pub source: String,
    /// When it was restored.
    #[serde(default)]
    pub restored_at: Millis,
    /// Where the database that was replaced is kept.
    pub kept_aside: Option<String>,
    /// Attachments copied back from the backup's folder.
    pub files_copied: usize,
    /// The connected accounts in the restored database: on another
    /// computer their passwords and tokens must be entered again (the
    /// keyring holds them, not the backup).
    pub accounts: Vec<String>,
    /// Why the prepared restore could not be finished at the start (the
    /// database was left as it was).
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    source: String,
    files_copied: usize,
}

fn staged_path(data_dir: &Path) -> PathBuf {
    data_dir.join(format!("{DATABASE_FILE}.restoring"))
}

/// Copies `from` to `to` a chunk at a time, telling how far it got.
async fn copy_with_progress(
    from: &Path,
    to: &Path,
    progress: &(dyn Fn(RestoreStep) + Sync),
) -> Result<()> {
    let mut source = tokio::fs::File::open(from).await.map_err(|e| io(from, e))?;
    let total = source.metadata().await.map_err(|e| io(from, e))?.len();
    let mut dest = tokio::fs::File::create(to).await.map_err(|e| io(to, e))?;
    let mut buf = vec![0u8; CHUNK];
    let mut done = 0u64;
    progress(RestoreStep {
        stage: RestoreStage::Copying,
        done,
        total,
    });
    loop {
        let n = source.read(&mut buf).await.map_err(|e| io(from, e))?;
        if n == 0 {
            break;
        }
        dest.write_all(&buf[..n]).await.map_err(|e| io(to, e))?;
        done += n as u64;
        progress(RestoreStep {
            stage: RestoreStage::Copying,
            done,
            total,
        });
    }
    dest.sync_all().await.map_err(|e| io(to, e))?;
    Ok(())
}

/// Copies the backup `file` next to the database and checks the copy, then
/// brings back the attachments kept beside the backup. Nothing the running
/// engine uses is touched. Answers how many attachments were copied.
async fn stage(
    data_dir: &Path,
    file: &Path,
    progress: &(dyn Fn(RestoreStep) + Sync),
) -> Result<usize> {
    if !file.is_file() {
        return Err(Error::invalid(format!("{} is not a file", file.display())));
    }
    let staged = staged_path(data_dir);
    let checked = async {
        copy_with_progress(file, &staged, progress).await?;
        progress(RestoreStep {
            stage: RestoreStage::Checking,
            done: 0,
            total: 1,
        });
        // The copy is what will be used: it is the one checked. Errors name
        // the backup, not the copy.
        check(&staged, known_schema_version())
            .await
            .map_err(|e| match e {
                Error::Invalid(text) => Error::invalid(
                    text.replace(&staged.display().to_string(), &file.display().to_string()),
                ),
                other => other,
            })
    }
    .await;
    if let Err(e) = checked {
        if let Err(removing) = tokio::fs::remove_file(&staged).await
            && removing.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %removing, "could not delete a refused copy");
        }
        return Err(e);
    }
    let files = match file.parent() {
        Some(dir) => {
            copy_files(
                &dir.join("files"),
                &data_dir.join("files"),
                &|done, total| {
                    progress(RestoreStep {
                        stage: RestoreStage::Files,
                        done,
                        total,
                    })
                },
            )
            .await?
        }
        None => 0,
    };
    Ok(files)
}

/// Puts the staged copy in place of the database, keeping the current one
/// aside. The caller holds the data directory's lock.
async fn swap(
    data_dir: &Path,
    _lock: &DataLock,
    source: &Path,
    files_copied: usize,
) -> Result<Restored> {
    let db = data_dir.join(DATABASE_FILE);
    let staged = staged_path(data_dir);
    if !staged.is_file() {
        return Err(Error::invalid(format!(
            "the copy of {} to restore is gone; choose the backup again",
            source.display()
        )));
    }
    let stamp = Utc::now().format("%Y%m%d-%H%M%S");
    let mut kept_aside = None;
    if db.is_file() {
        let aside = data_dir.join(format!("{DATABASE_FILE}.before-restore-{stamp}"));
        // Bring the write-ahead log into the file first, so the file is whole.
        if let Ok(store) = Store::open_existing(&db).await {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(store.pool())
                .await
            {
                tracing::warn!(error = %e, "could not fold the write-ahead log in");
            }
            store.close().await;
        }
        std::fs::rename(&db, &aside).map_err(|e| io(&db, e))?;
        kept_aside = Some(aside.display().to_string());
    }
    for suffix in ["-wal", "-shm"] {
        let side = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
        if side.exists() {
            std::fs::remove_file(&side).map_err(|e| io(&side, e))?;
        }
    }
    std::fs::rename(&staged, &db).map_err(|e| io(&db, e))?;
    let store = Store::open(&db).await?;
    let accounts: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, kind FROM channel_accounts WHERE enabled = 1 AND kind != 'simulator' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await?;
    store.close().await;
    tracing::info!(file = %source.display(), "database restored from a backup");
    Ok(Restored {
        source: source.display().to_string(),
        restored_at: Utc::now().timestamp_millis(),
        kept_aside,
        files_copied,
        accounts: accounts
            .into_iter()
            .map(|(name, kind)| format!("{name} ({kind})"))
            .collect(),
        error: None,
    })
}

/// Puts the backup `file` in place of the data directory's database. Refused
/// while an engine runs on that data directory; the backup is checked
/// first; the current database is kept aside, never deleted.
pub async fn restore(data_dir: &Path, file: &Path) -> Result<Restored> {
    let lock = DataLock::take(data_dir)?;
    let files_copied = stage(data_dir, file, &|_| {}).await?;
    swap(data_dir, &lock, file, files_copied).await
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let text = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::invalid(format!("cannot write {}: {e}", path.display())))?;
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text).map_err(|e| io(&partial, e))?;
    std::fs::rename(&partial, path).map_err(|e| io(path, e))
}

/// Prepares restoring `file` beside a running engine: stages it (with
/// `progress`) and leaves word for the next start to swap it in. A backup
/// that fails its check is refused here, before anything changes.
pub async fn prepare(
    data_dir: &Path,
    file: &Path,
    progress: &(dyn Fn(RestoreStep) + Sync),
) -> Result<()> {
    let files_copied = stage(data_dir, file, progress).await?;
    write_json(
        &data_dir.join(PENDING_FILE),
        &Pending {
            source: file.display().to_string(),
            files_copied,
        },
    )?;
    progress(RestoreStep {
        stage: RestoreStage::Ready,
        done: 1,
        total: 1,
    });
    tracing::info!(file = %file.display(), "restore prepared for the next start");
    Ok(())
}

/// Gives up a prepared restore (the copy is deleted).
pub fn cancel_pending(data_dir: &Path) -> Result<()> {
    for path in [data_dir.join(PENDING_FILE), staged_path(data_dir)] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&path, e)),
        }
    }
    Ok(())
}

/// Waits for the data directory's lock: the app that asked for the restore
/// may still be ending.
async fn take_lock(data_dir: &Path, wait: Duration) -> Result<DataLock> {
    let until = std::time::Instant::now() + wait;
    loop {
        match DataLock::take(data_dir) {
            Err(Error::AlreadyRunning { .. }) if std::time::Instant::now() < until => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

/// At start, before an engine opens the data directory: swaps in a restore
/// prepared by [`prepare`], and records what it did for the window. `None`
/// when nothing was prepared. A failed swap leaves the database as it was
/// and is recorded with its error, so the window can say so.
pub async fn finish_pending(data_dir: &Path) -> Result<Option<Restored>> {
    finish_pending_within(data_dir, LOCK_WAIT).await
}

pub async fn finish_pending_within(data_dir: &Path, wait: Duration) -> Result<Option<Restored>> {
    let pending_path = data_dir.join(PENDING_FILE);
    let text = match std::fs::read(&pending_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&pending_path, e)),
    };
    let pending: Pending = match serde_json::from_slice(&text) {
        Ok(pending) => pending,
        Err(e) => {
            tracing::warn!(error = %e, "a prepared restore is unreadable; it is dropped");
            cancel_pending(data_dir)?;
            return Ok(None);
        }
    };
    let lock = take_lock(data_dir, wait).await?;
    let swapped = swap(
        data_dir,
        &lock,
        Path::new(&pending.source),
        pending.files_copied,
    )
    .await;
    // Tried once: a failure is not tried again at every start.
    cancel_pending(data_dir)?;
    let outcome = swapped.unwrap_or_else(|e| {
        tracing::warn!(error = %crate::error::display_chain(&e), "the prepared restore failed");
        Restored {
            source: pending.source.clone(),
            restored_at: Utc::now().timestamp_millis(),
            kept_aside: None,
            files_copied: pending.files_copied,
            accounts: Vec::new(),
            error: Some(crate::error::display_chain(&e)),
        }
    });
    write_json(&data_dir.join(OUTCOME_FILE), &outcome)?;
    Ok(Some(outcome))
}

/// What the last restore did, until the window dismisses it.
pub fn outcome(data_dir: &Path) -> Option<Restored> {
    let text = std::fs::read(data_dir.join(OUTCOME_FILE)).ok()?;
    serde_json::from_slice(&text)
        .inspect_err(|e| tracing::warn!(error = %e, "the restore's outcome is unreadable"))
        .ok()
}

/// Forgets the last restore's outcome (the window showed it).
pub fn dismiss_outcome(data_dir: &Path) -> Result<()> {
    let path = data_dir.join(OUTCOME_FILE);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(&path, e)),
    }
}

/// Whether a restore waits for the next start.
pub fn is_pending(data_dir: &Path) -> bool {
    data_dir.join(PENDING_FILE).is_file()
}

/// Logs what [`finish_pending`] did, once logging is set up.
pub fn log_finished(finished: &Result<Option<Restored>>) {
    match finished {
        Ok(None) => {}
        Ok(Some(r)) if r.error.is_none() => {
            tracing::info!(file = %r.source, files = r.files_copied, "database restored from a backup");
        }
        Ok(Some(r)) => {
            tracing::warn!(file = %r.source, error = r.error.as_deref().unwrap_or_default(), "the prepared restore failed");
        }
        Err(e) => {
            tracing::warn!(error = %crate::error::display_chain(e), "the prepared restore could not be finished");
        }
    }
}
