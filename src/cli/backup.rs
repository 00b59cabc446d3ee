//! `tuberry backup …` and `tuberry restore FILE`.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::Output;
use crate::backup::Backup;
use crate::{ApiError, Engine, api};

#[derive(Subcommand)]
pub enum BackupCommand {
    /// Take a backup now.
    Now,
    /// List the backups, the newest first.
    List,
    /// Send backups to FOLDER (e.g. a synced drive); `--default` for the data directory's.
    Dir {
        folder: Option<PathBuf>,
        #[arg(long, conflicts_with = "folder")]
        default: bool,
    },
}

fn line(b: &Backup) -> String {
    format!(
        "{}  {:<16}  {:>8} KiB  {}\n",
        super::time(b.created_at),
        b.kind,
        b.size / 1024,
        b.path
    )
}

pub async fn backup(engine: &Engine, command: BackupCommand, out: &Output) -> Result<(), ApiError> {
    match command {
        BackupCommand::Now => {
            let backup = api::back_up_now(engine).await?;
            out.print(&backup, || {
                format!("Backed up and checked: {}", line(&backup))
            });
        }
        BackupCommand::List => {
            let all = api::list_backups(engine).await?;
            out.print(&all, || {
                if all.is_empty() {
                    "No backups yet\n".to_owned()
                } else {
                    all.iter().map(line).collect()
                }
            });
        }
        BackupCommand::Dir { folder, default } => {
            let dir = match (folder, default) {
                (Some(folder), _) => {
                    api::set_backup_dir(engine, Some(folder.display().to_string())).await?
                }
                (None, true) => api::set_backup_dir(engine, None).await?,
                (None, false) => api::backup_dir(engine).await?,
            };
            out.print(&dir, || format!("Backups go to {dir}\n"));
        }
    }
    Ok(())
}

/// Restores before any engine opens the data directory.
pub async fn restore(data_dir: &Path, file: &Path, out: &Output) -> Result<(), ApiError> {
    let restored = crate::restore::restore(data_dir, file).await?;
    out.print(&restored, || {
        let mut text = format!("Restored from {}\n", file.display());
        if let Some(aside) = &restored.kept_aside {
            text.push_str(&format!("The database it replaced is kept as {aside}\n"));
        }
        if !restored.accounts.is_empty() {
            text.push_str(
                "Passwords and tokens are not in backups: on another computer, enter them again for\n",
            );
            for account in &restored.accounts {
                text.push_str(&format!("  {account}\n"));
            }
        }
        text
    });
    Ok(())
}
