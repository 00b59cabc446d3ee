//! A fake of Meta's Graph API for WhatsApp Business Cloud API numbers: send
//! messages, upload media, retrieve a media URL and download it, and the
//! webhooks Meta posts to an app.
//!
//! It speaks the real wire format (`/{version}/{phone-number-id}/messages`,
//! `Authorization: Bearer …`, `{"error":{"message","type","code"}}`
//! errors), so the app reaches it by replacing `https://graph.facebook.com`
//! with [`FakeWhatsAppCloud::url`]. What it enforces:
//! - the API description (`tests/fixtures/whatsapp-cloud.openapi.json`,
//!   OpenAPI 3.1 from Meta's own): every request is matched to an operation
//!   by method and path, and its headers (the bearer token's form, the
//!   content type), query and body (JSON or multipart) are checked against
//!   the schemas. A request that does not fit is refused (400, or 401
//!   without a token) and recorded in [`FakeWhatsAppCloud::spec_errors`];
//!   every 200 answer and every webhook payload it posts is checked too;
//! - the token: a number's messages and uploads need that number's token;
//!   media URLs need a token of a number the media belongs to (190 otherwise);
//! - the Cloud API's own rules: text of at most 4096 characters, media sent
//!   by the id an upload of the same number gave, replies to a customer
//!   whose window is closed ([`FakeWhatsAppCloud::close_window`]) refused
//!   with code 131047 unless they are templates, and a template only when
//!   the number's business account ([`FakeWhatsAppCloud::add_business_account`])
//!   has it approved in that language, with as many body parameters as it
//!   has places (132001 and 132000 otherwise).
//!
//! The fake plays Meta's webhooks too: [`FakeWhatsAppCloud::post_webhook`]
//! signs a payload with the app secret (`X-Hub-Signature-256`) and posts it;
//! [`FakeWhatsAppCloud::post_webhook_signed`] posts it with any signature.
//!
//! From another process the same is reached over HTTP under `/_control/`
//! (camelCase JSON): `POST /_control/numbers` [`Number`], `POST
//! /_control/media` `{"bytes": [..], "mime"}` → `{"id"}`, `POST
//! /_control/business-accounts` `{"id", "phoneNumberIds", "templates"}`, `GET
//! /_control/sent`, `GET /_control/spec-errors` and `POST /_control/webhook`
//! `{"url", "appSecret", "payload"}` → `{"status"}`.

mod server;
mod spec;
mod templates;
#[cfg(test)]
mod tests;

pub use templates::Template;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::watch;

/// A Cloud API number and the token that may use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Number {
    pub phone_number_id: String,
    pub display_phone: String,
    pub token: String,
}

/// A message the fake accepted, as it was sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    pub phone_number_id: String,
    /// The `wamid.…` it was given.
    pub id: String,
    pub body: Value,
}

/// A file uploaded to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    pub phone_number_id: String,
    pub id: String,
    pub file_name: Option<String>,
    pub mime: Option<String>,
    pub bytes: Vec<u8>,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// An error the next calls get instead of their answer.
#[derive(Debug, Clone)]
struct Failure {
    status: u16,
    code: i64,
    message: String,
}

#[derive(Debug, Clone)]
struct Media {
    /// The number the file belongs to.
    phone_number_id: String,
    mime: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct State {
    numbers: Vec<Number>,
    sent: Vec<SentMessage>,
    uploads: Vec<Upload>,
    media: HashMap<String, Media>,
    closed_windows: HashSet<String>,
    accounts: Vec<templates::BusinessAccount>,
    failures: VecDeque<Failure>,
    spec_errors: Vec<String>,
    requests: Vec<Recorded>,
    next_id: u64,
}

impl State {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

pub(crate) struct Shared {
    state: Mutex<State>,
    changes: watch::Sender<u64>,
    base: String,
}

impl Shared {
    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn update<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let out = f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner));
        self.changes.send_modify(|n| *n += 1);
        out
    }
}

/// The HMAC-SHA256 signature Meta puts in `X-Hub-Signature-256`.
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, app_secret.as_bytes());
    let tag = ring::hmac::sign(&key, body);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// A webhook payload with customers' messages to a number, as Meta posts
/// it; `contacts` are `(wa_id, profile name)`.
pub fn messages_payload(number: &Number, contacts: &[(&str, &str)], messages: Vec<Value>) -> Value {
    let contacts: Vec<Value> = contacts
        .iter()
        .map(|(wa_id, name)| json!({ "profile": { "name": name }, "wa_id": wa_id }))
        .collect();
    envelope(
        number,
        json!({
            "messaging_product": "whatsapp",
            "metadata": metadata(number),
            "contacts": contacts,
            "messages": messages,
        }),
    )
}

/// A webhook payload with statuses of messages the number sent:
/// `(wamid, status, recipient wa_id)`; a failed one carries `error`.
pub fn statuses_payload(
    number: &Number,
    statuses: &[(&str, &str, &str)],
    error: Option<(i64, &str)>,
) -> Value {
    let statuses: Vec<Value> = statuses
        .iter()
        .map(|(id, status, recipient)| {
            let mut s = json!({
                "id": id, "status": status, "timestamp": "1767225600", "recipient_id": recipient,
            });
            if *status == "failed"
                && let Some((code, title)) = error
            {
                s["errors"] = json!([{ "code": code, "title": title, "message": title }]);
            }
            s
        })
        .collect();
    envelope(
        number,
        json!({ "messaging_product": "whatsapp", "metadata": metadata(number), "statuses": statuses }),
    )
}

fn metadata(number: &Number) -> Value {
    json!({ "display_phone_number": number.display_phone, "phone_number_id": number.phone_number_id })
}

fn envelope(number: &Number, value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": format!("waba-{}", number.phone_number_id), "changes": [{ "field": "messages", "value": value }] }],
    })
}

/// The fake Graph API, serving until dropped.
pub struct FakeWhatsAppCloud {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeWhatsAppCloud {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeWhatsAppCloud {
    /// Starts on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        Self::start_at(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("the fake Graph API listens")
    }

    pub async fn start_at(addr: SocketAddr) -> std::io::Result<Self> {
        // Compile the description before the first request waits on it.
        let _ = spec::spec();
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changes: watch::channel(0).0,
            base: format!("http://{addr}"),
        });
        let app = server::router(shared.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the fake Graph API stopped");
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// Where the app finds it, in place of `https://graph.facebook.com`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn add_number(&self, number: Number) {
        self.shared.update(|s| {
            s.numbers
                .retain(|n| n.phone_number_id != number.phone_number_id);
            s.numbers.push(number);
        });
    }

    /// A file a customer sent to `phone_number_id`; answers its media id.
    pub fn add_media(&self, phone_number_id: &str, bytes: &[u8], mime: &str) -> String {
        self.shared.update(|s| {
            let id = format!("{}", 7_000_000 + s.id());
            s.media.insert(
                id.clone(),
                Media {
                    phone_number_id: phone_number_id.to_owned(),
                    mime: mime.to_owned(),
                    bytes: bytes.to_vec(),
                },
            );
            id
        })
    }

    /// A business account owning `phone_number_ids`, with its templates
    /// (replacing an account of the same id).
    pub fn add_business_account(
        &self,
        waba_id: &str,
        phone_number_ids: &[&str],
        templates: Vec<Template>,
    ) {
        let account = templates::BusinessAccount {
            id: waba_id.to_owned(),
            phone_number_ids: phone_number_ids.iter().map(|&n| n.to_owned()).collect(),
            templates,
        };
        self.shared.update(|s| {
            s.accounts.retain(|a| a.id != account.id);
            s.accounts.push(account);
        });
    }

    /// Replies to `wa_id` are refused with 131047 (or accepted again).
    pub fn close_window(&self, wa_id: &str, closed: bool) {
        self.shared.update(|s| {
            if closed {
                s.closed_windows.insert(wa_id.to_owned());
            } else {
                s.closed_windows.remove(wa_id);
            }
        });
    }

    /// The next `count` calls (besides downloads) fail with `status` and
    /// Graph's error `code`.
    pub fn fail_next(&self, count: usize, status: u16, code: i64, message: &str) {
        self.shared.update(|s| {
            for _ in 0..count {
                s.failures.push_back(Failure {
                    status,
                    code,
                    message: message.to_owned(),
                });
            }
        });
    }

    pub fn sent(&self) -> Vec<SentMessage> {
        self.shared.read(|s| s.sent.clone())
    }

    pub fn uploads(&self) -> Vec<Upload> {
        self.shared.read(|s| s.uploads.clone())
    }

    /// Every deviation from the API description seen so far.
    pub fn spec_errors(&self) -> Vec<String> {
        self.shared.read(|s| s.spec_errors.clone())
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.read(|s| s.requests.clone())
    }

    /// Waits until `n` messages were accepted; `false` after `timeout`.
    pub async fn wait_sent(&self, n: usize, timeout: Duration) -> bool {
        let shared = self.shared.clone();
        crate::wait::until(self.shared.changes.subscribe(), timeout, move || {
            shared.read(|s| s.sent.len() >= n)
        })
        .await
    }

    /// Posts `payload` to `url` signed with `app_secret`, as Meta does;
    /// answers the app's status code.
    pub async fn post_webhook(&self, url: &str, app_secret: &str, payload: &Value) -> u16 {
        let body = payload.to_string();
        let signed = signature(app_secret, body.as_bytes());
        self.post_webhook_signed(url, Some(&signed), payload).await
    }

    /// Posts `payload` with the signature header given (or none).
    pub async fn post_webhook_signed(
        &self,
        url: &str,
        signature: Option<&str>,
        payload: &Value,
    ) -> u16 {
        post(&self.shared, url, signature, payload).await
    }
}

pub(crate) async fn post(
    shared: &Shared,
    url: &str,
    signature: Option<&str>,
    payload: &Value,
) -> u16 {
    let errors = spec::spec().webhook_errors(payload);
    if !errors.is_empty() {
        shared.update(|s| s.spec_errors.extend(errors));
    }
    let body = payload.to_string();
    let headers: Vec<(&str, &str)> = signature
        .map(|s| ("X-Hub-Signature-256", s))
        .into_iter()
        .collect();
    match crate::webhook::post_bytes(url, &headers, body.as_bytes(), Duration::from_secs(20)).await
    {
        Ok(status) => status,
        Err(e) => {
            tracing::warn!(?e, "the fake Graph API could not post a webhook");
            0
        }
    }
}
