//! The control API under `/_control/`: the operations of
//! [`FakeAvito`](super::FakeAvito) for a test in another process (the
//! table in the module documentation lists them). Bodies and answers are
//! camelCase JSON; a request that cannot be done is answered 400
//! `{"error": "…"}`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::state::ControlResult;
use super::{Account, Buyer, BuyerMessage, Content, Item, Outage, Shared};

type Shd = State<Arc<Shared>>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/accounts", post(add_account))
        .route("/buyer-writes", post(buyer_writes))
        .route("/sent", get(sent))
        .route("/spec-errors", get(spec_errors))
        .route("/subscriptions", get(subscriptions))
        .route("/requests", get(requests))
        .route("/webhook-deliveries", get(webhook_deliveries))
        .route("/chats/{chat_id}/messages", get(messages))
        .route("/chats/{chat_id}/read", get(read))
        .route("/outage", post(outage))
        .route("/fail-next", post(fail_next))
        .route("/lose-answers", post(lose_answers))
        .route("/expire-tokens", post(expire_tokens))
        .route("/token-ttl", post(token_ttl))
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

async fn add_account(State(shared): Shd, Json(account): Json<Account>) -> Response {
    shared.update(|s| s.add_account(account));
    reply(Ok(json!({})))
}

#[derive(Deserialize)]
struct LinkBody {
    url: String,
    text: String,
}

/// A buyer's message: exactly one of the content fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuyerWrites {
    user_id: i64,
    buyer: Buyer,
    item: Option<Item>,
    text: Option<String>,
    /// Base64 of the picture.
    image: Option<String>,
    /// Base64 of the voice file.
    voice: Option<String>,
    link: Option<LinkBody>,
    system: Option<String>,
}

impl BuyerWrites {
    fn content(&mut self) -> ControlResult<Content> {
        let mut contents = Vec::new();
        if let Some(text) = self.text.take() {
            contents.push(Content::Text(text));
        }
        if let Some(image) = self.image.take() {
            contents.push(Content::Image(base64_decode(&image)?));
        }
        if let Some(voice) = self.voice.take() {
            contents.push(Content::Voice(base64_decode(&voice)?));
        }
        if let Some(LinkBody { url, text }) = self.link.take() {
            contents.push(Content::Link { url, text });
        }
        if let Some(system) = self.system.take() {
            contents.push(Content::System(system));
        }
        match contents.len() {
            1 => Ok(contents.remove(0)),
            _ => Err("give exactly one of text, image, voice, link, system".to_owned()),
        }
    }
}

async fn buyer_writes(State(shared): Shd, Json(mut body): Json<BuyerWrites>) -> Response {
    let result = body.content().and_then(|content| {
        let message = BuyerMessage {
            buyer: body.buyer,
            item: body.item,
            content,
        };
        shared.buyer_writes(body.user_id, message)
    });
    reply(result.map(to_json))
}

async fn sent(State(shared): Shd) -> Response {
    reply(Ok(to_json(shared.read(|s| s.sent.clone()))))
}

async fn spec_errors(State(shared): Shd) -> Response {
    reply(Ok(to_json(shared.read(|s| s.spec_errors.clone()))))
}

async fn subscriptions(State(shared): Shd) -> Response {
    reply(Ok(to_json(shared.read(super::state::State::subscriptions))))
}

async fn requests(State(shared): Shd) -> Response {
    reply(Ok(to_json(shared.read(|s| s.requests.clone()))))
}

async fn webhook_deliveries(State(shared): Shd) -> Response {
    reply(Ok(to_json(shared.read(|s| s.deliveries.clone()))))
}

async fn messages(State(shared): Shd, Path(chat_id): Path<String>) -> Response {
    reply(Ok(to_json(shared.read(|s| s.messages(&chat_id)))))
}

async fn read(State(shared): Shd, Path(chat_id): Path<String>) -> Response {
    let result = shared.read(|s| {
        let read_calls = s.chats.get(&chat_id).map_or(0, |c| c.read_calls);
        s.is_read(&chat_id)
            .map(|is_read| json!({"isRead": is_read, "readCalls": read_calls}))
    });
    reply(result)
}

#[derive(Deserialize)]
struct OutageBody {
    outage: Option<Outage>,
}

async fn outage(State(shared): Shd, Json(body): Json<OutageBody>) -> Response {
    shared.update(|s| s.outage = body.outage);
    reply(Ok(json!({})))
}

#[derive(Deserialize)]
struct FailNext {
    count: usize,
    status: u16,
}

async fn fail_next(State(shared): Shd, Json(body): Json<FailNext>) -> Response {
    if !(400..600).contains(&body.status) {
        return reply(Err(format!("{} is not an error status", body.status)));
    }
    shared.update(|s| s.fail_next = (body.count, body.status));
    reply(Ok(json!({})))
}

#[derive(Deserialize)]
struct LoseAnswers {
    count: usize,
}

async fn lose_answers(State(shared): Shd, Json(body): Json<LoseAnswers>) -> Response {
    shared.update(|s| s.lose_answers = body.count);
    reply(Ok(json!({})))
}

async fn expire_tokens(State(shared): Shd) -> Response {
    shared.update(super::state::State::expire_tokens);
    reply(Ok(json!({})))
}

#[derive(Deserialize)]
struct TokenTtl {
    seconds: u64,
}

async fn token_ttl(State(shared): Shd, Json(body): Json<TokenTtl>) -> Response {
    shared.update(|s| s.token_ttl = Duration::from_secs(body.seconds));
    reply(Ok(json!({})))
}

/// Decodes standard base64 (with or without padding; whitespace ignored).
fn base64_decode(text: &str) -> ControlResult<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let (mut buffer, mut bits) = (0_u32, 0_u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("not base64: {:?}", char::from(c))),
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::base64_decode;

    #[test]
    fn base64_is_decoded() {
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("Zg==").unwrap(), b"f");
        assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64_decode("Zm9v").unwrap(), b"foo");
        assert_eq!(base64_decode("/9j/4A").unwrap(), b"\xff\xd8\xff\xe0");
        assert!(base64_decode("Zm9v!").is_err());
    }
}
