//! The inbox for a day's work: labels, snooze, closing many at once, quick
//! replies and replies scheduled for later.

use chrono::{Datelike, Duration, NaiveTime, TimeZone, Weekday};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::ApiResult;
use crate::clock::Millis;
use crate::engine::Engine;
use crate::error::Error;
use crate::events::EngineEvent;
use crate::inbox;
use crate::labels::{self, Label, LabelInput};
use crate::model::text_enum;
use crate::model::{ConversationStatus, ConversationSummary, Message};
use crate::operators::mirror::{self, TopicAction};
use crate::outbox::scheduled;
use crate::quick_replies::{self, QuickReply, QuickReplyImport, QuickReplyInput};

/// Most conversations one bulk action takes.
pub const MAX_BULK: usize = 500;

fn bulk(ids: &[i64]) -> ApiResult<Vec<i64>> {
    if ids.is_empty() {
        return Err(Error::invalid("choose at least one conversation").into());
    }
    if ids.len() > MAX_BULK {
        return Err(Error::invalid(format!("at most {MAX_BULK} conversations at once")).into());
    }
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    Ok(unique)
}

/// The conversations as they are now, each told to the window once.
async fn summaries(engine: &Engine, ids: &[i64]) -> ApiResult<Vec<ConversationSummary>> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let conversation = inbox::conversation_summary(engine.store().pool(), id).await?;
        engine.events().publish(EngineEvent::ConversationChanged {
            conversation: conversation.clone(),
        });
        out.push(conversation);
    }
    Ok(out)
}

pub async fn list_labels(engine: &Engine) -> ApiResult<Vec<Label>> {
    Ok(labels::list(engine.store().pool()).await?)
}

pub async fn create_label(engine: &Engine, input: LabelInput) -> ApiResult<Label> {
    let mut tx = engine.store().write().await?;
    let label = labels::create(&mut tx, engine.clock().now_ms(), &input).await?;
    tx.commit().await.map_err(Error::from)?;
    engine.events().publish(EngineEvent::LabelsChanged);
    Ok(label)
}

pub async fn update_label(engine: &Engine, label_id: i64, input: LabelInput) -> ApiResult<Label> {
    let mut tx = engine.store().write().await?;
    let label = labels::update(&mut tx, label_id, &input).await?;
    tx.commit().await.map_err(Error::from)?;
    engine.events().publish(EngineEvent::LabelsChanged);
    Ok(label)
}

/// Deletes a label; its conversations lose it.
pub async fn delete_label(engine: &Engine, label_id: i64) -> ApiResult<()> {
    let mut tx = engine.store().write().await?;
    let carried = labels::delete(&mut tx, label_id).await?;
    tx.commit().await.map_err(Error::from)?;
    engine.events().publish(EngineEvent::LabelsChanged);
    summaries(engine, &carried).await?;
    Ok(())
}

/// Puts a label on conversations (`on`) or takes it off.
pub async fn label_conversations(
    engine: &Engine,
    conversation_ids: Vec<i64>,
    label_id: i64,
    on: bool,
) -> ApiResult<Vec<ConversationSummary>> {
    let ids = bulk(&conversation_ids)?;
    let mut tx = engine.store().write().await?;
    let changed = labels::set(&mut tx, label_id, &ids, on).await?;
    tx.commit().await.map_err(Error::from)?;
    engine.events().publish(EngineEvent::LabelsChanged);
    tracing::info!(label_id, on, conversations = changed.len(), "labels set");
    summaries(engine, &ids).await
}

/// Snoozes conversations until `until`, or brings them back now (`None`).
pub async fn snooze_conversations(
    engine: &Engine,
    conversation_ids: Vec<i64>,
    until: Option<Millis>,
) -> ApiResult<Vec<ConversationSummary>> {
    let ids = bulk(&conversation_ids)?;
    let now = engine.clock().now_ms();
    let mut tx = engine.store().write().await?;
    let changed = crate::snooze::snooze(
        &mut tx,
        now,
        engine.queue().settings().max_attempts,
        &ids,
        until,
    )
    .await?;
    tx.commit().await.map_err(Error::from)?;
    engine.queue().wake();
    tracing::info!(
        conversations = changed.len(),
        snoozed = until.is_some(),
        "snooze set"
    );
    summaries(engine, &ids).await
}

/// Sets the status of conversations by hand (closes many at once); their
/// topics follow.
pub async fn set_conversations_status(
    engine: &Engine,
    conversation_ids: Vec<i64>,
    status: ConversationStatus,
) -> ApiResult<Vec<ConversationSummary>> {
    let ids = bulk(&conversation_ids)?;
    let now = engine.clock().now_ms();
    let mut tx = engine.store().write().await?;
    for &id in &ids {
        set_status_in(&mut tx, now, id, status).await?;
    }
    tx.commit().await.map_err(Error::from)?;
    engine.queue().wake();
    tracing::info!(conversations = ids.len(), %status, "conversations' status set");
    summaries(engine, &ids).await
}

/// One conversation's status set by hand, in the caller's transaction;
/// the operators' topic follows: closed with the conversation, open again after.
pub(super) async fn set_status_in(
    tx: &mut sqlx::SqliteConnection,
    now: Millis,
    conversation_id: i64,
    status: ConversationStatus,
) -> ApiResult<()> {
    let previous = inbox::set_status(tx, conversation_id, status, now).await?;
    let action = match (previous == ConversationStatus::Closed, status) {
        (_, ConversationStatus::Closed) => TopicAction::Close,
        (true, _) => TopicAction::Reopen,
        (false, _) => TopicAction::Sync,
    };
    mirror::enqueue_topic(tx, now, conversation_id, action, &format!("status:{now}")).await?;
    Ok(())
}

/// The quick replies a conversation of `project_id` may use (its own and
/// every project's), or all of them (`None`).
pub async fn list_quick_replies(
    engine: &Engine,
    project_id: Option<i64>,
) -> ApiResult<Vec<QuickReply>> {
    Ok(quick_replies::list(engine.store().pool(), project_id).await?)
}

pub async fn create_quick_reply(engine: &Engine, input: QuickReplyInput) -> ApiResult<QuickReply> {
    let mut tx = engine.store().write().await?;
    let reply = quick_replies::create(&mut tx, engine.clock().now_ms(), &input).await?;
    tx.commit().await.map_err(Error::from)?;
    engine.events().publish(EngineEvent::QuickRepliesChanged);
    Ok(reply)
}

pub async fn update_quick_reply(
    engine: &Engine,
    quick_reply_id: i64,
    input: QuickReplyInput,
) -> ApiResult<QuickReply> {
    let mut tx = engine.store().write().await?;
    let reply =
        quick_replies::update(&mut tx, engine.clock().now_ms(), quick_reply_id, &input).await?;
    tx.commit().await.map_err(Error::from)?;
    engine.events().publish(EngineEvent::QuickRepliesChanged);
    Ok(reply)
}

pub async fn delete_quick_reply(engine: &Engine, quick_reply_id: i64) -> ApiResult<()> {
    quick_replies::delete(engine.store().pool(), quick_reply_id).await?;
    engine.events().publish(EngineEvent::QuickRepliesChanged);
    Ok(())
}

/// A quick reply's text as it goes to this conversation's customer: the
/// persona's placeholders and the customer's name filled.
pub async fn quick_reply_text(
    engine: &Engine,
    conversation_id: i64,
    quick_reply_id: i64,
) -> ApiResult<String> {
    let reply = quick_replies::get(engine.store().pool(), quick_reply_id).await?;
    let mut conn = engine.store().conn().await?;
    Ok(quick_replies::fill(&mut conn, conversation_id, &reply.text).await?)
}

/// Saves every quick reply as CSV in `folder` (Downloads when `None`);
/// answers the file's path.
pub async fn export_quick_replies(engine: &Engine, folder: Option<String>) -> ApiResult<String> {
    let replies = quick_replies::list(engine.store().pool(), None).await?;
    let csv = quick_replies::to_csv(&replies)?;
    let path = super::support::save_in(
        engine,
        folder,
        "tuberry-quick-replies",
        "csv",
        csv.as_bytes(),
    )?;
    Ok(path.display().to_string())
}

/// Adds and updates quick replies from CSV text (`project,name,text`); a
/// bad line refuses the whole file.
pub async fn import_quick_replies(engine: &Engine, csv: String) -> ApiResult<QuickReplyImport> {
    let mut tx = engine.store().write().await?;
    let report = quick_replies::import_csv(&mut tx, engine.clock().now_ms(), &csv).await?;
    tx.commit().await.map_err(Error::from)?;
    engine.events().publish(EngineEvent::QuickRepliesChanged);
    Ok(report)
}

text_enum! {
    /// A time offered for sending later.
    SendPreset {
        InAnHour => "in_an_hour",
        /// Today at 18:00 (offered before 17:00).
        ThisEvening => "this_evening",
        /// Tomorrow at 9:00.
        TomorrowMorning => "tomorrow_morning",
        /// Monday at 9:00 (offered unless tomorrow is Monday).
        Monday => "monday",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SendTime {
    pub preset: SendPreset,
    pub at: Millis,
}

/// The times offered for sending a reply later, in the shop's time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SendTimes {
    /// The project's time zone (its schedule's), else this computer's.
    pub time_zone: String,
    pub presets: Vec<SendTime>,
}

/// The presets at `now` in `zone`.
pub fn send_presets<Z: TimeZone>(zone: &Z, now: Millis) -> Vec<SendTime> {
    let Some(local) = zone.timestamp_millis_opt(now).single() else {
        return Vec::new();
    };
    let at = |day: chrono::NaiveDate, hour: u32| {
        let time = NaiveTime::from_hms_opt(hour, 0, 0)?;
        // A clock change at that hour: the later of the two, or none.
        zone.from_local_datetime(&day.and_time(time))
            .latest()
            .map(|t| t.timestamp_millis())
    };
    let today = local.date_naive();
    let mut out = vec![SendTime {
        preset: SendPreset::InAnHour,
        at: (now + 3_600_000) / 60_000 * 60_000,
    }];
    if local.time() < NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default()
        && let Some(evening) = at(today, 18)
    {
        out.push(SendTime {
            preset: SendPreset::ThisEvening,
            at: evening,
        });
    }
    let tomorrow = today + Duration::days(1);
    if let Some(morning) = at(tomorrow, 9) {
        out.push(SendTime {
            preset: SendPreset::TomorrowMorning,
            at: morning,
        });
    }
    if tomorrow.weekday() != Weekday::Mon {
        let ahead = 7 - i64::from(today.weekday().num_days_from_monday());
        if let Some(monday) = at(today + Duration::days(ahead), 9) {
            out.push(SendTime {
                preset: SendPreset::Monday,
                at: monday,
            });
        }
    }
    out
}

/// The times offered for sending a reply in this conversation later.
pub async fn send_times(engine: &Engine, conversation_id: i64) -> ApiResult<SendTimes> {
    let project = quick_replies::project_of(engine.store().pool(), conversation_id).await?;
    let zone = match project {
        Some(project_id) => {
            let mut conn = engine.store().conn().await?;
            let settings = crate::assistant::config::load(&mut conn, project_id).await?;
            crate::clock::parse_zone(&settings.effective_time_zone)
                .unwrap_or_else(crate::clock::system_zone)
        }
        None => crate::clock::system_zone(),
    };
    Ok(SendTimes {
        time_zone: zone.name().to_owned(),
        presets: send_presets(&zone, engine.clock().now_ms()),
    })
}

/// Changes a reply scheduled for later: its text and when it goes.
pub async fn edit_scheduled_reply(
    engine: &Engine,
    message_id: i64,
    text: String,
    send_at: Millis,
) -> ApiResult<Message> {
    let now = engine.clock().now_ms();
    let conversation_id = scheduled::edit(engine.store(), now, message_id, &text, send_at).await?;
    engine.queue().wake();
    engine
        .relay()
        .publish_message(conversation_id, message_id, true)
        .await;
    Ok(inbox::message(engine.store().pool(), message_id).await?)
}

/// Cancels a reply scheduled for later; it never goes.
pub async fn cancel_scheduled_reply(engine: &Engine, message_id: i64) -> ApiResult<()> {
    let conversation_id = scheduled::cancel(engine.store(), message_id).await?;
    engine.events().publish(EngineEvent::MessageRemoved {
        conversation_id,
        message_id,
    });
    engine.relay().publish_conversation(conversation_id).await;
    Ok(())
}

/// Changes a reply's text: one not sent yet goes changed; one sent is
/// changed at the customer's side where the channel can (the message's
/// `editError` says when it could not).
pub async fn edit_reply(engine: &Engine, message_id: i64, text: String) -> ApiResult<Message> {
    Ok(engine.outbox().edit_reply(message_id, &text).await?)
}
