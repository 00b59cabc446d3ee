//! The HTTP side: Bot API requests, file downloads, long polls and webhook
//! deliveries.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api::ApiError;
use super::params::{Params, Part};
use super::spec::{Method, spec};
use super::state::unix_now;
use super::{Outage, Recorded, Shared, control};
use crate::webhook::PostFailure;

/// Telegram takes uploads up to 50 MB; a little more is read so that the
/// fake can answer too-large files itself.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest("/_control", control::router())
        .fallback(bot_api)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

/// A body that fails at once, so that the connection is cut without an
/// answer.
struct CutBody;

impl axum::body::HttpBody for CutBody {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let cut = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "out of reach");
        Poll::Ready(Some(Err(cut)))
    }
}

/// What the client gets while Telegram is out of reach.
fn outage_response(outage: Outage) -> Response {
    match outage {
        Outage::BadGateway => {
            let body = "<html><head><title>502 Bad Gateway</title></head>\
                        <body><h1>502 Bad Gateway</h1></body></html>";
            let html = [(header::CONTENT_TYPE, "text/html")];
            (StatusCode::BAD_GATEWAY, html, body).into_response()
        }
        Outage::ConnectionReset => Response::new(Body::new(CutBody)),
    }
}

/// The answer to a Bot API request, or none during an outage.
enum Reply {
    Answer(Result<Value, ApiError>),
    Outage(Outage),
}

impl Reply {
    fn status(&self) -> u16 {
        match self {
            Self::Answer(Ok(_)) => 200,
            Self::Answer(Err(e)) => e.code,
            Self::Outage(outage) => outage.status(),
        }
    }

    fn into_response(self) -> Response {
        match self {
            Self::Answer(Ok(value)) => {
                axum::Json(json!({"ok": true, "result": value})).into_response()
            }
            Self::Answer(Err(e)) => {
                let status = StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST);
                (status, axum::Json(e.to_json())).into_response()
            }
            Self::Outage(outage) => outage_response(outage),
        }
    }
}

impl From<ApiError> for Reply {
    fn from(error: ApiError) -> Self {
        Self::Answer(Err(error))
    }
}

fn record(shared: &Shared, bot_id: Option<i64>, method: &str, params: Value, status: u16) {
    shared.update(|s| {
        let at_us = u64::try_from(s.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let method = method.to_owned();
        s.requests.push(Recorded {
            bot_id,
            method,
            params,
            status,
            at_ms: at_us / 1000,
            at_us,
        });
    });
}

/// Every request that is not for `/_control/`.
async fn bot_api(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if let Some(rest) = path.strip_prefix("/file/bot") {
        return download(&shared, rest);
    }
    let Some((token, method_name)) = path
        .strip_prefix("/bot")
        .and_then(|rest| rest.split_once('/'))
    else {
        return Reply::from(ApiError::not_found()).into_response();
    };
    let token = percent_decode(token);
    let (bot_id, outage) = shared.read(|s| (s.bot_id(&token), s.outage));
    let method = bot_id.and_then(|_| spec().method(method_name));
    let reply = match (outage, bot_id, method) {
        (Some(outage), _, _) => Reply::Outage(outage),
        (None, None, _) => ApiError::unauthorized().into(),
        (None, Some(_), None) => ApiError::not_found().into(),
        (None, Some(bot_id), Some(method)) => {
            let (reply, params) = match extract_params(method, request).await {
                Ok(params) => (
                    handle(&shared, bot_id, method, &params).await,
                    params.recorded(),
                ),
                Err(e) => (e.into(), Value::Null),
            };
            if reply.status() == 200 && method.name == "setWebhook" {
                spawn_webhook(Arc::clone(&shared), bot_id);
            }
            record(&shared, Some(bot_id), &method.name, params, reply.status());
            return reply.into_response();
        }
    };
    record(&shared, bot_id, method_name, Value::Null, reply.status());
    reply.into_response()
}

/// Checks a request against the description and answers it.
async fn handle(shared: &Arc<Shared>, bot_id: i64, method: &Method, params: &Params) -> Reply {
    let problems = spec().check_params(method, &params.map);
    if !problems.is_empty() {
        let errors = problems.iter().map(|p| p.spec_error(&method.name));
        shared.update(|s| s.spec_errors.extend(errors));
    }
    if let Some(fatal) = problems.iter().find(|p| p.is_fatal()) {
        return ApiError::new(400, fatal.description()).into();
    }
    let result = if method.name == "getUpdates" {
        match long_poll(shared, bot_id, params).await {
            Reply::Answer(result) => result,
            outage @ Reply::Outage(_) => return outage,
        }
    } else {
        shared.update(|s| s.call(bot_id, &method.name, params, Instant::now()))
    };
    if cfg!(debug_assertions)
        && let Ok(value) = &result
    {
        let mut errors = Vec::new();
        let path = format!("{} answer", method.name);
        spec().check_answer(value, &method.returns, &path, &mut errors);
        if !errors.is_empty() {
            shared.update(|s| s.spec_errors.extend(errors));
        }
    }
    Reply::Answer(result)
}

/// `getUpdates`: answers at once when updates are pending, otherwise waits
/// up to `timeout` seconds for one. An outage ends the wait.
async fn long_poll(shared: &Shared, bot_id: i64, params: &Params) -> Reply {
    let timeout = u64::try_from(params.i64("timeout").unwrap_or(0)).unwrap_or(0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    let mut changes = shared.subscribe();
    let generation = match shared.update(|s| s.begin_poll(bot_id, params)) {
        Ok(generation) => generation,
        Err(e) => return e.into(),
    };
    let _waiting = Waiting::new(shared, bot_id);
    loop {
        let look = shared.read(|s| match s.outage {
            Some(outage) => Err(outage),
            None => Ok(s.poll(bot_id, generation, params)),
        });
        match look {
            Err(outage) => return Reply::Outage(outage),
            Ok(Err(e)) => return e.into(),
            Ok(Ok(Some(updates))) => return Reply::Answer(Ok(updates)),
            Ok(Ok(None)) => {}
        }
        if shared.is_closed() || tokio::time::Instant::now() >= deadline {
            return Reply::Answer(Ok(json!([])));
        }
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return Reply::Answer(Ok(json!([])));
                }
            }
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
}

/// Counts a waiting `getUpdates` for as long as it waits, even when the
/// client goes away and the request is dropped.
struct Waiting<'a> {
    shared: &'a Shared,
    bot_id: i64,
}

impl<'a> Waiting<'a> {
    fn new(shared: &'a Shared, bot_id: i64) -> Self {
        Self::adjust(shared, bot_id, true);
        Self { shared, bot_id }
    }

    fn adjust(shared: &Shared, bot_id: i64, up: bool) {
        shared.update(|s| {
            if let Some(bot) = s.bots.get_mut(&bot_id) {
                bot.waiting_polls = if up {
                    bot.waiting_polls + 1
                } else {
                    bot.waiting_polls.saturating_sub(1)
                };
            }
        });
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        Self::adjust(self.shared, self.bot_id, false);
    }
}

/// `GET /file/bot<token>/<file_path>`.
fn download(shared: &Shared, rest: &str) -> Response {
    let (token, file_path) = rest.split_once('/').unwrap_or((rest, ""));
    // Clients may encode the slashes of the path (teloxide does).
    let (token, file_path) = (percent_decode(token), percent_decode(file_path));
    let (bot_id, outage, bytes) = shared.read(|s| {
        let file = s.files.values().find(|f| f.file_path == file_path);
        (s.bot_id(&token), s.outage, file.map(|f| f.bytes.clone()))
    });
    let method = format!("file/{file_path}");
    let (status, response) = match (outage, bot_id, bytes) {
        (Some(outage), _, _) => (outage.status(), outage_response(outage)),
        (None, Some(_), Some(bytes)) => {
            let binary = [(header::CONTENT_TYPE, "application/octet-stream")];
            (
                200,
                (StatusCode::OK, binary, Body::from(bytes)).into_response(),
            )
        }
        (None, _, _) => (404, Reply::from(ApiError::not_found()).into_response()),
    };
    record(shared, bot_id, &method, Value::Null, status);
    response
}

/// Decodes `%XX` escapes of a URL path segment.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'%')
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            decoded.push(byte);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Reads the parameters however they were sent: query string, then the
/// body (JSON, form or multipart) winning over it.
async fn extract_params(method: &Method, request: Request) -> Result<Params, ApiError> {
    let query = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .map(|Query(pairs)| pairs)
        .map_err(|e| ApiError::bad_request(&format!("can't parse query string: {e}")))?;
    let query = Params::from_strings(Some(method), query);
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();

    let mut params = if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::bad_request(&format!("can't parse multipart body: {e}")))?;
        let mut parts = Vec::new();
        loop {
            let field = multipart
                .next_field()
                .await
                .map_err(|e| ApiError::bad_request(&format!("can't parse multipart body: {e}")))?;
            let Some(field) = field else { break };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| {
                ApiError::bad_request(&format!("can't read multipart part {name}: {e}"))
            })?;
            parts.push(Part {
                name,
                file_name,
                bytes: bytes.to_vec(),
            });
        }
        Params::from_parts(Some(method), parts)
    } else {
        let bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| ApiError::new(413, "Request Entity Too Large"))?;
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&bytes)?;
            Params::from_strings(Some(method), pairs)
        } else if bytes.iter().all(u8::is_ascii_whitespace) {
            Params::default()
        } else {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => Params::from_json(map),
                Ok(Value::Null) => Params::default(),
                Ok(_) => return Err(ApiError::bad_request("parameters must be a JSON object")),
                Err(e) => {
                    return Err(ApiError::bad_request(&format!(
                        "can't parse JSON object: {e}"
                    )));
                }
            }
        }
    };
    params.merge_missing(query);
    Ok(params)
}

/// Decodes an `application/x-www-form-urlencoded` body.
fn serde_urlencoded_pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| ApiError::bad_request("form body is not UTF-8"))?;
    let uri: axum::http::Uri = format!("/?{text}")
        .parse()
        .map_err(|_| ApiError::bad_request("can't parse form body"))?;
    Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|Query(pairs)| pairs)
        .map_err(|e| ApiError::bad_request(&format!("can't parse form body: {e}")))
}

/// Starts delivering a bot's updates to its webhook, one at a time and in
/// order, each until the receiver answers 2xx. Stops when the webhook is
/// changed or deleted.
fn spawn_webhook(shared: Arc<Shared>, bot_id: i64) {
    let generation = shared.read(|s| {
        s.bots
            .get(&bot_id)
            .and_then(|b| b.webhook.as_ref())
            .map(|w| w.generation)
    });
    if let Some(generation) = generation {
        tokio::spawn(deliver_webhook(shared, bot_id, generation));
    }
}

/// The next update to deliver: `None` when the webhook is gone,
/// `Some(None)` when there is nothing to deliver now.
type NextDelivery = Option<Option<(i64, Value, String, Option<String>)>>;

async fn deliver_webhook(shared: Arc<Shared>, bot_id: i64, generation: u64) {
    const FIRST_BACKOFF: Duration = Duration::from_millis(50);
    let mut backoff = FIRST_BACKOFF;
    loop {
        let mut changes = shared.subscribe();
        let next: NextDelivery = shared.read(|s| {
            let bot = s.bots.get(&bot_id)?;
            let hook = bot
                .webhook
                .as_ref()
                .filter(|h| h.generation == generation)?;
            if s.outage.is_some() {
                return Some(None);
            }
            Some(
                bot.updates
                    .front()
                    .map(|u| (u.id, u.to_json(), hook.url.clone(), hook.secret.clone())),
            )
        });
        if shared.is_closed() {
            return;
        }
        match next {
            None => return,
            Some(None) => {
                if changes.changed().await.is_err() {
                    return;
                }
            }
            Some(Some((update_id, body, url, secret))) => {
                match post_json(&url, secret.as_deref(), &body).await {
                    Ok(status) if (200..300).contains(&status) => {
                        shared.update(|s| {
                            if let Some(bot) = s.bots.get_mut(&bot_id) {
                                bot.updates.retain(|u| u.id > update_id);
                            }
                        });
                        backoff = FIRST_BACKOFF;
                    }
                    outcome => {
                        let message = match outcome {
                            Ok(status) => format!("Wrong response from the webhook: {status}"),
                            Err(e) => e,
                        };
                        tracing::debug!("webhook delivery to {url} failed: {message}");
                        shared.update(|s| {
                            let hook = s.bots.get_mut(&bot_id).and_then(|b| b.webhook.as_mut());
                            if let Some(hook) = hook.filter(|h| h.generation == generation) {
                                hook.last_error = Some((unix_now(), message));
                            }
                        });
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(1));
                    }
                }
            }
        }
    }
}

/// POSTs a JSON body over plain HTTP/1.1 and returns the status code;
/// failures are worded as Telegram's `getWebhookInfo` reports them.
async fn post_json(url: &str, secret: Option<&str>, body: &Value) -> Result<u16, String> {
    let headers: Vec<(&str, &str)> = secret
        .map(|s| ("X-Telegram-Bot-Api-Secret-Token", s))
        .into_iter()
        .collect();
    crate::webhook::post_json(url, &headers, body, Duration::from_secs(10))
        .await
        .map_err(|failure| match failure {
            PostFailure::NotPlainHttp => {
                "the fake delivers webhooks over plain HTTP only".to_owned()
            }
            PostFailure::Io(e) => e,
            PostFailure::NotHttp => "Wrong response from the webhook".to_owned(),
            PostFailure::Timeout => "Read timeout expired".to_owned(),
        })
}
