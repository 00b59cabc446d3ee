//! The inbox read model: windows of conversations under a filter, counts per
//! status, one conversation with its contact and messages.

use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::model::{
    Attachment, Contact, ContactIdentity, ConversationDetail, ConversationFilter, ConversationPage,
    ConversationSort, ConversationStatus, ConversationSummary, Message, StatusCounts,
};
use crate::store::{Store, parse_column};

/// Longest window of rows one request may ask for.
pub const MAX_PAGE: u32 = 500;

/// Shortest search text that looks inside messages (the trigram index needs 3
/// characters); shorter text still matches contact names.
const MIN_TEXT_SEARCH: usize = 3;

macro_rules! summary_select {
    () => {
        "SELECT c.id, c.project_id, c.channel_account_id, a.kind AS channel_kind,
                a.name AS channel_name, c.contact_id, ct.display_name AS contact_name,
                c.subject, c.status, c.last_message_at, c.last_message_preview,
                c.last_message_direction, c.unread_count, c.created_at,
                c.assigned_person_id AS assignee_id, p.name AS assignee_name,
                (SELECT json_group_array(label_id) FROM (SELECT label_id FROM conversation_labels
                   WHERE conversation_id = c.id ORDER BY label_id)) AS label_ids,
                c.snoozed_until,
                (SELECT min(scheduled_at) FROM messages
                   WHERE conversation_id = c.id AND scheduled_at IS NOT NULL) AS next_scheduled_at
         FROM conversations c
         JOIN channel_accounts a ON a.id = c.channel_account_id
         JOIN contacts ct ON ct.id = c.contact_id
         LEFT JOIN people p ON p.id = c.assigned_person_id "
    };
}

// ?1 status, ?2 channel kind, ?3 name pattern, ?4 FTS phrase, ?5 assignee
// filter, ?6 label, ?7 contact, ?8 since, ?9 until, ?10 snoozed ones (0/1),
// ?11 now. Only the columns of `conversations_recent` and small sets found
// on their own indexes (labels, snoozed ones) are read, so the window of ids
// is found on that index alone.
macro_rules! filter_where {
    () => {
        "WHERE (?1 IS NULL OR c.status = ?1)
           AND (?2 IS NULL OR c.channel_account_id IN (SELECT id FROM channel_accounts WHERE kind = ?2))
           AND (?3 IS NULL
                OR (c.contact_id IN (SELECT id FROM contacts WHERE search_key LIKE ?3 ESCAPE '\\')
                    AND (?8 IS NULL OR c.last_message_at >= ?8) AND (?9 IS NULL OR c.last_message_at < ?9))
                OR (?4 IS NOT NULL AND c.id IN (
                      SELECT m.conversation_id FROM messages m
                      WHERE m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?4)
                        AND (?8 IS NULL OR m.created_at >= ?8) AND (?9 IS NULL OR m.created_at < ?9))))
           AND (?3 IS NOT NULL
                OR ((?8 IS NULL OR c.last_message_at >= ?8) AND (?9 IS NULL OR c.last_message_at < ?9)))
           AND (?5 IS NULL
                OR (?5 = 'unassigned' AND c.assigned_person_id IS NULL)
                OR (?5 = 'mine' AND c.assigned_person_id =
                      (SELECT id FROM people WHERE role = 'owner' AND removed_at IS NULL)))
           AND (?6 IS NULL OR c.id IN (SELECT conversation_id FROM conversation_labels WHERE label_id = ?6))
           AND (?7 IS NULL OR c.contact_id = ?7) "
    };
}

/// The snoozed ones (?10 = 1) or the others (?11 now): a small set on its
/// partial index, checked against each row of a window.
macro_rules! snooze_where {
    () => {
        "AND (CASE WHEN ?10 THEN c.id IN (SELECT id FROM conversations WHERE snoozed_until > ?11)
                ELSE c.id NOT IN (SELECT id FROM conversations WHERE snoozed_until > ?11) END) "
    };
}

/// Counts under the filter: every row (the snooze's parameters named
/// only so the numbering holds), and the snoozed ones alone, found from
/// their own index. The others are the difference: no row is checked
/// against the snoozed set one by one.
macro_rules! counts {
    ($extra:expr) => {
        (
            concat!(
                "SELECT count(*) FROM conversations c ",
                filter_where!(),
                $extra,
                "AND (?10 IS NULL OR ?11 IS NULL OR 1) "
            ),
            concat!(
                "SELECT count(*) FROM conversations c ",
                filter_where!(),
                $extra,
                "AND (?10 IS NULL OR 1) AND c.id IN (SELECT id FROM conversations WHERE snoozed_until > ?11) "
            ),
        )
    };
}

/// Only the conversations where the customer waits for an answer (what
/// the "waiting longest" order lists), on their own partial index.
macro_rules! waiting_where {
    () => {
        "AND c.last_message_direction = 'in' AND c.status <> 'closed' "
    };
}

/// A window of the list in one order: ids on the index first (narrow rows),
/// then only those joined.
macro_rules! window {
    ($extra:expr, $order:expr) => {
        concat!(
            summary_select!(),
            "WHERE c.id IN (SELECT c.id FROM conversations c ",
            filter_where!(),
            snooze_where!(),
            $extra,
            "ORDER BY ",
            $order,
            " LIMIT ?12 OFFSET ?13) ORDER BY ",
            $order
        )
    };
}

#[derive(FromRow)]
struct SummaryRow {
    id: i64,
    project_id: Option<i64>,
    channel_account_id: i64,
    channel_kind: String,
    channel_name: String,
    contact_id: i64,
    contact_name: String,
    subject: Option<String>,
    status: String,
    last_message_at: Millis,
    last_message_preview: String,
    last_message_direction: Option<String>,
    unread_count: i64,
    created_at: Millis,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    label_ids: String,
    snoozed_until: Option<Millis>,
    next_scheduled_at: Option<Millis>,
}

impl SummaryRow {
    fn into_model(self) -> Result<ConversationSummary> {
        Ok(ConversationSummary {
            id: self.id,
            project_id: self.project_id,
            channel_account_id: self.channel_account_id,
            channel_kind: parse_column("channel_accounts.kind", &self.channel_kind)?,
            channel_name: self.channel_name,
            contact_id: self.contact_id,
            contact_name: self.contact_name,
            subject: self.subject,
            status: parse_column("conversations.status", &self.status)?,
            last_message_at: self.last_message_at,
            last_message_preview: self.last_message_preview,
            last_message_direction: self
                .last_message_direction
                .as_deref()
                .map(|d| parse_column("conversations.last_message_direction", d))
                .transpose()?,
            unread_count: self.unread_count,
            created_at: self.created_at,
            assignee_id: self.assignee_id,
            assignee_name: self.assignee_name,
            label_ids: serde_json::from_str(&self.label_ids)
                .map_err(|e| Error::Corrupt(format!("labels of conversation {}: {e}", self.id)))?,
            snoozed_until: self.snoozed_until,
            next_scheduled_at: self.next_scheduled_at,
        })
    }
}

#[derive(FromRow)]
struct MessageRow {
    id: i64,
    conversation_id: i64,
    direction: String,
    author_kind: String,
    author_name: Option<String>,
    text: String,
    attachments: String,
    delivery: Option<String>,
    delivery_error: Option<String>,
    created_at: Millis,
    sent_at: Option<Millis>,
    quoted: Option<String>,
    has_html: bool,
    held: bool,
    edited_at: Option<Millis>,
    deleted_at: Option<Millis>,
    read_at: Option<Millis>,
    reaction: Option<String>,
    assigned_to_name: Option<String>,
    scheduled_at: Option<Millis>,
    original_text: Option<String>,
    edit_error: Option<String>,
}

macro_rules! message_select {
    () => {
        "SELECT id, conversation_id, direction, author_kind, author_name, text,
                attachments, delivery, delivery_error, created_at, sent_at,
                coalesce(quoted, (SELECT r.text FROM messages r WHERE r.id = messages.reply_to_id)) AS quoted,
                (held_at IS NOT NULL AND delivery = 'pending') AS held, has_html,
                edited_at, deleted_at, read_at, reaction, assigned_to_name, scheduled_at,
                (SELECT e.text FROM message_edits e WHERE e.message_id = messages.id
                 ORDER BY e.id LIMIT 1) AS original_text, edit_error
         FROM messages "
    };
}

impl MessageRow {
    fn into_model(self) -> Result<Message> {
        let attachments: Vec<Attachment> = serde_json::from_str(&self.attachments)
            .map_err(|e| Error::Corrupt(format!("attachments of message {}: {e}", self.id)))?;
        Ok(Message {
            id: self.id,
            conversation_id: self.conversation_id,
            direction: parse_column("messages.direction", &self.direction)?,
            author_kind: parse_column("messages.author_kind", &self.author_kind)?,
            author_name: self.author_name,
            text: self.text,
            attachments,
            delivery: self
                .delivery
                .as_deref()
                .map(|d| parse_column("messages.delivery", d))
                .transpose()?,
            delivery_error: self.delivery_error,
            created_at: self.created_at,
            sent_at: self.sent_at,
            quoted: self.quoted,
            has_html: self.has_html,
            held: self.held,
            edited_at: self.edited_at,
            deleted_at: self.deleted_at,
            read_at: self.read_at,
            reaction: self.reaction,
            assigned_to: self.assigned_to_name,
            scheduled_at: self.scheduled_at,
            original_text: self.original_text,
            edit_error: self.edit_error,
        })
    }
}

/// Search text as a LIKE pattern over folded names, and as an FTS phrase.
fn search_terms(search: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(text) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return (None, None);
    };
    let folded = text.to_lowercase();
    let escaped = folded
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let like = format!("%{escaped}%");
    let phrase = (text.chars().count() >= MIN_TEXT_SEARCH)
        .then(|| format!("\"{}\"", text.replace('"', "\"\"")));
    (Some(like), phrase)
}

/// The count of the whole list when nothing but its status (or the
/// waiting ones' order) narrows it, the inbox's usual view: a query one of
/// the indexes answers, with the status to bind (`None`: any).
fn unfiltered_count(
    filter: &ConversationFilter,
    sort: ConversationSort,
) -> Option<(&'static str, Option<&'static str>)> {
    let narrowed = filter.assignee.is_some()
        || filter.channel.is_some()
        || filter
            .search
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
        || filter.label_id.is_some()
        || filter.contact_id.is_some()
        || filter.since.is_some()
        || filter.until.is_some();
    if narrowed {
        return None;
    }
    let status = filter.status.map(|s| s.as_str());
    let sql = match (sort, status) {
        (ConversationSort::Waiting, None) => {
            "SELECT count(*) FROM conversations
             WHERE last_message_direction = 'in' AND status <> 'closed'"
        }
        (ConversationSort::Waiting, Some(_)) => {
            "SELECT count(*) FROM conversations
             WHERE last_message_direction = 'in' AND status <> 'closed' AND status = ?1"
        }
        // SQLite counts a whole table on its narrowest index.
        (_, None) => "SELECT count(*) FROM conversations",
        (_, Some(_)) => "SELECT count(*) FROM conversations WHERE status = ?1",
    };
    Some((sql, status))
}

pub async fn list_conversations(
    store: &Store,
    now: Millis,
    filter: &ConversationFilter,
) -> Result<ConversationPage> {
    let limit = match filter.limit {
        0 => 100,
        n => n.min(MAX_PAGE),
    };
    let (like, phrase) = search_terms(filter.search.as_deref());
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since >= until
    {
        return Err(Error::invalid("the period ends before it starts"));
    }
    let sort = filter.sort.unwrap_or(ConversationSort::Recent);
    let ((all_sql, snoozed_sql), window_sql) = match sort {
        ConversationSort::Recent => (
            counts!(""),
            window!("", "c.last_message_at DESC, c.id DESC"),
        ),
        ConversationSort::Unread => (
            counts!(""),
            window!(
                "",
                "(c.unread_count > 0) DESC, c.last_message_at DESC, c.id DESC"
            ),
        ),
        ConversationSort::Waiting => (
            counts!(waiting_where!()),
            window!(waiting_where!(), "c.last_message_at ASC, c.id ASC"),
        ),
    };
    macro_rules! bind_filter {
        ($query:expr) => {
            $query
                .bind(filter.status.map(|s| s.as_str()))
                .bind(filter.channel.map(|c| c.as_str()))
                .bind(&like)
                .bind(&phrase)
                .bind(filter.assignee.map(|a| a.as_str()))
                .bind(filter.label_id)
                .bind(filter.contact_id)
                .bind(filter.since)
                .bind(filter.until)
                .bind(filter.snoozed)
                .bind(now)
        };
    }
    let pool = store.pool();
    let snoozed: i64 = bind_filter!(sqlx::query_scalar(snoozed_sql))
        .fetch_one(pool)
        .await?;
    let total = if filter.snoozed {
        snoozed
    } else {
        let all: i64 = match unfiltered_count(filter, sort) {
            // Counted on an index, not row by row against every filter.
            Some((sql, Some(status))) => {
                sqlx::query_scalar(sql).bind(status).fetch_one(pool).await?
            }
            Some((sql, None)) => sqlx::query_scalar(sql).fetch_one(pool).await?,
            None => {
                bind_filter!(sqlx::query_scalar(all_sql))
                    .fetch_one(pool)
                    .await?
            }
        };
        all - snoozed
    };
    let rows: Vec<SummaryRow> = bind_filter!(sqlx::query_as(window_sql))
        .bind(i64::from(limit))
        .bind(i64::from(filter.offset))
        .fetch_all(pool)
        .await?;

    Ok(ConversationPage {
        total: u32::try_from(total).unwrap_or(u32::MAX),
        offset: filter.offset,
        items: rows
            .into_iter()
            .map(SummaryRow::into_model)
            .collect::<Result<_>>()?,
    })
}

/// Conversations per status, the snoozed ones apart (they are out of the
/// list until they come back).
pub async fn status_counts(store: &Store, now: Millis) -> Result<StatusCounts> {
    // Every conversation by status from its index, less the snoozed ones
    // found from theirs.
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM conversations GROUP BY status")
            .fetch_all(store.pool())
            .await?;
    let away: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, count(*) FROM conversations INDEXED BY conversations_snoozed
         WHERE snoozed_until > ?1 GROUP BY status",
    )
    .bind(now)
    .fetch_all(store.pool())
    .await?;
    let snoozed: i64 = away.iter().map(|(_, n)| n).sum();
    let rows = rows.into_iter().map(|(status, n)| {
        let less = away
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n);
        (status, n - less)
    });
    let mut counts = StatusCounts {
        snoozed: u32::try_from(snoozed).unwrap_or(u32::MAX),
        ..StatusCounts::default()
    };
    for (status, n) in rows {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        counts.all += n;
        match parse_column("conversations.status", &status)? {
            ConversationStatus::AwaitingResponse => counts.awaiting_response = n,
            ConversationStatus::AnsweredByAssistant => counts.answered_by_assistant = n,
            ConversationStatus::NeedsHuman => counts.needs_human = n,
            ConversationStatus::Closed => counts.closed = n,
        }
    }
    Ok(counts)
}

pub async fn conversation_summary(
    db: impl SqliteExecutor<'_>,
    id: i64,
) -> Result<ConversationSummary> {
    let row: Option<SummaryRow> = sqlx::query_as(concat!(summary_select!(), "WHERE c.id = ?1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.ok_or_else(|| Error::not_found("conversation", id))?
        .into_model()
}

/// The summaries of the conversations `ids` (those that exist), in no set order.
pub async fn conversation_summaries(
    db: impl SqliteExecutor<'_>,
    ids: &[i64],
) -> Result<Vec<ConversationSummary>> {
    let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
        summary_select!(),
        "WHERE c.id IN (SELECT value FROM json_each(?1))"
    ))
    .bind(ids)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(SummaryRow::into_model).collect()
}

/// The messages `ids` (those that exist), oldest first.
pub async fn messages(db: impl SqliteExecutor<'_>, ids: &[i64]) -> Result<Vec<Message>> {
    let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        message_select!(),
        "WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id"
    ))
    .bind(ids)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(MessageRow::into_model).collect()
}

pub async fn message(db: impl SqliteExecutor<'_>, id: i64) -> Result<Message> {
    let row: Option<MessageRow> = sqlx::query_as(concat!(message_select!(), "WHERE id = ?1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.ok_or_else(|| Error::not_found("message", id))?
        .into_model()
}

pub async fn contact(store: &Store, id: i64) -> Result<Contact> {
    #[derive(FromRow)]
    struct ContactRow {
        id: i64,
        display_name: String,
        phone: Option<String>,
        email: Option<String>,
        note: Option<String>,
        created_at: Millis,
        conversation_count: i64,
    }
    let row: ContactRow = sqlx::query_as(
        "SELECT id, display_name, phone, email, note, created_at,
                (SELECT count(*) FROM conversations WHERE contact_id = contacts.id) AS conversation_count
         FROM contacts WHERE id = ?1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| Error::not_found("contact", id))?;
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, value FROM contact_identities WHERE contact_id = ?1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    Ok(Contact {
        id: row.id,
        display_name: row.display_name,
        phone: row.phone,
        email: row.email,
        note: row.note,
        created_at: row.created_at,
        conversation_count: row.conversation_count,
        identities: identities
            .into_iter()
            .map(|(kind, value)| {
                Ok(ContactIdentity {
                    kind: parse_column("contact_identities.kind", &kind)?,
                    value,
                })
            })
            .collect::<Result<_>>()?,
    })
}

pub async fn conversation_detail(store: &Store, id: i64) -> Result<ConversationDetail> {
    let conversation = conversation_summary(store.pool(), id).await?;
    let contact = contact(store, conversation.contact_id).await?;
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        message_select!(),
        // As written: a reply scheduled for later waits at the end, and
        // takes its place among the others when it goes.
        "WHERE conversation_id = ?1 ORDER BY coalesce(scheduled_at, created_at), id"
    ))
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    let notes: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, conversation_id, author_name, text, created_at FROM notes WHERE conversation_id = ?1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    Ok(ConversationDetail {
        conversation,
        contact,
        // The channel fills in what it knows (see `Adapter::listing`).
        listing: None,
        messages: rows
            .into_iter()
            .map(MessageRow::into_model)
            .collect::<Result<_>>()?,
        notes: notes
            .into_iter()
            .map(
                |(id, conversation_id, author_name, text, created_at)| crate::model::Note {
                    id,
                    conversation_id,
                    author_name,
                    text,
                    created_at,
                },
            )
            .collect(),
    })
}

/// Sets a conversation's status by hand (a person closed or reopened it);
/// returns the status it had.
pub async fn set_status(
    db: &mut SqliteConnection,
    conversation_id: i64,
    status: ConversationStatus,
    now: Millis,
) -> Result<ConversationStatus> {
    let previous: String = sqlx::query_scalar("SELECT status FROM conversations WHERE id = ?1")
        .bind(conversation_id)
        .fetch_optional(&mut *db)
        .await?
        .ok_or_else(|| Error::not_found("conversation", conversation_id))?;
    sqlx::query("UPDATE conversations SET status = ?2, updated_at = ?3 WHERE id = ?1")
        .bind(conversation_id)
        .bind(status.as_str())
        .bind(now)
        .execute(&mut *db)
        .await?;
    parse_column("conversations.status", &previous)
}
