//! A fake Avito API server: the Messenger API, the token endpoint and the
//! account endpoint.
//!
//! It speaks the real wire format (`POST /token` with a form body,
//! `Authorization: Bearer …`, JSON answers, `{"error":{"code","message"}}`
//! errors, the trailing slash of the v3 messages path), so the app's client
//! talks to it by replacing `https://api.avito.ru` with [`FakeAvito::url`].
//! Accounts, chats, messages, uploaded images, voice files and webhook
//! subscriptions live in memory.
//!
//! It enforces what Avito enforces:
//! - the API description (`tests/fixtures/avito-messenger.openapi.json`,
//!   OpenAPI 3.0 from Avito's catalogue): every request is matched to an
//!   operation by method and path, and its path and query parameters, its
//!   `Authorization` header and its body (JSON, form or multipart, by
//!   content type) are checked against the schemas. A request that does not
//!   fit is refused with 400 in Avito's error shape (401 when the token is
//!   missing) and recorded in [`FakeAvito::spec_errors`]; a query parameter
//!   the operation does not have is recorded but ignored. In debug builds
//!   every answer with a documented status, and every webhook payload, is
//!   checked against its schema too, and mismatches are recorded there;
//! - authorization: tokens come from `POST /token` with the account's
//!   client credentials and last 24 hours ([`FakeAvito::set_token_ttl`]);
//!   no token is 401, an unknown or expired one 403 (as Avito answers an
//!   expired token), and a token works only for its own account's `user_id`;
//! - the tariff: an account without Messenger API access gets 403 on every
//!   `/messenger/` call while its token and `/core/v1/accounts/self` work;
//! - the Messenger's own rules: a business answers in existing chats only,
//!   texts are at most 1000 characters (by the description), an image is
//!   sent by the id `uploadImages` gave, `chat_types` defaults to `u2i`
//!   only, and listing messages does not mark a chat read.
//!
//! Tests play the buyers through [`FakeAvito::buyer_writes`] or, from
//! another process, through the same operations over HTTP under
//! `/_control/` (camelCase JSON; a request that cannot be done is answered
//! 400 `{"error": "…"}`):
//!
//! | Request | Does |
//! | --- | --- |
//! | `POST /_control/accounts` [`Account`] (`messenger` is `true` unless given) | [`FakeAvito::add_account`] |
//! | `POST /_control/buyer-writes` `{"userId", "buyer": {"id", "name"}, "item": {"id", "title", "priceString", "url", "imageUrl"} \| null, …}` with one of `"text"`, `"image"` (base64), `"voice"` (base64), `"link": {"url", "text"}`, `"system"` | [`FakeAvito::buyer_writes`], answers [`Written`] |
//! | `GET /_control/sent` | [`FakeAvito::sent`] |
//! | `GET /_control/spec-errors` | [`FakeAvito::spec_errors`] |
//! | `GET /_control/subscriptions` | [`FakeAvito::subscriptions`] |
//! | `GET /_control/requests` | [`FakeAvito::requests`] |
//! | `GET /_control/webhook-deliveries` | [`FakeAvito::webhook_deliveries`] |
//! | `GET /_control/chats/{chat_id}/messages` | [`FakeAvito::messages`] |
//! | `GET /_control/chats/{chat_id}/read` | `{"isRead", "readCalls"}` |
//! | `POST /_control/outage` `{"outage": "unavailable" \| "connection_reset" \| null}` | [`FakeAvito::set_outage`] |
//! | `POST /_control/fail-next` `{"count", "status"}` | [`FakeAvito::fail_next`] |
//! | `POST /_control/lose-answers` `{"count"}` | [`FakeAvito::lose_next_answers`] |
//! | `POST /_control/expire-tokens` | [`FakeAvito::expire_tokens`] |
//! | `POST /_control/token-ttl` `{"seconds"}` | [`FakeAvito::set_token_ttl`] |
//!
//! Images and voice files buyers send are served by the fake under its own
//! base URL.
//!
//! Simplifications: one seller per account (no employees); buyers never
//! read the seller's messages; a webhook is posted once, over plain HTTP,
//! with a 2 second timeout, whatever its answer, and also during an outage;
//! the authorization-code flow of partner applications is refused.

mod api;
mod control;
mod objects;
mod schema;
mod server;
mod spec;
mod state;
mod webhook;

#[cfg(test)]
mod chat_tests;
#[cfg(test)]
mod spec_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod webhook_tests;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use state::{ControlResult, State};
use webhook::Delivery;

/// An Avito account the app connects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub client_id: String,
    pub client_secret: String,
    /// Whether the account's tariff includes the Messenger API. Without it
    /// every `/messenger/` call is answered 403.
    #[serde(default = "yes")]
    pub messenger: bool,
}

fn yes() -> bool {
    true
}

impl Account {
    /// An account with Messenger API access and an e-mail made up from its
    /// id.
    pub fn new(
        user_id: i64,
        name: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            user_id,
            name: name.into(),
            email: format!("seller{user_id}@example.com"),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            messenger: true,
        }
    }

    /// The same account on a tariff without the Messenger API.
    #[must_use]
    pub fn without_messenger(mut self) -> Self {
        self.messenger = false;
        self
    }
}

/// A person writing to a seller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    pub id: i64,
    pub name: String,
}

impl Buyer {
    pub fn new(id: i64, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
        }
    }
}

/// A listing (объявление) of the seller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub id: i64,
    pub title: String,
    /// As Avito shows it, e.g. `"300 000 ₽"`.
    pub price_string: String,
    pub url: String,
    pub image_url: String,
}

impl Item {
    /// A listing with a price, URL and picture made up from its id.
    pub fn new(id: i64, title: impl Into<String>) -> Self {
        Self {
            id,
            title: title.into(),
            price_string: "1 000 ₽".to_owned(),
            url: format!("https://www.avito.ru/moskva/veshchi/item_{id}"),
            image_url: format!("https://00.img.avito.st/image/1/140x105/{id}.jpg"),
        }
    }
}

/// What a message carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Text(String),
    /// A picture; the fake serves its bytes at the URLs of every size.
    Image(Vec<u8>),
    /// A voice message (Opus in MP4); the fake serves it at the URL
    /// `getVoiceFiles` gives.
    Voice(Vec<u8>),
    Link {
        url: String,
        text: String,
    },
    /// A card of a listing shared in the chat.
    ItemCard(Item),
    /// A message from Avito itself (author 0), such as a delivery notice.
    System(String),
    Location {
        lat: f64,
        lon: f64,
        title: String,
        text: String,
    },
}

/// A message a buyer writes to a seller, about a listing or not.
#[derive(Debug, Clone, PartialEq)]
pub struct BuyerMessage {
    pub buyer: Buyer,
    /// The listing the chat is about: a `u2i` chat with it, a `u2u` chat
    /// without.
    pub item: Option<Item>,
    pub content: Content,
}

impl BuyerMessage {
    pub fn text(buyer: Buyer, item: Option<Item>, text: impl Into<String>) -> Self {
        Self {
            buyer,
            item,
            content: Content::Text(text.into()),
        }
    }
}

/// Where a buyer's message went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    pub chat_id: String,
    pub message_id: String,
}

/// What a seller sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentKind {
    Text,
    Image,
}

/// A message the app sent through the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    pub user_id: i64,
    pub chat_id: String,
    pub message_id: String,
    pub kind: SentKind,
    pub text: Option<String>,
    pub image_id: Option<String>,
    /// Unix time in seconds.
    pub at: i64,
}

/// A message of a chat, whoever wrote it, as the seller sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    pub id: String,
    /// The buyer, the seller, or 0 for Avito's system messages.
    pub author_id: i64,
    /// Unix time in seconds.
    pub created: i64,
    /// Written by the seller.
    pub outgoing: bool,
    /// `text`, `image`, `voice`, `link`, `item`, `location`, `system` or
    /// `deleted`.
    pub kind: String,
    /// The `content` object as the API shows it.
    pub content: serde_json::Value,
    /// When the seller read it (incoming messages only).
    pub read: Option<i64>,
}

/// An API request the fake answered (not the control API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The raw query string, empty when there was none.
    pub query: String,
    /// 0 when the connection was cut.
    pub status: u16,
}

/// A webhook subscription of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub user_id: i64,
    pub url: String,
}

/// One webhook POST the fake made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    pub url: String,
    pub chat_id: String,
    pub message_id: String,
    /// The receiver's status, when it answered in time.
    pub status: Option<u16>,
    /// Why there is no status.
    pub error: Option<String>,
}

/// How the fake fails while Avito is out of reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outage {
    /// Every request is answered 503 with Avito's
    /// `serviceUnavailableError` body.
    Unavailable,
    /// Every connection is cut without an answer.
    ConnectionReset,
}

/// What the server tasks share.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Bumped after every change, to wake waiters.
    changed: watch::Sender<u64>,
    /// Set when the fake is stopped.
    closed: AtomicBool,
    webhooks: mpsc::UnboundedSender<Delivery>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Looks at the state.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Changes the state and wakes whoever waits for a change.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let result = f(&mut self.lock());
        self.changed
            .send_modify(|version| *version = version.wrapping_add(1));
        result
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// A buyer writes; the account's webhooks are posted in the background.
    pub(crate) fn buyer_writes(
        &self,
        user_id: i64,
        message: BuyerMessage,
    ) -> ControlResult<Written> {
        let (written, deliveries) = self.update(|s| s.buyer_writes(user_id, message))?;
        for delivery in deliveries {
            // Fails only once the fake is stopped.
            self.webhooks.send(delivery).ok();
        }
        Ok(written)
    }
}

struct Handle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: tokio::task::AbortHandle,
    webhooks: tokio::task::AbortHandle,
}

impl Handle {
    fn stop(&self) {
        self.server.abort();
        self.webhooks.abort();
        self.shared.closed.store(true, Ordering::Relaxed);
        self.shared
            .changed
            .send_modify(|version| *version = version.wrapping_add(1));
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A running fake Avito API server. Cheap to clone; the server stops when
/// the last clone is dropped, when [`FakeAvito::stop`] is called, or when
/// its Tokio runtime ends.
///
/// The control methods panic when asked something impossible, such as a
/// buyer writing to an account that does not exist: that is a mistake in
/// the test.
#[derive(Clone)]
pub struct FakeAvito {
    handle: Arc<Handle>,
}

#[track_caller]
fn control<T>(result: ControlResult<T>) -> T {
    result.unwrap_or_else(|e| panic!("fake Avito: {e}"))
}

impl FakeAvito {
    /// Starts the fake on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start() -> Self {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::start_at(addr)
            .await
            .unwrap_or_else(|e| panic!("fake Avito cannot listen: {e}"))
    }

    /// Starts the fake on the given address.
    pub async fn start_at(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (webhooks, queue) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(format!("http://{addr}"))),
            changed: watch::Sender::new(0),
            closed: AtomicBool::new(false),
            webhooks,
        });
        let worker = tokio::spawn(webhook::deliver_all(Arc::downgrade(&shared), queue));
        let app = server::router(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("fake Avito server stopped: {e}");
            }
        });
        tracing::debug!("fake Avito listening on http://{addr}");
        Ok(Self {
            handle: Arc::new(Handle {
                shared,
                addr,
                server: server.abort_handle(),
                webhooks: worker.abort_handle(),
            }),
        })
    }

    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    /// The base URL to use instead of `https://api.avito.ru`, e.g.
    /// `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.handle.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.handle.addr
    }

    /// Stops the server at once, for every clone: the port is closed and
    /// requests on open connections are cut.
    pub fn stop(&self) {
        self.handle.stop();
    }

    // The world the app talks to.

    /// Adds an account (or replaces the one with the same `user_id`).
    pub fn add_account(&self, account: Account) {
        self.shared().update(|s| s.add_account(account));
    }

    /// How long tokens issued from now on last (24 hours unless changed);
    /// `expires_in` gives it in whole seconds.
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.shared().update(|s| s.token_ttl = ttl);
    }

    /// Makes every token issued so far expired: calls with them are
    /// answered 403 until the app gets a new one.
    pub fn expire_tokens(&self) {
        self.shared().update(State::expire_tokens);
    }

    /// A buyer writes to an account; the chat is created the first time
    /// (one per account, buyer and listing), becomes unread and moves to
    /// the top of the list. The account's webhooks are posted.
    pub fn buyer_writes(&self, user_id: i64, message: BuyerMessage) -> Written {
        control(self.shared().buyer_writes(user_id, message))
    }

    /// Starts (`Some`) or ends (`None`) an outage. The control API keeps
    /// working.
    pub fn set_outage(&self, outage: Option<Outage>) {
        self.shared().update(|s| s.outage = outage);
    }

    /// Answers the next `count` valid `/messenger/` calls with `status`
    /// (e.g. 429 or 500) in Avito's error shape, without doing them.
    pub fn fail_next(&self, count: usize, status: u16) {
        self.shared().update(|s| s.fail_next = (count, status));
    }

    /// Keeps the next `count` texts sent to a chat but answers them 502
    /// (Bad Gateway), as when Avito's answer is lost on its way.
    pub fn lose_next_answers(&self, count: usize) {
        self.shared().update(|s| s.lose_answers = count);
    }

    // What happened.

    /// Tokens issued by `POST /token` so far.
    pub fn tokens_issued(&self) -> usize {
        self.shared().read(|s| s.tokens_issued)
    }

    /// Every message the app sent, in order.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.shared().read(|s| s.sent.clone())
    }

    /// The messages of a chat, oldest first; empty for an unknown chat.
    pub fn messages(&self, chat_id: &str) -> Vec<ChatMessage> {
        self.shared().read(|s| s.messages(chat_id))
    }

    /// Whether the seller has read every buyer message of the chat.
    pub fn is_read(&self, chat_id: &str) -> bool {
        control(self.shared().read(|s| s.is_read(chat_id)))
    }

    /// How often the app marked the chat read.
    pub fn read_calls(&self, chat_id: &str) -> usize {
        self.shared()
            .read(|s| s.chats.get(chat_id).map_or(0, |c| c.read_calls))
    }

    /// Every API request so far, in order (not the control API).
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared().read(|s| s.requests.clone())
    }

    /// Requests, answers and webhook payloads that do not match the API
    /// description. Tests assert this is empty.
    pub fn spec_errors(&self) -> Vec<String> {
        self.shared().read(|s| s.spec_errors.clone())
    }

    /// The bytes of an image the app uploaded.
    pub fn uploaded_image(&self, image_id: &str) -> Option<Vec<u8>> {
        self.shared().read(|s| {
            s.images
                .get(image_id)
                .filter(|i| i.uploaded_by.is_some())
                .map(|i| i.bytes.clone())
        })
    }

    /// Webhook subscriptions of every account.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.shared().read(State::subscriptions)
    }

    /// Every webhook POST so far, in order.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared().read(|s| s.deliveries.clone())
    }

    /// Waits until `condition` holds, looking again after every change;
    /// `false` if it still does not after `timeout`.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut condition: impl FnMut(&Self) -> bool,
    ) -> bool {
        crate::wait::until(self.shared().changed.subscribe(), timeout, || {
            condition(self)
        })
        .await
    }
}
