//! Backups of the store: taking one now, listing them, and where they go.

use crate::backup::{Backup, BackupKind};
use crate::engine::Engine;
use crate::error::Error;

use super::ApiResult;

/// The backups, the newest first.
pub async fn list_backups(engine: &Engine) -> ApiResult<Vec<Backup>> {
    Ok(engine.backups().list().await?)
}

/// Takes a backup now (checked before it is kept).
pub async fn back_up_now(engine: &Engine) -> ApiResult<Backup> {
    Ok(engine.backups().back_up(BackupKind::Manual).await?)
}

/// The folder backups go to.
pub async fn backup_dir(engine: &Engine) -> ApiResult<String> {
    Ok(engine.backups().dir().await?.display().to_string())
}

/// Sends backups to `dir` (a synced drive, a USB disk), or back to the data
/// directory's `backups/` with `None`. The folder is created and must be
/// writable.
pub async fn set_backup_dir(engine: &Engine, dir: Option<String>) -> ApiResult<String> {
    let dir = dir.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
    if let Some(dir) = &dir {
        let path = std::path::Path::new(dir);
        if !path.is_absolute() {
            return Err(Error::invalid(format!("“{dir}” is not a full path to a folder")).into());
        }
        let probe = path.join(".tuberry-write-test");
        std::fs::create_dir_all(path)
            .and_then(|()| std::fs::write(&probe, b"ok"))
            .and_then(|()| std::fs::remove_file(&probe))
            .map_err(|e| Error::invalid(format!("backups cannot be written to “{dir}”: {e}")))?;
    }
    crate::preferences::set(
        engine.store().pool(),
        crate::backup::DIR_PREFERENCE,
        dir.as_deref().unwrap_or_default(),
        engine.clock().now_ms(),
    )
    .await?;
    tracing::info!(chosen = dir.is_some(), "backup folder set");
    backup_dir(engine).await
}
