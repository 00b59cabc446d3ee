//! The control API under `/_control/`: the operations of
//! [`FakeLlm`](super::FakeLlm) for a test in another process (the table in
//! the module documentation lists them). Bodies and answers are camelCase
//! JSON; a request that cannot be done is answered 400 `{"error": "…"}`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Failure, Shared};

type Shd = State<Arc<Shared>>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/replies", post(push_reply))
        .route("/default-reply", post(default_reply))
        .route("/failures", post(push_failure))
        .route("/delay", post(delay))
        .route("/models", post(models))
        .route("/key", post(key))
        .route("/requests", get(requests))
        .route("/spec-errors", get(spec_errors))
}

fn done() -> Response {
    Json(json!({})).into_response()
}

fn refuse(error: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": error}))).into_response()
}

fn to_json(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[derive(Deserialize)]
struct Text {
    text: String,
}

async fn push_reply(State(shared): Shd, Json(body): Json<Text>) -> Response {
    shared.update(|s| s.replies.push_back(body.text));
    done()
}

async fn default_reply(State(shared): Shd, Json(body): Json<Text>) -> Response {
    shared.update(|s| s.default_reply = body.text);
    done()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailureBody {
    status: u16,
    /// Seconds; 429 gets 1 when not given.
    retry_after: Option<u64>,
}

async fn push_failure(State(shared): Shd, Json(body): Json<FailureBody>) -> Response {
    if !(400..600).contains(&body.status) {
        return refuse(format!("{} is not an error status", body.status));
    }
    let failure = Failure {
        status: body.status,
        retry_after: body.retry_after.or((body.status == 429).then_some(1)),
    };
    shared.update(|s| s.failures.push_back(failure));
    done()
}

#[derive(Deserialize)]
struct Delay {
    ms: u64,
}

async fn delay(State(shared): Shd, Json(body): Json<Delay>) -> Response {
    shared.update(|s| s.delay = Duration::from_millis(body.ms));
    done()
}

#[derive(Deserialize)]
struct Models {
    models: Vec<String>,
}

async fn models(State(shared): Shd, Json(body): Json<Models>) -> Response {
    shared.update(|s| s.models = body.models);
    done()
}

#[derive(Deserialize)]
struct Key {
    key: Option<String>,
}

async fn key(State(shared): Shd, Json(body): Json<Key>) -> Response {
    if body.key.as_deref().is_some_and(str::is_empty) {
        return refuse("an empty key cannot be sent; give null to accept any".to_owned());
    }
    shared.update(|s| s.key = body.key);
    done()
}

async fn requests(State(shared): Shd) -> Response {
    Json(to_json(shared.read(|s| s.requests.clone()))).into_response()
}

async fn spec_errors(State(shared): Shd) -> Response {
    Json(to_json(shared.read(|s| s.spec_errors.clone()))).into_response()
}
