//! Labels on conversations: a name and a colour, put on from the window (on
//! one conversation or many at once) and from a topic (`/label name`); the
//! inbox list filters by them.

use serde::{Deserialize, Serialize};
use specta::Type;
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::model::text_enum;
use crate::store::parse_column;

/// Longest label name.
pub const MAX_NAME: usize = 40;
/// Most labels a shop keeps.
pub const MAX_LABELS: i64 = 200;

text_enum! {
    /// A label's colour, from the window's palette.
    LabelColor {
        Gray => "gray",
        Red => "red",
        Orange => "orange",
        Yellow => "yellow",
        Green => "green",
        Teal => "teal",
        Blue => "blue",
        Purple => "purple",
        Pink => "pink",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Label {
    pub id: i64,
    pub name: String,
    pub color: LabelColor,
    /// How many conversations carry it.
    pub conversation_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LabelInput {
    pub name: String,
    pub color: LabelColor,
}

#[derive(FromRow)]
struct Row {
    id: i64,
    name: String,
    color: String,
    conversation_count: i64,
}

impl Row {
    fn into_model(self) -> Result<Label> {
        Ok(Label {
            id: self.id,
            name: self.name,
            color: parse_column("labels.color", &self.color)?,
            conversation_count: self.conversation_count,
        })
    }
}

const SELECT: &str = "SELECT id, name, color,
        (SELECT count(*) FROM conversation_labels WHERE label_id = labels.id) AS conversation_count
     FROM labels";

/// A name as it is kept: trimmed, inner spaces collapsed; and folded for lookups.
fn clean_name(name: &str) -> Result<(String, String)> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Error::invalid("a label needs a name"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(Error::invalid(format!(
            "a label's name is at most {MAX_NAME} characters"
        )));
    }
    let folded = name.to_lowercase();
    Ok((name, folded))
}

/// Every label, by name.
pub async fn list(db: impl SqliteExecutor<'_>) -> Result<Vec<Label>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY folded")))
        .fetch_all(db)
        .await?;
    rows.into_iter().map(Row::into_model).collect()
}

pub async fn get(db: impl SqliteExecutor<'_>, id: i64) -> Result<Label> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = ?1")))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.ok_or_else(|| Error::not_found("label", id))?
        .into_model()
}

/// The label of that name, whatever its case (what `/label` looks up).
pub async fn find(db: impl SqliteExecutor<'_>, name: &str) -> Result<Option<Label>> {
    let Ok((_, folded)) = clean_name(name) else {
        return Ok(None);
    };
    let row: Option<Row> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE folded = ?1")))
            .bind(folded)
            .fetch_optional(db)
            .await?;
    row.map(Row::into_model).transpose()
}

fn taken(name: &str) -> Error {
    Error::invalid(format!("there is a label “{name}” already"))
}

pub async fn create(db: &mut SqliteConnection, now: Millis, input: &LabelInput) -> Result<Label> {
    let (name, folded) = clean_name(&input.name)?;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM labels")
        .fetch_one(&mut *db)
        .await?;
    if count >= MAX_LABELS {
        return Err(Error::invalid(format!(
            "a shop keeps at most {MAX_LABELS} labels"
        )));
    }
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO labels (name, folded, color, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (folded) DO NOTHING RETURNING id",
    )
    .bind(&name)
    .bind(&folded)
    .bind(input.color.as_str())
    .bind(now)
    .fetch_optional(&mut *db)
    .await?;
    let id = id.ok_or_else(|| taken(&name))?;
    tracing::info!(label_id = id, "label created");
    get(&mut *db, id).await
}

pub async fn update(db: &mut SqliteConnection, id: i64, input: &LabelInput) -> Result<Label> {
    let (name, folded) = clean_name(&input.name)?;
    let other: Option<i64> =
        sqlx::query_scalar("SELECT id FROM labels WHERE folded = ?1 AND id <> ?2")
            .bind(&folded)
            .bind(id)
            .fetch_optional(&mut *db)
            .await?;
    if other.is_some() {
        return Err(taken(&name));
    }
    let done = sqlx::query("UPDATE labels SET name = ?2, folded = ?3, color = ?4 WHERE id = ?1")
        .bind(id)
        .bind(&name)
        .bind(&folded)
        .bind(input.color.as_str())
        .execute(&mut *db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("label", id));
    }
    get(&mut *db, id).await
}

/// Deletes a label; the conversations that carried it lose it. Answers them.
pub async fn delete(db: &mut SqliteConnection, id: i64) -> Result<Vec<i64>> {
    let carried: Vec<i64> =
        sqlx::query_scalar("SELECT conversation_id FROM conversation_labels WHERE label_id = ?1")
            .bind(id)
            .fetch_all(&mut *db)
            .await?;
    let done = sqlx::query("DELETE FROM labels WHERE id = ?1")
        .bind(id)
        .execute(&mut *db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("label", id));
    }
    tracing::info!(label_id = id, "label deleted");
    Ok(carried)
}

/// Puts the label on the conversations (`on`) or takes it off; answers the
/// conversations that changed. An unknown conversation or label writes nothing.
pub async fn set(
    db: &mut SqliteConnection,
    label_id: i64,
    conversation_ids: &[i64],
    on: bool,
) -> Result<Vec<i64>> {
    get(&mut *db, label_id).await?;
    let mut changed = Vec::new();
    for &conversation_id in conversation_ids {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM conversations WHERE id = ?1")
            .bind(conversation_id)
            .fetch_optional(&mut *db)
            .await?;
        if known.is_none() {
            return Err(Error::not_found("conversation", conversation_id));
        }
        let done = if on {
            sqlx::query(
                "INSERT INTO conversation_labels (label_id, conversation_id) VALUES (?1, ?2)
                 ON CONFLICT DO NOTHING",
            )
        } else {
            sqlx::query(
                "DELETE FROM conversation_labels WHERE label_id = ?1 AND conversation_id = ?2",
            )
        }
        .bind(label_id)
        .bind(conversation_id)
        .execute(&mut *db)
        .await?;
        if done.rows_affected() > 0 && !changed.contains(&conversation_id) {
            changed.push(conversation_id);
        }
    }
    Ok(changed)
}
