//! The HTTP side: every request that is not for `/_control/` is matched to
//! an operation of the description, checked, done and recorded; pictures
//! and voice files are served from their links.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body as HttpBody;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::api::{self, Answer};
use super::objects::{error, oauth_error, standard_message};
use super::spec::{Body, Incoming, Operation, Part, Route, spec};
use super::state::IMAGE_SIZES;
use super::{Outage, Recorded, Shared, control};

/// Large enough for a few photos at once.
const BODY_LIMIT: usize = 32 * 1024 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest("/_control", control::router())
        .fallback(api_request)
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

fn cut() -> Response {
    Response::new(HttpBody::new(CutBody))
}

fn json_response(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

/// Every request that is not for `/_control/`.
async fn api_request(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if shared.is_closed() {
        return cut();
    }
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let (status, response) = match shared.read(|s| s.outage) {
        Some(Outage::ConnectionReset) => (0, cut()),
        Some(Outage::Unavailable) => (503, json_response(503, &error(503, standard_message(503)))),
        None => match file(&shared, &method, &path) {
            Some(served) => served,
            None => operation(&shared, &method, &path, request).await,
        },
    };
    shared.update(|s| {
        s.requests.push(Recorded {
            method: method.to_string(),
            path,
            query,
            status,
        });
    });
    response
}

/// A picture or voice file the fake links to, if the path is one.
fn file(shared: &Shared, method: &Method, path: &str) -> Option<(u16, Response)> {
    if method != Method::GET {
        return None;
    }
    let found = if let Some(rest) = path.strip_prefix("/img/chat/") {
        let (size, name) = rest.split_once('/')?;
        let image_id = name.strip_suffix(".jpg")?;
        let bytes = shared.read(|s| s.images.get(image_id).map(|i| i.bytes.clone()));
        bytes
            .filter(|_| IMAGE_SIZES.contains(&size))
            .map(|bytes| (image_type(&bytes), bytes))
    } else if let Some(name) = path.strip_prefix("/voice/") {
        let voice_id = name.strip_suffix(".m4a")?;
        let bytes = shared.read(|s| s.voices.get(voice_id).cloned());
        bytes.map(|bytes| ("audio/mp4", bytes))
    } else {
        return None;
    };
    Some(match found {
        Some((content_type, bytes)) => (
            200,
            ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        ),
        None => (404, (StatusCode::NOT_FOUND, "Not Found").into_response()),
    })
}

/// The media type of a picture by its first bytes.
fn image_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        "image/webp"
    } else if bytes.starts_with(b"GIF8") {
        "image/gif"
    } else {
        "image/jpeg"
    }
}

fn record_spec_errors(shared: &Shared, method: &Method, path: &str, lines: Vec<String>) {
    if !lines.is_empty() {
        let lines = lines
            .into_iter()
            .map(|line| format!("{method} {path}: {line}"));
        shared.update(|s| s.spec_errors.extend(lines));
    }
}

/// A request for the API: routed, checked, done.
async fn operation(
    shared: &Shared,
    method: &Method,
    path: &str,
    request: Request,
) -> (u16, Response) {
    let (op, path_params) = match spec().route(method, path) {
        Route::Found(op, params) => (op, params),
        Route::WrongMethod(allowed) => {
            let allowed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
            let line = format!("the path takes only {}", allowed.join(", "));
            record_spec_errors(shared, method, path, vec![line]);
            return (405, json_response(405, &error(405, standard_message(405))));
        }
        Route::NotFound => {
            let mut line = "no operation of the description has this path".to_owned();
            let other = match path.strip_suffix('/') {
                Some(bare) => bare.to_owned(),
                None => format!("{path}/"),
            };
            if !matches!(spec().route(method, &other), Route::NotFound) {
                line.push_str(&format!(" (it has {other})"));
            }
            record_spec_errors(shared, method, path, vec![line]);
            return (404, json_response(404, &error(404, standard_message(404))));
        }
    };
    let incoming = read_request(path_params, request).await;
    let checked = spec().check(op, &incoming);
    let lines = checked.problems.iter().map(|p| p.text.clone()).collect();
    record_spec_errors(shared, method, path, lines);
    if let Some((status, text)) = checked
        .problems
        .iter()
        .find_map(|p| p.refuse.map(|status| (status, &p.text)))
    {
        let answer = refusal(op, status, text);
        return (answer.status, json_response(answer.status, &answer.body));
    }
    let answer = shared.update(|s| api::call(s, op, &checked, &incoming));
    if cfg!(debug_assertions) {
        let errors = spec().answer_errors(op, answer.status, &answer.body);
        record_spec_errors(shared, method, path, errors);
    }
    (answer.status, json_response(answer.status, &answer.body))
}

/// The answer to a request the description does not allow.
fn refusal(op: &Operation, status: u16, text: &str) -> Answer {
    if op.id.starts_with("getAccessToken") {
        Answer {
            status,
            body: oauth_error("invalid_request", text),
        }
    } else if status == 401 {
        Answer::error(status, standard_message(status))
    } else {
        Answer::error(status, text)
    }
}

/// Reads the parts of a request the checks look at; the body according to
/// its `Content-Type`.
async fn read_request(path_params: Vec<(String, String)>, request: Request) -> Incoming {
    let headers = request.headers();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let query = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .map(|Query(pairs)| pairs)
        .unwrap_or_default();
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Err(e) => Body::Malformed(format!("cannot read the body: {e}")),
        Ok(bytes) if bytes.is_empty() => Body::Empty,
        Ok(bytes) => match content_type.as_deref() {
            Some("application/json") => match serde_json::from_slice(&bytes) {
                Ok(value) => Body::Json(value),
                Err(e) => Body::Malformed(e.to_string()),
            },
            Some("application/x-www-form-urlencoded") => form(&bytes),
            Some("multipart/form-data") => {
                let request = Request::from_parts(parts, HttpBody::from(bytes));
                multipart(request).await
            }
            _ => Body::Other,
        },
    };
    Incoming {
        path_params,
        query,
        authorization,
        content_type,
        body,
    }
}

fn form(bytes: &[u8]) -> Body {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Body::Malformed("not UTF-8".to_owned());
    };
    let Ok(uri) = format!("/?{text}").parse::<axum::http::Uri>() else {
        return Body::Malformed("not URL-encoded".to_owned());
    };
    match Query::<Vec<(String, String)>>::try_from_uri(&uri) {
        Ok(Query(pairs)) => Body::Form(pairs),
        Err(e) => Body::Malformed(e.to_string()),
    }
}

async fn multipart(request: Request) -> Body {
    let mut multipart = match Multipart::from_request(request, &()).await {
        Ok(multipart) => multipart,
        Err(e) => return Body::Malformed(e.body_text()),
    };
    let mut parts = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let file_name = field.file_name().map(str::to_owned);
                match field.bytes().await {
                    Ok(bytes) => parts.push(Part {
                        name,
                        file_name,
                        bytes: bytes.to_vec(),
                    }),
                    Err(e) => return Body::Malformed(e.body_text()),
                }
            }
            Ok(None) => return Body::Multipart(parts),
            Err(e) => return Body::Malformed(e.body_text()),
        }
    }
}
