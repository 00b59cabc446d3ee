//! Receiving: the poller reads the chats updated since the last complete
//! reading (newest first) and, in each, the messages since the newest one
//! stored; a webhook's message is queued as an `avito.ingest` job. Either way
//! a message becomes an [`Inbound`] (images and voice messages downloaded and
//! kept) and is stored with the chat's cursor in one transaction.
//!
//! The poller is quick while a conversation is active and slows down when
//! nothing happens; after a failure it waits longer each time.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::client::{ApiError, MAX_OFFSET, PAGE};
use super::model::{AvitoError, AvitoState};
use super::wire::{Chat, WireMessage, largest};
use super::{Core, Session};
use crate::clock::Millis;
use crate::error::Error;
use crate::model::{Attachment, AttachmentKind, ContactIdentity, IdentityKind, Language};
use crate::queue::{Job, JobError, JobHandler};
use crate::relay::Inbound;

pub const INGEST_JOB: &str = "avito.ingest";
pub const INGEST_JOB_VERSION: i64 = 1;

/// Why reading stopped: Avito's answer, or the store.
#[derive(Debug)]
pub(super) enum Failure {
    Api(ApiError),
    Engine(Error),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Engine(e)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Api(e) => e.fmt(f),
            Self::Engine(e) => f.write_str(&crate::error::display_chain(e)),
        }
    }
}

/// Who the account talks to in a chat, and what about.
#[derive(Debug, Clone)]
pub(super) struct ChatInfo {
    pub chat_id: String,
    pub buyer_id: Option<i64>,
    pub buyer_name: Option<String>,
}

impl ChatInfo {
    /// Who the account (`user_id`) talks to in `chat`.
    fn of(chat: &Chat, user_id: i64) -> Self {
        let buyer = chat.buyer(user_id);
        Self {
            chat_id: chat.id.clone(),
            buyer_id: buyer.map(|b| b.id),
            buyer_name: buyer.and_then(|b| b.name.clone()),
        }
    }
}

/// Polls one account until cancelled.
pub(super) async fn run(core: Arc<Core>, account_id: i64, cancel: CancellationToken) {
    let settings = core.settings.clone();
    let mut backoff = settings.reconnect_min_ms;
    loop {
        let round = async {
            let session = core.session(account_id).await?;
            let stored = poll(&core, &session).await?;
            Ok::<_, Failure>((session, stored))
        };
        let result = tokio::select! {
            () = cancel.cancelled() => return,
            result = round => result,
        };
        let (wait, session) = match result {
            Ok((session, stored)) => {
                backoff = settings.reconnect_min_ms;
                let now = core.clock.now_ms();
                if stored > 0 {
                    session.active(now);
                }
                core.set_status(account_id, |s| {
                    s.state = AvitoState::Online;
                    s.last_error = None;
                    s.last_poll_at = Some(now);
                });
                (interval(&core, &session, now), Some(session))
            }
            Err(failure) => {
                let error = match &failure {
                    Failure::Api(e) => AvitoError::from(e),
                    Failure::Engine(e) => AvitoError {
                        problem: super::model::AvitoProblem::Protocol,
                        message: crate::error::display_chain(e),
                    },
                };
                tracing::warn!(account_id, error = %failure, "reading Avito failed; trying again later");
                let wait = match &failure {
                    Failure::Api(ApiError::RateLimited { after_ms }) => *after_ms,
                    _ => backoff,
                };
                backoff = (backoff * 2).min(settings.reconnect_max_ms);
                core.set_status(account_id, |s| {
                    s.state = AvitoState::Offline;
                    s.last_error = Some(error);
                });
                (wait, core.live_session(account_id))
            }
        };
        let sleep = tokio::time::sleep(Duration::from_millis(wait.max(0).unsigned_abs()));
        match session {
            Some(session) => tokio::select! {
                () = cancel.cancelled() => return,
                () = sleep => {}
                () = session.wake.notified() => {}
            },
            None => tokio::select! {
                () = cancel.cancelled() => return,
                () = sleep => {}
            },
        }
    }
}

/// How long to wait before the next reading.
fn interval(core: &Core, session: &Session, now: Millis) -> Millis {
    let s = &core.settings;
    let webhook = session
        .webhook_secret
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .is_some();
    let seconds = if webhook {
        s.poll_with_webhook_s
    } else if now - session.last_activity.load(Ordering::SeqCst)
        < i64::try_from(s.active_window_s).unwrap_or(i64::MAX) * 1000
    {
        s.poll_fast_s
    } else {
        s.poll_slow_s
    };
    i64::try_from(seconds).unwrap_or(i64::MAX / 1000) * 1000
}

/// One reading of the account's chats; how many new messages were stored.
pub(super) async fn poll(core: &Core, session: &Session) -> Result<usize, Failure> {
    let (since, watermark): (i64, i64) =
        sqlx::query_as("SELECT since, watermark FROM avito_accounts WHERE channel_account_id = ?1")
            .bind(session.account_id)
            .fetch_one(core.store.pool())
            .await
            .map_err(Error::from)?;
    let lang = language(core, session.account_id).await?;
    let mut newest = watermark;
    let mut stored = 0;
    let mut offset = 0;
    loop {
        let chats = session.client.chats(session.user_id, offset).await?;
        let full = chats.len() >= PAGE as usize;
        let mut reached_read = false;
        for chat in &chats {
            if chat.updated < watermark {
                // Chats come newest first: the rest were read before.
                reached_read = true;
                continue;
            }
            newest = newest.max(chat.updated);
            let known: Option<(i64, Option<String>, i64)> = sqlx::query_as(
                "SELECT updated, last_message_id, last_created FROM avito_chats
                 WHERE channel_account_id = ?1 AND chat_id = ?2",
            )
            .bind(session.account_id)
            .bind(&chat.id)
            .fetch_optional(core.store.pool())
            .await
            .map_err(Error::from)?;
            let last_id = chat.last_message.as_ref().map(|m| m.id.as_str());
            if let Some((updated, known_last, _)) = &known
                && (*updated > chat.updated
                    || (*updated == chat.updated && known_last.as_deref() == last_id))
            {
                continue;
            }
            let floor = known.map_or(since, |(_, _, last_created)| last_created);
            stored += read_chat(core, session, chat, floor, lang).await?;
        }
        if reached_read || !full || offset + PAGE > MAX_OFFSET {
            break;
        }
        offset += PAGE;
    }
    if newest > watermark {
        sqlx::query(
            "UPDATE avito_accounts SET watermark = ?2, updated_at = ?3 WHERE channel_account_id = ?1",
        )
        .bind(session.account_id)
        .bind(newest)
        .bind(core.clock.now_ms())
        .execute(core.store.pool())
        .await
        .map_err(Error::from)?;
    }
    Ok(stored)
}

/// The language generated labels (a missed call, a location) are written in:
/// the project's, else Russian (Avito's).
async fn language(core: &Core, account_id: i64) -> Result<Language, Error> {
    let lang: Option<String> = sqlx::query_scalar(
        "SELECT p.language FROM channel_accounts a JOIN projects p ON p.id = a.project_id WHERE a.id = ?1",
    )
    .bind(account_id)
    .fetch_optional(core.store.pool())
    .await?;
    Ok(lang.and_then(|l| l.parse().ok()).unwrap_or(Language::Ru))
}

/// Reads a chat's messages from `floor` (unix seconds) on, stores the
/// customer's, then records the chat as read up to its `updated`.
async fn read_chat(
    core: &Core,
    session: &Session,
    chat: &Chat,
    floor: i64,
    lang: Language,
) -> Result<usize, Failure> {
    let mut messages = Vec::new();
    let mut offset = 0;
    loop {
        let page = session
            .client
            .messages(session.user_id, &chat.id, offset)
            .await?;
        let full = page.len() >= PAGE as usize;
        let before = messages.len();
        messages.extend(page.into_iter().take_while(|m| m.created >= floor));
        let reached_floor = messages.len() - before < PAGE as usize;
        if reached_floor || !full || offset + PAGE > MAX_OFFSET {
            break;
        }
        offset += PAGE;
    }
    messages.reverse();
    let info = ChatInfo::of(chat, session.user_id);
    remember_chat(core, session.account_id, chat, &info).await?;
    let mut stored = 0;
    for message in &messages {
        if store(core, session, &info, message, lang).await? {
            stored += 1;
        }
    }
    sqlx::query(
        "UPDATE avito_chats SET updated = ?3, last_message_id = ?4
         WHERE channel_account_id = ?1 AND chat_id = ?2",
    )
    .bind(session.account_id)
    .bind(&chat.id)
    .bind(chat.updated)
    .bind(chat.last_message.as_ref().map(|m| &m.id))
    .execute(core.store.pool())
    .await
    .map_err(Error::from)?;
    Ok(stored)
}

/// Keeps who the chat is with and the listing it is about.
async fn remember_chat(
    core: &Core,
    account_id: i64,
    chat: &Chat,
    info: &ChatInfo,
) -> Result<(), Error> {
    let item = chat.item();
    sqlx::query(
        "INSERT INTO avito_chats (channel_account_id, chat_id, buyer_id, buyer_name, item_id,
                                  item_title, item_price, item_url, item_image)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (channel_account_id, chat_id) DO UPDATE SET
            buyer_id = coalesce(excluded.buyer_id, buyer_id),
            buyer_name = coalesce(excluded.buyer_name, buyer_name),
            item_id = coalesce(excluded.item_id, item_id),
            item_title = coalesce(excluded.item_title, item_title),
            item_price = coalesce(excluded.item_price, item_price),
            item_url = coalesce(excluded.item_url, item_url),
            item_image = coalesce(excluded.item_image, item_image)",
    )
    .bind(account_id)
    .bind(&chat.id)
    .bind(info.buyer_id)
    .bind(&info.buyer_name)
    .bind(item.and_then(|i| i.id))
    .bind(item.and_then(|i| i.title.clone()))
    .bind(item.and_then(|i| i.price_string.clone()))
    .bind(item.and_then(|i| i.url.clone()))
    .bind(item.and_then(super::wire::ItemValue::image))
    .execute(core.store.pool())
    .await?;
    Ok(())
}

/// Stores one message of a chat if it is the customer's; `true` when it was
/// new.
async fn store(
    core: &Core,
    session: &Session,
    info: &ChatInfo,
    message: &WireMessage,
    lang: Language,
) -> Result<bool, Failure> {
    // The account's own messages (sent from here or from Avito's app).
    if message.is_from(session.user_id) {
        return Ok(false);
    }
    let (text, attachments) = content(core, session, message, lang).await?;
    let buyer_id = info
        .buyer_id
        .filter(|id| *id != 0)
        .unwrap_or(message.author_id);
    let inbound = Inbound {
        channel_account_id: session.account_id,
        external_message_id: message.id.clone(),
        external_thread_id: info.chat_id.clone(),
        sender: ContactIdentity {
            kind: IdentityKind::AvitoUser,
            value: buyer_id.to_string(),
        },
        sender_name: info.buyer_name.clone().unwrap_or_default(),
        subject: None,
        text,
        attachments,
        sent_at: (message.created > 0).then_some(message.created * 1000),
    };
    let Some(inbound) = core.relay.check(inbound).await? else {
        return Ok(false);
    };
    let mut tx = core.store.write().await?;
    let outcome = core.relay.ingest_in(&mut tx, &inbound).await?;
    sqlx::query(
        "INSERT INTO avito_chats (channel_account_id, chat_id, last_created) VALUES (?1, ?2, ?3)
         ON CONFLICT (channel_account_id, chat_id)
         DO UPDATE SET last_created = max(last_created, excluded.last_created)",
    )
    .bind(session.account_id)
    .bind(&info.chat_id)
    .bind(message.created)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    tx.commit().await.map_err(Error::from)?;
    core.relay.after_commit(&outcome).await;
    Ok(!outcome.duplicate)
}

/// A message's text and files. Images and voice messages are downloaded and
/// kept; a file Avito no longer has becomes a line in the text.
async fn content(
    core: &Core,
    session: &Session,
    message: &WireMessage,
    lang: Language,
) -> Result<(String, Vec<Attachment>), Failure> {
    let c = &message.content;
    let ru = lang == Language::Ru;
    let text = match message.kind.as_str() {
        "text" => c.text.clone().unwrap_or_default(),
        "image" => {
            let url = c.image.as_ref().and_then(|i| largest(&i.sizes));
            return Ok(match url {
                Some(url) => attachment(core, session, url, AttachmentKind::Image, "image").await?,
                None => (label(ru, "[изображение]", "[image]").into(), Vec::new()),
            });
        }
        "voice" => {
            let Some(voice_id) = c.voice.as_ref().and_then(|v| v.voice_id.clone()) else {
                return Ok((
                    label(ru, "[голосовое сообщение]", "[voice message]").into(),
                    Vec::new(),
                ));
            };
            let urls = session
                .client
                .voice_urls(session.user_id, std::slice::from_ref(&voice_id))
                .await?;
            return Ok(match urls.get(&voice_id) {
                Some(url) => attachment(core, session, url, AttachmentKind::Audio, "voice").await?,
                None => (
                    label(ru, "[голосовое сообщение]", "[voice message]").into(),
                    Vec::new(),
                ),
            });
        }
        "link" => {
            let link = c.link.as_ref();
            let url = link.and_then(|l| l.url.clone()).unwrap_or_default();
            let text = link
                .and_then(|l| l.text.clone())
                .or_else(|| c.text.clone())
                .unwrap_or_default();
            if text.contains(&url) {
                text
            } else {
                format!("{text}\n{url}").trim().to_owned()
            }
        }
        "item" => {
            let item = c.item.as_ref();
            let title = item.and_then(|i| i.title.clone()).unwrap_or_default();
            let price = item.and_then(|i| i.price_string.clone());
            let url = item.and_then(|i| i.item_url.clone()).unwrap_or_default();
            let head = match price {
                Some(price) => format!("🏷 {title} — {price}"),
                None => format!("🏷 {title}"),
            };
            format!("{head}\n{url}").trim().to_owned()
        }
        "location" => {
            let place = c.location.as_ref();
            let name = place
                .and_then(|l| l.title.clone().or_else(|| l.text.clone()))
                .unwrap_or_default();
            let at = place
                .and_then(|l| Some((l.lat?, l.lon?)))
                .map(|(lat, lon)| format!(" https://maps.google.com/?q={lat},{lon}"))
                .unwrap_or_default();
            format!("📍 {name}{at}").trim().to_owned()
        }
        "call" => label(ru, "📞 Пропущенный звонок", "📞 Missed call").into(),
        "deleted" => label(ru, "🗑 Сообщение удалено", "🗑 Message deleted").into(),
        "system" => format!("ℹ️ {}", c.text.clone().unwrap_or_default()),
        other => match &c.text {
            Some(text) => text.clone(),
            None => match lang {
                Language::Ru => format!("[сообщение типа «{other}» — откройте его в Авито]"),
                Language::En => format!("[a message of type “{other}” — open it on Avito]"),
            },
        },
    };
    Ok((text, Vec::new()))
}

fn label(ru: bool, russian: &'static str, english: &'static str) -> &'static str {
    if ru { russian } else { english }
}

/// Downloads a file into the local store as an attachment.
async fn attachment(
    core: &Core,
    session: &Session,
    url: &str,
    kind: AttachmentKind,
    stem: &str,
) -> Result<(String, Vec<Attachment>), Failure> {
    let (bytes, mime) = match session.client.download(url).await {
        Ok(file) => file,
        Err(e) if !e.is_transient() => {
            tracing::warn!(account_id = session.account_id, error = %e, "a file of an Avito message cannot be downloaded");
            return Ok((format!("[{kind}] {url}"), Vec::new()));
        }
        Err(e) => return Err(e.into()),
    };
    let mime = mime
        .filter(|m| AttachmentKind::from_mime(m) == kind)
        .unwrap_or_else(|| match kind {
            AttachmentKind::Image => "image/jpeg".to_owned(),
            _ => "audio/mp4".to_owned(),
        });
    let extension = match mime.as_str() {
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "audio/mp4" | "audio/x-m4a" | "audio/m4a" => "m4a",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        _ if kind == AttachmentKind::Image => "jpg",
        _ => "m4a",
    };
    let size = i64::try_from(bytes.len()).ok();
    let file = core.files.put(&bytes).await?;
    Ok((
        String::new(),
        vec![Attachment {
            kind,
            name: format!("{stem}.{extension}"),
            mime: Some(mime),
            url: Some(file),
            size,
        }],
    ))
}

/// A message Avito posted to the webhook, kept until it is stored.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct IngestPayload {
    pub account_id: i64,
    pub chat_id: String,
    pub message: serde_json::Value,
}

/// The `avito.ingest` job: stores a message that came by webhook.
pub struct IngestHandler(pub(crate) Arc<Core>);

#[async_trait]
impl JobHandler for IngestHandler {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let core = &self.0;
        let payload: IngestPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("bad payload: {e}")))?;
        let message: super::wire::WebhookMessage = serde_json::from_value(payload.message)
            .map_err(|e| JobError::Fatal(format!("bad message: {e}")))?;
        let session = match core.session(payload.account_id).await {
            Ok(session) => session,
            Err(e @ Error::NotFound { .. }) => return Err(JobError::Fatal(e.to_string())),
            Err(e) => return Err(JobError::Retry(e.to_string())),
        };
        let result = async {
            let known: Option<(Option<i64>, Option<String>)> = sqlx::query_as(
                "SELECT buyer_id, buyer_name FROM avito_chats
                 WHERE channel_account_id = ?1 AND chat_id = ?2 AND buyer_name IS NOT NULL",
            )
            .bind(session.account_id)
            .bind(&payload.chat_id)
            .fetch_optional(core.store.pool())
            .await
            .map_err(Error::from)?;
            let info = match known {
                Some((buyer_id, buyer_name)) => ChatInfo {
                    chat_id: payload.chat_id.clone(),
                    buyer_id,
                    buyer_name,
                },
                None => {
                    let chat = session
                        .client
                        .chat(session.user_id, &payload.chat_id)
                        .await?;
                    let info = ChatInfo::of(&chat, session.user_id);
                    remember_chat(core, session.account_id, &chat, &info).await?;
                    info
                }
            };
            let lang = language(core, session.account_id).await?;
            let stored = store(core, &session, &info, &message.into_message(), lang).await?;
            if stored {
                session.active(core.clock.now_ms());
            }
            Ok::<_, Failure>(())
        }
        .await;
        match result {
            Ok(()) => Ok(()),
            Err(Failure::Api(ApiError::RateLimited { after_ms })) => Err(JobError::RetryAfter {
                after_ms,
                reason: "Avito's rate limit".into(),
            }),
            Err(Failure::Api(e)) if !e.is_transient() => Err(JobError::Fatal(e.to_string())),
            Err(failure) => Err(JobError::Retry(failure.to_string())),
        }
    }
}
