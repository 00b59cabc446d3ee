//! Projects and their Telegram side: creating and editing projects, connecting
//! the operator bot (its token goes to the OS keyring), binding and checking
//! the work group, choosing the sources, and running each bot's poller.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::{FromRow, SqliteConnection};
use teloxide_core::payloads::SetWebhookSetters;
use teloxide_core::requests::Requester;
use teloxide_core::types::{AllowedUpdate, ChatId, ChatMemberKind, UserId};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::channel::BotChannel;
use super::{BotHandle, Bots, DEFAULT_API_URL, check_token, client, remote};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventBus};
use crate::keyring::Keyring;
use crate::model::{
    BotInput, BotState, ChannelAccount, Project, ProjectBot, ProjectInput, WorkGroup,
    WorkGroupCheck, WorkGroupProblem,
};
use crate::outbox::{Channels, Outbox};
use crate::queue::Queue;
use crate::relay::Relay;
use crate::secret::Secret;
use crate::settings::TelegramSettings;
use crate::store::{Store, parse_column};

const MAX_PROJECT_NAME: usize = 80;

/// What the poller and the project functions share.
pub(super) struct Shared {
    pub store: Store,
    pub clock: SharedClock,
    pub bus: EventBus,
    pub relay: Relay,
    pub outbox: Outbox,
    pub queue: Arc<Queue>,
    pub keyring: Keyring,
    pub settings: TelegramSettings,
    pub http: reqwest::Client,
    pub bots: Bots,
    pub channels: Arc<Channels>,
    /// Webhook secret tokens of the bots in webhook mode.
    pub webhook_secrets: std::sync::RwLock<HashMap<i64, Secret<String>>>,
    /// Whether the LAN endpoint is listening (webhook mode needs it).
    pub lan_endpoint: std::sync::atomic::AtomicBool,
}

impl Shared {
    pub fn webhook_secret(&self, account_id: i64) -> Option<Secret<String>> {
        self.webhook_secrets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&account_id)
            .cloned()
    }

    fn set_webhook_secret(&self, account_id: i64, secret: Option<Secret<String>>) {
        let mut secrets = self
            .webhook_secrets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match secret {
            Some(secret) => secrets.insert(account_id, secret),
            None => secrets.remove(&account_id),
        };
    }
}

fn webhook_ref(secret_ref: &str) -> String {
    format!("{secret_ref}-webhook")
}

pub struct Telegram {
    shared: Arc<Shared>,
    pollers: tokio::sync::Mutex<HashMap<i64, (CancellationToken, JoinHandle<()>)>>,
    cancel: CancellationToken,
}

#[derive(FromRow)]
struct ProjectRow {
    id: i64,
    name: String,
    language: String,
    created_at: i64,
    work_group_id: Option<i64>,
    work_group_title: Option<String>,
    work_group_check: Option<String>,
    bot_account_id: Option<i64>,
    username: Option<String>,
    api_url: Option<String>,
    state: Option<String>,
    last_error: Option<String>,
    webhook_url: Option<String>,
}

#[derive(FromRow)]
struct AccountRow {
    id: i64,
    kind: String,
    name: String,
    project_id: Option<i64>,
    enabled: bool,
}

impl AccountRow {
    fn into_model(self) -> Result<ChannelAccount> {
        Ok(ChannelAccount {
            id: self.id,
            kind: parse_column("channel_accounts.kind", &self.kind)?,
            name: self.name,
            project_id: self.project_id,
            enabled: self.enabled,
        })
    }
}

macro_rules! project_select {
    ($where:literal) => {
        concat!(
            "SELECT p.id, p.name, p.language, p.created_at, p.work_group_id, p.work_group_title, p.work_group_check,
                    p.bot_account_id, b.username, b.api_url, b.state, b.last_error, b.webhook_url
             FROM projects p LEFT JOIN telegram_bots b ON b.channel_account_id = p.bot_account_id ",
            $where
        )
    };
}

pub(super) async fn accounts_of(
    db: &mut SqliteConnection,
    project_id: Option<i64>,
) -> Result<Vec<ChannelAccount>> {
    let rows: Vec<AccountRow> = match project_id {
        Some(id) => sqlx::query_as(
            "SELECT id, kind, name, project_id, enabled FROM channel_accounts WHERE project_id = ?1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *db)
        .await?,
        None => sqlx::query_as("SELECT id, kind, name, project_id, enabled FROM channel_accounts ORDER BY id")
            .fetch_all(&mut *db)
            .await?,
    };
    rows.into_iter().map(AccountRow::into_model).collect()
}

async fn project_from(db: &mut SqliteConnection, row: ProjectRow) -> Result<Project> {
    let bot = match (row.bot_account_id, row.username, row.api_url, row.state) {
        (Some(account_id), Some(username), Some(api_url), Some(state)) => Some(ProjectBot {
            account_id,
            username,
            api_url,
            state: parse_column::<BotState>("telegram_bots.state", &state)?,
            last_error: row.last_error,
            webhook_url: row.webhook_url,
        }),
        _ => None,
    };
    let work_group = match row.work_group_id {
        Some(chat_id) => Some(WorkGroup {
            chat_id,
            title: row.work_group_title.unwrap_or_default(),
            check: row
                .work_group_check
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| {
                    Error::Corrupt(format!("work group check of project {}: {e}", row.id))
                })?,
        }),
        None => None,
    };
    Ok(Project {
        id: row.id,
        name: row.name,
        language: parse_column("projects.language", &row.language)?,
        bot,
        work_group,
        sources: accounts_of(db, Some(row.id)).await?,
        created_at: row.created_at,
    })
}

pub(super) async fn load_project(db: &mut SqliteConnection, id: i64) -> Result<Project> {
    let row: ProjectRow = sqlx::query_as(project_select!("WHERE p.id = ?1"))
        .bind(id)
        .fetch_optional(&mut *db)
        .await?
        .ok_or_else(|| Error::not_found("project", id))?;
    project_from(db, row).await
}

fn check_input(input: &ProjectInput) -> Result<String> {
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        return Err(Error::invalid("a project needs a name"));
    }
    if name.chars().count() > MAX_PROJECT_NAME {
        return Err(Error::invalid(format!(
            "a project's name is at most {MAX_PROJECT_NAME} characters"
        )));
    }
    Ok(name)
}

/// Checks what the bot can do in a group: member, admin, allowed to manage
/// topics, topics turned on.
pub(super) async fn check_group(bot: &BotHandle, chat_id: i64, now: i64) -> WorkGroupCheck {
    let mut missing = Vec::new();
    let chat = match bot.bot.get_chat(ChatId(chat_id)).await {
        Ok(chat) => chat,
        Err(e) => {
            return WorkGroupCheck {
                checked_at: now,
                missing: vec![WorkGroupProblem::Unreachable],
                error: Some(e.to_string()),
            };
        }
    };
    let is_forum = serde_json::to_value(&chat)
        .ok()
        .and_then(|v| v.get("is_forum").and_then(serde_json::Value::as_bool))
        .unwrap_or(false);
    let user = UserId(u64::try_from(bot.user_id).unwrap_or_default());
    match bot.bot.get_chat_member(ChatId(chat_id), user).await {
        Ok(member) => match member.kind {
            ChatMemberKind::Owner(_) => {}
            ChatMemberKind::Administrator(admin) => {
                if !admin.can_manage_topics {
                    missing.push(WorkGroupProblem::CannotManageTopics);
                }
            }
            ChatMemberKind::Member(_) | ChatMemberKind::Restricted(_) => {
                missing.push(WorkGroupProblem::NotAdmin)
            }
            ChatMemberKind::Left | ChatMemberKind::Banned(_) => {
                missing.push(WorkGroupProblem::BotNotMember)
            }
        },
        Err(e) => {
            return WorkGroupCheck {
                checked_at: now,
                missing: vec![WorkGroupProblem::Unreachable],
                error: Some(e.to_string()),
            };
        }
    }
    if !is_forum {
        missing.insert(0, WorkGroupProblem::TopicsDisabled);
    }
    WorkGroupCheck {
        checked_at: now,
        missing,
        error: None,
    }
}

/// Moves a channel account (and its conversations) to a project, or out of any.
async fn move_account(db: &mut SqliteConnection, account: i64, project: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE channel_accounts SET project_id = ?2 WHERE id = ?1")
        .bind(account)
        .bind(project)
        .execute(&mut *db)
        .await?;
    sqlx::query("UPDATE conversations SET project_id = ?2 WHERE channel_account_id = ?1")
        .bind(account)
        .bind(project)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Forgets a project's work group and its topics (the bot waits for another group).
async fn forget_work_group(
    db: &mut SqliteConnection,
    project_id: i64,
    group: Option<&WorkGroup>,
    now: i64,
) -> Result<()> {
    if let Some(group) = group {
        sqlx::query("DELETE FROM topics WHERE chat_id = ?1")
            .bind(group.chat_id)
            .execute(&mut *db)
            .await?;
    }
    sqlx::query(
        "UPDATE projects SET work_group_id = NULL, work_group_title = NULL, work_group_check = NULL,
             updated_at = ?2 WHERE id = ?1",
    )
    .bind(project_id)
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(())
}

pub(super) async fn store_check(
    db: &mut SqliteConnection,
    project_id: i64,
    check: &WorkGroupCheck,
    now: i64,
) -> Result<()> {
    let json = serde_json::to_string(check).map_err(|e| Error::Corrupt(e.to_string()))?;
    sqlx::query("UPDATE projects SET work_group_check = ?2, updated_at = ?3 WHERE id = ?1")
        .bind(project_id)
        .bind(json)
        .bind(now)
        .execute(&mut *db)
        .await?;
    Ok(())
}

impl Telegram {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        clock: SharedClock,
        bus: EventBus,
        relay: Relay,
        queue: Arc<Queue>,
        keyring: Keyring,
        settings: TelegramSettings,
        bots: Bots,
        channels: Arc<Channels>,
    ) -> Result<Self> {
        let http = teloxide_core::net::default_reqwest_settings()
            .build()
            .map_err(|e| Error::Remote {
                service: "Telegram",
                message: format!("cannot set up the HTTP client: {e}"),
            })?;
        let outbox = Outbox::new(store.clone(), clock.clone(), relay.clone(), queue.clone());
        Ok(Self {
            shared: Arc::new(Shared {
                store,
                clock,
                bus,
                relay,
                outbox,
                queue,
                keyring,
                settings,
                http,
                bots,
                channels,
                webhook_secrets: std::sync::RwLock::new(HashMap::new()),
                lan_endpoint: std::sync::atomic::AtomicBool::new(false),
            }),
            pollers: tokio::sync::Mutex::new(HashMap::new()),
            cancel: CancellationToken::new(),
        })
    }

    fn publish(&self, project_id: i64) {
        self.shared
            .bus
            .publish(EngineEvent::ProjectChanged { project_id });
    }

    pub async fn list_projects(&self) -> Result<Vec<Project>> {
        let mut conn = self.shared.store.pool().acquire().await?;
        let rows: Vec<ProjectRow> =
            sqlx::query_as(project_select!("ORDER BY p.name COLLATE NOCASE, p.id"))
                .fetch_all(&mut *conn)
                .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(project_from(&mut conn, row).await?);
        }
        Ok(out)
    }

    pub async fn project(&self, id: i64) -> Result<Project> {
        let mut conn = self.shared.store.pool().acquire().await?;
        load_project(&mut conn, id).await
    }

    pub async fn channel_accounts(&self) -> Result<Vec<ChannelAccount>> {
        let mut conn = self.shared.store.pool().acquire().await?;
        accounts_of(&mut conn, None).await
    }

    pub async fn create_project(&self, input: ProjectInput) -> Result<Project> {
        let name = check_input(&input)?;
        let now = self.shared.clock.now_ms();
        let mut tx = self.shared.store.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO projects (name, language, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) RETURNING id",
        )
        .bind(&name)
        .bind(input.language.as_str())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let project = load_project(&mut tx, id).await?;
        tx.commit().await?;
        tracing::info!(project_id = id, "project created");
        self.publish(id);
        Ok(project)
    }

    pub async fn update_project(&self, id: i64, input: ProjectInput) -> Result<Project> {
        let name = check_input(&input)?;
        let mut tx = self.shared.store.write().await?;
        let changed = sqlx::query(
            "UPDATE projects SET name = ?2, language = ?3, updated_at = ?4 WHERE id = ?1",
        )
        .bind(id)
        .bind(&name)
        .bind(input.language.as_str())
        .bind(self.shared.clock.now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(Error::not_found("project", id));
        }
        let project = load_project(&mut tx, id).await?;
        tx.commit().await?;
        self.publish(id);
        Ok(project)
    }

    /// Deletes a project: its bot is disconnected (its token leaves the
    /// keyring); its conversations and their history stay in the inbox.
    pub async fn delete_project(&self, id: i64) -> Result<()> {
        let project = self.project(id).await?;
        if project.bot.is_some() {
            self.disconnect_bot(id).await?;
        }
        let mut tx = self.shared.store.write().await?;
        let now = self.shared.clock.now_ms();
        forget_work_group(&mut tx, id, project.work_group.as_ref(), now).await?;
        sqlx::query("UPDATE conversations SET project_id = NULL WHERE project_id = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM projects WHERE id = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(project_id = id, "project deleted");
        self.publish(id);
        Ok(())
    }

    /// Which channel accounts' conversations belong to the project. The
    /// project's own bot always does.
    pub async fn set_sources(&self, id: i64, account_ids: Vec<i64>) -> Result<Project> {
        let mut tx = self.shared.store.write().await?;
        let bot_account: Option<i64> =
            sqlx::query_scalar("SELECT bot_account_id FROM projects WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| Error::not_found("project", id))?;
        for account in &account_ids {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM channel_accounts WHERE id = ?1)")
                    .bind(account)
                    .fetch_one(&mut *tx)
                    .await?;
            if !exists {
                return Err(Error::not_found("channel account", account));
            }
        }
        let previous: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM channel_accounts WHERE project_id = ?1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        for account in previous {
            if !account_ids.contains(&account) && Some(account) != bot_account {
                move_account(&mut tx, account, None).await?;
            }
        }
        for account in account_ids {
            move_account(&mut tx, account, Some(id)).await?;
        }
        let project = load_project(&mut tx, id).await?;
        tx.commit().await?;
        self.publish(id);
        Ok(project)
    }

    /// Checks the token with Telegram, keeps it in the keyring and starts the bot.
    pub async fn connect_bot(&self, project_id: i64, input: BotInput) -> Result<Project> {
        let token = Secret::new(input.token.trim().to_owned());
        check_token(token.expose())?;
        let api_url = input
            .api_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(DEFAULT_API_URL)
            .trim_end_matches('/')
            .to_owned();
        let bot = client(&self.shared.http, &token, &api_url)?;
        let previous = self.project(project_id).await?;
        let me = bot.get_me().await.map_err(|e| remote(&e))?;
        let username = me.username.clone().unwrap_or_else(|| me.first_name.clone());
        let bot_user_id = i64::try_from(me.id.0).unwrap_or_default();
        let now = self.shared.clock.now_ms();

        {
            let mut conn = self.shared.store.pool().acquire().await?;
            let elsewhere: Option<String> = sqlx::query_scalar(
                "SELECT p.name FROM channel_accounts a JOIN projects p ON p.bot_account_id = a.id
                 WHERE a.kind = 'telegram_bot' AND a.external_id = ?1 AND p.id != ?2",
            )
            .bind(bot_user_id.to_string())
            .bind(project_id)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(other) = elsewhere {
                return Err(Error::invalid(format!(
                    "@{username} is already the bot of project “{other}”"
                )));
            }
        }
        if let Some(old) = &previous.bot {
            self.stop_bot(old.account_id).await;
        }
        // Webhooks set by another tool would make getUpdates fail.
        if let Err(e) = bot.delete_webhook().await {
            tracing::warn!(error = %e, "could not remove the bot's webhook");
        }

        let secret_ref = Keyring::new_entry_name("telegram-bot");
        self.shared.keyring.set(&secret_ref, &token).await?;
        let stored: Result<(i64, Option<String>)> = async {
            let mut tx = self.shared.store.write().await?;
            let account_id: i64 = sqlx::query_scalar(
                "INSERT INTO channel_accounts (project_id, kind, name, external_id, created_at, enabled)
                 VALUES (?1, 'telegram_bot', ?2, ?3, ?4, 1)
                 ON CONFLICT (kind, external_id) DO UPDATE SET project_id = excluded.project_id,
                     name = excluded.name, enabled = 1
                 RETURNING id",
            )
            .bind(project_id)
            .bind(format!("@{username}"))
            .bind(bot_user_id.to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let old_ref: Option<String> =
                sqlx::query_scalar("SELECT secret_ref FROM telegram_bots WHERE channel_account_id = ?1")
                    .bind(account_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO telegram_bots (channel_account_id, username, api_url, secret_ref, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'connecting', ?5)
                 ON CONFLICT (channel_account_id) DO UPDATE SET username = excluded.username,
                     api_url = excluded.api_url, secret_ref = excluded.secret_ref, state = 'connecting',
                     last_error = NULL, webhook_url = NULL, updated_at = excluded.updated_at",
            )
            .bind(account_id)
            .bind(&username)
            .bind(&api_url)
            .bind(&secret_ref)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if previous.bot.as_ref().is_some_and(|b| b.account_id != account_id) {
                // Another bot cannot post into the old bot's topics.
                forget_work_group(&mut tx, project_id, previous.work_group.as_ref(), now).await?;
            }
            sqlx::query("UPDATE projects SET bot_account_id = ?2, updated_at = ?3 WHERE id = ?1")
                .bind(project_id)
                .bind(account_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            move_account(&mut tx, account_id, Some(project_id)).await?;
            tx.commit().await?;
            Ok((account_id, old_ref))
        }
        .await;
        let (account_id, old_ref) = match stored {
            Ok(done) => done,
            Err(e) => {
                // Leave nothing behind in the keyring for a bot that is not stored.
                if let Err(cleanup) = self.shared.keyring.delete(&secret_ref).await {
                    tracing::warn!(error = %cleanup, "could not remove an unused keyring entry");
                }
                return Err(e);
            }
        };
        if let Some(old_ref) = old_ref.filter(|r| *r != secret_ref)
            && let Err(e) = self.shared.keyring.delete(&old_ref).await
        {
            tracing::warn!(error = %e, "could not remove the replaced token from the keyring");
        }
        tracing::info!(project_id, account_id, bot = %username, "bot connected");
        self.run_bot(
            account_id,
            BotHandle {
                bot,
                user_id: bot_user_id,
                username,
            },
            true,
        )
        .await;
        self.publish(project_id);
        self.project(project_id).await
    }

    /// Stops the project's bot and removes its token from the keyring. Its
    /// conversations stay in the inbox.
    pub async fn disconnect_bot(&self, project_id: i64) -> Result<Project> {
        let project = self.project(project_id).await?;
        let Some(bot) = project.bot else {
            return Ok(project);
        };
        self.stop_bot(bot.account_id).await;
        let mut tx = self.shared.store.write().await?;
        let secret_ref: Option<String> = sqlx::query_scalar(
            "DELETE FROM telegram_bots WHERE channel_account_id = ?1 RETURNING secret_ref",
        )
        .bind(bot.account_id)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("UPDATE channel_accounts SET enabled = 0 WHERE id = ?1")
            .bind(bot.account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE projects SET bot_account_id = NULL, updated_at = ?2 WHERE id = ?1")
            .bind(project_id)
            .bind(self.shared.clock.now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if let Some(secret_ref) = secret_ref {
            self.shared.keyring.delete(&secret_ref).await?;
            self.shared
                .keyring
                .delete(&webhook_ref(&secret_ref))
                .await?;
        }
        self.shared.set_webhook_secret(bot.account_id, None);
        tracing::info!(project_id, "bot disconnected");
        self.publish(project_id);
        self.project(project_id).await
    }

    /// Checks the bot's rights in the work group again, now.
    pub async fn check_work_group(&self, project_id: i64) -> Result<Project> {
        let project = self.project(project_id).await?;
        let (Some(bot), Some(group)) = (&project.bot, &project.work_group) else {
            return Err(Error::invalid("bind a work group to the project first"));
        };
        let handle = self
            .shared
            .bots
            .get(bot.account_id)
            .ok_or_else(|| Error::invalid("the project's bot is not running"))?;
        let now = self.shared.clock.now_ms();
        let check = check_group(&handle, group.chat_id, now).await;
        let mut tx = self.shared.store.write().await?;
        store_check(&mut tx, project_id, &check, now).await?;
        tx.commit().await?;
        self.publish(project_id);
        self.project(project_id).await
    }

    /// Forgets the work group; the bot waits to be added to another one.
    pub async fn unbind_work_group(&self, project_id: i64) -> Result<Project> {
        let project = self.project(project_id).await?;
        let mut tx = self.shared.store.write().await?;
        forget_work_group(
            &mut tx,
            project_id,
            project.work_group.as_ref(),
            self.shared.clock.now_ms(),
        )
        .await?;
        tx.commit().await?;
        self.publish(project_id);
        self.project(project_id).await
    }

    /// Starts every connected bot (tokens from the keyring).
    pub async fn start(&self) {
        #[allow(clippy::type_complexity)]
        let bots: Vec<(i64, String, String, String, String, Option<String>)> = match sqlx::query_as(
            "SELECT b.channel_account_id, a.external_id, b.username, b.api_url, b.secret_ref, b.webhook_url
             FROM telegram_bots b JOIN channel_accounts a ON a.id = b.channel_account_id",
        )
        .fetch_all(self.shared.store.pool())
        .await
        {
            Ok(bots) => bots,
            Err(e) => {
                tracing::error!(error = %e, "could not read the connected bots");
                return;
            }
        };
        for (account_id, external_id, username, api_url, secret_ref, webhook_url) in bots {
            let webhook = webhook_url.is_some();
            if webhook {
                match self.shared.keyring.get(&webhook_ref(&secret_ref)).await {
                    Ok(Some(secret)) => self.shared.set_webhook_secret(account_id, Some(secret)),
                    Ok(None) => {
                        self.set_state(account_id, BotState::Stopped, Some("the webhook's secret is missing from the system keyring; turn webhook mode off and on again".into()))
                            .await;
                        continue;
                    }
                    Err(e) => {
                        self.set_state(account_id, BotState::Stopped, Some(e.to_string()))
                            .await;
                        continue;
                    }
                }
            }
            let token = match self.shared.keyring.get(&secret_ref).await {
                Ok(Some(token)) => token,
                Ok(None) => {
                    self.set_state(account_id, BotState::Stopped, Some("the bot's token is missing from the system keyring; connect the bot again".into()))
                        .await;
                    continue;
                }
                Err(e) => {
                    self.set_state(account_id, BotState::Stopped, Some(e.to_string()))
                        .await;
                    continue;
                }
            };
            match client(&self.shared.http, &token, &api_url) {
                Ok(bot) => {
                    let handle = BotHandle {
                        bot,
                        user_id: external_id.parse().unwrap_or_default(),
                        username,
                    };
                    self.run_bot(account_id, handle, !webhook).await;
                }
                Err(e) => {
                    self.set_state(account_id, BotState::Stopped, Some(e.to_string()))
                        .await
                }
            }
        }
    }

    async fn set_state(&self, account_id: i64, state: BotState, error: Option<String>) {
        super::poller::set_state(&self.shared, account_id, state, error).await;
    }

    /// Makes the bot available to the jobs and the outbox, and polls for its
    /// updates unless they come by webhook.
    async fn run_bot(&self, account_id: i64, handle: BotHandle, poll: bool) {
        self.shared.bots.insert(account_id, handle.clone());
        self.shared.channels.connect(
            account_id,
            Arc::new(BotChannel::new(self.shared.bots.clone(), account_id)),
        );
        if !poll {
            if let Some((cancel, task)) = self.pollers.lock().await.remove(&account_id) {
                cancel.cancel();
                let _stopped = task.await;
            }
            return;
        }
        let cancel = self.cancel.child_token();
        let task = tokio::spawn(super::poller::run(
            self.shared.clone(),
            account_id,
            handle,
            cancel.clone(),
        ));
        if let Some((old_cancel, old_task)) =
            self.pollers.lock().await.insert(account_id, (cancel, task))
        {
            old_cancel.cancel();
            let _stopped = old_task.await;
        }
    }

    async fn stop_bot(&self, account_id: i64) {
        if let Some((cancel, task)) = self.pollers.lock().await.remove(&account_id) {
            cancel.cancel();
            let _stopped = task.await;
        }
        self.shared.bots.remove(account_id);
        self.shared.channels.disconnect(account_id);
    }

    /// The LAN endpoint's routes for Telegram's webhooks.
    pub fn http_router(&self) -> axum::Router {
        super::webhook::router(self.shared.clone())
    }

    /// Told by the engine once the LAN endpoint listens.
    pub fn set_lan_endpoint(&self, listening: bool) {
        self.shared
            .lan_endpoint
            .store(listening, std::sync::atomic::Ordering::SeqCst);
    }

    /// Switches the project's bot to webhook mode (Telegram posts updates to
    /// `public_url` + `/telegram/<bot>`, which must lead to the LAN endpoint)
    /// or, with `None`, back to long polling.
    pub async fn set_bot_webhook(
        &self,
        project_id: i64,
        public_url: Option<String>,
    ) -> Result<Project> {
        let project = self.project(project_id).await?;
        let bot = project
            .bot
            .ok_or_else(|| Error::invalid("connect the project's bot first"))?;
        let handle = self
            .shared
            .bots
            .get(bot.account_id)
            .ok_or_else(|| Error::invalid("the project's bot is not running"))?;
        let secret_ref: String = sqlx::query_scalar(
            "SELECT secret_ref FROM telegram_bots WHERE channel_account_id = ?1",
        )
        .bind(bot.account_id)
        .fetch_one(self.shared.store.pool())
        .await?;
        let public_url = public_url
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty());
        let now = self.shared.clock.now_ms();
        match &public_url {
            Some(base) => {
                if !self
                    .shared
                    .lan_endpoint
                    .load(std::sync::atomic::Ordering::SeqCst)
                {
                    return Err(Error::invalid(
                        "webhook mode needs the LAN endpoint: set [http] listen in settings.toml and restart",
                    ));
                }
                let url = super::check_api_url(&format!(
                    "{base}{}",
                    super::webhook::path(bot.account_id)
                ))?;
                let secret = Secret::new(
                    (0..48)
                        .map(|_| fastrand::alphanumeric())
                        .collect::<String>(),
                );
                self.shared
                    .keyring
                    .set(&webhook_ref(&secret_ref), &secret)
                    .await?;
                // Accept the bot's updates before Telegram starts sending them.
                self.shared
                    .set_webhook_secret(bot.account_id, Some(secret.clone()));
                let set = handle
                    .bot
                    .set_webhook(url)
                    .secret_token(secret.expose().clone())
                    .max_connections(1)
                    .allowed_updates([AllowedUpdate::Message, AllowedUpdate::MyChatMember])
                    .await;
                if let Err(e) = set {
                    self.shared.set_webhook_secret(bot.account_id, None);
                    if let Err(cleanup) =
                        self.shared.keyring.delete(&webhook_ref(&secret_ref)).await
                    {
                        tracing::warn!(error = %cleanup, "could not remove an unused webhook secret");
                    }
                    return Err(remote(&e));
                }
                self.run_bot(bot.account_id, handle, false).await;
            }
            None => {
                handle.bot.delete_webhook().await.map_err(|e| remote(&e))?;
                self.shared.set_webhook_secret(bot.account_id, None);
                self.shared
                    .keyring
                    .delete(&webhook_ref(&secret_ref))
                    .await?;
                self.run_bot(bot.account_id, handle, true).await;
            }
        }
        sqlx::query(
            "UPDATE telegram_bots SET webhook_url = ?2, state = 'online', last_error = NULL, updated_at = ?3
             WHERE channel_account_id = ?1",
        )
        .bind(bot.account_id)
        .bind(&public_url)
        .bind(now)
        .execute(self.shared.store.pool())
        .await?;
        tracing::info!(
            project_id,
            webhook = public_url.is_some(),
            "bot connection mode set"
        );
        self.publish(project_id);
        self.project(project_id).await
    }

    /// Stops all pollers (their last batch of updates is stored first).
    pub async fn shutdown(&self) {
        self.cancel.cancel();
        let pollers: Vec<_> = self.pollers.lock().await.drain().map(|(_, p)| p).collect();
        for (_, task) in pollers {
            let _stopped = task.await;
        }
    }
}
