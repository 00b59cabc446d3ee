//! The team in the bot's private chat: a code (`/start own_…`,
//! `/start inv_…`) links a person in the update's transaction, and people of
//! the team ask `/unanswered`, `/status` and `/stats`; the bot answers in
//! that chat.

use sqlx::SqliteConnection;
use teloxide_core::types::Message;

use super::mirror::{self, Notice};
use super::projects::Shared;
use super::updates::{Publish, person_name};
use super::{team_text, text};
use crate::channels::{AccountState, AccountStatus};
use crate::error::{Error, Result};
use crate::model::Language;
use crate::stats::{self, Period};
use crate::team::model::{Action, InviteInput, Role};
use crate::team::{self, TelegramUser};

pub(super) fn telegram_user(user: &teloxide_core::types::User) -> Result<TelegramUser> {
    Ok(TelegramUser {
        id: i64::try_from(user.id.0)
            .map_err(|_| Error::invalid("a Telegram user id out of range"))?,
        name: person_name(user),
        username: user.username.clone(),
    })
}

/// What the bot's private chat means for the team: a code, or a team
/// member's command; `None` for a customer's message (and a customer's own
/// deep link, or a command from someone outside the team), which the caller
/// stores as before.
pub(super) async fn private(
    shared: &Shared,
    db: &mut SqliteConnection,
    account_id: i64,
    message: &Message,
    from: &teloxide_core::types::User,
    command: Option<(&str, &str)>,
) -> Result<Option<Vec<Publish>>> {
    let (name, args) = match command {
        Some(("start", code)) if team::is_code(code) => {
            return Ok(Some(
                on_code(shared, db, account_id, message, from, code).await?,
            ));
        }
        Some((name @ ("unanswered" | "status" | "stats" | "invite"), args)) => (name, args),
        _ => return Ok(None),
    };
    let Some(person) = team::person_by_telegram(db, telegram_user(from)?.id).await? else {
        return Ok(None);
    };
    let asked = Asked {
        account_id,
        person,
        lang: bot_language(db, account_id).await?,
        now: shared.clock.now_ms(),
    };
    let (said, publish) = match name {
        "unanswered" => (unanswered(db, &asked).await?, Vec::new()),
        "status" => (status(db, &asked).await?, Vec::new()),
        "stats" => (stats(db, &asked).await?, Vec::new()),
        _ => invite(db, &asked, args).await?,
    };
    answer(db, asked.now, account_id, message, said).await?;
    Ok(Some(publish))
}

/// A command of a person of the team in the bot's private chat.
struct Asked {
    account_id: i64,
    person: team::model::Person,
    lang: Language,
    now: i64,
}

async fn on_code(
    shared: &Shared,
    db: &mut SqliteConnection,
    account_id: i64,
    message: &Message,
    from: &teloxide_core::types::User,
    code: &str,
) -> Result<Vec<Publish>> {
    let lang = bot_language(db, account_id).await?;
    let now = shared.clock.now_ms();
    let outcome = team::redeem(db, now, &telegram_user(from)?, code).await?;
    if let team::Redeemed::Owner(p) | team::Redeemed::Joined(p) = &outcome {
        // This bot writes to them from now on (alerts).
        sqlx::query("UPDATE people SET bot_account_id = ?2 WHERE id = ?1")
            .bind(p.id)
            .bind(account_id)
            .execute(&mut *db)
            .await?;
    }
    answer(db, now, account_id, message, text::redeemed(lang, &outcome)).await?;
    Ok(match outcome {
        team::Redeemed::Owner(_) | team::Redeemed::Joined(_) => vec![Publish::Team],
        _ => Vec::new(),
    })
}

/// The language of the project whose bot this is.
async fn bot_language(db: &mut SqliteConnection, account_id: i64) -> Result<Language> {
    let language: Option<String> =
        sqlx::query_scalar("SELECT language FROM projects WHERE bot_account_id = ?1")
            .bind(account_id)
            .fetch_optional(&mut *db)
            .await?;
    Ok(language
        .and_then(|l| l.parse().ok())
        .unwrap_or(Language::Ru))
}

/// The bot's answer to a message in its private chat, as a reply to it.
async fn answer(
    db: &mut SqliteConnection,
    now: i64,
    account_id: i64,
    message: &Message,
    text: String,
) -> Result<()> {
    let chat_id = message.chat.id.0;
    let telegram_id = i64::from(message.id.0);
    mirror::enqueue_notice(
        db,
        now,
        account_id,
        Notice {
            chat_id,
            thread_id: None,
            reply_to: Some(telegram_id),
            text,
            conversation_id: None,
        },
        &format!("tg:{chat_id}:{telegram_id}"),
    )
    .await
}

/// A topic's address for a person: `https://t.me/c/<group>/<thread>` (a
/// supergroup's id without its `-100`).
pub(super) fn topic_url(chat_id: i64, thread_id: i64) -> String {
    let group = chat_id.to_string();
    let group = group.strip_prefix("-100").unwrap_or(&group);
    format!("https://t.me/c/{group}/{thread_id}")
}

/// `/unanswered`: the conversations of the person's projects waiting for
/// an answer, the longest waiting first, with a link to each topic.
async fn unanswered(db: &mut SqliteConnection, asked: &Asked) -> Result<String> {
    let rows: Vec<(Option<i64>, String, i64, i64, i64)> = sqlx::query_as(concat!(
        "SELECT * FROM (
           SELECT c.project_id, ct.display_name, t.chat_id, t.thread_id, ",
        crate::stats::waiting_since!(),
        " AS since
           FROM conversations c JOIN topics t ON t.conversation_id = c.id
           JOIN contacts ct ON ct.id = c.contact_id
           WHERE c.status IN ('awaiting_response', 'needs_human'))
         WHERE since IS NOT NULL ORDER BY since ASC"
    ))
    .fetch_all(&mut *db)
    .await?;
    let waiting: Vec<text::Waiting> = rows
        .into_iter()
        .filter(|(project, ..)| asked.person.works_in(*project))
        .take(10)
        .map(|(_, name, chat_id, thread_id, at)| text::Waiting {
            name,
            url: topic_url(chat_id, thread_id),
            minutes: (asked.now - at).max(0) / 60_000,
        })
        .collect();
    Ok(text::unanswered(asked.lang, &waiting))
}

/// `/status`: the person's projects' channels up or down, the queue, and
/// how many customers wait for an answer now.
async fn status(db: &mut SqliteConnection, asked: &Asked) -> Result<String> {
    let (person, now) = (&asked.person, asked.now);
    // The states the running engine records for every account.
    let rows: Vec<(String, String, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT name, kind, project_id, status FROM channel_accounts
         WHERE enabled = 1 AND kind != 'simulator' ORDER BY id",
    )
    .fetch_all(&mut *db)
    .await?;
    let channels = rows
        .into_iter()
        .filter(|(_, _, project, _)| person.works_in(*project))
        .filter_map(|(name, kind, _, status)| {
            let status: Option<AccountStatus> = status.and_then(|s| serde_json::from_str(&s).ok());
            Some(team_text::ChannelLine {
                name,
                kind: kind.parse().ok()?,
                state: status.as_ref().map_or(AccountState::Stopped, |s| s.state),
                error: status.and_then(|s| s.last_error),
            })
        })
        .collect();
    let (queued, failed): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status IN ('queued', 'running')),
                count(*) FILTER (WHERE status = 'failed')
         FROM jobs WHERE status != 'done'",
    )
    .fetch_one(&mut *db)
    .await?;
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE held_at IS NOT NULL AND delivery = 'pending'",
    )
    .fetch_one(&mut *db)
    .await?;
    let waiting: Vec<(Option<i64>, Option<i64>)> = sqlx::query_as(concat!(
        "SELECT c.project_id, ",
        crate::stats::waiting_since!(),
        " FROM conversations c WHERE c.status IN ('awaiting_response', 'needs_human')"
    ))
    .fetch_all(&mut *db)
    .await?;
    let waiting: Vec<i64> = waiting
        .into_iter()
        .filter(|(project, _)| person.works_in(*project))
        .filter_map(|(_, since)| since)
        .collect();
    let report = team_text::Status {
        channels,
        queued,
        failed,
        held,
        unanswered: i64::try_from(waiting.len()).unwrap_or(i64::MAX),
        oldest_minutes: waiting.iter().min().map(|at| (now - at).max(0) / 60_000),
    };
    Ok(team_text::status(asked.lang, &report))
}

/// `/stats` for people whose role sees the figures: today and this week in
/// the project's time zone, over their projects.
async fn stats(db: &mut SqliteConnection, asked: &Asked) -> Result<String> {
    if !asked.person.role.may(Action::Stats) {
        return Ok(team_text::stats_not_allowed(asked.lang).into());
    }
    let zone: Option<String> = sqlx::query_scalar(
        "SELECT s.time_zone FROM projects p JOIN assistant_settings s ON s.project_id = p.id
         WHERE p.bot_account_id = ?1",
    )
    .bind(asked.account_id)
    .fetch_optional(&mut *db)
    .await?;
    let tz = crate::clock::parse_zone(zone.as_deref().unwrap_or_default())
        .unwrap_or_else(crate::clock::system_zone);
    let projects = asked.person.project_ids.as_deref();
    let today = stats::figures(db, Period::today(asked.now, tz), projects).await?;
    let week = stats::figures(db, Period::this_week(asked.now, tz), projects).await?;
    Ok(team_text::stats(asked.lang, &today, &week))
}

/// `/invite [operator|manager|admin]` for people who manage invites: a new
/// single-use invite into their projects, valid 72 hours, as a link to this
/// bot. Only the owner invites admins.
async fn invite(
    db: &mut SqliteConnection,
    asked: &Asked,
    role: &str,
) -> Result<(String, Vec<Publish>)> {
    let (person, lang) = (&asked.person, asked.lang);
    let role = match role.trim().to_lowercase().as_str() {
        "" | "operator" | "оператор" => Some(Role::Operator),
        "manager" | "менеджер" => Some(Role::Manager),
        "admin" | "админ" | "администратор" => Some(Role::Admin),
        _ => None,
    };
    Ok(match role {
        None => (team_text::invite_usage(lang).to_owned(), Vec::new()),
        Some(role)
            if !person.role.may(Action::ManageInvites)
                || (role == Role::Admin && !person.role.may(Action::RemoveAdmins)) =>
        {
            (team_text::invite_not_allowed(lang).to_owned(), Vec::new())
        }
        Some(role) => {
            let username: Option<String> = sqlx::query_scalar(
                "SELECT username FROM telegram_bots WHERE channel_account_id = ?1",
            )
            .bind(asked.account_id)
            .fetch_optional(&mut *db)
            .await?
            .flatten();
            let input = InviteInput {
                role: Some(role),
                project_ids: person.project_ids.clone().unwrap_or_default(),
                label: Some(format!("/invite · {}", person.name)),
                ..InviteInput::default()
            };
            let (_, code, _) = team::insert_invite(db, asked.now, input).await?;
            let url = format!("https://t.me/{}?start={code}", username.unwrap_or_default());
            (
                team_text::invite_created(lang, role, &url),
                vec![Publish::Team],
            )
        }
    })
}
