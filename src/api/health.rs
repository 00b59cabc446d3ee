//! What is broken and how to fix it: every channel account, the queue, the
//! work groups, the keyring, the model server, the LAN endpoint, the
//! database and the last backup — for the Health screen and `tuberry doctor`.

use serde::{Deserialize, Serialize};
use specta::Type;

use super::guardrails::{Guardrail, guardrails_at};
use crate::backup::Backup;
use crate::channels::AccountState;
use crate::clock::Millis;
use crate::engine::Engine;
use crate::model::{ChannelKind, text_enum};
use crate::operators::model::WorkGroupProblem;
use crate::outbox::SEND_JOB;

use super::ApiResult;

text_enum! {
    /// What a person does about a problem (the window says it in words).
    Fix {
        /// Enter the current password or token again (Accounts).
        Reconnect => "reconnect",
        /// The internet or the provider is down; it retries by itself.
        Wait => "wait",
        /// Read the error; remove and connect the account if it stays.
        ReadError => "read_error",
        /// Give the bot what the work group lacks.
        GroupRights => "group_rights",
        /// Unlock the system's keyring (log in to the desktop session).
        UnlockKeyring => "unlock_keyring",
        /// Start the model server or check its address.
        StartModelServer => "start_model_server",
        /// Free some disk space.
        FreeDisk => "free_disk",
        /// Restore the last backup (the database is damaged).
        Restore => "restore",
        /// Take a backup (none for more than a day).
        BackUp => "back_up",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountHealth {
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    pub state: AccountState,
    pub last_error: Option<String>,
    pub fix: Option<Fix>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct FailedJob {
    pub id: i64,
    pub kind: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub failed_at: Millis,
    /// The reply it was sending, when it is a reply.
    pub message_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueHealth {
    /// Jobs waiting to run, by kind.
    pub waiting: Vec<(String, i64)>,
    pub oldest_waiting_at: Option<Millis>,
    pub failed: Vec<FailedJob>,
    /// Replies the outbox guard holds.
    pub held_replies: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkGroupHealth {
    pub project_id: i64,
    pub project: String,
    pub title: String,
    pub missing: Vec<WorkGroupProblem>,
    pub checked_at: Option<Millis>,
}

/// A service Tuberry needs, reachable or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub ok: bool,
    pub detail: Option<String>,
    pub fix: Option<Fix>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseHealth {
    pub path: String,
    /// SQLite's quick check passed.
    pub intact: bool,
    pub size_bytes: u64,
    pub free_disk_bytes: Option<u64>,
    pub schema_version: i64,
    pub fix: Option<Fix>,
}

/// Everything `tuberry doctor` and the Health screen show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub checked_at: Millis,
    pub accounts: Vec<AccountHealth>,
    pub queue: QueueHealth,
    pub work_groups: Vec<WorkGroupHealth>,
    pub keyring: Check,
    /// Only when the assistant uses a model server.
    pub model_server: Option<Check>,
    pub lan: crate::http::LanStatus,
    pub database: DatabaseHealth,
    pub last_backup: Option<Backup>,
    pub backup_fix: Option<Fix>,
    /// Ratios of the last 24 hours against their thresholds.
    pub guardrails: Vec<Guardrail>,
}

/// Less free disk than this is a problem.
const LOW_DISK: u64 = 500 * 1024 * 1024;
const DAY_MS: Millis = 24 * 3_600_000;

fn account_fix(state: AccountState) -> Option<Fix> {
    match state {
        AccountState::BadCredentials => Some(Fix::Reconnect),
        AccountState::Offline => Some(Fix::Wait),
        AccountState::Error => Some(Fix::ReadError),
        AccountState::Connecting | AccountState::Connected | AccountState::Stopped => None,
    }
}

/// Looks at everything once.
pub async fn health(engine: &Engine) -> ApiResult<Health> {
    let now = engine.clock().now_ms();
    let pool = engine.store().pool();
    let accounts = engine
        .channels()
        .accounts(engine.store())
        .await?
        .into_iter()
        .filter(|a| a.kind != ChannelKind::Simulator)
        .map(|a| AccountHealth {
            fix: account_fix(a.status.state),
            id: a.id,
            kind: a.kind,
            name: a.name,
            state: a.status.state,
            last_error: a.status.last_error,
        })
        .collect();

    let waiting: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, count(*) FROM jobs WHERE status IN ('queued', 'running') GROUP BY kind ORDER BY kind",
    )
    .fetch_all(pool)
    .await
    .map_err(crate::error::Error::from)?;
    let oldest_waiting_at: Option<Millis> = sqlx::query_scalar(
        "SELECT min(created_at) FROM jobs WHERE status IN ('queued', 'running')",
    )
    .fetch_one(pool)
    .await
    .map_err(crate::error::Error::from)?;
    let failed: Vec<FailedJob> = sqlx::query_as(
        "SELECT id, kind, attempts, last_error, updated_at AS failed_at,
                CASE WHEN kind = ?1 THEN json_extract(payload, '$.message_id') END AS message_id
         FROM jobs WHERE status = 'failed' ORDER BY id DESC LIMIT 200",
    )
    .bind(SEND_JOB)
    .fetch_all(pool)
    .await
    .map_err(crate::error::Error::from)?;
    let held_replies: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE held_at IS NOT NULL AND delivery = 'pending'",
    )
    .fetch_one(pool)
    .await
    .map_err(crate::error::Error::from)?;

    let work_groups = engine
        .projects()
        .list_projects()
        .await?
        .into_iter()
        .filter_map(|p| {
            let group = p.work_group?;
            Some(WorkGroupHealth {
                project_id: p.id,
                project: p.name,
                title: group.title,
                missing: group
                    .check
                    .as_ref()
                    .map(|c| c.missing.clone())
                    .unwrap_or_default(),
                checked_at: group.check.map(|c| c.checked_at),
            })
        })
        .collect();

    let keyring = match engine.keyring().get("tuberry-health-probe").await {
        Ok(_) => Check {
            ok: true,
            detail: None,
            fix: None,
        },
        Err(e) => Check {
            ok: false,
            detail: Some(e.to_string()),
            fix: Some(Fix::UnlockKeyring),
        },
    };

    let model_server = match engine.assistant().any_project_uses_the_model().await? {
        false => None,
        true => {
            let models = engine.assistant().llm_models(None).await?;
            Some(match models.problem {
                None => Check {
                    ok: true,
                    detail: None,
                    fix: None,
                },
                Some(problem) => Check {
                    ok: false,
                    detail: Some(models.detail.unwrap_or_else(|| problem.to_string())),
                    fix: Some(Fix::StartModelServer),
                },
            })
        }
    };

    let path = engine.data_dir().join(crate::engine::DATABASE_FILE);
    let intact = sqlx::query_scalar::<_, String>("PRAGMA quick_check")
        .fetch_all(pool)
        .await
        .is_ok_and(|rows| rows == ["ok"]);
    let size_bytes = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    let free_disk_bytes = fs4::available_space(engine.data_dir()).ok();
    let database = DatabaseHealth {
        path: path.display().to_string(),
        intact,
        size_bytes,
        free_disk_bytes,
        schema_version: crate::store::known_schema_version(),
        fix: if !intact {
            Some(Fix::Restore)
        } else if free_disk_bytes.is_some_and(|f| f < LOW_DISK) {
            Some(Fix::FreeDisk)
        } else {
            None
        },
    };
    let last_backup = engine.backups().list().await?.into_iter().next();
    let backup_fix = last_backup
        .as_ref()
        .is_none_or(|b| now - b.created_at > DAY_MS + 3_600_000)
        .then_some(Fix::BackUp);

    let guardrails = guardrails_at(&mut *engine.store().conn().await?, now).await?;

    Ok(Health {
        checked_at: now,
        accounts,
        queue: QueueHealth {
            waiting,
            oldest_waiting_at,
            failed,
            held_replies,
        },
        work_groups,
        keyring,
        model_server,
        lan: engine.lan().status().await,
        database,
        last_backup,
        backup_fix,
        guardrails,
    })
}

/// Runs a failed job again: a reply is pending again and sent once.
pub async fn retry_job(engine: &Engine, job_id: i64) -> ApiResult<()> {
    let job = engine.queue().job(job_id).await?;
    if job.kind == SEND_JOB {
        engine.outbox().retry_send(job_id).await?;
    } else {
        engine.queue().retry(job_id).await?;
    }
    Ok(())
}

/// Gives up a failed job for good.
pub async fn discard_job(engine: &Engine, job_id: i64) -> ApiResult<()> {
    engine.queue().discard(job_id).await?;
    Ok(())
}
