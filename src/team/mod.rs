//! The team: people linked to the app through a project's bot, each with a
//! role ([`model::PERMISSIONS`]). The owner links first with a single-use
//! link from the window; everyone else joins with an invite
//! (`t.me/<bot>?start=inv_…`). Codes are random, shown once and kept only as
//! SHA-256; a Telegram user who keeps sending wrong codes is held off.
//!
//! ```text
//!  window / CLI ──► Team: owner link, invites, people
//!  bot update "/start own_… | inv_…" (operators::updates) ──► team::redeem, in the update's transaction
//!  operator's message in a topic ──► team::gate: answer, keep as a note, or refuse the command
//! ```
//!
//! Until the owner is linked the team does not exist and the work groups
//! work as before: anyone in them answers. From then on only linked people
//! whose role allows it do.

pub mod model;

use ring::rand::{SecureRandom, SystemRandom};

use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventBus};
use crate::secret::digest;
use crate::store::Store;
use model::{
    Invite, InviteCreated, InviteInput, InviteState, OwnerLink, PERMISSIONS, Person, Role,
    RoleRights,
};

/// How long the owner's link stays valid.
pub const OWNER_LINK_MS: Millis = 15 * 60 * 1000;
/// Wrong codes a Telegram user may send in [`ATTEMPT_WINDOW_MS`] before being held off.
pub const MAX_WRONG_CODES: i64 = 5;
pub const ATTEMPT_WINDOW_MS: Millis = 15 * 60 * 1000;
pub(crate) const OWNER_PREFIX: &str = "own_";
pub(crate) const INVITE_PREFIX: &str = "inv_";
const DEFAULT_VALID_HOURS: u32 = 72;
const MAX_VALID_HOURS: u32 = 24 * 90;
const MAX_USES: u32 = 1000;

/// The team's part of the engine.
#[derive(Clone)]
pub struct Team {
    store: Store,
    clock: SharedClock,
    bus: EventBus,
}

/// A code nobody can guess: 24 letters and digits from the OS's random source
/// (about 143 bits).
fn new_code(prefix: &str) -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 24];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::invalid("the system's random source failed"))?;
    let body: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{prefix}{body}"))
}

fn projects_json(ids: &[i64]) -> Option<String> {
    (!ids.is_empty()).then(|| serde_json::to_string(ids).expect("ids serialize"))
}

fn projects_of(json: Option<String>) -> Option<Vec<i64>> {
    json.and_then(|j| serde_json::from_str(&j).ok())
}

pub(crate) type PersonRow = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    Option<String>,
    i64,
);
macro_rules! person_columns {
    () => {
        "id, telegram_user_id, name, username, role, project_ids, linked_at"
    };
}

/// Checks and stores a new invite in the caller's transaction: its id, its
/// code (shown once) and its first project.
pub(crate) async fn insert_invite(
    db: &mut sqlx::SqliteConnection,
    now: Millis,
    input: InviteInput,
) -> Result<(i64, String, Option<i64>)> {
    let role = input.role.unwrap_or(Role::Operator);
    if role == Role::Owner {
        return Err(Error::invalid(
            "there is one owner: invite admins, managers or operators",
        ));
    }
    let max_uses = input.max_uses.unwrap_or(1);
    if !(1..=MAX_USES).contains(&max_uses) {
        return Err(Error::invalid(format!(
            "an invite is used by 1 to {MAX_USES} people, not {max_uses}"
        )));
    }
    let hours = input.valid_hours.unwrap_or(DEFAULT_VALID_HOURS);
    if !(1..=MAX_VALID_HOURS).contains(&hours) {
        return Err(Error::invalid(format!(
            "an invite is valid for 1 to {MAX_VALID_HOURS} hours, not {hours}"
        )));
    }
    let mut projects = input.project_ids.clone();
    projects.sort_unstable();
    projects.dedup();
    for id in &projects {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *db)
            .await?;
        if known.is_none() {
            return Err(Error::not_found("project", id));
        }
    }
    let label = input
        .label
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    if label.as_ref().is_some_and(|l| l.chars().count() > 100) {
        return Err(Error::invalid(
            "the invite's name is longer than 100 characters",
        ));
    }
    let code = new_code(INVITE_PREFIX)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invites (code_hash, role, project_ids, label, max_uses, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
    )
    .bind(digest(&code))
    .bind(role.as_str())
    .bind(projects_json(&projects))
    .bind(&label)
    .bind(i64::from(max_uses))
    .bind(now)
    .bind(now + i64::from(hours) * 3_600_000)
    .fetch_one(&mut *db)
    .await?;
    tracing::info!(invite_id = id, %role, max_uses, hours, "invite created");
    Ok((id, code, projects.first().copied()))
}

mod assign;
mod bot;
pub use assign::*;
pub use bot::*;

pub(crate) fn person(row: PersonRow) -> Result<Person> {
    let (id, telegram_user_id, name, username, role, project_ids, linked_at) = row;
    Ok(Person {
        id,
        telegram_user_id,
        name,
        username,
        role: role.parse()?,
        project_ids: projects_of(project_ids),
        linked_at,
    })
}

impl Team {
    pub fn new(store: Store, clock: SharedClock, bus: EventBus) -> Self {
        Self { store, clock, bus }
    }

    fn changed(&self) {
        self.bus.publish(EngineEvent::TeamChanged);
    }

    /// The table of what each role may do.
    pub fn rights() -> Vec<RoleRights> {
        PERMISSIONS
            .iter()
            .map(|(role, actions)| RoleRights {
                role: *role,
                actions: actions.to_vec(),
            })
            .collect()
    }

    /// The linked people, the owner first.
    pub async fn people(&self) -> Result<Vec<Person>> {
        let rows: Vec<PersonRow> = sqlx::query_as(concat!(
        "SELECT ",
        person_columns!(),
        " FROM people WHERE removed_at IS NULL
             ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'manager' THEN 2 ELSE 3 END, linked_at, id"
    ))
        .fetch_all(self.store.pool())
        .await?;
        rows.into_iter().map(person).collect()
    }

    /// The bot whose link a code is opened with: the project's, or the first
    /// project's that has one.
    async fn bot_username(&self, project_id: Option<i64>) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT b.username FROM projects p JOIN telegram_bots b ON b.channel_account_id = p.bot_account_id
             WHERE ?1 IS NULL OR p.id = ?1 ORDER BY p.id LIMIT 1",
        )
        .bind(project_id)
        .fetch_optional(self.store.pool())
        .await?)
    }

    /// A single-use link that makes whoever opens it in Telegram the owner.
    pub async fn owner_link(&self, project_id: Option<i64>) -> Result<OwnerLink> {
        if has_owner(&mut *self.store.pool().acquire().await?).await? {
            return Err(Error::invalid(
                "the owner's Telegram is already linked; remove it first to link another",
            ));
        }
        let Some(bot) = self.bot_username(project_id).await? else {
            return Err(Error::invalid(
                "connect a project's bot first: the owner's Telegram is linked through it",
            ));
        };
        let now = self.clock.now_ms();
        let token = new_code(OWNER_PREFIX)?;
        let expires_at = now + OWNER_LINK_MS;
        sqlx::query(
            "INSERT INTO owner_links (token_hash, created_at, expires_at) VALUES (?1, ?2, ?3)",
        )
        .bind(digest(&token))
        .bind(now)
        .bind(expires_at)
        .execute(self.store.pool())
        .await?;
        tracing::info!("owner link made");
        let url = format!("https://t.me/{bot}?start={token}");
        Ok(OwnerLink {
            qr_svg: crate::channels::login::qr_svg(&url),
            url,
            bot_username: bot,
            expires_at,
        })
    }

    pub async fn create_invite(&self, input: InviteInput) -> Result<InviteCreated> {
        let mut tx = self.store.write().await?;
        let (id, code, first_project) = insert_invite(&mut tx, self.clock.now_ms(), input).await?;
        tx.commit().await?;
        self.changed();
        let bot = self.bot_username(first_project).await?;
        let url = bot.map(|b| format!("https://t.me/{b}?start={code}"));
        Ok(InviteCreated {
            invite: self.invite(id).await?,
            qr_svg: url.as_deref().map(crate::channels::login::qr_svg),
            url,
            code,
        })
    }

    pub async fn invite(&self, id: i64) -> Result<Invite> {
        self.invites_where(Some(id))
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("invite", id))
    }

    /// Every invite, the newest first.
    pub async fn invites(&self) -> Result<Vec<Invite>> {
        self.invites_where(None).await
    }

    async fn invites_where(&self, id: Option<i64>) -> Result<Vec<Invite>> {
        type Row = (
            i64,
            String,
            Option<String>,
            Option<String>,
            i64,
            i64,
            i64,
            i64,
            Option<i64>,
            String,
        );
        // Who used each invite comes with it, in the order they joined.
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT i.id, i.role, i.project_ids, i.label, i.max_uses, i.uses, i.created_at,
                    i.expires_at, i.revoked_at,
                    (SELECT json_group_array(name) FROM
                       (SELECT p.name FROM invite_uses u JOIN people p ON p.id = u.person_id
                        WHERE u.invite_id = i.id ORDER BY u.used_at))
             FROM invites i WHERE ?1 IS NULL OR i.id = ?1 ORDER BY i.created_at DESC, i.id DESC",
        )
        .bind(id)
        .fetch_all(self.store.pool())
        .await?;
        let now = self.clock.now_ms();
        let mut out = Vec::with_capacity(rows.len());
        for (
            id,
            role,
            project_ids,
            label,
            max_uses,
            uses,
            created_at,
            expires_at,
            revoked_at,
            used_by,
        ) in rows
        {
            let used_by: Vec<String> = serde_json::from_str(&used_by)
                .map_err(|e| Error::invalid(format!("the invite's users: {e}")))?;
            let state = if revoked_at.is_some() {
                InviteState::Revoked
            } else if uses >= max_uses {
                InviteState::UsedUp
            } else if now >= expires_at {
                InviteState::Expired
            } else {
                InviteState::Active
            };
            out.push(Invite {
                id,
                role: role.parse()?,
                project_ids: projects_of(project_ids),
                label,
                max_uses: u32::try_from(max_uses).unwrap_or(u32::MAX),
                uses: u32::try_from(uses).unwrap_or(u32::MAX),
                created_at,
                expires_at,
                revoked_at,
                state,
                used_by,
            });
        }
        Ok(out)
    }

    /// Nobody joins with it from now on; those who joined stay.
    pub async fn revoke_invite(&self, id: i64) -> Result<Invite> {
        let now = self.clock.now_ms();
        let done =
            sqlx::query("UPDATE invites SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1")
                .bind(id)
                .bind(now)
                .execute(self.store.pool())
                .await?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found("invite", id));
        }
        tracing::info!(invite_id = id, "invite revoked");
        self.changed();
        self.invite(id).await
    }

    /// Unlinks a person: they answer nothing from now on; what they wrote
    /// keeps their name. Removing the owner dissolves the team (the work
    /// groups work as before until an owner links again).
    pub async fn remove_person(&self, id: i64) -> Result<()> {
        let done =
            sqlx::query("UPDATE people SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL")
                .bind(id)
                .bind(self.clock.now_ms())
                .execute(self.store.pool())
                .await?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found("person", id));
        }
        // Their conversations are nobody's now.
        sqlx::query(
            "UPDATE conversations SET assigned_person_id = NULL, assigned_at = NULL
             WHERE assigned_person_id = ?1",
        )
        .bind(id)
        .execute(self.store.pool())
        .await?;
        tracing::info!(person_id = id, "person removed from the team");
        self.changed();
        Ok(())
    }

    /// Changes a person's role (not to or from owner).
    pub async fn set_role(&self, id: i64, role: Role) -> Result<Person> {
        if role == Role::Owner {
            return Err(Error::invalid(
                "there is one owner; the owner links from the window",
            ));
        }
        let mut db = self.store.write().await?;
        let current = person_by_id(&mut db, id)
            .await?
            .ok_or_else(|| Error::not_found("person", id))?;
        if current.role == Role::Owner {
            return Err(Error::invalid("the owner's role does not change"));
        }
        sqlx::query("UPDATE people SET role = ?2 WHERE id = ?1")
            .bind(id)
            .bind(role.as_str())
            .execute(&mut *db)
            .await?;
        db.commit().await?;
        tracing::info!(person_id = id, %role, "role changed");
        self.changed();
        Ok(Person { role, ..current })
    }
}

#[cfg(test)]
mod tests {
    use super::model::Action;
    use super::*;

    #[test]
    fn the_roles_nest_and_only_the_owner_removes_admins() {
        for action in Action::ALL {
            // Whatever a role may do, every more trusted role may do too.
            let allowed: Vec<bool> = Role::ALL.iter().map(|r| r.may(*action)).collect();
            assert!(
                allowed.windows(2).all(|w| w[0] || !w[1]),
                "{action}: {allowed:?}"
            );
        }
        assert!(Role::Operator.may(Action::Answer));
        assert!(!Role::Operator.may(Action::CloseReopen));
        assert!(Role::Manager.may(Action::CloseReopen));
        assert!(!Role::Manager.may(Action::ManageInvites));
        assert!(Role::Admin.may(Action::ManageInvites));
        assert!(!Role::Admin.may(Action::RemoveAdmins));
        assert!(Role::Owner.may(Action::RemoveAdmins));
    }

    #[test]
    fn codes_are_long_random_and_recognised_by_their_prefix() {
        let a = new_code(INVITE_PREFIX).unwrap();
        let b = new_code(INVITE_PREFIX).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 28);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        assert!(is_code(&a) && is_code(&new_code(OWNER_PREFIX).unwrap()));
        assert!(!is_code("ad_campaign_7"));
        assert_ne!(digest(&a), a);
    }
}
