//! What the bot does for the team, inside an update's transaction: a code
//! sent in its private chat links a person (or says why not), and a work
//! group member's message or command is allowed or not.

use sqlx::SqliteConnection;

use super::model::{Action, Person, Role};
use super::{ATTEMPT_WINDOW_MS, INVITE_PREFIX, MAX_WRONG_CODES, OWNER_PREFIX, PersonRow, person};
use crate::clock::Millis;
use crate::error::Result;
use crate::secret::digest;

/// A Telegram user as the bot sees them.
#[derive(Debug, Clone)]
pub struct TelegramUser {
    pub id: i64,
    pub name: String,
    pub username: Option<String>,
}

/// Whether a `/start` payload is a team code (anything else is a customer's
/// deep link and means nothing to the team).
pub fn is_code(payload: &str) -> bool {
    payload.starts_with(OWNER_PREFIX) || payload.starts_with(INVITE_PREFIX)
}

/// What a code sent to a bot did.
#[derive(Debug, Clone, PartialEq)]
pub enum Redeemed {
    /// The owner is linked.
    Owner(Person),
    /// Joined the team with the invite's role.
    Joined(Person),
    /// Already in the team: nothing changed.
    AlreadyLinked(Person),
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such code (or an owner link already used).
    Unknown,
    Expired,
    Revoked,
    UsedUp,
    /// Too many wrong codes lately.
    Throttled,
    /// The owner link, once there is an owner.
    OwnerTaken,
}

/// What a work group member may do, as the bot decides it.
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    /// No team yet: the work group works as before.
    Open,
    Allowed(Person),
    /// Not linked (or removed).
    NotLinked,
    /// Linked, but the role (or the project) does not allow it.
    NotAllowed(Person),
}

impl Gate {
    pub fn allows(&self) -> bool {
        matches!(self, Gate::Open | Gate::Allowed(_))
    }

    pub fn person(&self) -> Option<&Person> {
        match self {
            Gate::Allowed(p) | Gate::NotAllowed(p) => Some(p),
            _ => None,
        }
    }
}

/// The linked person with this Telegram id, if any.
pub async fn person_by_telegram(
    db: &mut SqliteConnection,
    telegram_user_id: i64,
) -> Result<Option<Person>> {
    let row: Option<PersonRow> = sqlx::query_as(concat!(
        "SELECT ",
        person_columns!(),
        " FROM people WHERE telegram_user_id = ?1 AND removed_at IS NULL"
    ))
    .bind(telegram_user_id)
    .fetch_optional(&mut *db)
    .await?;
    row.map(person).transpose()
}

/// Whether the team exists (the owner is linked).
pub async fn has_owner(db: &mut SqliteConnection) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM people WHERE role = 'owner' AND removed_at IS NULL",
    )
    .fetch_one(&mut *db)
    .await?
        > 0)
}

/// What a member of a project's work group may do there.
pub async fn gate(
    db: &mut SqliteConnection,
    telegram_user_id: i64,
    project_id: i64,
    action: Action,
) -> Result<Gate> {
    if !has_owner(db).await? {
        return Ok(Gate::Open);
    }
    let Some(person) = person_by_telegram(db, telegram_user_id).await? else {
        return Ok(Gate::NotLinked);
    };
    if person.works_in(Some(project_id)) && person.role.may(action) {
        Ok(Gate::Allowed(person))
    } else {
        Ok(Gate::NotAllowed(person))
    }
}

/// Whether to tell this member how to join: true the first time only.
pub async fn hint_once(
    db: &mut SqliteConnection,
    telegram_user_id: i64,
    now: Millis,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO join_hints (telegram_user_id, told_at) VALUES (?1, ?2)
         ON CONFLICT (telegram_user_id) DO NOTHING",
    )
    .bind(telegram_user_id)
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A code sent to a bot (`/start <code>` in its private chat), in the
/// update's transaction.
pub async fn redeem(
    db: &mut SqliteConnection,
    now: Millis,
    user: &TelegramUser,
    code: &str,
) -> Result<Redeemed> {
    let attempts: Option<(i64, i64)> = sqlx::query_as(
        "SELECT failures, window_start FROM code_attempts WHERE telegram_user_id = ?1",
    )
    .bind(user.id)
    .fetch_optional(&mut *db)
    .await?;
    if let Some((failures, start)) = attempts
        && now - start < ATTEMPT_WINDOW_MS
        && failures >= MAX_WRONG_CODES
    {
        tracing::warn!(
            telegram_user_id = user.id,
            "a team code refused: too many wrong codes"
        );
        return Ok(Redeemed::Refused(Refusal::Throttled));
    }
    let outcome = if code.starts_with(OWNER_PREFIX) {
        redeem_owner(db, now, user, code).await?
    } else {
        redeem_invite(db, now, user, code).await?
    };
    match &outcome {
        Redeemed::Refused(Refusal::Unknown) => {
            sqlx::query(
                "INSERT INTO code_attempts (telegram_user_id, failures, window_start) VALUES (?1, 1, ?2)
                 ON CONFLICT (telegram_user_id) DO UPDATE SET
                   failures = CASE WHEN ?2 - window_start < ?3 THEN failures + 1 ELSE 1 END,
                   window_start = CASE WHEN ?2 - window_start < ?3 THEN window_start ELSE ?2 END",
            )
            .bind(user.id)
            .bind(now)
            .bind(ATTEMPT_WINDOW_MS)
            .execute(&mut *db)
            .await?;
            tracing::info!(telegram_user_id = user.id, "an unknown team code was sent");
        }
        Redeemed::Owner(p) | Redeemed::Joined(p) => {
            sqlx::query("DELETE FROM code_attempts WHERE telegram_user_id = ?1")
                .bind(user.id)
                .execute(&mut *db)
                .await?;
            tracing::info!(person_id = p.id, role = %p.role, "a person linked to the team");
        }
        _ => {}
    }
    Ok(outcome)
}

async fn redeem_owner(
    db: &mut SqliteConnection,
    now: Millis,
    user: &TelegramUser,
    code: &str,
) -> Result<Redeemed> {
    let token_hash = digest(code);
    let link: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT expires_at, used_at FROM owner_links WHERE token_hash = ?1")
            .bind(&token_hash)
            .fetch_optional(&mut *db)
            .await?;
    let Some((expires_at, used_at)) = link else {
        return Ok(Redeemed::Refused(Refusal::Unknown));
    };
    if used_at.is_some() {
        return Ok(Redeemed::Refused(Refusal::UsedUp));
    }
    if now >= expires_at {
        return Ok(Redeemed::Refused(Refusal::Expired));
    }
    if has_owner(db).await? {
        return Ok(Redeemed::Refused(Refusal::OwnerTaken));
    }
    sqlx::query("UPDATE owner_links SET used_at = ?2 WHERE token_hash = ?1")
        .bind(&token_hash)
        .bind(now)
        .execute(&mut *db)
        .await?;
    let person = upsert_person(db, now, user, Role::Owner, None).await?;
    Ok(Redeemed::Owner(person))
}

async fn redeem_invite(
    db: &mut SqliteConnection,
    now: Millis,
    user: &TelegramUser,
    code: &str,
) -> Result<Redeemed> {
    type Row = (i64, String, Option<String>, i64, i64, i64, Option<i64>);
    let invite: Option<Row> = sqlx::query_as(
        "SELECT id, role, project_ids, max_uses, uses, expires_at, revoked_at
         FROM invites WHERE code_hash = ?1",
    )
    .bind(digest(code))
    .fetch_optional(&mut *db)
    .await?;
    let Some((id, role, project_ids, max_uses, uses, expires_at, revoked_at)) = invite else {
        return Ok(Redeemed::Refused(Refusal::Unknown));
    };
    if let Some(person) = person_by_telegram(db, user.id).await? {
        return Ok(Redeemed::AlreadyLinked(person));
    }
    if revoked_at.is_some() {
        return Ok(Redeemed::Refused(Refusal::Revoked));
    }
    if now >= expires_at {
        return Ok(Redeemed::Refused(Refusal::Expired));
    }
    if uses >= max_uses {
        return Ok(Redeemed::Refused(Refusal::UsedUp));
    }
    let role: Role = role.parse()?;
    let person = upsert_person(db, now, user, role, project_ids).await?;
    sqlx::query("UPDATE invites SET uses = uses + 1 WHERE id = ?1")
        .bind(id)
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "INSERT OR IGNORE INTO invite_uses (invite_id, person_id, used_at) VALUES (?1, ?2, ?3)",
    )
    .bind(id)
    .bind(person.id)
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(Redeemed::Joined(person))
}

/// Links a Telegram user (again, if they were removed) with a role.
async fn upsert_person(
    db: &mut SqliteConnection,
    now: Millis,
    user: &TelegramUser,
    role: Role,
    project_ids: Option<String>,
) -> Result<Person> {
    let row: PersonRow = sqlx::query_as(concat!(
        "INSERT INTO people (telegram_user_id, name, username, role, project_ids, linked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (telegram_user_id) DO UPDATE SET
           name = excluded.name, username = excluded.username, role = excluded.role,
           project_ids = excluded.project_ids, linked_at = excluded.linked_at, removed_at = NULL
         RETURNING ",
        person_columns!(),
        ""
    ))
    .bind(user.id)
    .bind(&user.name)
    .bind(&user.username)
    .bind(role.as_str())
    .bind(project_ids)
    .bind(now)
    .fetch_one(&mut *db)
    .await?;
    person(row)
}
