//! Replies as e-mail: From the mailbox, To the customer, "Re: subject",
//! Message-ID / In-Reply-To / References so the customer's mail program
//! threads them; the composer's attachments attached. Once the SMTP server
//! accepted a reply, a queued job appends a copy to the Sent folder.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use futures_util::TryStreamExt;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailPart, Mailbox as Address, MultiPart, SinglePart};
use serde::{Deserialize, Serialize};

use super::model::{MailError, MailProblem};
use super::net;
use super::{Account, Core};
use crate::channels::{Channel, Outgoing, SendError, Sent};
use crate::error::{Error, Result};
use crate::model::Attachment;
use crate::queue::{self, Job, JobError, JobHandler, NewJob, Queue};

pub const APPEND_JOB: &str = "email.append_sent";
pub const APPEND_JOB_VERSION: i64 = 1;

/// Folder names mail programs use for sent mail, when the server does not
/// mark one (RFC 6154).
const SENT_NAMES: &[&str] = &[
    "Sent",
    "Sent Items",
    "Sent Messages",
    "INBOX.Sent",
    "Отправленные",
];
/// References kept in a reply (the oldest and the newest matter).
const MAX_REFERENCES: usize = 20;

#[derive(Debug, Serialize, Deserialize)]
struct AppendPayload {
    message_id: i64,
}

/// A reply as an e-mail, built the same way for sending and for the Sent copy.
struct Draft {
    header_id: String,
    message: Message,
}

fn re_subject(subject: &str) -> String {
    let subject = subject.trim();
    let lower = subject.to_lowercase();
    if subject.is_empty() {
        "Re:".to_owned()
    } else if lower.starts_with("re:") || lower.starts_with("ответ:") {
        subject.to_owned()
    } else {
        format!("Re: {subject}")
    }
}

fn octet_stream() -> ContentType {
    ContentType::parse("application/octet-stream").unwrap_or(ContentType::TEXT_PLAIN)
}

fn invalid(e: impl std::fmt::Display) -> Error {
    Error::invalid(e.to_string())
}

/// The reply's own Message-ID, made once and kept, so a retried send and the
/// Sent copy carry the same one.
async fn header_id(core: &Core, account: &Account, message_id: i64, to: &str) -> Result<String> {
    let domain = account
        .stored
        .address
        .rsplit_once('@')
        .map_or("tuberry.invalid", |(_, d)| d);
    let fresh = format!("tuberry.{message_id}.{:016x}@{domain}", fastrand::u64(..));
    let mut tx = core.store.write().await?;
    sqlx::query(
        "INSERT INTO email_messages (message_id, channel_account_id, header_id, address)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(account.id)
    .bind(&fresh)
    .bind(to)
    .execute(&mut *tx)
    .await?;
    let id: String =
        sqlx::query_scalar("SELECT header_id FROM email_messages WHERE message_id = ?1")
            .bind(message_id)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(id)
}

async fn draft(core: &Core, account: &Account, message_id: i64) -> Result<Draft> {
    let (conversation_id, text, attachments, created_at, subject): (
        i64,
        String,
        String,
        i64,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT m.conversation_id, m.text, m.attachments, m.created_at, c.subject
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.id = ?1 AND m.direction = 'out'",
    )
    .bind(message_id)
    .fetch_optional(core.store.pool())
    .await?
    .ok_or_else(|| Error::not_found("outbound message", message_id))?;
    // The customer's latest mail: the one this replies to.
    let parent: Option<(String, String, String)> = sqlx::query_as(
        "SELECT e.header_id, e.refs, e.address FROM email_messages e
         JOIN messages m ON m.id = e.message_id
         WHERE m.conversation_id = ?1 AND m.direction = 'in' ORDER BY m.id DESC LIMIT 1",
    )
    .bind(conversation_id)
    .fetch_optional(core.store.pool())
    .await?;
    let to = match &parent {
        Some((_, _, address)) => address.clone(),
        None => sqlx::query_scalar(
            "SELECT i.value FROM conversations c JOIN contact_identities i ON i.contact_id = c.contact_id
             WHERE c.id = ?1 AND i.kind = 'email' ORDER BY i.id LIMIT 1",
        )
        .bind(conversation_id)
        .fetch_optional(core.store.pool())
        .await?
        .ok_or_else(|| Error::invalid("the customer has no e-mail address"))?,
    };
    let own_id = header_id(core, account, message_id, &to).await?;

    let mut builder = Message::builder()
        .from(Address::new(
            Some(account.name.clone()),
            account.stored.address.parse().map_err(invalid)?,
        ))
        .to(to.parse::<Address>().map_err(invalid)?)
        .subject(match &parent {
            Some(_) => re_subject(subject.as_deref().unwrap_or_default()),
            // A first mail (sent through the LAN API) keeps its subject.
            None => subject.clone().unwrap_or_default(),
        })
        .message_id(Some(format!("<{own_id}>")))
        .date(
            SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(created_at).unwrap_or(0)),
        )
        .user_agent("Tuberry".to_owned());
    if let Some((parent_id, refs, _)) = &parent {
        let mut chain: Vec<&str> = refs.split_whitespace().collect();
        chain.push(parent_id);
        if chain.len() > MAX_REFERENCES {
            // The thread's root and the most recent ones.
            let tail = chain.split_off(chain.len() - (MAX_REFERENCES - 1));
            chain.truncate(1);
            chain.extend(tail);
        }
        let chain: Vec<String> = chain.iter().map(|id| format!("<{id}>")).collect();
        builder = builder
            .in_reply_to(format!("<{parent_id}>"))
            .references(chain.join(" "));
    }

    let attachments: Vec<Attachment> = serde_json::from_str(&attachments)
        .map_err(|e| Error::Corrupt(format!("attachments of message {message_id}: {e}")))?;
    let mut body = text;
    let mut parts = Vec::new();
    for a in &attachments {
        match a.url.as_deref().and_then(|u| core.files.path(u).map(|_| u)) {
            Some(url) => {
                let bytes = core.files.read(url).await?;
                // A file of unknown type goes as application/octet-stream.
                let mime = a
                    .mime
                    .as_deref()
                    .and_then(|m| ContentType::parse(m).ok())
                    .unwrap_or_else(octet_stream);
                parts.push(MailPart::new(a.name.clone()).body(bytes, mime));
            }
            // A file that lives at another provider is named, not attached.
            None => body.push_str(&format!("\n📎 {}", a.name)),
        }
    }
    let message = if parts.is_empty() {
        builder.singlepart(SinglePart::plain(body))
    } else {
        let mut mixed = MultiPart::mixed().singlepart(SinglePart::plain(body));
        for part in parts {
            mixed = mixed.singlepart(part);
        }
        builder.multipart(mixed)
    }
    .map_err(invalid)?;
    Ok(Draft {
        header_id: own_id,
        message,
    })
}

/// A mailbox as the outbox's channel.
pub struct MailChannel {
    core: Arc<Core>,
    queue: Arc<Queue>,
    account_id: i64,
}

impl MailChannel {
    pub(crate) fn new(core: Arc<Core>, queue: Arc<Queue>, account_id: i64) -> Self {
        Self {
            core,
            queue,
            account_id,
        }
    }

    async fn queue_sent_copy(&self, message_id: i64) -> Result<()> {
        let mut tx = self.core.store.write().await?;
        queue::enqueue(
            &mut tx,
            self.core.clock.now_ms(),
            self.queue.settings().max_attempts,
            NewJob::new(
                APPEND_JOB,
                APPEND_JOB_VERSION,
                serde_json::json!(AppendPayload { message_id }),
                format!("{APPEND_JOB}:{message_id}"),
                format!("email:{}", self.account_id),
            ),
        )
        .await?;
        tx.commit().await?;
        self.queue.wake();
        Ok(())
    }
}

fn send_error(e: &MailError) -> SendError {
    match e.problem {
        MailProblem::Rejected => SendError::Rejected(e.message.clone()),
        MailProblem::Dns | MailProblem::Connect => SendError::Unreachable(e.message.clone()),
        _ => SendError::Transient(e.message.clone()),
    }
}

#[async_trait]
impl Channel for MailChannel {
    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError> {
        let core = &self.core;
        let account = core
            .account(self.account_id)
            .await
            .map_err(|e| SendError::Transient(e.to_string()))?;
        let draft = draft(core, &account, message.message_id)
            .await
            .map_err(|e| match e {
                Error::Invalid(m) | Error::Corrupt(m) => SendError::Rejected(m),
                other => SendError::Transient(other.to_string()),
            })?;
        let s = &account.stored;
        let mut smtp = net::smtp_session(
            &s.smtp,
            &s.login,
            &account.password,
            &core.roots,
            core.timeout(),
        )
        .await
        .map_err(|e| send_error(&e))?;
        let envelope = draft.message.envelope().clone();
        let sent = smtp.send(&envelope, &draft.message.formatted()).await;
        let _ignored = smtp.quit().await;
        sent.map_err(|e| send_error(&net::smtp_error(&e)))?;
        tracing::info!(
            account_id = self.account_id,
            message_id = message.message_id,
            "e-mail sent"
        );
        if let Err(e) = self.queue_sent_copy(message.message_id).await {
            tracing::warn!(error = %e, message_id = message.message_id, "no copy will be kept in Sent");
        }
        Ok(Sent {
            external_id: Some(draft.header_id),
        })
    }
}

/// The `email.append_sent` job: puts a copy of a sent reply in the mailbox's
/// Sent folder (the server's \Sent folder, a usual name, or a new "Sent").
pub struct AppendSentHandler {
    core: Arc<Core>,
}

impl AppendSentHandler {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

fn retry(e: MailError) -> JobError {
    JobError::Retry(e.message)
}

async fn sent_folder(session: &mut net::Session) -> Result<String, MailError> {
    let names: Vec<(String, bool)> = session
        .list(Some(""), Some("*"))
        .await
        .map_err(|e| net::imap_failure("LIST", e))?
        .map_ok(|n| {
            let marked = n
                .attributes()
                .iter()
                .any(|a| matches!(a, async_imap::types::NameAttribute::Sent));
            (net::folder_display_name(n.name()), marked)
        })
        .try_collect()
        .await
        .map_err(|e| net::imap_failure("LIST", e))?;
    if let Some((name, _)) = names.iter().find(|(_, marked)| *marked) {
        return Ok(name.clone());
    }
    for usual in SENT_NAMES {
        if let Some((name, _)) = names.iter().find(|(n, _)| n.eq_ignore_ascii_case(usual)) {
            return Ok(name.clone());
        }
    }
    session
        .create("Sent")
        .await
        .map_err(|e| net::imap_failure("CREATE", e))?;
    Ok("Sent".to_owned())
}

#[async_trait]
impl JobHandler for AppendSentHandler {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let AppendPayload { message_id } = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("bad payload: {e}")))?;
        let core = &self.core;
        let account_id: i64 =
            sqlx::query_scalar("SELECT channel_account_id FROM messages WHERE id = ?1")
                .bind(message_id)
                .fetch_optional(core.store.pool())
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?
                .ok_or_else(|| JobError::Fatal(format!("message {message_id} is gone")))?;
        let account = match core.account(account_id).await {
            Ok(account) => account,
            Err(e @ Error::NotFound { .. }) => return Err(JobError::Fatal(e.to_string())),
            Err(e) => return Err(JobError::Retry(e.to_string())),
        };
        let draft = draft(core, &account, message_id)
            .await
            .map_err(|e| JobError::Fatal(e.to_string()))?;
        let s = &account.stored;
        let limit = core.timeout();
        let mut session =
            net::imap_session(&s.imap, &s.login, &account.password, &core.roots, limit)
                .await
                .map_err(retry)?;
        let appended = tokio::time::timeout(limit * 4, async {
            let folder = sent_folder(&mut session).await?;
            net::select(&mut session, &folder).await?;
            let query = format!("HEADER Message-ID \"<{}>\"", draft.header_id);
            let there = session
                .uid_search(&query)
                .await
                .map_err(|e| net::imap_failure("SEARCH", e))?;
            if there.is_empty() {
                session
                    .append(
                        net::folder_name(&folder),
                        Some("(\\Seen)"),
                        None,
                        draft.message.formatted(),
                    )
                    .await
                    .map_err(|e| net::imap_failure("APPEND", e))?;
            }
            Ok::<_, MailError>(folder)
        })
        .await
        .map_err(|_| JobError::Retry("the IMAP server did not answer".into()))?
        .map_err(retry)?;
        let _ignored = session.logout().await;
        tracing::info!(message_id, folder = %appended, "copy kept in the Sent folder");
        Ok(())
    }
}
