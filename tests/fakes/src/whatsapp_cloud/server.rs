//! The HTTP side: every request that is not for `/_control/` is matched to
//! an operation of the description, checked, done and recorded.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::spec::{Incoming, Operation, spec};
use super::templates::{self, BusinessAccount, Template};
use super::{Failure, Media, Number, Recorded, SentMessage, Shared, Upload};

const BODY_LIMIT: usize = 32 * 1024 * 1024;
/// The longest text the Cloud API takes.
const MAX_TEXT: usize = 4096;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let control =
        Router::new()
            .route("/numbers", post(add_number))
            .route("/media", post(add_media))
            .route("/business-accounts", post(add_business_account))
            .route(
                "/sent",
                get(|State(s): State<Arc<Shared>>| async move { Json(s.read(|s| s.sent.clone())) }),
            )
            .route(
                "/spec-errors",
                get(|State(s): State<Arc<Shared>>| async move {
                    Json(s.read(|s| s.spec_errors.clone()))
                }),
            )
            .route("/webhook", post(webhook));
    Router::new()
        .nest("/_control", control)
        .fallback(api_request)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

async fn add_number(State(shared): State<Arc<Shared>>, Json(number): Json<Number>) -> StatusCode {
    shared.update(|s| {
        s.numbers
            .retain(|n| n.phone_number_id != number.phone_number_id);
        s.numbers.push(number);
    });
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewBusinessAccount {
    id: String,
    phone_number_ids: Vec<String>,
    #[serde(default)]
    templates: Vec<Template>,
}

async fn add_business_account(
    State(shared): State<Arc<Shared>>,
    Json(account): Json<NewBusinessAccount>,
) -> StatusCode {
    shared.update(|s| {
        s.accounts.retain(|a| a.id != account.id);
        s.accounts.push(BusinessAccount {
            id: account.id,
            phone_number_ids: account.phone_number_ids,
            templates: account.templates,
        });
    });
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewMedia {
    phone_number_id: String,
    bytes: Vec<u8>,
    mime: String,
}

async fn add_media(State(shared): State<Arc<Shared>>, Json(media): Json<NewMedia>) -> Json<Value> {
    let id = shared.update(|s| {
        let id = format!("{}", 7_000_000 + s.id());
        s.media.insert(
            id.clone(),
            Media {
                phone_number_id: media.phone_number_id,
                mime: media.mime,
                bytes: media.bytes,
            },
        );
        id
    });
    Json(json!({ "id": id }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewWebhook {
    url: String,
    app_secret: String,
    payload: Value,
}

async fn webhook(State(shared): State<Arc<Shared>>, Json(hook): Json<NewWebhook>) -> Json<Value> {
    let body = hook.payload.to_string();
    let signed = super::signature(&hook.app_secret, body.as_bytes());
    let status = super::post(&shared, &hook.url, Some(&signed), &hook.payload).await;
    Json(json!({ "status": status }))
}

/// Graph's error answer.
pub(crate) fn error(status: u16, code: i64, message: &str) -> (u16, Response) {
    let kind = if code == 190 {
        "OAuthException"
    } else {
        "GraphMethodException"
    };
    let body = json!({
        "error": { "message": message, "type": kind, "code": code, "fbtrace_id": "AFakeTraceId" }
    });
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, (code, Json(body)).into_response())
}

pub(crate) fn ok(shared: &Shared, op: &Operation, body: Value) -> (u16, Response) {
    let errors = spec().answer_errors(op, &body);
    if !errors.is_empty() {
        shared.update(|s| s.spec_errors.extend(errors));
    }
    (200, Json(body).into_response())
}

/// Every request that is not for `/_control/`.
async fn api_request(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let (status, response) = answer(&shared, &method, &path, request).await;
    shared.update(|s| {
        s.requests.push(Recorded {
            method: method.to_string(),
            path,
            status,
        });
    });
    response
}

async fn answer(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    request: Request,
) -> (u16, Response) {
    let Some(op) = spec().route(method, path) else {
        let text = format!("{method} {path} is not an operation of the API description");
        shared.update(|s| s.spec_errors.push(text.clone()));
        return error(400, 100, &text);
    };
    let params = op.fit(path).unwrap_or_default();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let query: Vec<(String, String)> = url_query(request.uri().query().unwrap_or(""));
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase());
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let (body, parts) = match content_type.as_deref() {
        Some("application/json") => {
            let bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
                .await
                .unwrap_or_default();
            (serde_json::from_slice::<Value>(&bytes).ok(), Vec::new())
        }
        Some("multipart/form-data") => match Multipart::from_request(request, &()).await {
            Ok(mut form) => {
                let mut fields = serde_json::Map::new();
                let mut parts = Vec::new();
                while let Ok(Some(field)) = form.next_field().await {
                    let name = field.name().unwrap_or("").to_owned();
                    let file_name = field.file_name().map(str::to_owned);
                    let mime = field.content_type().map(str::to_owned);
                    let bytes = field.bytes().await.unwrap_or_default().to_vec();
                    let value = match &file_name {
                        Some(_) => String::new(),
                        None => String::from_utf8_lossy(&bytes).into_owned(),
                    };
                    fields.insert(name.clone(), Value::String(value));
                    parts.push((name, file_name, mime, bytes));
                }
                (Some(Value::Object(fields)), parts)
            }
            Err(_) => (None, Vec::new()),
        },
        _ => (None, Vec::new()),
    };
    let incoming = Incoming {
        headers: &headers,
        query: &query,
        content_type: content_type.as_deref(),
        body: body.clone(),
    };
    let problems = spec().check(op, &incoming);
    if let Some((status, _)) = problems.first() {
        let status = *status;
        let texts: Vec<String> = problems
            .into_iter()
            .map(|(_, t)| format!("{}: {t}", op.id))
            .collect();
        shared.update(|s| s.spec_errors.extend(texts.clone()));
        return error(
            status,
            if status == 401 { 190 } else { 100 },
            &texts.join("; "),
        );
    }
    if op.id != "downloadMedia" && params.first().map(String::as_str) != Some("v23.0") {
        let text = format!("{}: the fake speaks Graph API v23.0, not {path}", op.id);
        shared.update(|s| s.spec_errors.push(text.clone()));
        return error(400, 2500, &text);
    }
    if op.id != "downloadMedia"
        && let Some(failure) = shared.update(|s| s.failures.pop_front())
    {
        let Failure {
            status,
            code,
            message,
        } = failure;
        return error(status, code, &message);
    }
    let token = token.unwrap_or_default();
    match op.id.as_str() {
        "sendMessage" => send(shared, op, &params[1], &token, body.unwrap_or(Value::Null)),
        "uploadImage" => upload(shared, op, &params[1], &token, parts),
        "retrieveMediaUrl" => media_url(shared, op, &params[1], &token, &query),
        "downloadMedia" => download(shared, &token, &query),
        "getTemplateByNameDefaultFields" => templates::list(shared, op, &params[1], &token, &query),
        _ => ok(shared, op, json!({ "success": true })),
    }
}

fn url_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let text = text.replace('+', " ");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The number `phone_number_id` when `token` is its token.
fn number_for(
    shared: &Shared,
    phone_number_id: &str,
    token: &str,
) -> Result<Number, Box<(u16, Response)>> {
    let number = shared.read(|s| {
        s.numbers
            .iter()
            .find(|n| n.phone_number_id == phone_number_id)
            .cloned()
    });
    match number {
        Some(n) if n.token == token => Ok(n),
        Some(_) => Err(Box::new(error(
            401,
            190,
            "Error validating access token: the session is invalid.",
        ))),
        None => Err(Box::new(error(
            400,
            100,
            &format!("Unsupported post request. Object with ID '{phone_number_id}' does not exist"),
        ))),
    }
}

fn send(
    shared: &Shared,
    op: &Operation,
    phone_number_id: &str,
    token: &str,
    body: Value,
) -> (u16, Response) {
    let number = match number_for(shared, phone_number_id, token) {
        Ok(n) => n,
        Err(refused) => return *refused,
    };
    if body.get("status").is_some() {
        return ok(shared, op, json!({ "success": true }));
    }
    let to = body["to"].as_str().unwrap_or("").to_owned();
    if !to.chars().all(|c| c.is_ascii_digit() || c == '+') || to.is_empty() {
        return error(400, 131_030, "Recipient phone number not in allowed list");
    }
    let kind = body["type"].as_str().unwrap_or("text").to_owned();
    if kind == "template" {
        if let Some((code, message)) =
            shared.read(|s| templates::refusal(s, &number.phone_number_id, &body))
        {
            return error(400, code, &message);
        }
    } else if shared.read(|s| s.closed_windows.contains(to.trim_start_matches('+'))) {
        return error(
            400,
            131_047,
            "Re-engagement message: more than 24 hours have passed since the recipient last replied",
        );
    }
    if kind == "text"
        && body["text"]["body"]
            .as_str()
            .is_some_and(|t| t.chars().count() > MAX_TEXT)
    {
        return error(
            400,
            100,
            "Param text['body'] must be at most 4096 characters long.",
        );
    }
    if let Some(media_id) = body[&kind]["id"].as_str() {
        let known = shared.read(|s| {
            s.uploads
                .iter()
                .any(|u| u.id == media_id && u.phone_number_id == number.phone_number_id)
        });
        if !known {
            return error(
                400,
                131_053,
                "Media upload error: the media id is not known to this number",
            );
        }
    }
    let id = shared.update(|s| {
        let id = format!("wamid.FAKE{:012}", s.id());
        s.sent.push(SentMessage {
            phone_number_id: number.phone_number_id.clone(),
            id: id.clone(),
            body: body.clone(),
        });
        id
    });
    ok(
        shared,
        op,
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": to, "wa_id": to.trim_start_matches('+') }],
            "messages": [{ "id": id }],
        }),
    )
}

type Part = (String, Option<String>, Option<String>, Vec<u8>);

fn upload(
    shared: &Shared,
    op: &Operation,
    phone_number_id: &str,
    token: &str,
    parts: Vec<Part>,
) -> (u16, Response) {
    let number = match number_for(shared, phone_number_id, token) {
        Ok(n) => n,
        Err(refused) => return *refused,
    };
    let product = parts
        .iter()
        .any(|(n, _, _, b)| n == "messaging_product" && b == b"whatsapp");
    let file = parts
        .into_iter()
        .find(|(n, f, _, _)| n == "file" && f.is_some());
    let (true, Some((_, file_name, mime, bytes))) = (product, file) else {
        return error(
            400,
            100,
            "The parameter messaging_product is required, and a file",
        );
    };
    let id = shared.update(|s| {
        let id = format!("{}", 9_000_000 + s.id());
        s.uploads.push(Upload {
            phone_number_id: number.phone_number_id.clone(),
            id: id.clone(),
            file_name,
            mime,
            bytes,
        });
        id
    });
    ok(shared, op, json!({ "id": id }))
}

/// The media a token may read: a customer's file to one of the token's
/// numbers, or a file one of them uploaded.
fn readable(shared: &Shared, media_id: &str, token: &str) -> Option<(Media, String)> {
    shared.read(|s| {
        let owners: Vec<&str> = s
            .numbers
            .iter()
            .filter(|n| n.token == token)
            .map(|n| n.phone_number_id.as_str())
            .collect();
        if let Some(m) = s
            .media
            .get(media_id)
            .filter(|m| owners.contains(&m.phone_number_id.as_str()))
        {
            return Some((m.clone(), m.phone_number_id.clone()));
        }
        s.uploads
            .iter()
            .find(|u| u.id == media_id && owners.contains(&u.phone_number_id.as_str()))
            .map(|u| {
                let media = Media {
                    phone_number_id: u.phone_number_id.clone(),
                    mime: u.mime.clone().unwrap_or_default(),
                    bytes: u.bytes.clone(),
                };
                (media, u.phone_number_id.clone())
            })
    })
}

fn media_url(
    shared: &Shared,
    op: &Operation,
    media_id: &str,
    token: &str,
    query: &[(String, String)],
) -> (u16, Response) {
    if !shared.read(|s| s.numbers.iter().any(|n| n.token == token)) {
        return error(
            401,
            190,
            "Error validating access token: the session is invalid.",
        );
    }
    let Some((media, owner)) = readable(shared, media_id, token) else {
        return error(
            400,
            100,
            &format!("Unsupported get request. Object with ID '{media_id}' does not exist"),
        );
    };
    if let Some((_, asked)) = query.iter().find(|(n, _)| n == "phone_number_id")
        && *asked != owner
    {
        return error(400, 100, "The media does not belong to this phone number");
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, &media.bytes);
    let sha: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    ok(
        shared,
        op,
        json!({
            "messaging_product": "whatsapp",
            "url": format!("{}/whatsapp_business/attachments/?mid={media_id}&ext=1&hash=fake", shared.base),
            "mime_type": media.mime,
            "sha256": sha,
            "file_size": media.bytes.len().to_string(),
            "id": media_id,
        }),
    )
}

fn download(shared: &Shared, token: &str, query: &[(String, String)]) -> (u16, Response) {
    let media_id = query
        .iter()
        .find(|(n, _)| n == "mid")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    match readable(shared, media_id, token) {
        Some((media, _)) => (
            200,
            ([(header::CONTENT_TYPE, media.mime)], media.bytes).into_response(),
        ),
        None => (404, (StatusCode::NOT_FOUND, "Not Found").into_response()),
    }
}
