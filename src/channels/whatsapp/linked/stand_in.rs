//! The linked number against a local stand-in of WhatsApp instead of
//! WhatsApp itself: the channel's narrow interface ([`super::device`]) asked
//! over HTTP with JSON, one POST per call. It exists for testing the whole
//! app end to end (a real number cannot be linked from a test machine) and
//! is never meant for real numbers.
//!
//! ```text
//!  POST {stand_in}/connect          {"keys": [bytes] | null}  → {"ok": "connection id"}
//!  POST {stand_in}/call/{method}    {"connection": id, …args} → {"ok": answer} | {"err": WaError}
//! ```
//!
//! `next_event` waits for news and answers a [`WireEvent`] (or `null` after
//! a while without any); a batch of messages travels with its number, and
//! `ack {"batch": n}` tells the stand-in that the batch is stored.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::device::{
    Ack, Connector, Device, DeviceEvent, Me, Media, Quoted, Upload, WaError, WaMessage,
};
use crate::clock::Millis;

/// How long one call may wait (the stand-in's next event waits for news).
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// A [`DeviceEvent`] as it travels: a batch of messages carries its number
/// instead of its acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WireEvent {
    Qr {
        code: String,
        valid_for_ms: Millis,
    },
    PairingExpired,
    PairingFailed(String),
    Paired(Me),
    Connected(Me),
    Disconnected(String),
    LoggedOut(String),
    Messages {
        batch: u64,
        messages: Vec<WaMessage>,
    },
    Receipt {
        chat: String,
        message_ids: Vec<String>,
        read: bool,
    },
}

impl WireEvent {
    /// `event` as it travels, a batch of messages numbered `batch`; the
    /// batch's acknowledgement stays behind.
    pub fn from_event(event: DeviceEvent, batch: u64) -> (Self, Option<Ack>) {
        let wire = match event {
            DeviceEvent::Qr { code, valid_for_ms } => Self::Qr { code, valid_for_ms },
            DeviceEvent::PairingExpired => Self::PairingExpired,
            DeviceEvent::PairingFailed(why) => Self::PairingFailed(why),
            DeviceEvent::Paired(me) => Self::Paired(me),
            DeviceEvent::Connected(me) => Self::Connected(me),
            DeviceEvent::Disconnected(why) => Self::Disconnected(why),
            DeviceEvent::LoggedOut(why) => Self::LoggedOut(why),
            DeviceEvent::Messages(messages, ack) => {
                return (Self::Messages { batch, messages }, Some(ack));
            }
            DeviceEvent::Receipt {
                chat,
                message_ids,
                read,
            } => Self::Receipt {
                chat,
                message_ids,
                read,
            },
        };
        (wire, None)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Answer<T> {
    Ok(T),
    Err(WaError),
}

pub struct StandIn {
    base: String,
    http: reqwest::Client,
}

impl StandIn {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(CALL_TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }
}

async fn post<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: String,
    body: Value,
) -> Result<T, WaError> {
    let answer = http
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| WaError::Network(e.to_string()))?
        .error_for_status()
        .map_err(|e| WaError::Network(e.to_string()))?
        .json::<Answer<T>>()
        .await
        .map_err(|e| WaError::Network(format!("the stand-in answered something else: {e}")))?;
    match answer {
        Answer::Ok(value) => Ok(value),
        Answer::Err(e) => Err(e),
    }
}

#[async_trait]
impl Connector for StandIn {
    async fn connect(&self, keys: Option<&[u8]>) -> Result<Box<dyn Device>, WaError> {
        let id: String = post(
            &self.http,
            format!("{}/connect", self.base),
            json!({ "keys": keys }),
        )
        .await?;
        Ok(Box::new(StandInDevice {
            base: self.base.clone(),
            http: self.http.clone(),
            id,
            waiting: tokio::sync::Mutex::new(None),
            acking: Arc::new(tokio::sync::watch::Sender::new(0)),
        }))
    }
}

type Waiting = tokio::task::JoinHandle<Result<Option<WireEvent>, WaError>>;

struct StandInDevice {
    base: String,
    http: reqwest::Client,
    id: String,
    /// The long poll for the next event, kept when the caller stops
    /// waiting so that what it brings is not lost.
    waiting: tokio::sync::Mutex<Option<Waiting>>,
    /// How many acknowledgements are on their way to the stand-in.
    acking: Arc<tokio::sync::watch::Sender<usize>>,
}

impl StandInDevice {
    async fn call<T: DeserializeOwned>(&self, method: &str, mut args: Value) -> Result<T, WaError> {
        if let Value::Object(map) = &mut args {
            map.insert("connection".into(), Value::String(self.id.clone()));
        }
        post(&self.http, format!("{}/call/{method}", self.base), args).await
    }

    /// Batch `batch`, with an acknowledgement that reaches the stand-in
    /// once given (and nothing when dropped without being given).
    fn messages(&self, batch: u64, messages: Vec<WaMessage>) -> DeviceEvent {
        let (ack, given) = Ack::new();
        let (http, url) = (self.http.clone(), format!("{}/call/ack", self.base));
        let body = json!({ "connection": self.id, "batch": batch });
        let acking = Arc::clone(&self.acking);
        tokio::spawn(async move {
            if given.await.is_err() {
                return;
            }
            acking.send_modify(|n| *n += 1);
            let acked: Result<(), WaError> = post(&http, url, body).await;
            if let Err(e) = acked {
                tracing::warn!(error = %e, batch, "the stand-in did not take an acknowledgement");
            }
            acking.send_modify(|n| *n -= 1);
        });
        DeviceEvent::Messages(messages, ack)
    }

    /// Waits until the acknowledgements already given have reached the
    /// stand-in, so that what follows sees them.
    async fn acks_delivered(&self) {
        tokio::task::yield_now().await;
        let mut count = self.acking.subscribe();
        let _delivered = count.wait_for(|n| *n == 0).await;
    }
}

#[async_trait]
impl Device for StandInDevice {
    async fn next_event(&self) -> Result<DeviceEvent, WaError> {
        loop {
            let mut waiting = self.waiting.lock().await;
            let poll = waiting.get_or_insert_with(|| {
                let (http, url) = (self.http.clone(), format!("{}/call/next_event", self.base));
                let body = json!({ "connection": self.id });
                tokio::spawn(async move { post(&http, url, body).await })
            });
            let answered = poll.await;
            *waiting = None;
            // The stand-in answers null after a while without news.
            let event = match answered {
                Ok(Ok(Some(event))) => event,
                Ok(Ok(None)) => continue,
                Ok(Err(e)) => return Err(e),
                Err(e) => return Err(WaError::Network(e.to_string())),
            };
            return Ok(match event {
                WireEvent::Qr { code, valid_for_ms } => DeviceEvent::Qr { code, valid_for_ms },
                WireEvent::PairingExpired => DeviceEvent::PairingExpired,
                WireEvent::PairingFailed(why) => DeviceEvent::PairingFailed(why),
                WireEvent::Paired(me) => DeviceEvent::Paired(me),
                WireEvent::Connected(me) => DeviceEvent::Connected(me),
                WireEvent::Disconnected(why) => DeviceEvent::Disconnected(why),
                WireEvent::LoggedOut(why) => DeviceEvent::LoggedOut(why),
                WireEvent::Messages { batch, messages } => self.messages(batch, messages),
                WireEvent::Receipt {
                    chat,
                    message_ids,
                    read,
                } => DeviceEvent::Receipt {
                    chat,
                    message_ids,
                    read,
                },
            });
        }
    }

    async fn pair_code(&self, phone: &str) -> Result<String, WaError> {
        self.call("pair_code", json!({ "phone": phone })).await
    }

    async fn send_text(
        &self,
        chat: &str,
        text: &str,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError> {
        self.call(
            "send_text",
            json!({ "chat": chat, "text": text, "replyTo": reply_to }),
        )
        .await
    }

    async fn send_file(
        &self,
        chat: &str,
        file: &Upload,
        caption: Option<&str>,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError> {
        self.call(
            "send_file",
            json!({ "chat": chat, "file": file, "caption": caption, "replyTo": reply_to }),
        )
        .await
    }

    async fn edit(&self, chat: &str, id: &str, text: &str) -> Result<(), WaError> {
        self.call("edit", json!({ "chat": chat, "id": id, "text": text }))
            .await
    }

    async fn react(&self, chat: &str, id: &str, from_me: bool, emoji: &str) -> Result<(), WaError> {
        self.call(
            "react",
            json!({ "chat": chat, "id": id, "fromMe": from_me, "emoji": emoji }),
        )
        .await
    }

    async fn download(&self, media: &Media) -> Result<Vec<u8>, WaError> {
        self.call("download", json!({ "media": media })).await
    }

    async fn log_out(&self) -> Result<(), WaError> {
        self.call("log_out", json!({})).await
    }

    async fn keys(&self) -> Result<Option<Vec<u8>>, WaError> {
        self.acks_delivered().await;
        self.call("keys", json!({})).await
    }

    async fn close(&self) {
        if let Some(poll) = self.waiting.lock().await.take() {
            poll.abort();
        }
        self.acks_delivered().await;
        let _closed: Result<(), WaError> = self.call("close", json!({})).await;
    }
}
