//! What the desktop window and the command line can ask of the engine. Each
//! function is a few lines over the engine and answers with an [`ApiError`]
//! carrying a small closed code; the desktop's commands wrap these one to one.

use crate::channels::Account;
use crate::channels::avito::model::{AvitoAccount, AvitoConnect, AvitoInput};
use crate::channels::email::model::{ConnectionReport, MailServers, Mailbox, MailboxInput};
use crate::channels::telegram_bot::BotInput;
use crate::engine::Engine;
use crate::error::{ApiError, Error};
use crate::inbox;
use crate::model::{
    AppInfo, Attachment, AttachmentKind, AuthorKind, ChannelAccount, Contact, ContactMatch,
    ConversationDetail, ConversationFilter, ConversationPage, ConversationStatus,
    ConversationSummary, IngestOutcome, Message, SimulatorEntry, StatusCounts,
};
use crate::operators::model::{Project, ProjectInput};
use crate::outbox::Reply;

mod assistant;
mod backup;
mod daily;
mod dashboard;
mod desktop;
mod guardrails;
mod health;
mod secret_refs;
mod support;
mod team;
mod telegram_accounts;
mod tokens;
mod whatsapp;
mod whatsapp_cloud;

pub use assistant::*;
pub use backup::*;
pub use daily::*;
pub use dashboard::*;
pub use desktop::*;
pub use guardrails::*;
pub use health::*;
pub use support::{SCRUBBED, Scrubber, folder_of_saved_file, support_bundle};
pub use team::*;
pub use telegram_accounts::*;
pub use tokens::*;
pub use whatsapp::*;
pub use whatsapp_cloud::*;

pub type ApiResult<T> = Result<T, ApiError>;

pub async fn list_conversations(
    engine: &Engine,
    filter: ConversationFilter,
) -> ApiResult<ConversationPage> {
    let now = engine.clock().now_ms();
    Ok(inbox::list_conversations(engine.store(), now, &filter).await?)
}

pub async fn status_counts(engine: &Engine) -> ApiResult<StatusCounts> {
    Ok(inbox::status_counts(engine.store(), engine.clock().now_ms()).await?)
}

pub async fn get_conversation(
    engine: &Engine,
    conversation_id: i64,
) -> ApiResult<ConversationDetail> {
    let mut detail = inbox::conversation_detail(engine.store(), conversation_id).await?;
    detail.listing = engine
        .channels()
        .listing(engine.store(), conversation_id)
        .await?;
    Ok(detail)
}

/// Every connected channel account of every kind, with its state.
pub async fn list_accounts(engine: &Engine) -> ApiResult<Vec<Account>> {
    Ok(engine.channels().accounts(engine.store()).await?)
}

pub async fn mark_read(engine: &Engine, conversation_id: i64) -> ApiResult<()> {
    let changed =
        sqlx::query("UPDATE conversations SET unread_count = 0 WHERE id = ?1 AND unread_count > 0")
            .bind(conversation_id)
            .execute(engine.store().pool())
            .await
            .map_err(Error::from)?
            .rows_affected();
    if changed > 0 {
        engine.relay().publish_conversation(conversation_id).await;
    }
    Ok(())
}

/// A manager's reply from the desktop or the command line.
pub async fn send_reply(engine: &Engine, conversation_id: i64, text: String) -> ApiResult<Message> {
    send_reply_with_files(engine, conversation_id, text, Vec::new(), None, None).await
}

/// A manager's reply with files from the composer (see [`upload_attachment`]),
/// answering message `reply_to` of the conversation when given.
pub async fn send_reply_with_files(
    engine: &Engine,
    conversation_id: i64,
    text: String,
    attachments: Vec<Attachment>,
    reply_to: Option<i64>,
    send_at: Option<crate::clock::Millis>,
) -> ApiResult<Message> {
    for a in &attachments {
        let stored = a
            .url
            .as_deref()
            .and_then(|url| engine.files().path(url))
            .is_some_and(|path| path.is_file());
        if !stored {
            return Err(Error::invalid(format!("the file “{}” was not uploaded", a.name)).into());
        }
    }
    Ok(engine
        .outbox()
        .reply(Reply {
            conversation_id,
            text,
            attachments,
            author: AuthorKind::Manager,
            author_name: None,
            person_id: None,
            reply_to,
            send_at,
        })
        .await?)
}

/// A file name without any folder a client put before it.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or_default().trim()
}

/// Keeps a file chosen in the composer until its reply is sent.
pub async fn upload_attachment(
    engine: &Engine,
    name: String,
    mime: Option<String>,
    bytes: Vec<u8>,
) -> ApiResult<Attachment> {
    let name = base_name(&name).to_owned();
    if name.is_empty() {
        return Err(Error::invalid("the file has no name").into());
    }
    if bytes.is_empty() {
        return Err(Error::invalid(format!("“{name}” is empty")).into());
    }
    if bytes.len() > crate::files::MAX_SIZE {
        return Err(Error::invalid(format!(
            "“{name}” is larger than {} MB",
            crate::files::MAX_SIZE / 1024 / 1024
        ))
        .into());
    }
    let mime = mime.filter(|m| m.contains('/') && !m.contains(char::is_whitespace));
    let kind = AttachmentKind::from_mime(mime.as_deref().unwrap_or_default());
    let size = i64::try_from(bytes.len()).ok();
    let url = engine.files().put(&bytes).await?;
    Ok(Attachment {
        kind,
        name,
        mime,
        url: Some(url),
        size,
    })
}

/// The content of a stored attachment (`file:` url).
pub async fn read_attachment(engine: &Engine, url: &str) -> ApiResult<Vec<u8>> {
    Ok(engine.files().read(url).await?)
}

/// Copies a stored attachment into `dir` under its own name (a number added
/// when the name is taken) and returns the new file's path.
pub async fn save_attachment(
    engine: &Engine,
    url: &str,
    name: &str,
    dir: &std::path::Path,
) -> ApiResult<String> {
    let bytes = engine.files().read(url).await?;
    let name = base_name(name);
    let name = if name.is_empty() || name.starts_with('.') {
        "file"
    } else {
        name
    };
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_owned(), format!(".{ext}")),
        _ => (name.to_owned(), String::new()),
    };
    let io = |path: &std::path::Path, source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| io(dir, e))?;
    for n in 0..1000 {
        let candidate = if n == 0 {
            dir.join(name)
        } else {
            dir.join(format!("{stem} ({n}){ext}"))
        };
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
            .await;
        match file {
            Ok(mut file) => {
                use tokio::io::AsyncWriteExt;
                // Tokio writes in the background: the file is whole once flushed.
                file.write_all(&bytes)
                    .await
                    .map_err(|e| io(&candidate, e))?;
                file.flush().await.map_err(|e| io(&candidate, e))?;
                return Ok(candidate.display().to_string());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&candidate, e).into()),
        }
    }
    Err(Error::invalid(format!(
        "too many files named “{name}” in {}",
        dir.display()
    ))
    .into())
}

/// The sanitized HTML of an e-mail message, when it had one.
pub async fn message_html(engine: &Engine, message_id: i64) -> ApiResult<Option<String>> {
    Ok(engine.email().message_html(message_id).await?)
}

pub async fn list_mailboxes(engine: &Engine) -> ApiResult<Vec<Mailbox>> {
    Ok(engine.email().list().await?)
}

/// Checks both servers, keeps the password in the OS keyring and starts
/// reading the mailbox.
pub async fn add_mailbox(engine: &Engine, input: MailboxInput) -> ApiResult<Mailbox> {
    Ok(engine.email().add(input).await?)
}

pub async fn update_mailbox(
    engine: &Engine,
    account_id: i64,
    input: MailboxInput,
) -> ApiResult<Mailbox> {
    Ok(engine.email().update(account_id, input).await?)
}

pub async fn remove_mailbox(engine: &Engine, account_id: i64) -> ApiResult<()> {
    Ok(engine.email().remove(account_id).await?)
}

/// "Test connection": each server's verdict, with the precise problem.
pub async fn test_mailbox(
    engine: &Engine,
    input: MailboxInput,
    account_id: Option<i64>,
) -> ApiResult<ConnectionReport> {
    Ok(engine.email().test(&input, account_id).await?)
}

/// The usual IMAP and SMTP servers for an address, to fill the form with.
pub fn guess_mail_servers(address: &str) -> MailServers {
    crate::channels::email::guess_servers(address)
}

pub async fn list_avito_accounts(engine: &Engine) -> ApiResult<Vec<AvitoAccount>> {
    Ok(engine.avito().list().await?)
}

/// Checks the client id and secret with Avito, keeps the secret in the OS
/// keyring and starts reading the account's chats.
pub async fn connect_avito(engine: &Engine, input: AvitoInput) -> ApiResult<AvitoConnect> {
    Ok(engine.avito().connect(input).await?)
}

pub async fn remove_avito(engine: &Engine, account_id: i64) -> ApiResult<()> {
    Ok(engine.avito().remove(account_id).await?)
}

/// Webhooks through the LAN endpoint (`public_url` leads to it from the
/// internet), or polling alone again with `None`.
pub async fn set_avito_webhook(
    engine: &Engine,
    account_id: i64,
    public_url: Option<String>,
) -> ApiResult<AvitoAccount> {
    Ok(engine.avito().set_webhook(account_id, public_url).await?)
}

/// Reads the account's chats now.
pub async fn poll_avito(engine: &Engine, account_id: i64) -> ApiResult<()> {
    Ok(engine.avito().poll_now(account_id).await?)
}

/// Contacts to merge with: by name, phone, e-mail or channel identity.
pub async fn search_contacts(engine: &Engine, text: String) -> ApiResult<Vec<ContactMatch>> {
    Ok(crate::contacts::search(engine.store(), &text, 50).await?)
}

/// Other contacts with the same phone as this one: the same person met on
/// another channel, offered for merging.
pub async fn same_phone_contacts(engine: &Engine, contact_id: i64) -> ApiResult<Vec<ContactMatch>> {
    Ok(crate::contacts::same_phone(engine.store(), contact_id).await?)
}

/// Merges contact `other` into `keep` (the same person on two channels).
pub async fn merge_contacts(engine: &Engine, keep: i64, other: i64) -> ApiResult<Contact> {
    let contact =
        crate::contacts::merge(engine.store(), engine.clock().now_ms(), keep, other).await?;
    let conversations: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM conversations WHERE contact_id = ?1")
            .bind(keep)
            .fetch_all(engine.store().pool())
            .await
            .map_err(Error::from)?;
    for id in conversations {
        engine.relay().publish_conversation(id).await;
    }
    Ok(contact)
}

/// Closes, reopens or hands a conversation to a person by hand.
pub async fn set_conversation_status(
    engine: &Engine,
    conversation_id: i64,
    status: ConversationStatus,
) -> ApiResult<ConversationSummary> {
    let now = engine.clock().now_ms();
    let mut tx = engine.store().write().await?;
    daily::set_status_in(&mut tx, now, conversation_id, status).await?;
    tx.commit().await.map_err(Error::from)?;
    engine.queue().wake();
    tracing::info!(conversation_id, %status, "conversation status set");
    engine.relay().publish_conversation(conversation_id).await;
    Ok(inbox::conversation_summary(engine.store().pool(), conversation_id).await?)
}

pub async fn simulate_inbound(
    engine: &Engine,
    customer: String,
    text: String,
) -> ApiResult<IngestOutcome> {
    Ok(engine
        .simulator()
        .customer_writes(engine.relay(), &customer, &text)
        .await?)
}

pub async fn simulator_transcript(
    engine: &Engine,
    customer: Option<String>,
) -> ApiResult<Vec<SimulatorEntry>> {
    Ok(engine.simulator().transcript(customer.as_deref()).await?)
}

pub fn app_info(engine: &Engine) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: engine.data_dir().display().to_string(),
    }
}

pub async fn list_projects(engine: &Engine) -> ApiResult<Vec<Project>> {
    Ok(engine.projects().list_projects().await?)
}

pub async fn get_project(engine: &Engine, project_id: i64) -> ApiResult<Project> {
    Ok(engine.projects().project(project_id).await?)
}

pub async fn create_project(engine: &Engine, input: ProjectInput) -> ApiResult<Project> {
    Ok(engine.projects().create_project(input).await?)
}

pub async fn update_project(
    engine: &Engine,
    project_id: i64,
    input: ProjectInput,
) -> ApiResult<Project> {
    Ok(engine.projects().update_project(project_id, input).await?)
}

pub async fn delete_project(engine: &Engine, project_id: i64) -> ApiResult<()> {
    Ok(engine.projects().delete_project(project_id).await?)
}

/// Checks the token with Telegram, keeps it in the OS keyring and starts the bot.
pub async fn connect_bot(engine: &Engine, project_id: i64, bot: BotInput) -> ApiResult<Project> {
    Ok(engine.projects().connect_bot(project_id, bot).await?)
}

pub async fn disconnect_bot(engine: &Engine, project_id: i64) -> ApiResult<Project> {
    Ok(engine.projects().disconnect_bot(project_id).await?)
}

pub async fn check_work_group(engine: &Engine, project_id: i64) -> ApiResult<Project> {
    Ok(engine.projects().check_work_group(project_id).await?)
}

pub async fn unbind_work_group(engine: &Engine, project_id: i64) -> ApiResult<Project> {
    Ok(engine.projects().unbind_work_group(project_id).await?)
}

pub async fn set_project_sources(
    engine: &Engine,
    project_id: i64,
    account_ids: Vec<i64>,
) -> ApiResult<Project> {
    Ok(engine
        .projects()
        .set_sources(project_id, account_ids)
        .await?)
}

pub async fn list_channel_accounts(engine: &Engine) -> ApiResult<Vec<ChannelAccount>> {
    Ok(engine.projects().channel_accounts().await?)
}

/// Webhook mode through the LAN endpoint (`public_url` leads to it from the
/// internet), or long polling again with `None`.
pub async fn set_bot_webhook(
    engine: &Engine,
    project_id: i64,
    public_url: Option<String>,
) -> ApiResult<Project> {
    Ok(engine
        .projects()
        .set_bot_webhook(project_id, public_url)
        .await?)
}
