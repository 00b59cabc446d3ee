//! Assignment: a conversation given to one person of the team, from the
//! window or with `/assign` and `/take` in its topic. Anyone allowed may
//! still answer; a reply by someone else is marked with the assignee's name.

use sqlx::SqliteConnection;

use super::model::{Action, Person};
use super::{PersonRow, person};
use crate::clock::Millis;
use crate::error::{Error, Result};

/// The owner, when linked: the person who answers from the window.
pub async fn owner(db: &mut SqliteConnection) -> Result<Option<Person>> {
    let row: Option<PersonRow> = sqlx::query_as(concat!(
        "SELECT ",
        person_columns!(),
        " FROM people WHERE role = 'owner' AND removed_at IS NULL"
    ))
    .fetch_optional(&mut *db)
    .await?;
    row.map(person).transpose()
}

/// A person of the team by id.
pub async fn person_by_id(db: &mut SqliteConnection, id: i64) -> Result<Option<Person>> {
    let row: Option<PersonRow> = sqlx::query_as(concat!(
        "SELECT ",
        person_columns!(),
        " FROM people WHERE id = ?1 AND removed_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(&mut *db)
    .await?;
    row.map(person).transpose()
}

/// Who `who` names among the people working in `project_id`: `@username`,
/// or a name (case aside) or the start of exactly one name.
pub async fn find(
    db: &mut SqliteConnection,
    project_id: Option<i64>,
    who: &str,
) -> Result<Option<Person>> {
    let who = who.trim();
    let rows: Vec<PersonRow> = sqlx::query_as(concat!(
        "SELECT ",
        person_columns!(),
        " FROM people WHERE removed_at IS NULL ORDER BY id"
    ))
    .fetch_all(&mut *db)
    .await?;
    let people: Vec<Person> = rows
        .into_iter()
        .map(person)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|p| p.works_in(project_id))
        .collect();
    if let Some(username) = who.strip_prefix('@') {
        return Ok(people.into_iter().find(|p| {
            p.username
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(username))
        }));
    }
    let wanted = who.to_lowercase();
    if wanted.is_empty() {
        return Ok(None);
    }
    if let Some(exact) = people.iter().find(|p| p.name.to_lowercase() == wanted) {
        return Ok(Some(exact.clone()));
    }
    let mut starting = people
        .into_iter()
        .filter(|p| p.name.to_lowercase().starts_with(&wanted));
    Ok(match (starting.next(), starting.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    })
}

/// Gives the conversation to `person` (or to nobody). The person must work
/// in the conversation's project and be allowed to answer. Returns the
/// conversation's project.
pub async fn assign(
    db: &mut SqliteConnection,
    conversation_id: i64,
    person: Option<&Person>,
    now: Millis,
) -> Result<Option<i64>> {
    let project: Option<Option<i64>> =
        sqlx::query_scalar("SELECT project_id FROM conversations WHERE id = ?1")
            .bind(conversation_id)
            .fetch_optional(&mut *db)
            .await?;
    let project = project.ok_or_else(|| Error::not_found("conversation", conversation_id))?;
    if let Some(person) = person {
        if !person.works_in(project) {
            return Err(Error::invalid(format!(
                "{} does not work in this conversation's project",
                person.name
            )));
        }
        if !person.role.may(Action::Answer) {
            return Err(Error::invalid(format!(
                "{} may not answer customers",
                person.name
            )));
        }
    }
    sqlx::query("UPDATE conversations SET assigned_person_id = ?2, assigned_at = ?3 WHERE id = ?1")
        .bind(conversation_id)
        .bind(person.map(|p| p.id))
        .bind(person.map(|_| now))
        .execute(&mut *db)
        .await?;
    tracing::info!(
        conversation_id,
        person_id = person.map(|p| p.id),
        "conversation assigned"
    );
    Ok(project)
}

/// The person the conversation is assigned to, if any.
pub async fn assignee(db: &mut SqliteConnection, conversation_id: i64) -> Result<Option<Person>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT assigned_person_id FROM conversations WHERE id = ?1")
            .bind(conversation_id)
            .fetch_optional(&mut *db)
            .await?
            .flatten();
    match id {
        Some(id) => person_by_id(db, id).await,
        None => Ok(None),
    }
}
