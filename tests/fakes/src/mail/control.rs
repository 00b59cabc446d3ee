//! A running [`MailServer`]'s operations over HTTP under `/_control/`, for a
//! test in another process (the desktop end-to-end run):
//!
//! - `POST /_control/deliver` with `{"from", "to", "raw"}`: sends the message
//!   `raw` (a UTF-8 string; bare line feeds are sent as CRLF) as another
//!   provider would ([`MailServer::deliver`]) and answers `{}` once Dovecot
//!   has stored it;
//! - `GET /_control/messages?user=…&folder=…` (the folder defaults to
//!   `INBOX`): the messages of the folder as
//!   `[{"uid", "raw", "flags"}]` in UID order ([`MailServer::messages`]),
//!   `raw` decoded as UTF-8 with invalid bytes replaced;
//! - `POST /_control/password` with `{"user", "password"}`: changes the
//!   user's password and restarts the servers, ending every open session
//!   ([`MailServer::change_password`]); answers `{}`;
//! - `GET /_control/maillog`: everything Postfix and Dovecot logged, as
//!   text ([`MailServer::maillog`]), for a failed test's report.
//!
//! A request that cannot be done is answered 400 `{"error": "…"}`; once the
//! servers are stopping, 503.

use std::any::Any;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::FutureExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::RwLock;
use tokio::task::AbortHandle;

use super::{MailServer, blocking};

/// The servers while they run; taken out when they stop.
type Shared = Arc<RwLock<Option<MailServer>>>;

/// A [`MailServer`] with its control API listening. Dropping it stops
/// accepting connections, and the servers stop once the open ones have
/// closed; [`Self::shutdown`] stops them right after the requests under way.
pub struct Control {
    url: String,
    server: Shared,
    task: AbortHandle,
}

impl Control {
    /// Serves `server`'s control API on `addr` (port 0 for a free one).
    pub async fn serve(server: MailServer, addr: SocketAddr) -> std::io::Result<Control> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let server: Shared = Arc::new(RwLock::new(Some(server)));
        let app = router(Arc::clone(&server));
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("the mail control API stopped: {e}");
            }
        });
        Ok(Control {
            url,
            server,
            task: task.abort_handle(),
        })
    }

    /// Where the API listens: `http://127.0.0.1:PORT`, without a slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops serving the API, waits for the requests under way, then stops
    /// the servers and removes their files.
    pub async fn shutdown(self) {
        self.task.abort();
        let taken = self.server.write().await.take();
        if let Some(mut server) = taken {
            server.stop().await;
            blocking(move || drop(server)).await;
        }
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn router(server: Shared) -> Router {
    Router::new()
        .route("/_control/deliver", post(deliver))
        .route("/_control/messages", get(messages))
        .route("/_control/password", post(password))
        .route("/_control/maillog", get(maillog))
        .with_state(server)
}

#[derive(Deserialize)]
struct Delivery {
    from: String,
    to: String,
    raw: String,
}

async fn deliver(State(server): State<Shared>, Json(body): Json<Delivery>) -> Response {
    let raw = crlf(&body.raw);
    with_server(&server, async move |server| {
        server.deliver(&body.from, &body.to, raw.as_bytes()).await;
        json!({})
    })
    .await
}

#[derive(Deserialize)]
struct NewPassword {
    user: String,
    password: String,
}

async fn password(State(server): State<Shared>, Json(body): Json<NewPassword>) -> Response {
    let mut guard = server.write().await;
    let Some(server) = guard.as_mut() else {
        return stopping();
    };
    let changed = server.change_password(&body.user, &body.password);
    match AssertUnwindSafe(changed).catch_unwind().await {
        Ok(()) => Json(json!({})).into_response(),
        Err(panic) => error(StatusCode::BAD_REQUEST, &panic_message(panic.as_ref())),
    }
}

#[derive(Deserialize)]
struct Folder {
    user: String,
    #[serde(default = "inbox")]
    folder: String,
}

fn inbox() -> String {
    "INBOX".to_owned()
}

/// One message as the API shows it.
#[derive(Serialize)]
struct Stored {
    uid: u32,
    raw: String,
    flags: Vec<String>,
}

async fn messages(State(server): State<Shared>, Query(query): Query<Folder>) -> Response {
    with_server(&server, async move |server| {
        let stored: Vec<Stored> = server
            .messages(&query.user, &query.folder)
            .await
            .into_iter()
            .map(|(uid, raw, flags)| Stored {
                uid,
                raw: String::from_utf8_lossy(&raw).into_owned(),
                flags,
            })
            .collect();
        stored
    })
    .await
}

async fn maillog(State(server): State<Shared>) -> Response {
    match server.read().await.as_ref() {
        Some(server) => server.maillog().into_response(),
        None => stopping(),
    }
}

/// Runs `work` on the servers, answering its result as JSON, 400 with the
/// harness's panic message when it fails, or 503 when the servers stop.
async fn with_server<T: Serialize>(
    server: &Shared,
    work: impl AsyncFnOnce(&MailServer) -> T,
) -> Response {
    let guard = server.read().await;
    let Some(server) = guard.as_ref() else {
        return stopping();
    };
    match AssertUnwindSafe(work(server)).catch_unwind().await {
        Ok(value) => Json(value).into_response(),
        Err(panic) => error(StatusCode::BAD_REQUEST, &panic_message(panic.as_ref())),
    }
}

fn stopping() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the mail servers are stopping",
    )
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_owned()
    } else {
        "the mail server harness failed".to_owned()
    }
}

/// `text` with every line ending in CRLF, as SMTP wants it.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}
