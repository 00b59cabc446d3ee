//! The work group's topics: every conversation of a project gets a forum topic
//! on its first message, and every message (the customer's, the manager's, the
//! assistant's) is mirrored into it. Each Bot API call is a queued job counted
//! against the group's and the bot's budgets; when a topic's mirrors wait (the
//! group's budget is spent), the next one to run carries all waiting texts of
//! that topic in one message, so a backlog cannot grow without bound.
//!
//! This module queues the jobs; [`super::topic_jobs`] runs them.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, SqliteConnection};

use super::text;
use crate::channels::telegram_bot::{bot_key, group_key};
use crate::clock::{Millis, SharedClock};
use crate::error::Result;
use crate::hooks::{
    Change, ChangeHook, ChangedMessage, DeliveryObserver, MessageHook, StoredMessage,
};
use crate::model::AuthorKind;
use crate::model::Language;
use crate::queue::{self, NewJob};

pub const MIRROR_JOB: &str = "telegram.mirror";
pub const TOPIC_JOB: &str = "telegram.topic";
pub const NOTICE_JOB: &str = "telegram.notice";
pub const REACT_JOB: &str = "telegram.react";
pub const REMIRROR_JOB: &str = "telegram.remirror";
pub const JOB_VERSION: i64 = 1;

/// Mirrors wait out long outages: Telegram may be unreachable for hours.
const MIRROR_ATTEMPTS: i64 = 30;

/// Where a conversation's mirror goes.
#[derive(Debug, Clone, FromRow)]
pub struct Target {
    pub project_id: i64,
    pub chat_id: i64,
    pub bot_account_id: i64,
    pub language: String,
}

impl Target {
    pub fn language(&self) -> Language {
        self.language.parse().unwrap_or(Language::Ru)
    }
}

/// The work group and bot of the project a conversation belongs to, when both are set.
pub async fn target_for(db: &mut SqliteConnection, conversation_id: i64) -> Result<Option<Target>> {
    Ok(sqlx::query_as(
        "SELECT p.id AS project_id, p.work_group_id AS chat_id, p.bot_account_id, p.language
         FROM conversations c
         JOIN channel_accounts a ON a.id = c.channel_account_id
         JOIN projects p ON p.id = a.project_id
         JOIN telegram_bots b ON b.channel_account_id = p.bot_account_id
         WHERE c.id = ?1 AND p.work_group_id IS NOT NULL",
    )
    .bind(conversation_id)
    .fetch_optional(&mut *db)
    .await?)
}

fn topic_destination(conversation_id: i64) -> String {
    format!("topic:{conversation_id}")
}

/// Queues one of the work group's jobs: it counts against the group's and
/// the bot's budgets and outlasts long outages.
async fn push(db: &mut SqliteConnection, now: Millis, job: NewJob) -> Result<()> {
    let mut job = job;
    job.max_attempts = Some(MIRROR_ATTEMPTS);
    queue::enqueue(db, now, MIRROR_ATTEMPTS, job).await?;
    Ok(())
}

/// Queues the mirroring of a stored message, inside the transaction that stored it.
pub async fn enqueue_message(
    db: &mut SqliteConnection,
    now: Millis,
    conversation_id: i64,
    message_id: i64,
) -> Result<()> {
    let Some(target) = target_for(db, conversation_id).await? else {
        return Ok(());
    };
    push(
        db,
        now,
        NewJob::new(
            MIRROR_JOB,
            JOB_VERSION,
            serde_json::json!(MirrorPayload { message_id }),
            format!("{MIRROR_JOB}:{message_id}"),
            topic_destination(conversation_id),
        )
        .rate_keys([group_key(target.chat_id), bot_key(target.bot_account_id)]),
    )
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicAction {
    /// Bring the title in line with the conversation's state.
    Sync,
    Close,
    Reopen,
}

impl TopicAction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Close => "close",
            Self::Reopen => "reopen",
        }
    }
}

/// Queues a change of a conversation's topic (title, closed or open).
/// `about` names what caused it (a message, a status change), so the same
/// cause queued twice is one job.
pub async fn enqueue_topic(
    db: &mut SqliteConnection,
    now: Millis,
    conversation_id: i64,
    action: TopicAction,
    about: &str,
) -> Result<()> {
    let Some(target) = target_for(db, conversation_id).await? else {
        return Ok(());
    };
    push(
        db,
        now,
        NewJob::new(
            TOPIC_JOB,
            JOB_VERSION,
            serde_json::json!(TopicPayload {
                conversation_id,
                action
            }),
            format!("{TOPIC_JOB}:{conversation_id}:{}:{about}", action.as_str()),
            topic_destination(conversation_id),
        )
        .rate_keys([group_key(target.chat_id), bot_key(target.bot_account_id)]),
    )
    .await
}

/// Queues a short message from the bot into a chat (a topic, or a group's
/// General); `about` names what it answers (the same cause is one notice).
pub async fn enqueue_notice(
    db: &mut SqliteConnection,
    now: Millis,
    bot_account_id: i64,
    notice: Notice,
    about: &str,
) -> Result<()> {
    push(
        db,
        now,
        NewJob::new(
            NOTICE_JOB,
            JOB_VERSION,
            serde_json::json!(NoticePayload {
                bot_account_id,
                notice: notice.clone()
            }),
            format!("{NOTICE_JOB}:{}:{about}", notice.chat_id),
            format!("notice:{}", notice.chat_id),
        )
        .rate_keys([group_key(notice.chat_id), bot_key(bot_account_id)]),
    )
    .await
}

/// Queues a line from the bot into a conversation's topic (created if
/// missing), after the conversation's mirrored messages; `about` names what
/// it tells of (the same cause is one line).
pub async fn enqueue_conversation_notice(
    db: &mut SqliteConnection,
    now: Millis,
    conversation_id: i64,
    about: &str,
    text: impl FnOnce(Language) -> String,
) -> Result<()> {
    let Some(target) = target_for(db, conversation_id).await? else {
        return Ok(());
    };
    let notice = Notice {
        chat_id: target.chat_id,
        thread_id: None,
        reply_to: None,
        text: text(target.language()),
        conversation_id: Some(conversation_id),
    };
    push(
        db,
        now,
        NewJob::new(
            NOTICE_JOB,
            JOB_VERSION,
            serde_json::json!(NoticePayload {
                bot_account_id: target.bot_account_id,
                notice
            }),
            format!("{NOTICE_JOB}:conversation:{conversation_id}:{about}"),
            topic_destination(conversation_id),
        )
        .rate_keys([group_key(target.chat_id), bot_key(target.bot_account_id)]),
    )
    .await
}

/// Queues a reaction on a message in the work group (a reply was delivered,
/// a note saved, a customer reacted) under a key ending in `about`: the same
/// reaction is queued again only for something else.
pub async fn enqueue_reaction(
    db: &mut SqliteConnection,
    now: Millis,
    bot_account_id: i64,
    chat_id: i64,
    telegram_message_id: i64,
    emoji: &str,
    about: &str,
) -> Result<()> {
    push(
        db,
        now,
        NewJob::new(
            REACT_JOB,
            JOB_VERSION,
            serde_json::json!(ReactPayload {
                bot_account_id,
                chat_id,
                telegram_message_id,
                emoji: emoji.to_owned()
            }),
            format!("{REACT_JOB}:{chat_id}:{telegram_message_id}:{about}"),
            format!("react:{chat_id}"),
        )
        .rate_keys([bot_key(bot_account_id)]),
    )
    .await
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct MirrorPayload {
    pub(super) message_id: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct TopicPayload {
    pub(super) conversation_id: i64,
    pub(super) action: TopicAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub chat_id: i64,
    pub thread_id: Option<i64>,
    pub reply_to: Option<i64>,
    pub text: String,
    /// Into this conversation's topic (its thread is looked up when sent).
    #[serde(default)]
    pub conversation_id: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct NoticePayload {
    pub(super) bot_account_id: i64,
    pub(super) notice: Notice,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ReactPayload {
    pub(super) bot_account_id: i64,
    pub(super) chat_id: i64,
    pub(super) telegram_message_id: i64,
    pub(super) emoji: String,
}

/// Mirrors every stored message into its conversation's topic, except what
/// the operators wrote there themselves.
pub struct MirrorHook;

#[async_trait]
impl MessageHook for MirrorHook {
    async fn stored(
        &self,
        db: &mut SqliteConnection,
        now: Millis,
        message: &StoredMessage,
    ) -> Result<()> {
        if message.author == AuthorKind::Operator {
            return Ok(());
        }
        enqueue_message(db, now, message.conversation_id, message.message_id).await
    }
}

/// A mirrored message changed at the customer's side: its mirror is
/// written again (edited, deleted) or gets the customer's reaction.
#[async_trait]
impl ChangeHook for MirrorHook {
    async fn changed(
        &self,
        db: &mut SqliteConnection,
        now: Millis,
        message: &ChangedMessage,
    ) -> Result<()> {
        let Some(target) = target_for(db, message.conversation_id).await? else {
            return Ok(());
        };
        match message.change {
            Change::Edited | Change::Deleted => {
                push(
                    db,
                    now,
                    NewJob::new(
                        REMIRROR_JOB,
                        JOB_VERSION,
                        serde_json::json!(MirrorPayload {
                            message_id: message.message_id
                        }),
                        format!("{REMIRROR_JOB}:{}:{now}", message.message_id),
                        topic_destination(message.conversation_id),
                    )
                    .rate_keys([group_key(target.chat_id), bot_key(target.bot_account_id)]),
                )
                .await
            }
            Change::Reacted => {
                let (reaction, mirrors): (Option<String>, Vec<(i64, i64)>) = (
                    sqlx::query_scalar("SELECT reaction FROM messages WHERE id = ?1")
                        .bind(message.message_id)
                        .fetch_one(&mut *db)
                        .await?,
                    sqlx::query_as(
                        "SELECT DISTINCT chat_id, telegram_message_id FROM topic_messages
                         WHERE message_id = ?1 AND origin = 'mirror'",
                    )
                    .bind(message.message_id)
                    .fetch_all(&mut *db)
                    .await?,
                );
                for (chat_id, telegram_message_id) in mirrors {
                    enqueue_reaction(
                        db,
                        now,
                        target.bot_account_id,
                        chat_id,
                        telegram_message_id,
                        reaction.as_deref().unwrap_or_default(),
                        &format!("customer:{now}"),
                    )
                    .await?;
                }
                Ok(())
            }
            Change::NotChangedThere => {
                // Told under the reply in the topic (the operator's own message or its mirror).
                let (reason, answered): (Option<String>, Option<i64>) = sqlx::query_as(
                    "SELECT m.edit_error, (SELECT t.telegram_message_id FROM topic_messages t
                       WHERE t.message_id = m.id ORDER BY t.origin = 'operator' DESC LIMIT 1)
                     FROM messages m WHERE m.id = ?1",
                )
                .bind(message.message_id)
                .fetch_one(&mut *db)
                .await?;
                enqueue_notice(
                    db,
                    now,
                    target.bot_account_id,
                    Notice {
                        chat_id: target.chat_id,
                        thread_id: None,
                        reply_to: answered,
                        text: text::not_changed_there(
                            target.language(),
                            reason.as_deref().unwrap_or_default(),
                        ),
                        conversation_id: Some(message.conversation_id),
                    },
                    &format!("not-changed:{}:{now}", message.message_id),
                )
                .await
            }
        }
    }
}

/// Shows in the operator's topic how a reply written there ended: a 👍 on the
/// operator's message once sent, a short line when it could not be delivered.
pub struct TopicDeliveryObserver {
    pub clock: SharedClock,
}

#[async_trait]
impl DeliveryObserver for TopicDeliveryObserver {
    async fn delivered(
        &self,
        db: &mut SqliteConnection,
        message_id: i64,
        failure: Option<&str>,
    ) -> Result<()> {
        let origin: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT tm.chat_id, tm.telegram_message_id, m.conversation_id FROM topic_messages tm
             JOIN messages m ON m.id = tm.message_id
             WHERE tm.message_id = ?1 AND tm.origin = 'operator'",
        )
        .bind(message_id)
        .fetch_optional(&mut *db)
        .await?;
        let now = self.clock.now_ms();
        // A reply fails once: what its failure queues is known by the reply.
        let failed = format!("failed:{message_id}");
        let Some((chat_id, telegram_message_id, conversation_id)) = origin else {
            if failure.is_some() {
                // The conversation now needs a person: its title says so.
                let conversation_id: i64 =
                    sqlx::query_scalar("SELECT conversation_id FROM messages WHERE id = ?1")
                        .bind(message_id)
                        .fetch_one(&mut *db)
                        .await?;
                enqueue_topic(db, now, conversation_id, TopicAction::Sync, &failed).await?;
            }
            return Ok(());
        };
        let Some(target) = target_for(db, conversation_id).await? else {
            return Ok(());
        };
        if failure.is_some() {
            enqueue_topic(db, now, conversation_id, TopicAction::Sync, &failed).await?;
        }
        match failure {
            None => {
                enqueue_reaction(
                    db,
                    now,
                    target.bot_account_id,
                    chat_id,
                    telegram_message_id,
                    "👍",
                    "👍",
                )
                .await
            }
            Some(reason) => {
                let thread_id: Option<i64> =
                    sqlx::query_scalar("SELECT thread_id FROM topics WHERE conversation_id = ?1")
                        .bind(conversation_id)
                        .fetch_optional(&mut *db)
                        .await?;
                enqueue_notice(
                    db,
                    now,
                    target.bot_account_id,
                    Notice {
                        chat_id,
                        thread_id,
                        reply_to: Some(telegram_message_id),
                        text: text::not_delivered(target.language(), reason),
                        conversation_id: None,
                    },
                    &failed,
                )
                .await
            }
        }
    }
}
