//! Quick replies: saved answers with a short name, for one project or for
//! every project, inserted by typing `/` in the composer or `/q name` in a
//! topic, with the persona's placeholders and `{CUSTOMER_NAME}` filled; kept
//! and exchanged as CSV (`project,name,text`).

use serde::{Deserialize, Serialize};
use specta::Type;
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::model::ChannelKind;
use crate::placeholders;
use crate::store::parse_column;

/// Longest name (what follows `/`).
pub const MAX_NAME: usize = 32;
/// Longest text.
pub const MAX_TEXT: usize = 4_000;
/// Most quick replies a shop keeps.
pub const MAX_QUICK_REPLIES: i64 = 2_000;
/// The customer's name, besides the persona's placeholders.
pub const CUSTOMER_NAME: &str = "{CUSTOMER_NAME}";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type, FromRow)]
#[serde(rename_all = "camelCase")]
pub struct QuickReply {
    pub id: i64,
    /// The project it belongs to; none: every project's.
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    pub name: String,
    pub text: String,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QuickReplyInput {
    pub project_id: Option<i64>,
    pub name: String,
    pub text: String,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QuickReplyImport {
    pub added: u32,
    pub updated: u32,
}

const SELECT: &str =
    "SELECT q.id, q.project_id, p.name AS project_name, q.name, q.text, q.updated_at
     FROM quick_replies q LEFT JOIN projects p ON p.id = q.project_id";

/// A name as kept: without a leading `/`, lower case, letters (any
/// script), digits, `_` and `-`.
pub fn clean_name(name: &str) -> Result<String> {
    let name = name.trim().trim_start_matches('/').to_lowercase();
    if name.is_empty() {
        return Err(Error::invalid("a quick reply needs a name"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(Error::invalid(format!(
            "a quick reply's name is at most {MAX_NAME} characters"
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(Error::invalid(format!(
            "a quick reply's name has only letters, digits, “_” and “-” (not “{bad}”)"
        )));
    }
    Ok(name)
}

fn clean_text(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid("a quick reply needs a text"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(Error::invalid(format!(
            "a quick reply is at most {MAX_TEXT} characters"
        )));
    }
    Ok(text.to_owned())
}

/// Every quick reply (`None`), or those a project's conversations may use:
/// its own and every project's. By name.
pub async fn list(db: impl SqliteExecutor<'_>, project_id: Option<i64>) -> Result<Vec<QuickReply>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE ?1 IS NULL OR q.project_id IS NULL OR q.project_id = ?1
         ORDER BY q.name, q.project_id IS NULL"
    )))
    .bind(project_id)
    .fetch_all(db)
    .await?)
}

pub async fn get(db: impl SqliteExecutor<'_>, id: i64) -> Result<QuickReply> {
    let found: Option<QuickReply> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE q.id = ?1")))
            .bind(id)
            .fetch_optional(db)
            .await?;
    found.ok_or_else(|| Error::not_found("quick reply", id))
}

/// The quick reply a project's conversation means by `name`: the project's
/// own before every project's.
pub async fn find(
    db: impl SqliteExecutor<'_>,
    project_id: Option<i64>,
    name: &str,
) -> Result<Option<QuickReply>> {
    let Ok(name) = clean_name(name) else {
        return Ok(None);
    };
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE q.name = ?2 AND (q.project_id IS NULL OR q.project_id = ?1)
         ORDER BY q.project_id IS NULL LIMIT 1"
    )))
    .bind(project_id)
    .bind(name)
    .fetch_optional(db)
    .await?)
}

async fn check_project(db: &mut SqliteConnection, project_id: Option<i64>) -> Result<()> {
    if let Some(project_id) = project_id {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE id = ?1")
            .bind(project_id)
            .fetch_optional(&mut *db)
            .await?;
        if known.is_none() {
            return Err(Error::not_found("project", project_id));
        }
    }
    Ok(())
}

fn taken(name: &str) -> Error {
    Error::invalid(format!("there is a quick reply “/{name}” already"))
}

pub async fn create(
    db: &mut SqliteConnection,
    now: Millis,
    input: &QuickReplyInput,
) -> Result<QuickReply> {
    let name = clean_name(&input.name)?;
    let text = clean_text(&input.text)?;
    check_project(db, input.project_id).await?;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM quick_replies")
        .fetch_one(&mut *db)
        .await?;
    if count >= MAX_QUICK_REPLIES {
        return Err(Error::invalid(format!(
            "a shop keeps at most {MAX_QUICK_REPLIES} quick replies"
        )));
    }
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO quick_replies (project_id, name, text, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(input.project_id)
    .bind(&name)
    .bind(&text)
    .bind(now)
    .fetch_optional(&mut *db)
    .await?;
    let id = id.ok_or_else(|| taken(&name))?;
    tracing::info!(quick_reply_id = id, "quick reply saved");
    get(&mut *db, id).await
}

pub async fn update(
    db: &mut SqliteConnection,
    now: Millis,
    id: i64,
    input: &QuickReplyInput,
) -> Result<QuickReply> {
    let name = clean_name(&input.name)?;
    let text = clean_text(&input.text)?;
    check_project(db, input.project_id).await?;
    let other: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM quick_replies WHERE coalesce(project_id, 0) = coalesce(?1, 0) AND name = ?2 AND id <> ?3",
    )
    .bind(input.project_id)
    .bind(&name)
    .bind(id)
    .fetch_optional(&mut *db)
    .await?;
    if other.is_some() {
        return Err(taken(&name));
    }
    let done = sqlx::query(
        "UPDATE quick_replies SET project_id = ?2, name = ?3, text = ?4, updated_at = ?5 WHERE id = ?1",
    )
    .bind(id)
    .bind(input.project_id)
    .bind(&name)
    .bind(&text)
    .bind(now)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("quick reply", id));
    }
    get(&mut *db, id).await
}

pub async fn delete(db: impl SqliteExecutor<'_>, id: i64) -> Result<()> {
    let done = sqlx::query("DELETE FROM quick_replies WHERE id = ?1")
        .bind(id)
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("quick reply", id));
    }
    Ok(())
}

/// The project of a conversation (what its quick replies are chosen by).
pub async fn project_of(db: impl SqliteExecutor<'_>, conversation_id: i64) -> Result<Option<i64>> {
    let found: Option<Option<i64>> =
        sqlx::query_scalar("SELECT project_id FROM conversations WHERE id = ?1")
            .bind(conversation_id)
            .fetch_optional(db)
            .await?;
    found.ok_or_else(|| Error::not_found("conversation", conversation_id))
}

/// `text` as it goes to the customer of a conversation: the persona's
/// placeholders filled from the project's settings (in its language) and
/// `{CUSTOMER_NAME}` with the customer's name.
pub async fn fill(db: &mut SqliteConnection, conversation_id: i64, text: &str) -> Result<String> {
    type Row = (Option<i64>, Option<String>, Option<String>, String, String);
    let (project_id, project_name, language, kind, customer): Row = sqlx::query_as(
        "SELECT c.project_id, p.name, p.language, a.kind, ct.display_name
         FROM conversations c JOIN channel_accounts a ON a.id = c.channel_account_id
         JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN projects p ON p.id = c.project_id
         WHERE c.id = ?1",
    )
    .bind(conversation_id)
    .fetch_optional(&mut *db)
    .await?
    .ok_or_else(|| Error::not_found("conversation", conversation_id))?;
    let mut text = text.replace(CUSTOMER_NAME, customer.trim());
    if let (Some(project_id), Some(project_name), Some(language)) =
        (project_id, project_name, language)
    {
        // The project's facts, as its assistant settings keep them.
        type Facts = (String, String, String, String, String, String);
        let (agent_name, brand, city, whatsapp_link, catalog_url, currency): Facts =
            sqlx::query_as(
                "SELECT agent_name, brand, city, whatsapp_link, catalog_url, currency
                 FROM assistant_settings WHERE project_id = ?1",
            )
            .bind(project_id)
            .fetch_optional(&mut *db)
            .await?
            .unwrap_or_default();
        let kind: ChannelKind = parse_column("channel_accounts.kind", &kind)?;
        text = placeholders::fill(
            &text,
            &placeholders::Facts {
                agent_name: &agent_name,
                brand: &brand,
                city: &city,
                whatsapp_link: &whatsapp_link,
                catalog_url: &catalog_url,
                currency: &currency,
                project_name: &project_name,
                language: parse_column("projects.language", &language)?,
                channel: Some(kind).filter(|k| *k != ChannelKind::Simulator),
            },
        );
    }
    Ok(text)
}

/// Every quick reply as CSV: `project,name,text`, the project by name
/// (empty: every project).
pub fn to_csv(replies: &[QuickReply]) -> Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| Error::invalid(format!("CSV: {e}"));
    out.write_record(["project", "name", "text"])
        .map_err(csv_error)?;
    for reply in replies {
        out.write_record([
            reply.project_name.as_deref().unwrap_or(""),
            &reply.name,
            &reply.text,
        ])
        .map_err(csv_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::invalid(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::invalid(format!("CSV: {e}")))
}

/// Imports quick replies from CSV (`project,name,text` with a header line;
/// a comma, semicolon or tab between fields): new names are added, known
/// ones get the new text. Every line is checked first; any bad line
/// refuses the whole file with its line number, and nothing is written.
pub async fn import_csv(
    db: &mut SqliteConnection,
    now: Millis,
    csv_text: &str,
) -> Result<QuickReplyImport> {
    let text = csv_text.trim_start_matches('\u{feff}');
    let header = text.lines().next().unwrap_or("");
    let delimiter = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::invalid(format!("CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (Some(name_at), Some(text_at)) = (
        column(&["name", "название", "имя"]),
        column(&["text", "текст"]),
    ) else {
        return Err(Error::invalid(
            "the CSV needs a header line with the columns “name” and “text” (and “project”)",
        ));
    };
    let project_at = column(&["project", "проект"]);
    let projects: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM projects")
        .fetch_all(&mut *db)
        .await?;
    let mut rows: Vec<QuickReplyInput> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let at_line = |e: Error| Error::invalid(format!("line {line}: {e}"));
        let record = record.map_err(|e| Error::invalid(format!("line {line}: {e}")))?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let project = project_at
            .and_then(|at| record.get(at))
            .map(str::trim)
            .unwrap_or("");
        let project_id = if project.is_empty() {
            None
        } else {
            let found = projects
                .iter()
                .find(|(_, name)| name.trim().to_lowercase() == project.to_lowercase());
            Some(
                found
                    .ok_or_else(|| {
                        Error::invalid(format!("line {line}: no project called “{project}”"))
                    })?
                    .0,
            )
        };
        let name = clean_name(record.get(name_at).unwrap_or("")).map_err(at_line)?;
        let text = clean_text(record.get(text_at).unwrap_or("")).map_err(at_line)?;
        if rows
            .iter()
            .any(|r| r.project_id == project_id && r.name == name)
        {
            return Err(Error::invalid(format!(
                "line {line}: “/{name}” is in the file twice"
            )));
        }
        rows.push(QuickReplyInput {
            project_id,
            name,
            text,
        });
    }
    let mut report = QuickReplyImport {
        added: 0,
        updated: 0,
    };
    for row in rows {
        let known: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM quick_replies WHERE coalesce(project_id, 0) = coalesce(?1, 0) AND name = ?2",
        )
        .bind(row.project_id)
        .bind(&row.name)
        .fetch_optional(&mut *db)
        .await?;
        match known {
            Some(id) => {
                update(db, now, id, &row).await?;
                report.updated += 1;
            }
            None => {
                create(db, now, &row).await?;
                report.added += 1;
            }
        }
    }
    tracing::info!(
        added = report.added,
        updated = report.updated,
        "quick replies imported"
    );
    Ok(report)
}
