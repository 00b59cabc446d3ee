//! The Telegram stand-in over HTTP, for the whole app (`[telegram_account]
//! stand_in` in its settings): the account channel's calls as JSON posts,
//! and a control API with which a test plays the phone and the customers.
//!
//! ```text
//!  POST /connect                 {"session", "apiId", "deviceModel"} → {"ok": id}
//!  POST /call/{method}           {"connection": id, …}               → {"ok": …} | {"err": MtError}
//!  POST /_control/accounts       {"userId", "firstName", "dc"?, "password"?, "hint"?}
//!  GET  /_control/token          → {"url": "tg://login?token=…" | null}
//!  POST /_control/scan           {"userId"}
//!  POST /_control/customer       {"userId", "customerId", "name", "text"}
//!  GET  /_control/sent           → [{"userId", "chatId", "text", "files"}]
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tuberry::channels::telegram_account::mtproto::{
    ConnectParams, Connection, Connector, Media, MtError, Peer, Upload,
};
use tuberry::secret::Secret;

use super::{Account, FakeTelegram, person};

/// How long `next_update` waits before answering that nothing happened.
const LONG_POLL: Duration = Duration::from_secs(20);

#[derive(Clone)]
struct Shared {
    fake: FakeTelegram,
    connections: Arc<Mutex<HashMap<String, Arc<dyn Connection>>>>,
}

impl Shared {
    fn connection(&self, id: &str) -> Option<Arc<dyn Connection>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }
}

/// The stand-in listening at `addr`; answers its address.
pub async fn start(fake: FakeTelegram, addr: SocketAddr) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let shared = Shared {
        fake,
        connections: Arc::new(Mutex::new(HashMap::new())),
    };
    let app = Router::new()
        .route("/connect", post(connect))
        .route("/call/{method}", post(call))
        .route("/_control/accounts", post(add_account))
        .route("/_control/token", get(token))
        .route("/_control/scan", post(scan))
        .route("/_control/customer", post(customer))
        .route("/_control/sent", get(sent))
        .with_state(shared);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the Telegram stand-in stopped");
        }
    });
    Ok(local)
}

fn answer<T: serde::Serialize>(result: Result<T, MtError>) -> Json<Value> {
    Json(match result {
        Ok(value) => json!({ "ok": value }),
        Err(e) => json!({ "err": e }),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connect {
    session: Option<Vec<u8>>,
    api_id: i32,
    device_model: String,
}

async fn connect(State(shared): State<Shared>, Json(body): Json<Connect>) -> Json<Value> {
    let params = ConnectParams {
        api_id: body.api_id,
        api_hash: Secret::new(String::new()),
        device_model: body.device_model,
        system_version: String::new(),
        app_version: String::new(),
        lang_code: String::new(),
        system_lang_code: String::new(),
        proxy: None,
    };
    let connected = shared.fake.connect(&params, body.session.as_deref()).await;
    answer(connected.map(|conn| {
        let id = format!("{:016x}", fastrand::u64(..));
        shared
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), Arc::from(conn));
        id
    }))
}

fn arg<T: serde::de::DeserializeOwned>(body: &Value, name: &str) -> Result<T, MtError> {
    serde_json::from_value(body.get(name).cloned().unwrap_or(Value::Null))
        .map_err(|e| MtError::Rpc(format!("bad argument {name}: {e}")))
}

async fn call(
    State(shared): State<Shared>,
    Path(method): Path<String>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let id = body
        .get("connection")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(conn) = shared.connection(&id) else {
        return answer::<()>(Err(MtError::Network("no such connection".into())));
    };
    match method.as_str() {
        "export_login_token" => answer(conn.export_login_token().await),
        "wait_scan" => {
            let wait: u64 = arg(&body, "waitMs").unwrap_or(0);
            answer(Ok(conn.wait_scan(Duration::from_millis(wait)).await))
        }
        "import_login_token" => match (arg::<i32>(&body, "dcId"), arg::<Vec<u8>>(&body, "token")) {
            (Ok(dc), Ok(token)) => answer(conn.import_login_token(dc, &token).await),
            (Err(e), _) | (_, Err(e)) => answer::<()>(Err(e)),
        },
        "password_hint" => answer(conn.password_hint().await),
        "check_password" => match arg::<String>(&body, "password") {
            Ok(password) => answer(conn.check_password(&Secret::new(password)).await),
            Err(e) => answer::<()>(Err(e)),
        },
        "request_code" => match arg::<String>(&body, "phone") {
            Ok(phone) => answer(conn.request_code(&phone).await),
            Err(e) => answer::<()>(Err(e)),
        },
        "sign_in" => match arg::<String>(&body, "code") {
            Ok(code) => answer(conn.sign_in(&code).await),
            Err(e) => answer::<()>(Err(e)),
        },
        "me" => answer(conn.me().await),
        "next_update" => match tokio::time::timeout(LONG_POLL, conn.next_update()).await {
            Ok(update) => answer(update.map(Some)),
            Err(_) => answer(Ok(None::<()>)),
        },
        "send" => match (
            arg::<Peer>(&body, "peer"),
            arg::<String>(&body, "text"),
            arg::<Vec<Upload>>(&body, "files"),
            arg::<Option<i32>>(&body, "replyTo"),
        ) {
            (Ok(peer), Ok(text), Ok(files), Ok(reply_to)) => {
                answer(conn.send(&peer, &text, &files, reply_to).await)
            }
            _ => answer::<()>(Err(MtError::Rpc("bad send".into()))),
        },
        "edit" | "react" => match (
            arg::<Peer>(&body, "peer"),
            arg::<i32>(&body, "messageId"),
            arg::<String>(&body, if method == "edit" { "text" } else { "emoji" }),
        ) {
            (Ok(peer), Ok(id), Ok(value)) if method == "edit" => {
                answer(conn.edit(&peer, id, &value).await)
            }
            (Ok(peer), Ok(id), Ok(value)) => answer(conn.react(&peer, id, &value).await),
            _ => answer::<()>(Err(MtError::Rpc(format!("bad {method}")))),
        },
        "download" => match arg::<Media>(&body, "media") {
            Ok(media) => answer(conn.download(&media).await),
            Err(e) => answer::<()>(Err(e)),
        },
        "keep_alive" => answer(conn.keep_alive().await),
        "log_out" => answer(conn.log_out().await),
        "session" => answer(conn.session().await),
        "close" => {
            conn.close().await;
            shared
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
            answer(Ok(()))
        }
        other => answer::<()>(Err(MtError::Rpc(format!("no method {other}")))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewAccount {
    user_id: i64,
    first_name: String,
    dc: Option<i32>,
    password: Option<String>,
    hint: Option<String>,
}

async fn add_account(State(shared): State<Shared>, Json(body): Json<NewAccount>) -> Json<Value> {
    let mut account = Account::new(body.user_id, &body.first_name);
    if let Some(dc) = body.dc {
        account = account.on_dc(dc);
    }
    if let Some(password) = &body.password {
        account = account.with_password(password, body.hint.as_deref().unwrap_or_default());
    }
    shared.fake.add_account(account);
    Json(json!({}))
}

async fn token(State(shared): State<Shared>) -> Json<Value> {
    let url = shared
        .fake
        .last_token()
        .map(|t| tuberry::channels::telegram_account::login_url(&t));
    Json(json!({ "url": url }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Scan {
    user_id: i64,
}

async fn scan(State(shared): State<Shared>, Json(body): Json<Scan>) -> Json<Value> {
    shared.fake.scan(body.user_id);
    Json(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Customer {
    user_id: i64,
    customer_id: i64,
    name: String,
    text: String,
}

async fn customer(State(shared): State<Shared>, Json(body): Json<Customer>) -> Json<Value> {
    let id = shared.fake.customer_writes(
        body.user_id,
        &person(body.customer_id, &body.name),
        &body.text,
    );
    Json(json!({ "messageId": id }))
}

async fn sent(State(shared): State<Shared>) -> Json<Value> {
    let sent: Vec<Value> = shared
        .fake
        .sent()
        .into_iter()
        .map(|(user, chat, text, files)| json!({ "userId": user, "chatId": chat, "text": text, "files": files }))
        .collect();
    Json(Value::Array(sent))
}
