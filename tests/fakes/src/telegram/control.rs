//! The control API under `/_control/`: the operations of
//! [`FakeTelegram`](super::FakeTelegram) for a test in another process.
//! Bodies and answers are JSON; a request that cannot be done is answered
//! 400 `{"error": "…"}`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::state::{ControlResult, Rights};
use super::{Media, MediaKind, Outage, Shared, User};

type Shd = State<Arc<Shared>>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/bots", post(add_bot))
        .route("/bots/{token}/pending-updates", get(pending_updates))
        .route("/bots/{token}/commands", get(bot_commands))
        .route("/bots/{token}/blocked-by", post(user_blocks_bot))
        .route("/groups", post(create_group))
        .route("/groups/{chat_id}/forum", post(set_forum))
        .route("/groups/{chat_id}/bots", post(group_bot))
        .route("/groups/{chat_id}/bots/{token}", delete(remove_bot))
        .route("/groups/{chat_id}/messages", post(group_message))
        .route("/groups/{chat_id}/topics", get(topics))
        .route("/groups/{chat_id}/topics/{thread_id}", delete(delete_topic))
        .route(
            "/groups/{chat_id}/topics/{thread_id}/close",
            post(close_topic),
        )
        .route(
            "/groups/{chat_id}/topics/{thread_id}/reopen",
            post(reopen_topic),
        )
        .route("/private", post(private_message))
        .route("/chats/{chat_id}/messages", get(messages))
        .route(
            "/chats/{chat_id}/messages/{message_id}/reactions",
            get(reactions),
        )
        .route("/offline", post(set_offline))
        .route("/violations", get(violations))
        .route("/rate-limited", get(rate_limited))
        .route("/spec-errors", get(spec_errors))
        .route("/requests", get(requests))
}

fn reply(result: ControlResult<Value>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(error) => (StatusCode::BAD_REQUEST, Json(json!({"error": error}))).into_response(),
    }
}

fn to_json(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[derive(Deserialize)]
struct NewBot {
    token: String,
    username: String,
}

async fn add_bot(State(shared): Shd, Json(body): Json<NewBot>) -> Response {
    reply(
        shared
            .update(|s| s.add_bot(&body.token, &body.username))
            .map(|id| json!({"bot_id": id})),
    )
}

async fn pending_updates(State(shared): Shd, Path(token): Path<String>) -> Response {
    reply(Ok(
        json!({"count": shared.read(|s| s.pending_updates(&token))}),
    ))
}

async fn bot_commands(State(shared): Shd, Path(token): Path<String>) -> Response {
    let commands = shared.read(|s| {
        s.bot_id(&token)
            .and_then(|id| s.bots.get(&id))
            .map(|b| b.commands.clone())
    });
    reply(commands.ok_or_else(|| format!("no bot with token {token}")))
}

#[derive(Deserialize)]
struct Blocker {
    user_id: i64,
}

async fn user_blocks_bot(
    State(shared): Shd,
    Path(token): Path<String>,
    Json(body): Json<Blocker>,
) -> Response {
    reply(
        shared
            .update(|s| s.user_blocks_bot(&token, body.user_id))
            .map(|()| json!({})),
    )
}

#[derive(Deserialize)]
struct NewGroup {
    title: String,
    #[serde(default)]
    forum: bool,
}

async fn create_group(State(shared): Shd, Json(body): Json<NewGroup>) -> Response {
    let chat_id = shared.update(|s| s.create_group(&body.title, body.forum));
    reply(Ok(json!({"chat_id": chat_id})))
}

#[derive(Deserialize)]
struct Forum {
    forum: bool,
}

async fn set_forum(
    State(shared): Shd,
    Path(chat_id): Path<i64>,
    Json(body): Json<Forum>,
) -> Response {
    reply(
        shared
            .update(|s| s.set_forum(chat_id, body.forum))
            .map(|()| json!({})),
    )
}

#[derive(Deserialize)]
struct GroupBot {
    token: String,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    can_manage_topics: bool,
    /// Who adds the bot; the group's owner when not given.
    by_user: Option<User>,
}

/// Adds a bot to a group or, when it is in already, changes its rights.
async fn group_bot(
    State(shared): Shd,
    Path(chat_id): Path<i64>,
    Json(body): Json<GroupBot>,
) -> Response {
    let rights = Rights {
        admin: body.admin,
        can_manage_topics: body.admin && body.can_manage_topics,
    };
    let result = shared.update(|s| {
        s.set_bot_membership(&body.token, chat_id, Some(rights), body.by_user.as_ref())
    });
    reply(result.map(|()| json!({})))
}

async fn remove_bot(State(shared): Shd, Path((chat_id, token)): Path<(i64, String)>) -> Response {
    reply(
        shared
            .update(|s| s.set_bot_membership(&token, chat_id, None, None))
            .map(|()| json!({})),
    )
}

#[derive(Deserialize)]
struct GroupMessage {
    thread_id: Option<i64>,
    user: User,
    text: String,
}

async fn group_message(
    State(shared): Shd,
    Path(chat_id): Path<i64>,
    Json(body): Json<GroupMessage>,
) -> Response {
    let result =
        shared.update(|s| s.user_writes_in_group(chat_id, body.thread_id, &body.user, &body.text));
    reply(result.map(|id| json!({"message_id": id})))
}

async fn topics(State(shared): Shd, Path(chat_id): Path<i64>) -> Response {
    reply(Ok(to_json(shared.read(|s| s.topics(chat_id)))))
}

#[derive(Deserialize, Default)]
struct TopicActor {
    user: Option<User>,
}

async fn close_topic(
    State(shared): Shd,
    Path((chat_id, thread_id)): Path<(i64, i64)>,
    body: Option<Json<TopicActor>>,
) -> Response {
    let user = body.map(|Json(b)| b).unwrap_or_default().user;
    let result =
        shared.update(|s| s.user_sets_topic_closed(chat_id, thread_id, true, user.as_ref()));
    reply(result.map(|()| json!({})))
}

async fn reopen_topic(
    State(shared): Shd,
    Path((chat_id, thread_id)): Path<(i64, i64)>,
    body: Option<Json<TopicActor>>,
) -> Response {
    let user = body.map(|Json(b)| b).unwrap_or_default().user;
    let result =
        shared.update(|s| s.user_sets_topic_closed(chat_id, thread_id, false, user.as_ref()));
    reply(result.map(|()| json!({})))
}

async fn delete_topic(
    State(shared): Shd,
    Path((chat_id, thread_id)): Path<(i64, i64)>,
) -> Response {
    reply(
        shared
            .update(|s| s.user_deletes_topic(chat_id, thread_id))
            .map(|()| json!({})),
    )
}

/// A person writes to a bot: `text`, or a file of kind `media` (a small
/// generated one) with an optional `caption` and `file_name`.
#[derive(Deserialize)]
struct PrivateMessage {
    token: String,
    user: User,
    text: Option<String>,
    media: Option<MediaKind>,
    caption: Option<String>,
    file_name: Option<String>,
}

async fn private_message(State(shared): Shd, Json(body): Json<PrivateMessage>) -> Response {
    let result = match (body.media, body.text) {
        (Some(kind), _) => {
            let mut media = Media::new(kind, format!("fake {kind:?} content").into_bytes());
            media.caption = body.caption;
            media.file_name = body.file_name;
            shared.update(|s| s.user_sends_media_to_bot(&body.token, &body.user, media))
        }
        (None, Some(text)) => {
            shared.update(|s| s.user_writes_to_bot(&body.token, &body.user, &text))
        }
        (None, None) => Err("give `text` or `media`".to_owned()),
    };
    reply(result.map(|id| json!({"message_id": id})))
}

#[derive(Deserialize)]
struct Thread {
    thread_id: Option<i64>,
}

async fn messages(
    State(shared): Shd,
    Path(chat_id): Path<i64>,
    Query(thread): Query<Thread>,
) -> Response {
    reply(Ok(to_json(
        shared.read(|s| s.messages(chat_id, thread.thread_id)),
    )))
}

async fn reactions(State(shared): Shd, Path((chat_id, message_id)): Path<(i64, i64)>) -> Response {
    reply(Ok(to_json(
        shared.read(|s| s.reactions(chat_id, message_id)),
    )))
}

/// `{"offline": true}` for 502 answers, with `"mode": "connection_reset"`
/// to cut connections instead; `{"offline": false}` to end the outage.
#[derive(Deserialize)]
struct Offline {
    offline: bool,
    mode: Option<Outage>,
}

async fn set_offline(State(shared): Shd, Json(body): Json<Offline>) -> Response {
    let outage = body
        .offline
        .then(|| body.mode.unwrap_or(Outage::BadGateway));
    shared.update(|s| s.outage = outage);
    reply(Ok(json!({})))
}

async fn violations(State(shared): Shd) -> Response {
    reply(Ok(to_json(shared.read(|s| s.violations.clone()))))
}

async fn rate_limited(State(shared): Shd) -> Response {
    reply(Ok(to_json(shared.read(|s| s.rate_limited.clone()))))
}

async fn spec_errors(State(shared): Shd) -> Response {
    reply(Ok(to_json(shared.read(|s| s.spec_errors.clone()))))
}

async fn requests(State(shared): Shd) -> Response {
    reply(Ok(to_json(shared.read(|s| s.requests.clone()))))
}
