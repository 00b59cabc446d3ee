//! What the assistant did, as the inbox and the Test chat show it: the draft
//! offered in a conversation's composer, and the catalogue rows each answer used.

use sqlx::{FromRow, SqliteExecutor};

use super::model::{AssistantRun, RunOutcome, UsedRow};
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::store::parse_column;

#[derive(FromRow)]
struct RunRow {
    id: i64,
    conversation_id: i64,
    trigger_message_id: i64,
    outcome: String,
    text: String,
    language: Option<String>,
    model: Option<String>,
    catalogue_rows: String,
    message_id: Option<i64>,
    dismissed: bool,
    created_at: Millis,
}

impl RunRow {
    fn into_model(self) -> Result<AssistantRun> {
        let rows: Vec<UsedRow> = serde_json::from_str(&self.catalogue_rows)
            .map_err(|e| Error::Corrupt(format!("rows of assistant run {}: {e}", self.id)))?;
        Ok(AssistantRun {
            id: self.id,
            conversation_id: self.conversation_id,
            trigger_message_id: self.trigger_message_id,
            outcome: parse_column::<RunOutcome>("assistant_runs.outcome", &self.outcome)?,
            text: self.text,
            language: self.language,
            model: self.model,
            catalogue_rows: rows,
            message_id: self.message_id,
            dismissed: self.dismissed,
            created_at: self.created_at,
        })
    }
}

macro_rules! run_select {
    () => {
        "SELECT id, conversation_id, trigger_message_id, outcome, text, language, model, catalogue_rows,
                message_id, dismissed, created_at FROM assistant_runs "
    };
}

pub async fn get(db: impl SqliteExecutor<'_>, id: i64) -> Result<AssistantRun> {
    let row: Option<RunRow> = sqlx::query_as(concat!(run_select!(), "WHERE id = ?1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.ok_or_else(|| Error::not_found("assistant run", id))?
        .into_model()
}

/// Every run of a conversation, oldest first.
pub async fn of_conversation(
    db: impl SqliteExecutor<'_>,
    conversation_id: i64,
) -> Result<Vec<AssistantRun>> {
    let rows: Vec<RunRow> = sqlx::query_as(concat!(
        run_select!(),
        "WHERE conversation_id = ?1 ORDER BY id"
    ))
    .bind(conversation_id)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(RunRow::into_model).collect()
}

/// The draft to offer: the newest run's, while it is a draft nobody used or
/// dismissed and nothing was sent after the message it answers.
pub async fn current_draft(
    db: impl SqliteExecutor<'_>,
    conversation_id: i64,
) -> Result<Option<AssistantRun>> {
    let row: Option<RunRow> = sqlx::query_as(concat!(
        run_select!(),
        "WHERE conversation_id = ?1 AND id = (SELECT max(id) FROM assistant_runs WHERE conversation_id = ?1)
           AND outcome = 'draft' AND dismissed = 0
           AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = ?1 AND m.direction = 'out'
                           AND m.id > assistant_runs.trigger_message_id)"
    ))
    .bind(conversation_id)
    .fetch_optional(db)
    .await?;
    row.map(RunRow::into_model).transpose()
}

/// A person used or dismissed the draft.
pub async fn dismiss(db: impl SqliteExecutor<'_>, run_id: i64) -> Result<()> {
    let changed =
        sqlx::query("UPDATE assistant_runs SET dismissed = 1 WHERE id = ?1 AND outcome = 'draft'")
            .bind(run_id)
            .execute(db)
            .await?
            .rows_affected();
    if changed == 0 {
        return Err(Error::not_found("draft", run_id));
    }
    Ok(())
}
