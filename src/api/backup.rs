//! Backups of the store: taking one now, listing them, and where they go.

use crate::backup::{Backup, BackupKind};
use crate::engine::Engine;
use crate::error::Error;
use crate::events::EngineEvent;
use crate::restore::{RestoreStage, RestoreStep, Restored};

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

/// An account whose password, token or keys the keyring of this computer
/// does not hold: after restoring on a new computer it must be connected
/// again (a password or token entered, a phone linked, a QR code scanned).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountNeedingSecret {
    pub account_id: i64,
    pub name: String,
    pub kind: crate::model::ChannelKind,
}

/// What the last restore did, for the window to show once.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoreOutcome {
    pub restored: Restored,
    pub needs_secrets: Vec<AccountNeedingSecret>,
}

/// Prepares restoring the backup `path` beside the running engine: the
/// backup is copied next to the database and checked, its attachments
/// brought back, all with [`EngineEvent::RestoreProgress`]; the database is
/// replaced when the app starts again. A damaged or foreign file is refused
/// here and changes nothing.
pub async fn prepare_restore(engine: &Engine, path: String) -> ApiResult<()> {
    let path = path.trim();
    if !std::path::Path::new(path).is_absolute() {
        return Err(Error::invalid(format!("“{path}” is not a full path to a backup file")).into());
    }
    let bus = engine.events().clone();
    let last = std::sync::Mutex::new(None::<(RestoreStage, u64)>);
    let progress = |step: RestoreStep| {
        // A step a percent (or a stage) on from the last one told.
        let percent = (step.done * 100).checked_div(step.total).unwrap_or(0);
        let mut last = last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last != Some((step.stage, percent)) {
            *last = Some((step.stage, percent));
            bus.publish(EngineEvent::RestoreProgress { step });
        }
    };
    crate::restore::prepare(engine.data_dir(), std::path::Path::new(path), &progress).await?;
    Ok(())
}

/// Gives up a restore prepared for the next start.
pub async fn cancel_restore(engine: &Engine) -> ApiResult<()> {
    crate::restore::cancel_pending(engine.data_dir())?;
    tracing::info!("prepared restore given up");
    Ok(())
}

/// What the last restore did and which accounts need their secrets again,
/// until [`dismiss_restore_outcome`].
pub async fn restore_outcome(engine: &Engine) -> ApiResult<Option<RestoreOutcome>> {
    let Some(restored) = crate::restore::outcome(engine.data_dir()) else {
        return Ok(None);
    };
    let needs_secrets = if restored.error.is_none() {
        accounts_needing_secrets(engine).await?
    } else {
        Vec::new()
    };
    Ok(Some(RestoreOutcome {
        restored,
        needs_secrets,
    }))
}

pub async fn dismiss_restore_outcome(engine: &Engine) -> ApiResult<()> {
    Ok(crate::restore::dismiss_outcome(engine.data_dir())?)
}

/// The enabled accounts with a secret (a `…_ref` column of their channel's
/// table, or a `…_ref` key of their settings) that this computer's keyring
/// does not hold.
pub async fn accounts_needing_secrets(engine: &Engine) -> ApiResult<Vec<AccountNeedingSecret>> {
    let pool = engine.store().pool();
    let refs = super::secret_refs::secret_refs(pool).await?;
    let mut missing = std::collections::BTreeSet::new();
    for r in &refs {
        let Some(account) = r.account.filter(|a| !missing.contains(a)) else {
            continue;
        };
        match engine.keyring().get(&r.name).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                missing.insert(account);
            }
            // Unreachable: Health says so; the account cannot work either.
            Err(e) => {
                tracing::debug!(error = %e, "keyring unreachable");
                missing.insert(account);
            }
        }
    }
    let accounts: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, kind FROM channel_accounts WHERE enabled = 1 ORDER BY id")
            .fetch_all(pool)
            .await
            .map_err(Error::from)?;
    Ok(accounts
        .into_iter()
        .filter(|(id, _, _)| missing.contains(id))
        .filter_map(|(account_id, name, kind)| {
            Some(AccountNeedingSecret {
                account_id,
                name,
                kind: kind.parse().ok()?,
            })
        })
        .collect())
}
