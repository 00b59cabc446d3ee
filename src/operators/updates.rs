//! What each Telegram update means: a customer writing to the bot (ingest),
//! an operator answering or giving a command in a topic, the bot added to a
//! group or `/bind` (the work group). One transaction per update, with the
//! bot's next offset, whether the update came by long polling or by webhook.

use sqlx::SqliteConnection;
use teloxide_core::types::{ChatMemberUpdated, Message, Update, UpdateKind};

use super::commands::{self, GroupMessage, keep_note};
use super::joining;
use super::mirror::{self, Notice};
use super::model::WorkGroupCheck;
use super::projects::{Shared, check_group, store_check};
use super::text;
use crate::channels::telegram_bot::{BotHandle, file_ref};
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::inbox;
use crate::model::Language;
use crate::model::{
    Attachment, AttachmentKind, AuthorKind, ContactIdentity, ConversationStatus, IdentityKind,
};
use crate::outbox::Reply;
use crate::quick_replies;
use crate::relay::Inbound;
use crate::team::{self, model::Action};

/// What to tell subscribers once an update's transaction committed.
pub(super) enum Publish {
    Inbound(crate::model::IngestOutcome),
    Reply(i64, i64),
    Conversation(i64),
    /// A stored message changed (conversation, message).
    Message(i64, i64),
    Project(i64),
    /// Someone joined the team.
    Team,
}

/// Handles one update and stores the next offset in the same transaction. An
/// update stored before (a webhook delivered again) is skipped.
pub(super) async fn handle(
    shared: &Shared,
    account_id: i64,
    bot: &BotHandle,
    update: &Update,
) -> Result<()> {
    let next = i64::from(update.id.0) + 1;
    // Network calls (checking rights in a group) come before the transaction.
    let membership = match &update.kind {
        UpdateKind::MyChatMember(change) => Some(prepare_membership(shared, bot, change).await?),
        UpdateKind::Message(message) if is_bind(message, bot) => {
            let now = shared.clock.now_ms();
            Some(Membership {
                chat_id: message.chat.id.0,
                title: message.chat.title().unwrap_or_default().to_owned(),
                present: true,
                explicit: true,
                check: Some(check_group(bot, message.chat.id.0, now).await),
                reply_to: Some(i64::from(message.id.0)),
            })
        }
        _ => None,
    };
    let mut tx = shared.store.write().await?;
    let offset: i64 =
        sqlx::query_scalar("SELECT update_offset FROM telegram_bots WHERE channel_account_id = ?1")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::not_found("bot", account_id))?;
    if next <= offset {
        tracing::debug!(update = update.id.0, "update already stored");
        return Ok(());
    }
    let stored: Result<Vec<Publish>> = async {
        let publish = match (&update.kind, membership) {
            (_, Some(membership)) => {
                bind(shared, &mut tx, account_id, membership, update.id.0).await?
            }
            (UpdateKind::Message(message), None) => {
                on_message(shared, &mut tx, account_id, bot, message).await?
            }
            (UpdateKind::EditedMessage(message), None) => {
                super::changes::on_edited(shared, &mut tx, account_id, message).await?
            }
            (UpdateKind::MessageReaction(reaction), None) => {
                super::changes::on_reaction(shared, &mut tx, account_id, reaction).await?
            }
            _ => Vec::new(),
        };
        Ok(publish)
    }
    .await;
    let publish = match stored {
        Ok(publish) => publish,
        // A message that can never be stored (empty, too long) is logged and skipped.
        Err(Error::Invalid(reason)) => {
            tx.rollback().await?;
            tracing::warn!(update = update.id.0, %reason, "update skipped");
            tx = shared.store.write().await?;
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    sqlx::query("UPDATE telegram_bots SET update_offset = ?2 WHERE channel_account_id = ?1 AND update_offset < ?2")
        .bind(account_id)
        .bind(next)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    shared.queue.wake();
    for item in publish {
        match item {
            Publish::Inbound(outcome) => shared.relay.after_commit(&outcome).await,
            Publish::Reply(conversation_id, message_id) => {
                shared
                    .outbox
                    .after_commit(conversation_id, message_id)
                    .await
            }
            Publish::Conversation(id) => shared.relay.publish_conversation(id).await,
            Publish::Message(conversation_id, message_id) => {
                shared
                    .relay
                    .publish_message(conversation_id, message_id, true)
                    .await
            }
            Publish::Project(project_id) => shared
                .bus
                .publish(EngineEvent::ProjectChanged { project_id }),
            Publish::Team => shared.bus.publish(EngineEvent::TeamChanged),
        }
    }
    Ok(())
}

fn command<'a>(text: &'a str, bot: &BotHandle) -> Option<(&'a str, &'a str)> {
    let rest = text.strip_prefix('/')?;
    let (word, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let (name, to) = word
        .split_once('@')
        .map_or((word, None), |(n, t)| (n, Some(t)));
    if to.is_some_and(|t| !t.eq_ignore_ascii_case(&bot.username)) {
        return None;
    }
    Some((name, args.trim()))
}

fn is_bind(message: &Message, bot: &BotHandle) -> bool {
    !message.chat.is_private()
        && message
            .text()
            .and_then(|t| command(t, bot))
            .is_some_and(|(name, _)| name == "bind")
}

struct Membership {
    chat_id: i64,
    title: String,
    present: bool,
    /// Someone sent /bind: move the project to this group.
    explicit: bool,
    check: Option<WorkGroupCheck>,
    reply_to: Option<i64>,
}

async fn prepare_membership(
    shared: &Shared,
    bot: &BotHandle,
    change: &ChatMemberUpdated,
) -> Result<Membership> {
    let present = change.new_chat_member.is_present();
    let chat_id = change.chat.id.0;
    let check = if present && !change.chat.is_private() {
        Some(check_group(bot, chat_id, shared.clock.now_ms()).await)
    } else {
        None
    };
    Ok(Membership {
        chat_id,
        title: change.chat.title().unwrap_or_default().to_owned(),
        present,
        explicit: false,
        check,
        reply_to: None,
    })
}

/// The bot was added to a group, its rights changed, or someone sent /bind:
/// bind the project's work group (if it has none, or on /bind) and record
/// what the bot may do there.
async fn bind(
    shared: &Shared,
    db: &mut SqliteConnection,
    account_id: i64,
    m: Membership,
    update_id: u32,
) -> Result<Vec<Publish>> {
    let project: Option<(i64, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, name, language, work_group_id FROM projects WHERE bot_account_id = ?1",
    )
    .bind(account_id)
    .fetch_optional(&mut *db)
    .await?;
    let Some((project_id, name, language, bound)) = project else {
        return Ok(Vec::new());
    };
    let lang: Language = language.parse().unwrap_or(Language::Ru);
    let now = shared.clock.now_ms();
    let Some(check) = m.check.filter(|_| m.present) else {
        // The bot left or was removed: the check says so.
        if bound == Some(m.chat_id) {
            let check = WorkGroupCheck {
                checked_at: now,
                missing: vec![super::model::WorkGroupProblem::BotNotMember],
                error: None,
            };
            store_check(db, project_id, &check, now).await?;
            return Ok(vec![Publish::Project(project_id)]);
        }
        return Ok(Vec::new());
    };
    if bound.is_some() && bound != Some(m.chat_id) && !m.explicit {
        mirror::enqueue_notice(
            db,
            now,
            account_id,
            Notice {
                chat_id: m.chat_id,
                thread_id: None,
                reply_to: None,
                text: text::bound_elsewhere(lang).into(),
                conversation_id: None,
            },
            &format!("update:{update_id}"),
        )
        .await?;
        return Ok(Vec::new());
    }
    let taken: Option<String> =
        sqlx::query_scalar("SELECT name FROM projects WHERE work_group_id = ?1 AND id != ?2")
            .bind(m.chat_id)
            .bind(project_id)
            .fetch_optional(&mut *db)
            .await?;
    if let Some(other) = taken {
        tracing::warn!(chat_id = m.chat_id, project = %other, "the group already works for another project");
        return Ok(Vec::new());
    }
    if bound != Some(m.chat_id) {
        sqlx::query("DELETE FROM topics WHERE chat_id = ?1")
            .bind(m.chat_id)
            .execute(&mut *db)
            .await?;
        tracing::info!(project_id, chat_id = m.chat_id, "work group bound");
    }
    sqlx::query("UPDATE projects SET work_group_id = ?2, work_group_title = ?3, updated_at = ?4 WHERE id = ?1")
        .bind(project_id)
        .bind(m.chat_id)
        .bind(&m.title)
        .bind(now)
        .execute(&mut *db)
        .await?;
    store_check(db, project_id, &check, now).await?;
    if check.error.is_none()
        && (bound != Some(m.chat_id) || m.explicit || !check.missing.is_empty())
    {
        mirror::enqueue_notice(
            db,
            now,
            account_id,
            Notice {
                chat_id: m.chat_id,
                thread_id: None,
                reply_to: m.reply_to,
                text: text::bind_result(lang, &name, &check.missing),
                conversation_id: None,
            },
            &format!("update:{update_id}"),
        )
        .await?;
    }
    Ok(vec![Publish::Project(project_id)])
}

fn attachments_of(message: &Message, account_id: i64) -> Vec<Attachment> {
    let mut out = Vec::new();
    if let Some(photo) = message
        .photo()
        .and_then(|sizes| sizes.iter().max_by_key(|p| p.width * p.height))
    {
        out.push(Attachment {
            kind: AttachmentKind::Image,
            name: "photo.jpg".into(),
            mime: Some("image/jpeg".into()),
            url: Some(file_ref(account_id, &photo.file.id.0)),
            size: Some(i64::from(photo.file.size)),
        });
    }
    if let Some(voice) = message.voice() {
        out.push(Attachment {
            kind: AttachmentKind::Audio,
            name: "voice.ogg".into(),
            mime: voice.mime_type.as_ref().map(ToString::to_string),
            url: Some(file_ref(account_id, &voice.file.id.0)),
            size: Some(i64::from(voice.file.size)),
        });
    }
    if let Some(document) = message.document() {
        out.push(Attachment {
            kind: AttachmentKind::File,
            name: document.file_name.clone().unwrap_or_else(|| "file".into()),
            mime: document.mime_type.as_ref().map(ToString::to_string),
            url: Some(file_ref(account_id, &document.file.id.0)),
            size: Some(i64::from(document.file.size)),
        });
    }
    out
}

pub(super) fn person_name(user: &teloxide_core::types::User) -> String {
    match &user.last_name {
        Some(last) if !last.is_empty() => format!("{} {last}", user.first_name),
        _ => user.first_name.clone(),
    }
}

async fn on_message(
    shared: &Shared,
    db: &mut SqliteConnection,
    account_id: i64,
    bot: &BotHandle,
    message: &Message,
) -> Result<Vec<Publish>> {
    let Some(from) = message.from.as_ref().filter(|u| !u.is_bot) else {
        return Ok(Vec::new());
    };
    let text = message
        .text()
        .or(message.caption())
        .unwrap_or_default()
        .to_owned();
    if message.chat.is_private() {
        // A team code (`/start own_…`, `/start inv_…`) or a team member's command.
        if let Some(done) =
            joining::private(shared, db, account_id, message, from, command(&text, bot)).await?
        {
            return Ok(done);
        }
        // The bot as a customer channel. "/start" alone opens the chat and says nothing.
        if command(&text, bot).is_some_and(|(name, args)| name == "start" && args.is_empty()) {
            return Ok(Vec::new());
        }
        let inbound = Inbound {
            channel_account_id: account_id,
            external_message_id: format!("{}:{}", message.chat.id.0, message.id.0),
            external_thread_id: message.chat.id.0.to_string(),
            sender: ContactIdentity {
                kind: IdentityKind::TelegramUser,
                value: from.id.0.to_string(),
            },
            sender_name: person_name(from),
            subject: None,
            text,
            attachments: attachments_of(message, account_id),
            sent_at: Some(message.date.timestamp_millis()),
        }
        .validate()?;
        let outcome = shared.relay.ingest_in(db, &inbound).await?;
        return Ok(vec![Publish::Inbound(outcome)]);
    }

    // A message in the work group.
    let chat_id = message.chat.id.0;
    let work_group: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, language FROM projects WHERE bot_account_id = ?1 AND work_group_id = ?2",
    )
    .bind(account_id)
    .bind(chat_id)
    .fetch_optional(&mut *db)
    .await?;
    let Some((project_id, language)) = work_group else {
        return Ok(Vec::new());
    };
    let lang: Language = language.parse().unwrap_or(Language::Ru);
    let now = shared.clock.now_ms();
    let telegram_id = i64::from(message.id.0);
    let topic = match message.thread_id.filter(|_| message.is_topic_message) {
        Some(thread) => {
            sqlx::query_scalar::<_, i64>(
                "SELECT conversation_id FROM topics WHERE chat_id = ?1 AND thread_id = ?2",
            )
            .bind(chat_id)
            .bind(i64::from(thread.0.0))
            .fetch_optional(&mut *db)
            .await?
        }
        None => None,
    };
    let group = GroupMessage {
        account_id,
        project_id,
        lang,
        chat_id,
        thread_id: message.thread_id.map(|t| i64::from(t.0.0)),
        telegram_id,
        from,
        now,
        about: format!("tg:{chat_id}:{telegram_id}"),
    };

    if message.forum_topic_closed().is_some() || message.forum_topic_reopened().is_some() {
        let Some(conversation_id) = topic else {
            return Ok(Vec::new());
        };
        let closed = message.forum_topic_closed().is_some();
        sqlx::query("UPDATE topics SET closed = ?2, updated_at = ?3 WHERE conversation_id = ?1")
            .bind(conversation_id)
            .bind(closed)
            .bind(now)
            .execute(&mut *db)
            .await?;
        if closed {
            inbox::set_status(db, conversation_id, ConversationStatus::Closed, now).await?;
            return Ok(vec![Publish::Conversation(conversation_id)]);
        }
        return Ok(Vec::new());
    }

    // `/q name` in a topic is a reply: the quick reply's text, filled.
    let mut quick = false;
    let mut text = text;
    if let (Some(conversation_id), Some(("q", name))) = (topic, command(&text, bot)) {
        let Some(saved) = quick_replies::find(&mut *db, Some(project_id), name).await? else {
            let known: Vec<String> = quick_replies::list(&mut *db, Some(project_id))
                .await?
                .into_iter()
                .map(|q| q.name)
                .collect();
            group
                .tell(db, text::quick_reply_unknown(lang, name, &known))
                .await?;
            return Ok(Vec::new());
        };
        text = quick_replies::fill(db, conversation_id, &saved.text).await?;
        quick = true;
    } else if let Some((name, args)) = command(&text, bot) {
        return commands::run(&group, db, topic, name, args).await;
    }

    let Some(conversation_id) = topic else {
        // Talk in General or in topics that are not conversations stays there.
        return Ok(Vec::new());
    };
    // A reply to a mirrored message answers that message of the conversation.
    let reply_to: Option<i64> = match message.reply_to_message() {
        Some(answered) => sqlx::query_scalar(
            "SELECT t.message_id FROM topic_messages t JOIN messages m ON m.id = t.message_id
             WHERE t.chat_id = ?1 AND t.telegram_message_id = ?2 AND m.conversation_id = ?3",
        )
        .bind(chat_id)
        .bind(i64::from(answered.id.0))
        .bind(conversation_id)
        .fetch_optional(&mut *db)
        .await?
        .flatten(),
        None => None,
    };
    let user = joining::telegram_user(from)?;
    let gate = team::gate(db, user.id, project_id, Action::Answer).await?;
    if !gate.allows() {
        // Not sent: kept as a note, and its author told once how to join.
        let kept = if text.trim().is_empty() {
            attachments_of(message, account_id)
                .iter()
                .map(|a| a.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            text.clone()
        };
        keep_note(db, conversation_id, &user.name, &kept, &group.about, now).await?;
        tracing::info!(
            conversation_id,
            linked = gate.person().is_some(),
            "a work group message not sent to the customer: its author may not answer"
        );
        if team::hint_once(db, user.id, now).await? {
            let hint = match gate.person() {
                Some(person) => text::answer_not_allowed(lang, &person.name),
                None => text::join_hint(lang, &user.name, &bot.username),
            };
            group.tell(db, hint).await?;
        }
        return Ok(vec![Publish::Conversation(conversation_id)]);
    }
    let person = gate.person();
    let (reply_conversation, message_id) = shared
        .outbox
        .reply_in(
            db,
            Reply {
                conversation_id,
                text: text.clone(),
                attachments: attachments_of(message, account_id),
                author: AuthorKind::Operator,
                author_name: Some(person.map_or(user.name.clone(), |p| p.name.clone())),
                person_id: person.map(|p| p.id),
                reply_to,
                send_at: None,
            },
        )
        .await?;
    sqlx::query(
        "INSERT INTO topic_messages (chat_id, telegram_message_id, message_id, origin) VALUES (?1, ?2, ?3, 'operator')",
    )
    .bind(chat_id)
    .bind(telegram_id)
    .bind(message_id)
    .execute(&mut *db)
    .await?;
    if quick {
        group.tell(db, text::quick_reply_sent(lang, &text)).await?;
    }
    Ok(vec![Publish::Reply(reply_conversation, message_id)])
}
