//! Domain events: what changed in the store, published after the change is
//! committed. The desktop window, the command line and later the operator
//! mirror subscribe; a slow subscriber misses events (it is told it lagged and
//! reloads) instead of holding the engine back.

use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::sync::broadcast;

use crate::model::{ConversationSummary, Message, SimulatorEntry};

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
    SimulatorEntry {
        entry: SimulatorEntry,
    },
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

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.sender.subscribe()
    }
}
