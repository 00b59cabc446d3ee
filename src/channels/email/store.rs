//! One fetched e-mail into the store: which conversation it continues, the
//! message with its attachments, and the headers later mail threads by.
//!
//! Threading: a mail that names a known message in In-Reply-To or References
//! continues that message's conversation; otherwise one from the same address
//! with the same subject (less "Re:") does; otherwise it starts a conversation
//! whose thread id is its own Message-ID.

use sqlx::SqliteConnection;

use super::parse::{self, ParsedMail};
use super::{Account, Core};
use crate::error::Result;
use crate::model::{Attachment, AttachmentKind, ContactIdentity, IdentityKind, IngestOutcome};
use crate::relay::{Inbound, MAX_TEXT, Relay};

/// Why a fetched mail did not become a customer message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Skip {
    /// A bounce, an out-of-office or another machine's mail.
    Automatic,
    /// The shop's own mail (a copy of a reply, mail to itself).
    Own,
    /// Not a readable e-mail.
    Unreadable,
}

pub(super) enum Outcome {
    Stored(IngestOutcome),
    Skipped(Skip),
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// The thread a mail continues, if any.
async fn thread_of(
    db: &mut SqliteConnection,
    account_id: i64,
    mail: &ParsedMail,
    subject: &str,
) -> Result<Option<String>> {
    let mut named: Vec<&str> = mail.in_reply_to.iter().map(String::as_str).collect();
    named.extend(mail.references.iter().rev().map(String::as_str));
    if !named.is_empty() {
        let ids = serde_json::to_string(&named).unwrap_or_else(|_| "[]".into());
        let found: Option<String> = sqlx::query_scalar(
            "SELECT c.external_thread_id FROM email_messages e
             JOIN messages m ON m.id = e.message_id
             JOIN conversations c ON c.id = m.conversation_id
             WHERE e.channel_account_id = ?1 AND e.header_id IN (SELECT value FROM json_each(?2))
             ORDER BY m.id DESC LIMIT 1",
        )
        .bind(account_id)
        .bind(ids)
        .fetch_optional(&mut *db)
        .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    if subject.is_empty() {
        return Ok(None);
    }
    let sender = mail.reply_to.as_deref().unwrap_or(&mail.from_address);
    Ok(sqlx::query_scalar(
        "SELECT c.external_thread_id FROM email_messages e
         JOIN messages m ON m.id = e.message_id
         JOIN conversations c ON c.id = m.conversation_id
         WHERE e.channel_account_id = ?1 AND e.thread_subject = ?2 AND e.address IN (?3, ?4)
         ORDER BY m.id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(subject)
    .bind(sender)
    .bind(&mail.from_address)
    .fetch_optional(&mut *db)
    .await?)
}

/// Stores one raw e-mail inside the caller's transaction. The same mail
/// fetched again (same Message-ID) is recognised and changes nothing.
pub(super) async fn store_mail(
    core: &Core,
    relay: &Relay,
    db: &mut SqliteConnection,
    account: &Account,
    raw: &[u8],
) -> Result<Outcome> {
    let mail = match parse::parse(raw) {
        Ok(mail) => mail,
        Err(e) => {
            tracing::warn!(account_id = account.id, error = %e, "an e-mail could not be read; skipped");
            let no_sender = matches!(e, parse::ParseError::NoSender);
            relay.count_skip_in(&mut *db, account.id, no_sender).await?;
            return Ok(Outcome::Skipped(Skip::Unreadable));
        }
    };
    if mail.automatic {
        return Ok(Outcome::Skipped(Skip::Automatic));
    }
    if mail.from_address == account.stored.address {
        return Ok(Outcome::Skipped(Skip::Own));
    }
    let own: Option<i64> = sqlx::query_scalar(
        "SELECT e.message_id FROM email_messages e JOIN messages m ON m.id = e.message_id
         WHERE e.channel_account_id = ?1 AND e.header_id = ?2 AND m.direction = 'out'",
    )
    .bind(account.id)
    .bind(&mail.message_id)
    .fetch_optional(&mut *db)
    .await?;
    if own.is_some() {
        return Ok(Outcome::Skipped(Skip::Own));
    }

    let subject = parse::thread_subject(&mail.subject);
    let thread = thread_of(db, account.id, &mail, &subject)
        .await?
        .unwrap_or_else(|| mail.message_id.clone());
    let mut attachments = Vec::with_capacity(mail.attachments.len());
    for a in &mail.attachments {
        let url = core.files.put(&a.bytes).await?;
        attachments.push(Attachment {
            kind: AttachmentKind::from_mime(&a.mime),
            name: a.name.clone(),
            mime: Some(a.mime.clone()),
            url: Some(url),
            size: i64::try_from(a.bytes.len()).ok(),
        });
    }
    let mut text = cut(&mail.text, MAX_TEXT);
    if text.trim().is_empty() && attachments.is_empty() {
        text = if mail.subject.is_empty() {
            "(empty message)".to_owned()
        } else {
            mail.subject.clone()
        };
    }
    let inbound = Inbound {
        channel_account_id: account.id,
        external_message_id: mail.message_id.clone(),
        external_thread_id: thread,
        sender: ContactIdentity {
            kind: IdentityKind::Email,
            value: mail.from_address.clone(),
        },
        sender_name: mail.from_name.clone(),
        subject: (!mail.subject.is_empty()).then(|| mail.subject.clone()),
        text,
        attachments,
        sent_at: mail.date_ms,
    }
    .validate()?;
    let outcome = relay.ingest_in(&mut *db, &inbound).await?;
    if outcome.duplicate {
        return Ok(Outcome::Stored(outcome));
    }
    let mut refs = mail.references.clone();
    for id in &mail.in_reply_to {
        if !refs.contains(id) {
            refs.push(id.clone());
        }
    }
    sqlx::query(
        "INSERT INTO email_messages (message_id, channel_account_id, header_id, refs, thread_subject, address, html)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(outcome.message_id)
    .bind(account.id)
    .bind(&mail.message_id)
    .bind(refs.join(" "))
    .bind(&subject)
    .bind(mail.reply_to.as_deref().unwrap_or(&mail.from_address))
    .bind(mail.html.as_deref())
    .execute(&mut *db)
    .await?;
    // A plain mail without quoted history keeps the row ingest wrote.
    if mail.html.is_some() || mail.quoted.is_some() {
        sqlx::query("UPDATE messages SET has_html = ?2, quoted = ?3 WHERE id = ?1")
            .bind(outcome.message_id)
            .bind(mail.html.is_some())
            .bind(mail.quoted.as_deref().map(|q| cut(q, MAX_TEXT)))
            .execute(&mut *db)
            .await?;
    }
    Ok(Outcome::Stored(outcome))
}
