//! The webhook payload as Meta posts it (`object`, `entry[].changes[].value`
//! with `metadata`, `contacts`, `messages`, `statuses`), read into typed
//! values at the edge. Fields the channel does not use are left out;
//! message kinds it does not know keep their `type` and are shown as such.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Payload {
    pub object: String,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
pub struct Change {
    pub field: String,
    pub value: Value,
}

#[derive(Debug, Deserialize)]
pub struct Value {
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub statuses: Vec<Status>,
}

#[derive(Debug, Deserialize)]
pub struct Metadata {
    pub display_phone_number: String,
    pub phone_number_id: String,
}

#[derive(Debug, Deserialize)]
pub struct Contact {
    pub profile: Option<Profile>,
    pub wa_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Profile {
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Message {
    pub from: String,
    pub id: String,
    pub timestamp: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub context: Option<Context>,
    pub text: Option<Text>,
    pub image: Option<Media>,
    pub audio: Option<Media>,
    pub video: Option<Media>,
    pub document: Option<Media>,
    pub sticker: Option<Media>,
    pub location: Option<Location>,
    pub contacts: Option<Vec<SharedContact>>,
    pub reaction: Option<Reaction>,
    pub button: Option<Button>,
    pub interactive: Option<serde_json::Value>,
}

impl Message {
    /// Unix seconds as milliseconds, when the timestamp reads.
    pub fn sent_at(&self) -> Option<i64> {
        self.timestamp.trim().parse::<i64>().ok().map(|s| s * 1000)
    }
}

#[derive(Debug, Deserialize)]
pub struct Context {
    pub id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Text {
    pub body: String,
}

#[derive(Debug, Deserialize)]
pub struct Media {
    pub id: String,
    pub mime_type: Option<String>,
    pub caption: Option<String>,
    pub filename: Option<String>,
    /// Set on audio recorded as a voice message.
    pub voice: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct Location {
    pub latitude: Option<serde_json::Value>,
    pub longitude: Option<serde_json::Value>,
    pub name: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SharedContact {
    pub name: Option<SharedName>,
    #[serde(default)]
    pub phones: Vec<SharedPhone>,
}

#[derive(Debug, Deserialize)]
pub struct SharedName {
    pub formatted_name: Option<String>,
    pub first_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SharedPhone {
    pub phone: Option<String>,
    pub wa_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Reaction {
    pub message_id: String,
    /// Absent or empty when the customer takes the reaction back.
    pub emoji: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Button {
    pub text: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Status {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub errors: Vec<StatusError>,
}

#[derive(Debug, Deserialize)]
pub struct StatusError {
    pub code: Option<i64>,
    pub title: Option<String>,
    pub message: Option<String>,
}

impl StatusError {
    /// Meta's words for why a message failed.
    pub fn words(&self) -> String {
        let text = self
            .message
            .clone()
            .or_else(|| self.title.clone())
            .unwrap_or_else(|| "failed".into());
        match self.code {
            Some(code) => format!("WhatsApp: {text} (code {code})"),
            None => format!("WhatsApp: {text}"),
        }
    }
}
