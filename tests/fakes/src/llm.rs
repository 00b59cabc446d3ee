//! A fake OpenAI-compatible chat server, as Ollama serves it at
//! `http://127.0.0.1:11434/v1` and OpenAI at `https://api.openai.com/v1`.
//!
//! It answers `POST /v1/chat/completions` and `GET /v1/models` in the
//! OpenAI wire format, so the app's client talks to it by using
//! [`FakeLlm::base_url`] as its base URL. Nothing is generated: the answers
//! are scripted by the test ([`FakeLlm::push_reply`]), and a default reply
//! is given when none is queued.
//!
//! It enforces what such a server enforces:
//! - the API description (`tests/fixtures/openai-chat.schema.json`, an
//!   extract of OpenAI's OpenAPI 3.1 document): every chat completion
//!   request body is checked against `CreateChatCompletionRequest`; a body
//!   that is not JSON or does not fit is refused with 400 in OpenAI's error
//!   shape and recorded in [`FakeLlm::spec_errors`]. In debug builds every
//!   answer is checked against `CreateChatCompletionResponse`,
//!   `ListModelsResponse` or `ErrorResponse`, and mismatches are recorded
//!   there too;
//! - the API key, once [`FakeLlm::require_key`] set one: a request without
//!   `Authorization: Bearer <key>` is answered 401 (as OpenAI does; Ollama
//!   takes any key, which is the fake's behaviour until a key is set);
//! - the models: a chat completion for a model that is not listed is
//!   answered 404 `model_not_found`.
//!
//! Streaming (`"stream": true`) is not offered: such a request is refused
//! with 400 and recorded in [`FakeLlm::spec_errors`], so a test notices
//! that the fake cannot stand in for it.
//!
//! A test in another process drives it over HTTP under `/_control/`
//! (camelCase JSON; a request that cannot be done is answered 400
//! `{"error": "…"}`):
//!
//! | Request | Does |
//! | --- | --- |
//! | `POST /_control/replies` `{"text"}` | [`FakeLlm::push_reply`] |
//! | `POST /_control/default-reply` `{"text"}` | [`FakeLlm::set_default_reply`] |
//! | `POST /_control/failures` `{"status", "retryAfter"?}` | [`FakeLlm::push_failure`], or [`FakeLlm::push_failure_retry_after`] with `retryAfter` seconds |
//! | `POST /_control/delay` `{"ms"}` | [`FakeLlm::set_delay`] |
//! | `POST /_control/models` `{"models": ["…"]}` | [`FakeLlm::set_models`] |
//! | `POST /_control/key` `{"key": "sk-…" \| null}` | [`FakeLlm::require_key`] or [`FakeLlm::accept_any_key`] |
//! | `GET /_control/requests` | [`FakeLlm::chat_requests`] |
//! | `GET /_control/spec-errors` | [`FakeLlm::spec_errors`] |
//!
//! The control API shares the port, so it is out of reach too while the
//! fake is down ([`FakeLlm::set_down`]).
//!
//! Simplifications: one choice per completion whatever `n` asks; token
//! counts are words counted by whitespace; `max_tokens` does not shorten a
//! reply; a model is not retrieved on its own (`GET /v1/models/{model}`).

mod control;
mod server;
mod spec;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

/// The models listed until [`FakeLlm::set_models`] changes them.
pub const DEFAULT_MODELS: [&str; 2] = ["qwen2.5:7b", "llama3.1:8b"];

/// The reply given when no scripted reply is queued, until
/// [`FakeLlm::set_default_reply`] changes it.
pub const DEFAULT_REPLY: &str = "OK";

/// A `POST /v1/chat/completions` request the fake received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRequest {
    /// The parsed body; the body's text as a JSON string when it is not
    /// JSON.
    pub body: Value,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    /// The status answered; 0 when no answer was given because the client
    /// went away or the fake went down first.
    pub status: u16,
}

/// A scripted failure of a chat completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failure {
    pub status: u16,
    /// Seconds for the `Retry-After` header.
    pub retry_after: Option<u64>,
}

/// Everything a test scripts and everything the fake saw.
pub(crate) struct State {
    pub models: Vec<String>,
    pub key: Option<String>,
    pub replies: VecDeque<String>,
    pub default_reply: String,
    pub failures: VecDeque<Failure>,
    pub delay: Duration,
    pub requests: Vec<ChatRequest>,
    pub spec_errors: Vec<String>,
    /// Completions answered so far, for their ids.
    pub completions: u64,
}

impl State {
    fn new() -> Self {
        Self {
            models: DEFAULT_MODELS.iter().map(|&m| m.to_owned()).collect(),
            key: None,
            replies: VecDeque::new(),
            default_reply: DEFAULT_REPLY.to_owned(),
            failures: VecDeque::new(),
            delay: Duration::ZERO,
            requests: Vec::new(),
            spec_errors: Vec::new(),
            completions: 0,
        }
    }
}

/// What the server tasks share.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Bumped after every change, to wake waiters.
    changed: watch::Sender<u64>,
    /// Bumped whenever the server goes down, to cut answers still waiting
    /// out their delay.
    gone: watch::Sender<u64>,
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

    /// Notices when the server goes down from now on.
    pub(crate) fn watch_gone(&self) -> watch::Receiver<u64> {
        self.gone.subscribe()
    }

    fn went_down(&self) {
        self.gone
            .send_modify(|version| *version = version.wrapping_add(1));
    }
}

/// A listener that tells when it is closed, so that going down can wait
/// until the port refuses connections.
struct Listener {
    inner: TcpListener,
    _closed: oneshot::Sender<()>,
}

impl axum::serve::Listener for Listener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        axum::serve::Listener::accept(&mut self.inner).await
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// The HTTP server while the fake is up.
struct Server {
    stop: oneshot::Sender<()>,
    closed: oneshot::Receiver<()>,
    task: JoinHandle<()>,
}

impl Server {
    fn spawn(listener: TcpListener, shared: Arc<Shared>) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let (closed_tx, closed) = oneshot::channel();
        let listener = Listener {
            inner: listener,
            _closed: closed_tx,
        };
        let app = server::router(shared);
        let task = tokio::spawn(async move {
            let signal = async move {
                // Dropping the sender stops the server as well.
                stopped.await.ok();
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
            {
                tracing::error!("fake LLM server stopped: {e}");
            }
        });
        Self { stop, closed, task }
    }

    /// Closes the port and every connection, waiting (a little, for
    /// connections) until they are.
    async fn close(self) {
        const CONNECTIONS_CLOSE: Duration = Duration::from_secs(2);
        drop(self.stop);
        self.closed.await.ok();
        if tokio::time::timeout(CONNECTIONS_CLOSE, self.task)
            .await
            .is_err()
        {
            tracing::warn!("fake LLM: connections still open after going down");
        }
    }
}

struct Handle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    /// `None` while down; locked while going down or up.
    server: tokio::sync::Mutex<Option<Server>>,
    down: AtomicBool,
    /// Set once shut down for good.
    shut_down: AtomicBool,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.went_down();
        // Dropping the server's stop sender closes the port and then the
        // connections, without waiting.
        drop(self.server.get_mut().take());
    }
}

/// A running fake OpenAI-compatible chat server. Cheap to clone; the server
/// stops when the last clone is dropped, when [`FakeLlm::shutdown`] is
/// called, or when its Tokio runtime ends.
#[derive(Clone)]
pub struct FakeLlm {
    handle: Arc<Handle>,
}

impl FakeLlm {
    /// Starts the fake on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start() -> Self {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::start_at(addr)
            .await
            .unwrap_or_else(|e| panic!("fake LLM cannot listen: {e}"))
    }

    /// Starts the fake on the given address.
    pub async fn start_at(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new()),
            changed: watch::Sender::new(0),
            gone: watch::Sender::new(0),
        });
        let server = Server::spawn(listener, Arc::clone(&shared));
        tracing::debug!("fake LLM listening on http://{addr}");
        Ok(Self {
            handle: Arc::new(Handle {
                shared,
                addr,
                server: tokio::sync::Mutex::new(Some(server)),
                down: AtomicBool::new(false),
                shut_down: AtomicBool::new(false),
            }),
        })
    }

    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    /// The base URL to give the client instead of
    /// `https://api.openai.com/v1`, e.g. `http://127.0.0.1:41234/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.handle.addr)
    }

    /// The server's root, where the control API lives under `/_control/`,
    /// e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.handle.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.handle.addr
    }

    /// Stops the server for good, for every clone: the port is closed, idle
    /// connections are closed and answers still waiting out their delay are
    /// cut. Returns once the port refuses connections.
    pub async fn shutdown(&self) {
        self.handle.shut_down.store(true, Ordering::Relaxed);
        self.set_down(true).await;
    }

    /// Takes the server down (`true`) as if it were not running: the port
    /// is closed, so connecting is refused, open connections are closed and
    /// answers still waiting out their delay are cut. `false` listens on the
    /// same port again, with everything scripted and recorded kept.
    /// Returns once the change is in effect.
    ///
    /// # Panics
    /// When the port cannot be bound again, or the fake was shut down.
    pub async fn set_down(&self, down: bool) {
        let mut server = self.handle.server.lock().await;
        if down {
            self.handle.down.store(true, Ordering::Relaxed);
            self.shared().went_down();
            if let Some(server) = server.take() {
                server.close().await;
            }
            return;
        }
        assert!(
            !self.handle.shut_down.load(Ordering::Relaxed),
            "fake LLM: it was shut down and cannot come back"
        );
        if server.is_some() {
            return;
        }
        let listener = TcpListener::bind(self.handle.addr)
            .await
            .unwrap_or_else(|e| panic!("fake LLM cannot listen on {} again: {e}", self.addr()));
        *server = Some(Server::spawn(listener, Arc::clone(&self.handle.shared)));
        self.handle.down.store(false, Ordering::Relaxed);
    }

    /// Whether the server is down ([`FakeLlm::set_down`]).
    pub fn is_down(&self) -> bool {
        self.handle.down.load(Ordering::Relaxed)
    }

    // What the server offers.

    /// Replaces the models `GET /v1/models` lists and chat completions
    /// accept ([`DEFAULT_MODELS`] until changed).
    pub fn set_models<I, S>(&self, models: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let models = models.into_iter().map(Into::into).collect();
        self.shared().update(|s| s.models = models);
    }

    /// The models the server lists.
    pub fn models(&self) -> Vec<String> {
        self.shared().read(|s| s.models.clone())
    }

    /// From now on every API request must carry `Authorization: Bearer
    /// <key>`; others are answered 401.
    pub fn require_key(&self, key: impl Into<String>) {
        let key = key.into();
        self.shared().update(|s| s.key = Some(key));
    }

    /// From now on any key, or none, is accepted (as Ollama does); the
    /// default.
    pub fn accept_any_key(&self) {
        self.shared().update(|s| s.key = None);
    }

    // The script.

    /// Queues a reply: chat completions are answered with the queued
    /// replies in order, then with the default reply.
    pub fn push_reply(&self, text: impl Into<String>) {
        let text = text.into();
        self.shared().update(|s| s.replies.push_back(text));
    }

    /// The reply given when none is queued ([`DEFAULT_REPLY`] until
    /// changed).
    pub fn set_default_reply(&self, text: impl Into<String>) {
        let text = text.into();
        self.shared().update(|s| s.default_reply = text);
    }

    /// Fails the next valid chat completion with `status` (e.g. 500, 503,
    /// or 429, which carries `Retry-After: 1`) in OpenAI's error shape.
    /// Failures queue up and come before replies; a failed request does not
    /// use up a queued reply.
    ///
    /// # Panics
    /// When `status` is not an error status (400 to 599).
    pub fn push_failure(&self, status: u16) {
        let retry_after = (status == 429).then_some(1);
        self.push(Failure {
            status,
            retry_after,
        });
    }

    /// Like [`FakeLlm::push_failure`], with a `Retry-After` header of
    /// `retry_after` in whole seconds.
    ///
    /// # Panics
    /// When `status` is not an error status (400 to 599).
    pub fn push_failure_retry_after(&self, status: u16, retry_after: Duration) {
        self.push(Failure {
            status,
            retry_after: Some(retry_after.as_secs()),
        });
    }

    #[track_caller]
    fn push(&self, failure: Failure) {
        assert!(
            (400..600).contains(&failure.status),
            "fake LLM: {} is not an error status",
            failure.status
        );
        self.shared().update(|s| s.failures.push_back(failure));
    }

    /// Every chat completion is answered only after `delay`
    /// ([`Duration::ZERO`] until changed).
    pub fn set_delay(&self, delay: Duration) {
        self.shared().update(|s| s.delay = delay);
    }

    // What happened.

    /// The bodies of every chat completion request so far, in order,
    /// refused ones included.
    pub fn requests(&self) -> Vec<Value> {
        self.shared()
            .read(|s| s.requests.iter().map(|r| r.body.clone()).collect())
    }

    /// Every chat completion request so far with its `Authorization` header
    /// and the status answered, in order.
    pub fn chat_requests(&self) -> Vec<ChatRequest> {
        self.shared().read(|s| s.requests.clone())
    }

    /// Requests and answers that do not match the API description, and
    /// requests the fake cannot answer faithfully (streaming). Tests assert
    /// this is empty.
    pub fn spec_errors(&self) -> Vec<String> {
        self.shared().read(|s| s.spec_errors.clone())
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
