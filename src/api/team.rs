//! The team: the owner's link, invites, people and what each role may do.

use crate::engine::Engine;
use crate::model::ConversationSummary;
use crate::team::Team;
use crate::team::model::{Invite, InviteCreated, InviteInput, OwnerLink, Person, Role, RoleRights};

use super::ApiResult;

/// What each role may do, as the bot applies it.
pub async fn team_rights(_engine: &Engine) -> ApiResult<Vec<RoleRights>> {
    Ok(Team::rights())
}

/// The people linked to the app, the owner first.
pub async fn list_people(engine: &Engine) -> ApiResult<Vec<Person>> {
    Ok(engine.team().people().await?)
}

/// A single-use link (15 minutes) that makes whoever opens it in Telegram
/// the owner, through the project's bot (or the first project's).
pub async fn owner_link(engine: &Engine, project_id: Option<i64>) -> ApiResult<OwnerLink> {
    Ok(engine.team().owner_link(project_id).await?)
}

/// A new invite; its code and link are shown this once.
pub async fn create_invite(engine: &Engine, input: InviteInput) -> ApiResult<InviteCreated> {
    Ok(engine.team().create_invite(input).await?)
}

pub async fn list_invites(engine: &Engine) -> ApiResult<Vec<Invite>> {
    Ok(engine.team().invites().await?)
}

pub async fn get_invite(engine: &Engine, invite_id: i64) -> ApiResult<Invite> {
    Ok(engine.team().invite(invite_id).await?)
}

pub async fn revoke_invite(engine: &Engine, invite_id: i64) -> ApiResult<Invite> {
    Ok(engine.team().revoke_invite(invite_id).await?)
}

pub async fn remove_person(engine: &Engine, person_id: i64) -> ApiResult<()> {
    Ok(engine.team().remove_person(person_id).await?)
}

pub async fn set_person_role(engine: &Engine, person_id: i64, role: Role) -> ApiResult<Person> {
    Ok(engine.team().set_role(person_id, role).await?)
}

/// Gives a conversation to a person of the team, or to nobody (`None`).
pub async fn assign_conversation(
    engine: &Engine,
    conversation_id: i64,
    person_id: Option<i64>,
) -> ApiResult<ConversationSummary> {
    engine.projects().assign(conversation_id, person_id).await?;
    Ok(crate::inbox::conversation_summary(engine.store().pool(), conversation_id).await?)
}

/// How long a customer may wait for a person before the owner and admins
/// are alerted, in minutes (0: never).
pub async fn alert_waiting_minutes(engine: &Engine) -> ApiResult<u32> {
    Ok(crate::operators::alerts::waiting_minutes(engine.store().pool()).await?)
}

pub async fn set_alert_waiting_minutes(engine: &Engine, minutes: u32) -> ApiResult<u32> {
    if minutes > 7 * 24 * 60 {
        return Err(crate::error::Error::invalid(
            "the waiting time for an alert is at most a week (10080 minutes)",
        )
        .into());
    }
    crate::preferences::set(
        engine.store().pool(),
        crate::operators::alerts::WAITING_MINUTES,
        &minutes.to_string(),
        engine.clock().now_ms(),
    )
    .await?;
    tracing::info!(minutes, "alert waiting time set");
    Ok(minutes)
}

/// How the shop answered in the last `days` days (1: today), in this
/// computer's time zone, over the conversations of `project_id` or all.
pub async fn answer_figures(
    engine: &Engine,
    days: u32,
    project_id: Option<i64>,
) -> ApiResult<crate::stats::Figures> {
    let period = super::last_days(engine, days).await?;
    let projects = project_id.map(|p| vec![p]);
    let mut conn = engine.store().conn().await?;
    Ok(crate::stats::figures(&mut conn, period, projects.as_deref()).await?)
}
