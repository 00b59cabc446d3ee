//! Channel adapters: each connected account turns its provider's messages into
//! [`crate::relay::Inbound`] values and sends the outbox's replies. Every adapter
//! sends through the same [`Channel`] trait, so the outbox does not know which
//! provider it talks to.

pub mod runners;
pub mod simulator;

use async_trait::async_trait;

use crate::clock::Millis;
use crate::model::{Attachment, ChannelKind};

/// The shared budgets a reply to `thread` counts against besides its
/// conversation, narrowest first (see [`crate::queue::NewJob::rate_keys`]).
pub fn rate_keys(kind: ChannelKind, account_id: i64, thread: &str) -> Vec<String> {
    match kind {
        ChannelKind::TelegramBot => vec![
            crate::telegram::chat_key(account_id, thread),
            crate::telegram::bot_key(account_id),
        ],
        _ => Vec::new(),
    }
}

/// A reply on its way to a customer.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub message_id: i64,
    pub channel_account_id: i64,
    /// The thread at the provider (chat id, e-mail thread...).
    pub external_thread_id: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
}

/// The provider accepted the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Network loss, a 5xx: try again later.
    #[error("{0}")]
    Transient(String),
    /// The provider's rate limit: wait this long.
    #[error("rate limited for {after_ms} ms")]
    RateLimited { after_ms: Millis },
    /// The provider refused the message for good.
    #[error("{0}")]
    Rejected(String),
}

#[async_trait]
pub trait Channel: Send + Sync + 'static {
    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError>;
}
