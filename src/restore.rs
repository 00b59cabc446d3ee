//! Restoring a backup: only while no engine runs on the data directory; the
//! backup is checked first and the database it replaces is kept aside.

use std::path::Path;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::backup::{check, copy_files, io};
use crate::engine::DATABASE_FILE;
use crate::error::Result;
use crate::lock::DataLock;
use crate::store::{Store, known_schema_version};

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    /// Where the database that was replaced is kept.
    pub kept_aside: Option<String>,
    /// Attachments copied back from the backup's folder.
    pub files_copied: usize,
    /// The connected accounts in the restored database: on another
    /// computer their passwords and tokens must be entered again (the
    /// keyring holds them, not the backup).
    pub accounts: Vec<String>,
}

/// Puts the backup `file` in place of the data directory's database. Refused
/// while an engine runs on that data directory; the backup is checked
/// first; the current database is kept aside, never deleted.
pub async fn restore(data_dir: &Path, file: &Path) -> Result<Restored> {
    let lock = DataLock::take(data_dir)?;
    check(file, known_schema_version()).await?;
    let db = data_dir.join(DATABASE_FILE);
    let stamp = Utc::now().format("%Y%m%d-%H%M%S");
    let mut kept_aside = None;
    if db.is_file() {
        let aside = data_dir.join(format!("{}.before-restore-{stamp}", DATABASE_FILE));
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
        let side = data_dir.join(format!("{}{suffix}", DATABASE_FILE));
        if side.exists() {
            std::fs::remove_file(&side).map_err(|e| io(&side, e))?;
        }
    }
    let partial = data_dir.join(format!("{}.restoring", DATABASE_FILE));
    std::fs::copy(file, &partial).map_err(|e| io(&partial, e))?;
    std::fs::rename(&partial, &db).map_err(|e| io(&db, e))?;
    let files_copied = match file.parent() {
        Some(dir) => copy_files(&dir.join("files"), &data_dir.join("files")).await?,
        None => 0,
    };
    let store = Store::open(&db).await?;
    let accounts: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, kind FROM channel_accounts WHERE enabled = 1 AND kind != 'simulator' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await?;
    store.close().await;
    drop(lock);
    tracing::info!(file = %file.display(), "database restored from a backup");
    Ok(Restored {
        kept_aside,
        files_copied,
        accounts: accounts
            .into_iter()
            .map(|(name, kind)| format!("{name} ({kind})"))
            .collect(),
    })
}
