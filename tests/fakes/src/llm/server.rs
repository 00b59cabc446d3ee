//! The HTTP side: `POST /v1/chat/completions` and `GET /v1/models`
//! answered as an OpenAI-compatible server answers them, requests and (in
//! debug builds) answers checked against the description, and the control
//! API under `/_control/`.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jsonschema::Validator;
use serde_json::{Value, json};

use super::spec::{check_chat_request, schema_errors, spec};
use super::{ChatRequest, Failure, Shared, State as FakeState, control};

type Shd = State<Arc<Shared>>;

const CHAT: &str = "POST /v1/chat/completions";
const MODELS: &str = "GET /v1/models";

/// When every listed model was "created".
const MODELS_CREATED: i64 = 1_735_689_600;

/// Who every listed model is "owned by", as Ollama lists its models.
const OWNED_BY: &str = "library";

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest("/_control", control::router())
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/models", get(list_models))
        .fallback(invalid_url)
        .method_not_allowed_fallback(invalid_url)
        .with_state(shared)
}

/// An answer before it is checked and sent.
struct Answer {
    status: u16,
    body: Value,
    /// Seconds for the `Retry-After` header.
    retry_after: Option<u64>,
}

impl Answer {
    fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body,
            retry_after: None,
        }
    }

    /// An error in OpenAI's shape.
    fn error(
        status: u16,
        message: &str,
        kind: &str,
        param: Option<&str>,
        code: Option<&str>,
    ) -> Self {
        Self {
            status,
            body: json!({"error": {"message": message, "type": kind, "param": param, "code": code}}),
            retry_after: None,
        }
    }

    fn failure(failure: Failure) -> Self {
        let Failure {
            status,
            retry_after,
        } = failure;
        let mut answer = match status {
            429 => Self::error(
                status,
                "Rate limit reached for requests. Please try again later.",
                "requests",
                None,
                Some("rate_limit_exceeded"),
            ),
            500 => Self::error(
                status,
                "The server had an error while processing your request. Sorry about that!",
                "server_error",
                None,
                None,
            ),
            503 => Self::error(
                status,
                "The engine is currently overloaded, please try again later.",
                "server_error",
                None,
                None,
            ),
            _ => {
                let reason = StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Error");
                let kind = if status < 500 {
                    "invalid_request_error"
                } else {
                    "server_error"
                };
                Self::error(status, reason, kind, None, None)
            }
        };
        answer.retry_after = retry_after;
        answer
    }
}

fn record_spec_errors(shared: &Shared, what: &str, lines: Vec<String>) {
    if !lines.is_empty() {
        let lines = lines.into_iter().map(|line| format!("{what}: {line}"));
        shared.update(|s| s.spec_errors.extend(lines));
    }
}

/// Sends the answer; in debug builds checks it against the schema of its
/// kind first (errors against `ErrorResponse`).
fn respond(shared: &Shared, what: &str, success: &Validator, answer: Answer) -> Response {
    if cfg!(debug_assertions) {
        let validator = if answer.status == 200 {
            success
        } else {
            &spec().error
        };
        let what_answer = format!("answer {}", answer.status);
        let errors = schema_errors(validator, &answer.body, &what_answer);
        record_spec_errors(shared, what, errors);
    }
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(answer.body)).into_response();
    if let Some(seconds) = answer.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A body that fails at once, so that the connection is cut without an
/// answer.
struct CutBody;

impl axum::body::HttpBody for CutBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let cut = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "server went down");
        Poll::Ready(Some(Err(cut)))
    }
}

fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// The 401 answer when a key is required and the request does not carry
/// it.
fn unauthorized(shared: &Shared, authorization: Option<&str>) -> Option<Answer> {
    let key = shared.read(|s| s.key.clone())?;
    let given = authorization
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, given)| given.trim())
        .filter(|given| !given.is_empty());
    match given {
        Some(given) if given == key => None,
        Some(given) => Some(Answer::error(
            401,
            &format!(
                "Incorrect API key provided: {}. You can find your API key at https://platform.openai.com/account/api-keys.",
                mask(given)
            ),
            "invalid_request_error",
            None,
            Some("invalid_api_key"),
        )),
        None => Some(Answer::error(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            None,
            None,
        )),
    }
}

/// A key as OpenAI shows a wrong one: its start and end only.
fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let start: String = chars[..3].iter().collect();
    let end: String = chars[chars.len() - 4..].iter().collect();
    format!("{start}{}{end}", "*".repeat(chars.len() - 7))
}

async fn chat_completions(State(shared): Shd, headers: HeaderMap, body: Bytes) -> Response {
    let authorization = authorization(&headers);
    let parsed = serde_json::from_slice::<Value>(&body);
    let recorded = match &parsed {
        Ok(value) => value.clone(),
        Err(_) => Value::String(String::from_utf8_lossy(&body).into_owned()),
    };
    let index = shared.update(|s| {
        s.requests.push(ChatRequest {
            body: recorded,
            authorization: authorization.clone(),
            status: 0,
        });
        s.requests.len() - 1
    });
    let mut gone = shared.watch_gone();
    let checked = check(&shared, &headers, authorization.as_deref(), parsed);
    let delay = shared.read(|s| s.delay);
    if !delay.is_zero() {
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = gone.changed() => return Response::new(Body::new(CutBody)),
        }
    }
    let answer = match checked {
        Ok(request) => shared.update(|s| complete(s, &request)),
        Err(refused) => refused,
    };
    shared.update(|s| {
        if let Some(request) = s.requests.get_mut(index) {
            request.status = answer.status;
        }
    });
    respond(&shared, CHAT, &spec().chat_response, answer)
}

/// The request body when the request may be answered; the refusal when
/// not.
fn check(
    shared: &Shared,
    headers: &HeaderMap,
    authorization: Option<&str>,
    parsed: serde_json::Result<Value>,
) -> Result<Value, Answer> {
    if let Some(refused) = unauthorized(shared, authorization) {
        return Err(refused);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let media_type = content_type
        .as_deref()
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media_type.as_deref() != Some("application/json") {
        let line = format!("Content-Type is {content_type:?}, not application/json");
        record_spec_errors(shared, CHAT, vec![line]);
    }
    let body = match parsed {
        Ok(body) => body,
        Err(e) => {
            record_spec_errors(shared, CHAT, vec![format!("request body is not JSON: {e}")]);
            return Err(Answer::error(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
                "invalid_request_error",
                None,
                None,
            ));
        }
    };
    if let Some((refusal, lines)) = check_chat_request(&body) {
        record_spec_errors(shared, CHAT, lines);
        return Err(Answer::error(
            400,
            &refusal.message,
            "invalid_request_error",
            refusal.param.as_deref(),
            Some(refusal.code),
        ));
    }
    if body.get("stream") == Some(&Value::Bool(true)) {
        let line = "\"stream\": true asks for an event stream, which the fake does not offer";
        record_spec_errors(shared, CHAT, vec![line.to_owned()]);
        return Err(Answer::error(
            400,
            "Streaming is not offered by this server; send \"stream\": false.",
            "invalid_request_error",
            Some("stream"),
            Some("unsupported_value"),
        ));
    }
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !shared.read(|s| s.models.iter().any(|m| m == model)) {
        return Err(Answer::error(
            404,
            &format!("The model `{model}` does not exist or you do not have access to it."),
            "invalid_request_error",
            None,
            Some("model_not_found"),
        ));
    }
    Ok(body)
}

/// Answers a valid request: the next scripted failure, else the next
/// scripted reply, else the default reply.
fn complete(s: &mut FakeState, request: &Value) -> Answer {
    if let Some(failure) = s.failures.pop_front() {
        return Answer::failure(failure);
    }
    let text = s
        .replies
        .pop_front()
        .unwrap_or_else(|| s.default_reply.clone());
    s.completions += 1;
    let prompt_tokens: usize = request
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| words(m.get("content").unwrap_or(&Value::Null)))
        .sum();
    let completion_tokens = text.split_whitespace().count();
    Answer::ok(json!({
        "id": format!("chatcmpl-fake{:06}", s.completions),
        "object": "chat.completion",
        "created": now(),
        "model": request.get("model").cloned().unwrap_or(Value::Null),
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": text, "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens
        }
    }))
}

/// The words of a message's content: a text, or parts with texts.
fn words(content: &Value) -> usize {
    match content {
        Value::String(text) => text.split_whitespace().count(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .map(|text| text.split_whitespace().count())
            .sum(),
        _ => 0,
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn list_models(State(shared): Shd, headers: HeaderMap) -> Response {
    let answer = match unauthorized(&shared, authorization(&headers).as_deref()) {
        Some(refused) => refused,
        None => {
            let data: Vec<Value> = shared.read(|s| {
                s.models
                    .iter()
                    .map(|id| {
                        json!({"id": id, "object": "model", "created": MODELS_CREATED, "owned_by": OWNED_BY})
                    })
                    .collect()
            });
            Answer::ok(json!({"object": "list", "data": data}))
        }
    };
    respond(&shared, MODELS, &spec().models, answer)
}

/// Any other request, answered 404 as OpenAI answers it; recorded unless it
/// was meant for the control API.
async fn invalid_url(State(shared): Shd, request: Request) -> Response {
    let what = format!("{} {}", request.method(), request.uri().path());
    if !request.uri().path().starts_with("/_control/") {
        let line = "no operation of the API has this method and path".to_owned();
        record_spec_errors(&shared, &what, vec![line]);
    }
    let answer = Answer::error(
        404,
        &format!("Invalid URL ({what})"),
        "invalid_request_error",
        None,
        None,
    );
    respond(&shared, &what, &spec().error, answer)
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn keys_are_masked_but_for_their_ends() {
        assert_eq!(mask("sk-wrong-key-1234"), "sk-**********1234");
        assert_eq!(mask("short"), "*****");
    }
}
