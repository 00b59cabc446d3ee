//! What the WhatsApp channel needs of a linked device, as one narrow
//! interface: pair (QR codes as WhatsApp rotates them, or a code typed on
//! the phone), receive what happens on the number (messages in order, each
//! batch acknowledged to WhatsApp only once it is stored; receipts), send,
//! download, log out, and hand over the device's keys to keep. The real one
//! speaks the WhatsApp Web multi-device protocol through `whatsapp-rust`
//! ([`super::wa`]); the tests script a fake of it. Everything above it (the
//! pairing flow, the runner, the mapping to inbound messages, sending) is
//! the same for both.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clock::Millis;

/// The linked number, as WhatsApp describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// The device's address, e.g. `79991234567:12@s.whatsapp.net`.
    pub jid: String,
    /// The number in +E.164.
    pub phone: String,
    /// The profile name the number shows.
    pub push_name: Option<String>,
}

/// A failure at WhatsApp's side of the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum WaError {
    /// The connection dropped or could not be made: try again.
    #[error("{0}")]
    Network(String),
    /// WhatsApp asks to slow down: wait this long.
    #[error("WhatsApp asks to wait {seconds} s")]
    RateLimited { seconds: u32 },
    /// The link was ended (unlinked from the phone, logged out, banned).
    #[error("the device is no longer linked: {0}")]
    LoggedOut(String),
    /// WhatsApp refused the request (the reason as it says it).
    #[error("WhatsApp refused it: {0}")]
    Refused(String),
}

/// What a file is, for showing and sending it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediaKind {
    Image,
    /// A voice message (push-to-talk, OGG/Opus).
    Voice,
    Audio,
    Video,
    Document,
    Sticker,
}

/// A file in a message, to be downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub kind: MediaKind,
    /// What WhatsApp needs to hand the file over (its path, keys and
    /// hashes), opaque above the device.
    pub handle: Vec<u8>,
    pub mime: Option<String>,
    pub file_name: Option<String>,
    pub size: Option<u64>,
}

/// A contact card shared in a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedContact {
    pub name: String,
    /// The card's numbers as written on it.
    pub phones: Vec<String>,
}

/// What a message carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Content {
    Text(String),
    Media {
        media: Media,
        caption: Option<String>,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Contacts(Vec<SharedContact>),
    /// A reaction to message `target_id`; an empty emoji takes it back.
    Reaction {
        target_id: String,
        emoji: String,
    },
    /// Message `target_id` got this new text.
    Edit {
        target_id: String,
        text: String,
    },
    /// Message `target_id` was deleted for everyone.
    Revoke {
        target_id: String,
    },
    /// Something the inbox does not show (a poll, a call…), described.
    Other(String),
}

/// The message a reply answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quoted {
    pub id: String,
    /// Its text, as the reply carries it.
    pub text: Option<String>,
}

/// One message on the number: a customer's, or the owner's own (written
/// on the phone, or sent by this device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaMessage {
    /// WhatsApp's id of the message (unique per chat and sender).
    pub id: String,
    /// The chat: `<number>@s.whatsapp.net`, `<id>@lid` or `<id>@g.us`.
    pub chat: String,
    pub is_group: bool,
    /// Written by the number itself.
    pub from_me: bool,
    /// Who wrote it (in a private chat, the customer unless `from_me`).
    pub sender: String,
    /// The customer's number in +E.164, when WhatsApp tells it.
    pub sender_phone: Option<String>,
    /// The name the sender set in WhatsApp.
    pub push_name: Option<String>,
    /// Unix seconds.
    pub timestamp: i64,
    pub content: Content,
    pub reply_to: Option<Quoted>,
}

/// Tells WhatsApp that a batch of messages is stored; until then WhatsApp
/// keeps them and hands them over again after a reconnect.
#[derive(Debug, Default)]
pub struct Ack(Option<tokio::sync::oneshot::Sender<()>>);

impl Ack {
    /// An acknowledgement, and what learns that it was given.
    pub fn new() -> (Self, tokio::sync::oneshot::Receiver<()>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (Self(Some(tx)), rx)
    }

    /// The batch is stored.
    pub fn done(mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// What happens on the device.
#[derive(Debug)]
pub enum DeviceEvent {
    /// Show this QR code until WhatsApp replaces it (in `valid_for_ms`).
    Qr { code: String, valid_for_ms: Millis },
    /// WhatsApp offers no more QR codes: this pairing lapsed.
    PairingExpired,
    /// The pairing failed (the phone refused it, a wrong code…).
    PairingFailed(String),
    /// Linked to the number; the keys are complete (save them).
    Paired(Me),
    /// Connected and receiving (after pairing, or with saved keys).
    Connected(Me),
    /// The connection dropped; the device connects again by itself.
    Disconnected(String),
    /// WhatsApp ended the link (unlinked from the phone, logged out
    /// elsewhere, banned); the reason as it says it.
    LoggedOut(String),
    /// Messages in order, delivered live or caught up after a pause.
    Messages(Vec<WaMessage>, Ack),
    /// The customer's device got (or showed) the number's messages.
    Receipt {
        chat: String,
        message_ids: Vec<String>,
        read: bool,
    },
}

/// A file to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub kind: MediaKind,
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// One linked (or linking) device of one number.
#[async_trait]
pub trait Device: Send + Sync + 'static {
    /// The next thing that happened on the device.
    async fn next_event(&self) -> Result<DeviceEvent, WaError>;
    /// Asks WhatsApp for a code to type on the phone with `phone` (digits
    /// with the country code), instead of scanning; answers the code.
    async fn pair_code(&self, phone: &str) -> Result<String, WaError>;
    /// Sends a text to `chat`, answering `reply_to` if given; its id.
    async fn send_text(
        &self,
        chat: &str,
        text: &str,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError>;
    /// Uploads and sends a file with an optional caption; its id.
    async fn send_file(
        &self,
        chat: &str,
        file: &Upload,
        caption: Option<&str>,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError>;
    /// Changes the text of message `id` this number sent to `chat`.
    async fn edit(&self, chat: &str, id: &str, text: &str) -> Result<(), WaError>;
    /// Reacts to message `id` of `chat` (`from_me`: the number's own); an
    /// empty `emoji` takes the reaction back.
    async fn react(&self, chat: &str, id: &str, from_me: bool, emoji: &str) -> Result<(), WaError>;
    async fn download(&self, media: &Media) -> Result<Vec<u8>, WaError>;
    /// Unlinks the device at WhatsApp.
    async fn log_out(&self) -> Result<(), WaError>;
    /// The device's keys and state, when they changed since the last call
    /// (the first call always answers them).
    async fn keys(&self) -> Result<Option<Vec<u8>>, WaError>;
    /// Disconnects.
    async fn close(&self);
}

/// Makes devices: from saved keys, or a new one to pair.
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    async fn connect(&self, keys: Option<&[u8]>) -> Result<Box<dyn Device>, WaError>;
}
