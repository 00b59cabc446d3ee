//! Domain events: what changed in the store, published after the change is
//! committed. The desktop window, the command line and later the operator
//! mirror subscribe; a slow subscriber misses events (it is told it lagged and
//! reloads) instead of holding the engine back.

use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::sync::broadcast;

use crate::model::{AssistantRun, ConversationSummary, ImportStage, Message, SimulatorEntry};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "type", rename_all = "snake_case")]
// The desktop wraps it in its own `EngineEvent`; this is the payload type.
#[serde(rename = "DomainEvent")]
pub enum EngineEvent {
    ConversationChanged {
        conversation: ConversationSummary,
    },
    MessageAdded {
        message: Message,
    },
    MessageUpdated {
        message: Message,
    },
    /// A message is gone (a reply scheduled for later was cancelled).
    MessageRemoved {
        conversation_id: i64,
        message_id: i64,
    },
    /// Labels or quick replies were made, changed or deleted.
    LabelsChanged,
    QuickRepliesChanged,
    SimulatorEntry {
        entry: SimulatorEntry,
    },
    /// A project, its bot or its work group changed (or it was deleted).
    ProjectChanged {
        project_id: i64,
    },
    /// Someone joined or left the team, or an invite changed.
    TeamChanged,
    /// A channel account (a bot, a mailbox, an Avito account...) was
    /// connected, changed or removed, or its connection changed (state,
    /// error, import progress, webhook).
    AccountChanged {
        account_id: i64,
    },
    /// A project's assistant or auto-reply settings changed.
    AssistantChanged {
        project_id: i64,
    },
    /// The assistant drafted, answered, handed over or failed on a message.
    AssistantRun {
        run: AssistantRun,
    },
    /// How a catalogue upload is going.
    CatalogueProgress {
        project_id: i64,
        stage: ImportStage,
        done: u32,
        total: u32,
    },
    /// How a restore being prepared goes.
    RestoreProgress {
        step: crate::backup::RestoreStep,
    },
    /// The outbox guard, its whitelist or the replies it holds changed.
    GuardChanged,
    /// Auto-replies were paused for the whole app, or resumed.
    AutoRepliesPaused {
        paused: bool,
    },
    /// A login attempt of a Telegram account moved on (read it again).
    LoginChanged {
        login_id: String,
    },
    /// A setting of the Settings screen changed (language, notifications,
    /// the LAN endpoint, the log level).
    SettingsChanged,
    /// Events were missed (the subscriber fell behind): reload what is shown.
    Resync,
}

#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<EngineEvent>,
}

impl EventBus {
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity);
        Self { sender }
    }

    pub fn publish(&self, event: EngineEvent) {
        // No subscriber is a normal state (headless, nobody watching).
        let _receivers = self.sender.send(event).unwrap_or(0);
    }

    pub fn subscribe(&self) -> Subscription {
        Subscription(self.sender.subscribe())
    }
}

/// One subscriber's view of the bus.
#[derive(Debug)]
pub struct Subscription(broadcast::Receiver<EngineEvent>);

impl Subscription {
    /// The next event; [`EngineEvent::Resync`] when this subscriber fell behind
    /// and missed some, `None` once the engine is gone.
    pub async fn next(&mut self) -> Option<EngineEvent> {
        match self.0.recv().await {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "a subscriber fell behind the engine's events");
                Some(EngineEvent::Resync)
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64) -> EngineEvent {
        EngineEvent::SimulatorEntry {
            entry: SimulatorEntry {
                id,
                customer: "Anna".into(),
                direction: crate::model::Direction::In,
                text: "hi".into(),
                message_id: None,
                created_at: 0,
            },
        }
    }

    #[tokio::test]
    async fn a_subscriber_that_fell_behind_is_told_to_resync() {
        let bus = EventBus::new(1);
        let mut events = bus.subscribe();
        for id in 1..=3 {
            bus.publish(entry(id));
        }
        assert_eq!(
            events.next().await,
            Some(EngineEvent::Resync),
            "missed events are reported as a resync"
        );
        assert_eq!(events.next().await, Some(entry(3)), "then the newest event");
        drop(bus);
        assert_eq!(events.next().await, None, "the bus is gone");
    }
}
