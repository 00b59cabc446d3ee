//! Running the work group's jobs: creating, renaming, closing and reopening
//! topics, posting mirrors (coalescing the waiting ones of a topic), notices
//! and reactions, one call at a time per group and within its budget.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::{FromRow, SqliteConnection};
use teloxide_core::errors::RequestError;
use teloxide_core::payloads::{
    EditForumTopicSetters, EditMessageCaptionSetters, SendDocumentSetters, SendMessageSetters,
    SendPhotoSetters, SendVoiceSetters, SetMessageReactionSetters,
};
use teloxide_core::requests::{HasPayload, Requester};
use teloxide_core::types::{ChatId, InputFile, MessageId, ReactionType, ReplyParameters, ThreadId};

use super::mirror::{
    MIRROR_JOB, MirrorPayload, Notice, NoticePayload, ReactPayload, Target, TopicAction,
    TopicPayload, target_for,
};
use super::text::{self, author_label, topic_title};
use crate::channels::telegram_bot::{
    BotHandle, Bots, api_text, bot_key, group_key, job_error, own_file_id,
};
use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::files::Files;
use crate::model::Language;
use crate::model::{Attachment, AttachmentKind, AuthorKind, ConversationStatus};
use crate::queue::{Job, JobError, JobHandler, RateHandle};
use crate::store::{Store, parse_column};

/// Telegram's limit on a message's text.
const MAX_MESSAGE: usize = 4096;
const MAX_CAPTION: usize = 1024;
/// Telegram's limit for a photo; larger pictures go as documents.
const MAX_PHOTO: i64 = 10 * 1024 * 1024;
/// Waiting mirrors taken into one message at most.
const MAX_COALESCED: i64 = 50;

mod mirroring;

fn payload<T: serde::de::DeserializeOwned>(job: &Job) -> Result<T, JobError> {
    serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::Fatal(format!("bad payload: {e}")))
}

fn retry(e: Error) -> JobError {
    JobError::Retry(e.to_string())
}

/// A stored message as the mirror needs it.
#[derive(Debug, Clone, FromRow)]
struct MirrorRow {
    id: i64,
    conversation_id: i64,
    author_kind: String,
    author_name: Option<String>,
    text: String,
    #[sqlx(json)]
    attachments: Vec<Attachment>,
    contact_name: String,
    channel_name: String,
    direction: String,
    assigned_to_name: Option<String>,
    edited_at: Option<Millis>,
    deleted_at: Option<Millis>,
    /// The message it answers.
    reply_to_id: Option<i64>,
}

impl MirrorRow {
    fn author(&self) -> AuthorKind {
        self.author_kind.parse().unwrap_or(AuthorKind::Customer)
    }
}

async fn load_row(db: &mut SqliteConnection, message_id: i64) -> Result<Option<MirrorRow>> {
    Ok(sqlx::query_as(
        "SELECT m.id, m.conversation_id, m.author_kind, m.author_name, m.text, m.attachments,
                ct.display_name AS contact_name, a.name AS channel_name, m.direction,
                m.assigned_to_name, m.edited_at, m.deleted_at, m.reply_to_id
         FROM messages m
         JOIN conversations c ON c.id = m.conversation_id
         JOIN contacts ct ON ct.id = c.contact_id
         JOIN channel_accounts a ON a.id = c.channel_account_id
         WHERE m.id = ?1",
    )
    .bind(message_id)
    .fetch_optional(&mut *db)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
struct TopicRow {
    chat_id: i64,
    thread_id: i64,
    title: String,
    closed: bool,
}

async fn topic_of(db: &mut SqliteConnection, conversation_id: i64) -> Result<Option<TopicRow>> {
    Ok(sqlx::query_as(
        "SELECT chat_id, thread_id, title, closed FROM topics WHERE conversation_id = ?1",
    )
    .bind(conversation_id)
    .fetch_optional(&mut *db)
    .await?)
}

fn thread(id: i64) -> ThreadId {
    ThreadId(MessageId(i32::try_from(id).unwrap_or(i32::MAX)))
}

fn message_id(id: i64) -> MessageId {
    MessageId(i32::try_from(id).unwrap_or(i32::MAX))
}

/// The shared plumbing of the work group's jobs.
#[derive(Clone)]
pub struct TopicJobs {
    store: Store,
    clock: SharedClock,
    bots: Bots,
    rates: RateHandle,
    files: Files,
    gates: Arc<std::sync::Mutex<HashMap<i64, Gate>>>,
}

/// One call at a time into a group, so that when Telegram answers 429 no
/// other call is already on its way; holds the time until which the group
/// must be left alone.
type Gate = Arc<tokio::sync::Mutex<Millis>>;

enum SendFailure {
    ThreadGone,
    TopicClosed,
    Other(RequestError),
}

fn classify(e: RequestError) -> SendFailure {
    let text = api_text(&e);
    if text.contains("message thread not found") || text.contains("TOPIC_DELETED") {
        SendFailure::ThreadGone
    } else if text.contains("TOPIC_CLOSED") {
        SendFailure::TopicClosed
    } else {
        SendFailure::Other(e)
    }
}

impl TopicJobs {
    pub fn new(
        store: Store,
        clock: SharedClock,
        bots: Bots,
        rates: RateHandle,
        files: Files,
    ) -> Self {
        Self {
            store,
            clock,
            bots,
            rates,
            files,
            gates: Arc::default(),
        }
    }

    /// Waits for the group's turn; refuses while Telegram asked to wait.
    async fn enter(&self, chat_id: i64) -> Result<tokio::sync::OwnedMutexGuard<Millis>, JobError> {
        let gate = self
            .gates
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(chat_id)
            .or_default()
            .clone();
        let guard = gate.lock_owned().await;
        let now = self.clock.now_ms();
        if *guard > now {
            return Err(JobError::RetryAfter {
                after_ms: *guard - now,
                reason: "Telegram asked to wait".into(),
            });
        }
        Ok(guard)
    }

    /// Remembers a "retry after" for the group's next caller.
    fn leave(
        &self,
        mut guard: tokio::sync::OwnedMutexGuard<Millis>,
        outcome: &Result<(), JobError>,
    ) {
        if let Err(JobError::RetryAfter { after_ms, .. }) = outcome {
            *guard = self.clock.now_ms() + after_ms;
        }
    }

    fn bot(&self, account_id: i64) -> Result<BotHandle, JobError> {
        self.bots
            .get(account_id)
            .ok_or_else(|| JobError::Retry("the project's bot is not connected".into()))
    }

    /// One more counted call in the same job: takes a token or asks to wait.
    fn take(&self, target: &Target) -> Result<(), JobError> {
        let group = group_key(target.chat_id);
        let bot = bot_key(target.bot_account_id);
        self.rates
            .try_take(&[group.as_str(), bot.as_str()])
            .map_err(|wait| JobError::RetryAfter {
                after_ms: wait,
                reason: "the work group's budget is spent".into(),
            })
    }

    async fn conversation_title(&self, conversation_id: i64) -> Result<String> {
        let (status, contact, channel, assignee): (String, String, String, Option<String>) =
            sqlx::query_as(
            "SELECT c.status, ct.display_name, a.name, p.name FROM conversations c
             JOIN contacts ct ON ct.id = c.contact_id JOIN channel_accounts a ON a.id = c.channel_account_id
             LEFT JOIN people p ON p.id = c.assigned_person_id
             WHERE c.id = ?1",
        )
        .bind(conversation_id)
        .fetch_one(self.store.pool())
        .await?;
        let status: ConversationStatus = parse_column("conversations.status", &status)?;
        Ok(topic_title(status, &contact, &channel, assignee.as_deref()))
    }

    /// The conversation's topic in the target group, created when missing. The
    /// first counted call of a job is paid by its claim; `paid` says whether that
    /// token is still unused.
    async fn ensure_topic(
        &self,
        bot: &BotHandle,
        target: &Target,
        conversation_id: i64,
        paid: &mut bool,
    ) -> Result<TopicRow, JobError> {
        let mut conn = self.store.conn().await.map_err(retry)?;
        if let Some(topic) = topic_of(&mut conn, conversation_id).await.map_err(retry)?
            && topic.chat_id == target.chat_id
        {
            return Ok(topic);
        }
        drop(conn);
        let title = self
            .conversation_title(conversation_id)
            .await
            .map_err(retry)?;
        self.pay(target, paid)?;
        let created = bot
            .bot
            .create_forum_topic(ChatId(target.chat_id), title.clone())
            .await
            .map_err(|e| job_error(&e))?;
        let thread_id = i64::from(created.thread_id.0.0);
        let now = self.clock.now_ms();
        sqlx::query(
            "INSERT INTO topics (conversation_id, chat_id, thread_id, title, closed, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)
             ON CONFLICT (conversation_id) DO UPDATE SET chat_id = excluded.chat_id, thread_id = excluded.thread_id,
                 title = excluded.title, closed = 0, updated_at = excluded.updated_at",
        )
        .bind(conversation_id)
        .bind(target.chat_id)
        .bind(thread_id)
        .bind(&title)
        .bind(now)
        .execute(self.store.pool())
        .await
        .map_err(|e| retry(e.into()))?;
        tracing::info!(conversation_id, thread_id, "topic created");
        Ok(TopicRow {
            chat_id: target.chat_id,
            thread_id,
            title,
            closed: false,
        })
    }

    fn pay(&self, target: &Target, paid: &mut bool) -> Result<(), JobError> {
        if *paid {
            *paid = false;
            Ok(())
        } else {
            self.take(target)
        }
    }

    async fn forget_topic(&self, conversation_id: i64) -> Result<(), JobError> {
        sqlx::query("DELETE FROM topics WHERE conversation_id = ?1")
            .bind(conversation_id)
            .execute(self.store.pool())
            .await
            .map_err(|e| retry(e.into()))?;
        tracing::info!(
            conversation_id,
            "topic was deleted in Telegram; it will be created again"
        );
        Ok(())
    }

    async fn set_closed(&self, conversation_id: i64, closed: bool) -> Result<(), JobError> {
        sqlx::query("UPDATE topics SET closed = ?2, updated_at = ?3 WHERE conversation_id = ?1")
            .bind(conversation_id)
            .bind(closed)
            .bind(self.clock.now_ms())
            .execute(self.store.pool())
            .await
            .map_err(|e| retry(e.into()))?;
        Ok(())
    }

    async fn sync_title(
        &self,
        bot: &BotHandle,
        target: &Target,
        conversation_id: i64,
        topic: &TopicRow,
        paid: &mut bool,
    ) -> Result<Result<(), SendFailure>, JobError> {
        let title = self
            .conversation_title(conversation_id)
            .await
            .map_err(retry)?;
        if title == topic.title {
            return Ok(Ok(()));
        }
        self.pay(target, paid)?;
        match bot
            .bot
            .edit_forum_topic(ChatId(topic.chat_id), thread(topic.thread_id))
            .name(title.clone())
            .await
        {
            Ok(_) => {}
            Err(e) => match classify(e) {
                SendFailure::Other(e) if api_text(&e).contains("TOPIC_NOT_MODIFIED") => {}
                SendFailure::Other(e) => return Err(job_error(&e)),
                gone => return Ok(Err(gone)),
            },
        }
        sqlx::query("UPDATE topics SET title = ?2, updated_at = ?3 WHERE conversation_id = ?1")
            .bind(conversation_id)
            .bind(&title)
            .bind(self.clock.now_ms())
            .execute(self.store.pool())
            .await
            .map_err(|e| retry(e.into()))?;
        Ok(Ok(()))
    }

    async fn reopen(
        &self,
        bot: &BotHandle,
        conversation_id: i64,
        topic: &TopicRow,
    ) -> Result<Result<(), SendFailure>, JobError> {
        match bot
            .bot
            .reopen_forum_topic(ChatId(topic.chat_id), thread(topic.thread_id))
            .await
        {
            Ok(_) => {}
            Err(e) => match classify(e) {
                SendFailure::Other(e) if api_text(&e).contains("TOPIC_NOT_MODIFIED") => {}
                SendFailure::Other(e) => return Err(job_error(&e)),
                gone => return Ok(Err(gone)),
            },
        }
        self.set_closed(conversation_id, false).await?;
        Ok(Ok(()))
    }

    async fn topic(&self, job: &Job) -> Result<(), JobError> {
        let TopicPayload {
            conversation_id,
            action,
        } = payload(job)?;
        let mut conn = self.store.conn().await.map_err(retry)?;
        let Some(target) = target_for(&mut conn, conversation_id)
            .await
            .map_err(retry)?
        else {
            return Ok(());
        };
        let Some(topic) = topic_of(&mut conn, conversation_id).await.map_err(retry)? else {
            // No topic yet: the first mirrored message creates it in the right state.
            return Ok(());
        };
        drop(conn);
        if topic.chat_id != target.chat_id {
            return Ok(());
        }
        let bot = self.bot(target.bot_account_id)?;
        let gate = self.enter(target.chat_id).await?;
        let outcome = self
            .topic_calls(conversation_id, action, &target, &topic, &bot)
            .await;
        self.leave(gate, &outcome);
        outcome
    }

    async fn topic_calls(
        &self,
        conversation_id: i64,
        action: TopicAction,
        target: &Target,
        topic: &TopicRow,
        bot: &BotHandle,
    ) -> Result<(), JobError> {
        let mut paid = true;
        let outcome = match action {
            TopicAction::Sync => {
                self.sync_title(bot, target, conversation_id, topic, &mut paid)
                    .await?
            }
            TopicAction::Reopen => self.reopen(bot, conversation_id, topic).await?,
            TopicAction::Close => {
                match bot
                    .bot
                    .close_forum_topic(ChatId(topic.chat_id), thread(topic.thread_id))
                    .await
                {
                    Ok(_) => {
                        self.set_closed(conversation_id, true).await?;
                        Ok(())
                    }
                    Err(e) => match classify(e) {
                        SendFailure::Other(e) if api_text(&e).contains("TOPIC_NOT_MODIFIED") => {
                            self.set_closed(conversation_id, true).await?;
                            Ok(())
                        }
                        SendFailure::Other(e) => return Err(job_error(&e)),
                        gone => Err(gone),
                    },
                }
            }
        };
        if let Err(SendFailure::ThreadGone) = outcome {
            self.forget_topic(conversation_id).await?;
        }
        Ok(())
    }

    async fn notice(&self, job: &Job) -> Result<(), JobError> {
        let NoticePayload {
            bot_account_id,
            mut notice,
        } = payload(job)?;
        let bot = self.bot(bot_account_id)?;
        let gate = self.enter(notice.chat_id).await?;
        let outcome = async {
            if let Some(conversation_id) = notice.conversation_id {
                let mut conn = self.store.conn().await.map_err(retry)?;
                let target = target_for(&mut conn, conversation_id)
                    .await
                    .map_err(retry)?;
                drop(conn);
                // The project lost its work group, or moved to another one.
                let Some(target) = target.filter(|t| t.chat_id == notice.chat_id) else {
                    return Ok(());
                };
                let mut paid = true;
                let topic = self
                    .ensure_topic(&bot, &target, conversation_id, &mut paid)
                    .await?;
                self.pay(&target, &mut paid)?;
                notice.thread_id = Some(topic.thread_id);
            }
            self.notice_call(&bot, &notice).await
        }
        .await;
        self.leave(gate, &outcome);
        outcome
    }

    async fn notice_call(&self, bot: &BotHandle, notice: &Notice) -> Result<(), JobError> {
        let mut request = bot.bot.send_message(
            ChatId(notice.chat_id),
            text::truncate(&notice.text, MAX_MESSAGE),
        );
        if let Some(thread_id) = notice.thread_id {
            request = request.message_thread_id(thread(thread_id));
        }
        if let Some(reply_to) = notice.reply_to {
            request = request.reply_parameters(
                ReplyParameters::new(message_id(reply_to)).allow_sending_without_reply(),
            );
        }
        match request.await {
            Ok(_) => Ok(()),
            Err(e) => match classify(e) {
                // The topic is gone: the notice has nowhere to go.
                SendFailure::ThreadGone => Ok(()),
                SendFailure::TopicClosed => Ok(()),
                SendFailure::Other(e) => Err(job_error(&e)),
            },
        }
    }

    async fn react(&self, job: &Job) -> Result<(), JobError> {
        let ReactPayload {
            bot_account_id,
            chat_id,
            telegram_message_id,
            emoji,
        } = payload(job)?;
        let bot = self.bot(bot_account_id)?;
        // No emoji: the reaction is taken back.
        let reaction = match emoji.is_empty() {
            true => Vec::new(),
            false => vec![ReactionType::Emoji { emoji }],
        };
        match bot
            .bot
            .set_message_reaction(ChatId(chat_id), message_id(telegram_message_id))
            .reaction(reaction)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => match job_error(&e) {
                // The operator deleted the message: nothing to mark.
                JobError::Fatal(reason) => {
                    tracing::info!(%reason, "reaction not set");
                    Ok(())
                }
                other => Err(other),
            },
        }
    }
}

macro_rules! handler {
    ($name:ident, $method:ident) => {
        pub struct $name(pub TopicJobs);

        #[async_trait]
        impl JobHandler for $name {
            async fn run(&self, job: &Job) -> Result<(), JobError> {
                self.0.$method(job).await
            }
        }
    };
}

handler!(MirrorHandler, mirror);
handler!(TopicHandler, topic);
handler!(NoticeHandler, notice);
handler!(ReactHandler, react);
handler!(RemirrorHandler, remirror);

impl TopicJobs {
    /// The work group's job kinds.
    pub fn jobs(&self) -> Vec<crate::queue::JobKind> {
        use super::mirror::{JOB_VERSION, NOTICE_JOB, REACT_JOB, REMIRROR_JOB, TOPIC_JOB};
        let job = |kind, handler: Arc<dyn JobHandler>| crate::queue::JobKind {
            kind,
            version: JOB_VERSION,
            handler,
        };
        vec![
            job(MIRROR_JOB, Arc::new(MirrorHandler(self.clone()))),
            job(TOPIC_JOB, Arc::new(TopicHandler(self.clone()))),
            job(NOTICE_JOB, Arc::new(NoticeHandler(self.clone()))),
            job(REACT_JOB, Arc::new(ReactHandler(self.clone()))),
            job(REMIRROR_JOB, Arc::new(RemirrorHandler(self.clone()))),
        ]
    }
}
