//! One line of text per time, message and event, for the terminal.

use crate::events::EngineEvent;
use crate::model::{Direction, Message};

pub(super) fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

pub(super) fn message_line(m: &Message) -> String {
    let arrow = match m.direction {
        Direction::In => "←",
        Direction::Out => "→",
    };
    let delivery = m.delivery.map(|d| format!(" [{d}]")).unwrap_or_default();
    let error = m
        .delivery_error
        .as_deref()
        .map(|e| format!(" ({e})"))
        .unwrap_or_default();
    format!(
        "{} {arrow} {}: {}{delivery}{error}\n",
        time(m.created_at),
        m.author_name.as_deref().unwrap_or(m.author_kind.as_str()),
        m.text
    )
}

pub(super) fn event_line(event: &EngineEvent) -> String {
    match event {
        EngineEvent::ConversationChanged { conversation: c } => {
            format!(
                "conversation {} ({}) is {}\n",
                c.id, c.contact_name, c.status
            )
        }
        EngineEvent::MessageAdded { message } => {
            format!(
                "conversation {}: {}",
                message.conversation_id,
                message_line(message)
            )
        }
        EngineEvent::MessageUpdated { message } => format!(
            "message {} is {}\n",
            message.id,
            message.delivery.map_or("updated", |d| d.as_str())
        ),
        EngineEvent::MessageRemoved {
            conversation_id,
            message_id,
        } => format!("conversation {conversation_id}: message {message_id} removed\n"),
        EngineEvent::LabelsChanged => "labels changed\n".to_owned(),
        EngineEvent::QuickRepliesChanged => "quick replies changed\n".to_owned(),
        EngineEvent::SimulatorEntry { entry } => {
            format!("test chat {}: {}\n", entry.customer, entry.text)
        }
        EngineEvent::ProjectChanged { project_id } => format!("project {project_id} changed\n"),
        EngineEvent::AccountChanged { account_id } => format!("account {account_id} changed\n"),
        EngineEvent::AssistantChanged { project_id } => {
            format!("assistant of project {project_id} changed\n")
        }
        EngineEvent::AssistantRun { run } => format!(
            "conversation {}: assistant {} ({} catalogue rows)\n",
            run.conversation_id,
            run.outcome,
            run.catalogue_rows.len()
        ),
        EngineEvent::CatalogueProgress {
            project_id,
            stage,
            done,
            total,
        } => format!("catalogue of project {project_id}: {stage} {done}/{total}\n"),
        EngineEvent::RestoreProgress { step } => {
            format!("restore: {} {}/{}\n", step.stage, step.done, step.total)
        }
        EngineEvent::GuardChanged => "outbox guard changed\n".to_owned(),
        EngineEvent::AutoRepliesPaused { paused } => match paused {
            true => "auto-replies paused\n".to_owned(),
            false => "auto-replies resumed\n".to_owned(),
        },
        EngineEvent::LoginChanged { login_id } => format!("login {login_id} moved on\n"),
        EngineEvent::SettingsChanged => "settings changed\n".to_owned(),
        EngineEvent::TeamChanged => "team changed\n".to_owned(),
        EngineEvent::Resync => "events were skipped\n".to_owned(),
    }
}
