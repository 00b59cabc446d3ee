//! The WhatsApp stand-in over HTTP, for the whole app: the linked number's
//! calls as JSON posts ([`tuberry::channels::whatsapp::linked::stand_in`]),
//! and a control API with which a test plays the phone and the customers.
//!
//! ```text
//!  POST /connect               {"keys": [bytes] | null}              → {"ok": id}
//!  POST /call/{method}         {"connection": id, …}                 → {"ok": …} | {"err": WaError}
//!       next_event → WireEvent | null (after 20 s without news); ack {"batch"}; pair_code {"phone"};
//!       send_text {"chat", "text", "replyTo"}; send_file {"chat", "file", "caption", "replyTo"};
//!       download {"media"}; log_out; keys → [bytes] | null; close
//!  POST /_control/add_number   {"phone", "pushName"}                 → Me
//!  POST /_control/scan         {"phone"}                             → Me (409 when no device pairs)
//!  POST /_control/enter_code   {"code"}                              → Me (409 when no device asked for it)
//!  GET  /_control/qr_codes     → ["2@…", …]
//!  POST /_control/rotate_qr
//!  POST /_control/write        {"shop", "message": WaMessage}
//!  POST /_control/write_text   {"shop", "customer", "text"}          → {"id"}
//!  POST /_control/receipt      {"phone", "chat", "messageIds", "read"}
//!  POST /_control/drop         {"phone"}
//!  POST /_control/unlink       {"phone", "reason"}
//!  GET  /_control/sent?phone=  → [{"chat", "text", "file": {"kind", "name", "mime", "size"} | null, "caption", "replyTo", "id"}]
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tuberry::channels::whatsapp::linked::device::{
    Ack, Connector, Device, Media, Quoted, Upload, WaError, WaMessage,
};
use tuberry::channels::whatsapp::linked::stand_in::WireEvent;

use super::FakeWhatsApp;

/// How long `next_event` waits before answering that nothing happened.
const LONG_POLL: Duration = Duration::from_secs(20);

/// A device connected over HTTP, with the batches it has not acknowledged.
struct Served {
    device: Box<dyn Device>,
    acks: Mutex<HashMap<u64, Ack>>,
    batches: AtomicU64,
}

#[derive(Clone)]
struct Shared {
    fake: FakeWhatsApp,
    connections: Arc<Mutex<HashMap<String, Arc<Served>>>>,
}

impl Shared {
    fn connection(&self, id: &str) -> Option<Arc<Served>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }
}

/// The stand-in listening at `addr`; answers its address.
pub async fn start(fake: FakeWhatsApp, addr: SocketAddr) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let shared = Shared {
        fake,
        connections: Arc::new(Mutex::new(HashMap::new())),
    };
    let app = Router::new()
        .route("/connect", post(connect))
        .route("/call/{method}", post(call))
        .route("/_control/add_number", post(add_number))
        .route("/_control/scan", post(scan))
        .route("/_control/enter_code", post(enter_code))
        .route("/_control/qr_codes", get(qr_codes))
        .route("/_control/rotate_qr", post(rotate_qr))
        .route("/_control/write", post(write))
        .route("/_control/write_text", post(write_text))
        .route("/_control/receipt", post(receipt))
        .route("/_control/drop", post(drop_connections))
        .route("/_control/unlink", post(unlink))
        .route("/_control/sent", get(sent))
        .with_state(shared);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the WhatsApp stand-in stopped");
        }
    });
    Ok(local)
}

fn answer<T: serde::Serialize>(result: Result<T, WaError>) -> Json<Value> {
    Json(match result {
        Ok(value) => json!({ "ok": value }),
        Err(e) => json!({ "err": e }),
    })
}

#[derive(Deserialize)]
struct Connect {
    keys: Option<Vec<u8>>,
}

async fn connect(State(shared): State<Shared>, Json(body): Json<Connect>) -> Json<Value> {
    let connected = shared.fake.connect(body.keys.as_deref()).await;
    answer(connected.map(|device| {
        let id = format!("{:016x}", fastrand::u64(..));
        let served = Served {
            device,
            acks: Mutex::new(HashMap::new()),
            batches: AtomicU64::new(0),
        };
        shared
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), Arc::new(served));
        id
    }))
}

fn arg<T: serde::de::DeserializeOwned>(body: &Value, name: &str) -> Result<T, WaError> {
    serde_json::from_value(body.get(name).cloned().unwrap_or(Value::Null))
        .map_err(|e| WaError::Refused(format!("bad argument {name}: {e}")))
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
    let Some(served) = shared.connection(&id) else {
        return answer::<()>(Err(WaError::Network("no such connection".into())));
    };
    let device = &served.device;
    match method.as_str() {
        "next_event" => match tokio::time::timeout(LONG_POLL, device.next_event()).await {
            Ok(Ok(event)) => {
                let batch = served.batches.fetch_add(1, Ordering::Relaxed) + 1;
                let (wire, ack) = WireEvent::from_event(event, batch);
                if let Some(ack) = ack {
                    lock(&served.acks).insert(batch, ack);
                }
                answer(Ok(Some(wire)))
            }
            Ok(Err(e)) => answer::<()>(Err(e)),
            Err(_) => answer(Ok(None::<WireEvent>)),
        },
        "ack" => match arg::<u64>(&body, "batch") {
            Ok(batch) => match lock(&served.acks).remove(&batch) {
                Some(ack) => {
                    ack.done();
                    answer(Ok(()))
                }
                None => answer::<()>(Err(WaError::Refused(format!("no batch {batch}")))),
            },
            Err(e) => answer::<()>(Err(e)),
        },
        "pair_code" => match arg::<String>(&body, "phone") {
            Ok(phone) => answer(device.pair_code(&phone).await),
            Err(e) => answer::<()>(Err(e)),
        },
        "send_text" => match (
            arg::<String>(&body, "chat"),
            arg::<String>(&body, "text"),
            arg::<Option<Quoted>>(&body, "replyTo"),
        ) {
            (Ok(chat), Ok(text), Ok(reply_to)) => {
                answer(device.send_text(&chat, &text, reply_to.as_ref()).await)
            }
            _ => answer::<()>(Err(WaError::Refused("bad send_text".into()))),
        },
        "send_file" => match (
            arg::<String>(&body, "chat"),
            arg::<Upload>(&body, "file"),
            arg::<Option<String>>(&body, "caption"),
            arg::<Option<Quoted>>(&body, "replyTo"),
        ) {
            (Ok(chat), Ok(file), Ok(caption), Ok(reply_to)) => answer(
                device
                    .send_file(&chat, &file, caption.as_deref(), reply_to.as_ref())
                    .await,
            ),
            _ => answer::<()>(Err(WaError::Refused("bad send_file".into()))),
        },
        "edit" => match (
            arg::<String>(&body, "chat"),
            arg::<String>(&body, "id"),
            arg::<String>(&body, "text"),
        ) {
            (Ok(chat), Ok(id), Ok(text)) => answer(device.edit(&chat, &id, &text).await),
            _ => answer::<()>(Err(WaError::Refused("bad edit".into()))),
        },
        "react" => match (
            arg::<String>(&body, "chat"),
            arg::<String>(&body, "id"),
            arg::<bool>(&body, "fromMe"),
            arg::<String>(&body, "emoji"),
        ) {
            (Ok(chat), Ok(id), Ok(from_me), Ok(emoji)) => {
                answer(device.react(&chat, &id, from_me, &emoji).await)
            }
            _ => answer::<()>(Err(WaError::Refused("bad react".into()))),
        },
        "download" => match arg::<Media>(&body, "media") {
            Ok(media) => answer(device.download(&media).await),
            Err(e) => answer::<()>(Err(e)),
        },
        "log_out" => answer(device.log_out().await),
        "keys" => answer(device.keys().await),
        "close" => {
            device.close().await;
            shared
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
            answer(Ok(()))
        }
        other => answer::<()>(Err(WaError::Refused(format!("no method {other}")))),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

type Control = Result<Json<Value>, (StatusCode, Json<Value>)>;

fn refuse(status: StatusCode, error: &str) -> (StatusCode, Json<Value>) {
    (status, Json(json!({ "error": error })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewNumber {
    phone: String,
    push_name: String,
}

async fn add_number(State(shared): State<Shared>, Json(body): Json<NewNumber>) -> Json<Value> {
    Json(json!(shared.fake.add_number(&body.phone, &body.push_name)))
}

#[derive(Deserialize)]
struct Phone {
    phone: String,
}

async fn scan(State(shared): State<Shared>, Json(body): Json<Phone>) -> Control {
    match shared.fake.scan(&body.phone) {
        Some(me) => Ok(Json(json!(me))),
        None => Err(refuse(
            StatusCode::CONFLICT,
            "no device is pairing, or the number is unknown",
        )),
    }
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

async fn enter_code(State(shared): State<Shared>, Json(body): Json<Code>) -> Control {
    match shared.fake.enter_code(&body.code) {
        Some(me) => Ok(Json(json!(me))),
        None => Err(refuse(
            StatusCode::CONFLICT,
            "no device asked for this code",
        )),
    }
}

async fn qr_codes(State(shared): State<Shared>) -> Json<Value> {
    Json(json!(shared.fake.qr_codes()))
}

async fn rotate_qr(State(shared): State<Shared>) -> Json<Value> {
    shared.fake.rotate_qr();
    Json(json!({}))
}

#[derive(Deserialize)]
struct Write {
    shop: String,
    message: WaMessage,
}

async fn write(State(shared): State<Shared>, Json(body): Json<Write>) -> Control {
    if !shared.fake.has_number(&body.shop) {
        return Err(refuse(StatusCode::NOT_FOUND, "no such number"));
    }
    shared.fake.write(&body.shop, body.message);
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct WriteText {
    shop: String,
    customer: String,
    text: String,
}

async fn write_text(State(shared): State<Shared>, Json(body): Json<WriteText>) -> Control {
    if !shared.fake.has_number(&body.shop) {
        return Err(refuse(StatusCode::NOT_FOUND, "no such number"));
    }
    let id = shared
        .fake
        .write_text(&body.shop, &body.customer, &body.text);
    Ok(Json(json!({ "id": id })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Receipt {
    phone: String,
    chat: String,
    message_ids: Vec<String>,
    read: bool,
}

async fn receipt(State(shared): State<Shared>, Json(body): Json<Receipt>) -> Json<Value> {
    let ids: Vec<&str> = body.message_ids.iter().map(String::as_str).collect();
    shared
        .fake
        .receipt(&body.phone, &body.chat, &ids, body.read);
    Json(json!({}))
}

async fn drop_connections(State(shared): State<Shared>, Json(body): Json<Phone>) -> Json<Value> {
    shared.fake.drop_connections(&body.phone);
    Json(json!({}))
}

#[derive(Deserialize)]
struct Unlink {
    phone: String,
    reason: String,
}

async fn unlink(State(shared): State<Shared>, Json(body): Json<Unlink>) -> Json<Value> {
    shared.fake.unlink(&body.phone, &body.reason);
    Json(json!({}))
}

async fn sent(State(shared): State<Shared>, Query(query): Query<Phone>) -> Json<Value> {
    let sent: Vec<Value> = shared
        .fake
        .sent(&query.phone)
        .into_iter()
        .map(|s| {
            let file = s.file.map(|f| {
                json!({ "kind": f.kind, "name": f.name, "mime": f.mime, "size": f.bytes.len() })
            });
            json!({
                "chat": s.chat, "text": s.text, "file": file, "caption": s.caption,
                "replyTo": s.reply_to, "id": s.id,
            })
        })
        .collect();
    Json(Value::Array(sent))
}
