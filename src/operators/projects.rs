//! Projects: creating, editing and deleting them, binding and checking the
//! work group, choosing the sources. The project's bot (connecting it,
//! webhooks) is in [`super::bots`].

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::{FromRow, SqliteConnection};
use teloxide_core::requests::Requester;
use teloxide_core::types::{ChatId, ChatMemberKind, Update, UserId};

use super::model::{
    Project, ProjectBot, ProjectInput, WorkGroup, WorkGroupCheck, WorkGroupProblem,
};
use crate::channels::telegram_bot::{BotHandle, BotState, TelegramBots, UpdateSink};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventBus};
use crate::model::ChannelAccount;
use crate::outbox::Outbox;
use crate::queue::Queue;
use crate::relay::Relay;
use crate::store::{Store, parse_column};

const MAX_PROJECT_NAME: usize = 80;

/// What the update handler and the project functions share.
pub(super) struct Shared {
    pub store: Store,
    pub clock: SharedClock,
    pub bus: EventBus,
    pub relay: Relay,
    pub outbox: Outbox,
    pub queue: Arc<Queue>,
    /// The bots' connections (the Telegram bot channel).
    pub tg: Arc<TelegramBots>,
}

/// The projects, and what their bots' updates mean.
pub struct Projects {
    pub(super) shared: Arc<Shared>,
}

/// The bots' updates go to the project they belong to.
struct Updates(Arc<Shared>);

#[async_trait]
impl UpdateSink for Updates {
    async fn handle(&self, account_id: i64, bot: &BotHandle, update: &Update) -> Result<()> {
        super::updates::handle(&self.0, account_id, bot, update).await
    }
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
    proxied: Option<bool>,
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
                    p.bot_account_id, b.username, b.api_url, b.state, b.last_error, b.webhook_url,
                    b.proxy_ref IS NOT NULL AS proxied
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
            proxied: row.proxied.unwrap_or(false),
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
pub(super) async fn move_account(
    db: &mut SqliteConnection,
    account: i64,
    project: Option<i64>,
) -> Result<()> {
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
pub(super) async fn forget_work_group(
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

impl Projects {
    /// The projects over the bots' connections; takes over the bots' updates.
    pub fn new(
        store: Store,
        clock: SharedClock,
        bus: EventBus,
        relay: Relay,
        outbox: Outbox,
        queue: Arc<Queue>,
        tg: Arc<TelegramBots>,
    ) -> Self {
        let shared = Arc::new(Shared {
            store,
            clock,
            bus,
            relay,
            outbox,
            queue,
            tg,
        });
        shared.tg.set_sink(Arc::new(Updates(shared.clone())));
        Self { shared }
    }

    pub(super) fn publish(&self, project_id: i64) {
        self.shared
            .bus
            .publish(EngineEvent::ProjectChanged { project_id });
    }

    pub async fn list_projects(&self) -> Result<Vec<Project>> {
        let mut conn = self.shared.store.conn().await?;
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
        let mut conn = self.shared.store.conn().await?;
        load_project(&mut conn, id).await
    }

    pub async fn channel_accounts(&self) -> Result<Vec<ChannelAccount>> {
        let mut conn = self.shared.store.conn().await?;
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

    /// Checks the bot's rights in the work group again, now.
    pub async fn check_work_group(&self, project_id: i64) -> Result<Project> {
        let project = self.project(project_id).await?;
        let (Some(bot), Some(group)) = (&project.bot, &project.work_group) else {
            return Err(Error::invalid("bind a work group to the project first"));
        };
        let handle = self
            .shared
            .tg
            .bots()
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

    /// Gives a conversation to a person of the team (or to nobody), from the
    /// window or the command line; its topic's title says who has it.
    pub async fn assign(&self, conversation_id: i64, person_id: Option<i64>) -> Result<()> {
        let now = self.shared.clock.now_ms();
        let mut tx = self.shared.store.write().await?;
        let person = match person_id {
            Some(id) => Some(
                crate::team::person_by_id(&mut tx, id)
                    .await?
                    .ok_or_else(|| Error::not_found("person", id))?,
            ),
            None => None,
        };
        crate::team::assign(&mut tx, conversation_id, person.as_ref(), now).await?;
        super::mirror::enqueue_topic(
            &mut tx,
            now,
            conversation_id,
            super::mirror::TopicAction::Sync,
            &format!("assign:{now}"),
        )
        .await?;
        tx.commit().await?;
        self.shared.queue.wake();
        self.shared
            .relay
            .publish_conversation(conversation_id)
            .await;
        Ok(())
    }
}
