//! A project's catalogue: an uploaded PDF, CSV or spreadsheet parsed into
//! rows, kept in SQLite with a word index, and searched for the rows that
//! match a customer's question. A new upload replaces the old one whole, in
//! one transaction; a refused upload leaves it as it was.

pub mod parse;
mod pdf;

use sqlx::{FromRow, SqliteConnection};

use super::model::{
    Catalogue, CatalogueFormat, CatalogueImport, CataloguePage, CatalogueProblem, CatalogueRow,
    ImportStage, UsedRow,
};
use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventBus};
use crate::store::{Store, parse_column};
use parse::{Format, ParseError};

/// Rows one page of the catalogue view may ask for.
pub const MAX_PAGE: u32 = 500;
/// Rows a prompt carries at most.
pub const PROMPT_ROWS: u32 = 8;

fn format_of(format: Format) -> CatalogueFormat {
    match format {
        Format::Pdf => CatalogueFormat::Pdf,
        Format::Csv => CatalogueFormat::Csv,
        Format::Xlsx => CatalogueFormat::Xlsx,
        Format::Xls => CatalogueFormat::Xls,
    }
}

fn refused(e: &ParseError) -> CatalogueImport {
    let problem = match e {
        ParseError::Empty => CatalogueProblem::Empty,
        ParseError::Unsupported { .. } => CatalogueProblem::Unsupported,
        ParseError::TooLarge { .. } => CatalogueProblem::TooLarge,
        ParseError::Unreadable { .. } => CatalogueProblem::Unreadable,
        ParseError::NoRows => CatalogueProblem::NoRows,
    };
    CatalogueImport::Refused {
        problem,
        detail: e.to_string(),
        max_bytes: u32::try_from(parse::MAX_FILE_BYTES).unwrap_or(u32::MAX),
    }
}

fn progress(bus: &EventBus, project_id: i64, stage: ImportStage, done: u32, total: u32) {
    bus.publish(EngineEvent::CatalogueProgress {
        project_id,
        stage,
        done,
        total,
    });
}

/// Parses `bytes` (named `file_name`) and makes it the project's catalogue.
pub async fn import(
    store: &Store,
    clock: &SharedClock,
    bus: &EventBus,
    project_id: i64,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<CatalogueImport> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE id = ?1")
        .bind(project_id)
        .fetch_optional(store.pool())
        .await?;
    exists.ok_or_else(|| Error::not_found("project", project_id))?;
    let name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    progress(bus, project_id, ImportStage::Parsing, 0, 1);
    let parsed = {
        let (bus, file) = (bus.clone(), name.clone());
        tokio::task::spawn_blocking(move || {
            let mut last = std::time::Instant::now();
            parse::parse(&file, &bytes, &mut |done, total| {
                if last.elapsed().as_millis() >= 100 || done == total {
                    last = std::time::Instant::now();
                    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
                    progress(&bus, project_id, ImportStage::Parsing, n(done), n(total));
                }
            })
        })
        .await
        .map_err(|e| Error::invalid(format!("reading “{name}” stopped: {e}")))?
    };
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            tracing::info!(project_id, file = %name, error = %e, "catalogue refused");
            progress(bus, project_id, ImportStage::Failed, 0, 0);
            return Ok(refused(&e));
        }
    };
    let total = u32::try_from(parsed.rows.len()).unwrap_or(u32::MAX);
    progress(bus, project_id, ImportStage::Storing, 0, total);
    let now = clock.now_ms();
    let mut tx = store.write().await?;
    sqlx::query("DELETE FROM catalogue_rows WHERE project_id = ?1")
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
    for (position, row) in parsed.rows.iter().enumerate() {
        let cells = serde_json::to_string(&row.cells)
            .map_err(|e| Error::invalid(format!("catalogue row: {e}")))?;
        sqlx::query(
            "INSERT INTO catalogue_rows (project_id, position, sheet, cells, text) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(project_id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(&row.sheet)
        .bind(cells)
        .bind(&row.text)
        .execute(&mut *tx)
        .await?;
    }
    let columns = serde_json::to_string(&parsed.columns)
        .map_err(|e| Error::invalid(format!("catalogue columns: {e}")))?;
    sqlx::query(
        "INSERT INTO catalogues (project_id, file_name, format, size, columns, row_count, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (project_id) DO UPDATE SET file_name = ?2, format = ?3, size = ?4, columns = ?5,
                row_count = ?6, imported_at = ?7",
    )
    .bind(project_id)
    .bind(&name)
    .bind(format_of(parsed.format).as_str())
    .bind(size)
    .bind(columns)
    .bind(i64::from(total))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(
        project_id,
        rows = total,
        format = parsed.format.as_str(),
        "catalogue imported"
    );
    progress(bus, project_id, ImportStage::Done, total, total);
    let catalogue = get(store, project_id)
        .await?
        .ok_or_else(|| Error::not_found("catalogue", project_id))?;
    Ok(CatalogueImport::Imported { catalogue })
}

#[derive(FromRow)]
struct CatalogueRowDb {
    file_name: String,
    format: String,
    size: i64,
    columns: String,
    row_count: i64,
    imported_at: Millis,
}

pub async fn get(store: &Store, project_id: i64) -> Result<Option<Catalogue>> {
    let row: Option<CatalogueRowDb> = sqlx::query_as(
        "SELECT file_name, format, size, columns, row_count, imported_at FROM catalogues WHERE project_id = ?1",
    )
    .bind(project_id)
    .fetch_optional(store.pool())
    .await?;
    row.map(|r| {
        Ok(Catalogue {
            project_id,
            file_name: r.file_name,
            format: parse_column("catalogues.format", &r.format)?,
            size: r.size,
            columns: serde_json::from_str(&r.columns)
                .map_err(|e| Error::Corrupt(format!("catalogue columns: {e}")))?,
            row_count: u32::try_from(r.row_count).unwrap_or(0),
            imported_at: r.imported_at,
        })
    })
    .transpose()
}

/// Removes the project's catalogue.
pub async fn remove(store: &Store, project_id: i64) -> Result<()> {
    let mut tx = store.write().await?;
    sqlx::query("DELETE FROM catalogue_rows WHERE project_id = ?1")
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM catalogues WHERE project_id = ?1")
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Words rarely worth searching for.
const STOP_WORDS: &[&str] = &[
    "и", "в", "во", "на", "с", "со", "а", "но", "по", "за", "из", "к", "у", "о", "об", "от", "до",
    "не", "ли", "же", "бы", "как", "что", "это", "есть", "вас", "вы", "мне", "я", "мы", "он",
    "она", "the", "a", "an", "is", "are", "do", "you", "have", "of", "to", "in", "on", "for", "it",
    "and", "or", "can", "i", "me", "my", "your", "how", "what",
];

/// An FTS query matching any word of `text`, each cut to a stem-like prefix
/// so "диваны" finds "диван" and "sofas" finds "sofa".
pub fn match_query(text: &str) -> Option<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 2 && !STOP_WORDS.contains(&w.as_str()))
    {
        let n = word.chars().count();
        let keep = match n {
            0..=4 => n,
            5..=6 => n - 1,
            _ => n - 2,
        };
        let stem: String = word.chars().take(keep).collect();
        let term = format!("\"{stem}\"*");
        if !terms.contains(&term) {
            terms.push(term);
        }
        if terms.len() == 24 {
            break;
        }
    }
    (!terms.is_empty()).then(|| terms.join(" OR "))
}

/// The rows that best match `text`, best first.
pub async fn search(
    db: &mut SqliteConnection,
    project_id: i64,
    text: &str,
    limit: u32,
) -> Result<Vec<UsedRow>> {
    let Some(query) = match_query(text) else {
        return Ok(Vec::new());
    };
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT r.id, r.text FROM catalogue_fts f JOIN catalogue_rows r ON r.id = f.rowid
         WHERE catalogue_fts MATCH ?1 AND r.project_id = ?2
         ORDER BY bm25(catalogue_fts), r.position LIMIT ?3",
    )
    .bind(query)
    .bind(project_id)
    .bind(i64::from(limit))
    .fetch_all(&mut *db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, text)| UsedRow { id, text })
        .collect())
}

#[derive(FromRow)]
struct RowDb {
    id: i64,
    position: i64,
    sheet: Option<String>,
    cells: String,
    text: String,
}

/// A window of the catalogue, in file order, or the rows matching `search`
/// (best first).
pub async fn rows(
    store: &Store,
    project_id: i64,
    search: Option<&str>,
    offset: u32,
    limit: u32,
) -> Result<CataloguePage> {
    let limit = i64::from(limit.clamp(1, MAX_PAGE));
    let query = search.and_then(match_query);
    let (total, rows): (i64, Vec<RowDb>) = match &query {
        None => (
            sqlx::query_scalar("SELECT count(*) FROM catalogue_rows WHERE project_id = ?1")
                .bind(project_id)
                .fetch_one(store.pool())
                .await?,
            sqlx::query_as(
                "SELECT id, position, sheet, cells, text FROM catalogue_rows WHERE project_id = ?1
                 ORDER BY position LIMIT ?2 OFFSET ?3",
            )
            .bind(project_id)
            .bind(limit)
            .bind(i64::from(offset))
            .fetch_all(store.pool())
            .await?,
        ),
        Some(q) => (
            sqlx::query_scalar(
                "SELECT count(*) FROM catalogue_fts f JOIN catalogue_rows r ON r.id = f.rowid
                 WHERE catalogue_fts MATCH ?1 AND r.project_id = ?2",
            )
            .bind(q)
            .bind(project_id)
            .fetch_one(store.pool())
            .await?,
            sqlx::query_as(
                "SELECT r.id, r.position, r.sheet, r.cells, r.text FROM catalogue_fts f
                 JOIN catalogue_rows r ON r.id = f.rowid
                 WHERE catalogue_fts MATCH ?1 AND r.project_id = ?2
                 ORDER BY bm25(catalogue_fts), r.position LIMIT ?3 OFFSET ?4",
            )
            .bind(q)
            .bind(project_id)
            .bind(limit)
            .bind(i64::from(offset))
            .fetch_all(store.pool())
            .await?,
        ),
    };
    Ok(CataloguePage {
        total: u32::try_from(total).unwrap_or(0),
        rows: rows
            .into_iter()
            .map(|r| {
                Ok(CatalogueRow {
                    id: r.id,
                    position: u32::try_from(r.position).unwrap_or(0),
                    sheet: r.sheet,
                    cells: serde_json::from_str(&r.cells)
                        .map_err(|e| Error::Corrupt(format!("catalogue row {}: {e}", r.id)))?,
                    text: r.text,
                })
            })
            .collect::<Result<_>>()?,
    })
}
