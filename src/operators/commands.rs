//! The team's commands in a work group: `/close`, `/reopen`, `/note`,
//! `/take`, `/assign`, `/unassign`, `/label` and `/help` (`/q` is a reply,
//! see `updates`), each as the team allows it
//! ([`crate::team::gate`]), in the update's transaction.

use sqlx::SqliteConnection;
use teloxide_core::types::User;

use super::joining;
use super::mirror::{self, Notice, TopicAction};
use super::text;
use super::updates::Publish;
use crate::error::Result;
use crate::inbox;
use crate::labels;
use crate::model::{ConversationStatus, Language};
use crate::team::{self, model::Action};

/// A message in a project's work group, as the commands see it.
pub(super) struct GroupMessage<'a> {
    pub account_id: i64,
    pub project_id: i64,
    pub lang: Language,
    pub chat_id: i64,
    pub thread_id: Option<i64>,
    pub telegram_id: i64,
    pub from: &'a User,
    pub now: i64,
    /// What the bot queues in answer to this message is known by it.
    pub about: String,
}

impl GroupMessage<'_> {
    /// The bot's answer to this message, in its topic.
    pub async fn tell(&self, db: &mut SqliteConnection, text: String) -> Result<()> {
        mirror::enqueue_notice(
            db,
            self.now,
            self.account_id,
            Notice {
                chat_id: self.chat_id,
                thread_id: self.thread_id,
                reply_to: Some(self.telegram_id),
                text,
                conversation_id: None,
            },
            &self.about,
        )
        .await
    }

    async fn react(&self, db: &mut SqliteConnection, emoji: &str) -> Result<()> {
        mirror::enqueue_reaction(
            db,
            self.now,
            self.account_id,
            self.chat_id,
            self.telegram_id,
            emoji,
            emoji,
        )
        .await
    }
}

/// The action a command needs, if the team restricts it.
fn needs(name: &str) -> Option<Action> {
    match name {
        "close" | "reopen" => Some(Action::CloseReopen),
        "note" => Some(Action::Note),
        "take" => Some(Action::Answer),
        "assign" | "unassign" => Some(Action::Assign),
        "label" => Some(Action::CloseReopen),
        _ => None,
    }
}

/// Runs a command given in a work group; `topic` is the conversation of the
/// topic it was given in.
pub(super) async fn run(
    m: &GroupMessage<'_>,
    db: &mut SqliteConnection,
    topic: Option<i64>,
    name: &str,
    args: &str,
) -> Result<Vec<Publish>> {
    let Some(conversation_id) = topic else {
        if name == "help" || name == "start" {
            m.tell(db, text::help(m.lang).into()).await?;
        }
        return Ok(Vec::new());
    };
    let mut gate = None;
    if let Some(action) = needs(name) {
        let checked =
            team::gate(db, joining::telegram_user(m.from)?.id, m.project_id, action).await?;
        if !checked.allows() {
            m.tell(db, text::not_allowed(m.lang, name)).await?;
            return Ok(Vec::new());
        }
        gate = Some(checked);
    }
    let changed = vec![Publish::Conversation(conversation_id)];
    match name {
        "close" => {
            inbox::set_status(db, conversation_id, ConversationStatus::Closed, m.now).await?;
            m.react(db, "👌").await?;
            mirror::enqueue_topic(db, m.now, conversation_id, TopicAction::Close, &m.about).await?;
            Ok(changed)
        }
        "reopen" => {
            inbox::set_status(
                db,
                conversation_id,
                ConversationStatus::AwaitingResponse,
                m.now,
            )
            .await?;
            m.react(db, "👌").await?;
            mirror::enqueue_topic(db, m.now, conversation_id, TopicAction::Reopen, &m.about)
                .await?;
            Ok(changed)
        }
        "note" => {
            if args.is_empty() {
                m.tell(db, text::empty_note(m.lang).into()).await?;
                return Ok(Vec::new());
            }
            let author = super::updates::person_name(m.from);
            keep_note(db, conversation_id, &author, args, &m.about, m.now).await?;
            m.react(db, "✍").await?;
            Ok(changed)
        }
        "take" | "assign" | "unassign" => {
            let person = match name {
                "take" => gate.as_ref().and_then(|g| g.person()).cloned(),
                "assign" => {
                    if args.is_empty() {
                        m.tell(db, text::assign_usage(m.lang).into()).await?;
                        return Ok(Vec::new());
                    }
                    match team::find(db, Some(m.project_id), args).await? {
                        Some(p) if p.role.may(Action::Answer) => Some(p),
                        _ => {
                            m.tell(db, text::nobody_named(m.lang, args)).await?;
                            return Ok(Vec::new());
                        }
                    }
                }
                _ => None,
            };
            if name == "take" && person.is_none() {
                // No team yet: there is nobody to give it to.
                m.tell(db, text::no_team(m.lang).into()).await?;
                return Ok(Vec::new());
            }
            team::assign(db, conversation_id, person.as_ref(), m.now).await?;
            m.react(db, "👌").await?;
            mirror::enqueue_topic(db, m.now, conversation_id, TopicAction::Sync, &m.about).await?;
            Ok(changed)
        }
        "label" => {
            let (on, name) = match args.strip_prefix('-') {
                Some(name) => (false, name.trim()),
                None => (true, args),
            };
            let Some(label) = labels::find(&mut *db, name).await? else {
                let known: Vec<String> = labels::list(&mut *db)
                    .await?
                    .into_iter()
                    .map(|l| l.name)
                    .collect();
                m.tell(db, text::label_unknown(m.lang, name, &known))
                    .await?;
                return Ok(Vec::new());
            };
            labels::set(db, label.id, &[conversation_id], on).await?;
            m.react(db, "👌").await?;
            Ok(changed)
        }
        "help" => {
            m.tell(db, text::help(m.lang).into()).await?;
            Ok(Vec::new())
        }
        // Other commands are not replies to the customer.
        _ => Ok(Vec::new()),
    }
}

/// A note of the team on a conversation, once per work group message.
pub(super) async fn keep_note(
    db: &mut SqliteConnection,
    conversation_id: i64,
    author: &str,
    text: &str,
    external_id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notes (conversation_id, author_name, text, external_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (external_id) DO NOTHING",
    )
    .bind(conversation_id)
    .bind(author)
    .bind(text)
    .bind(external_id)
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(())
}
