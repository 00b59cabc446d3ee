//! The JSON objects of the API, built from the fake's state: chats,
//! messages, error bodies and webhook payloads.

use serde_json::{Map, Value, json};

use super::state::{ChatState, State, StoredMessage};

/// Avito's error body, `{"error": {"code", "message"}}`.
pub(crate) fn error(code: u16, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

/// The message Avito gives with a status when there is nothing more to
/// say.
pub(crate) fn standard_message(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Error while processing request. Please, contact support",
        502 => "Bad Gateway",
        503 => "Service temporarily unavailable. Please, contact support",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

/// An OAuth error of `POST /token`.
pub(crate) fn oauth_error(error: &str, description: &str) -> Value {
    json!({"error": error, "error_description": description})
}

/// A message as `GET …/messages/` lists it.
pub(crate) fn message(message: &StoredMessage) -> Value {
    let direction = if message.outgoing { "out" } else { "in" };
    json!({
        "id": message.id,
        "author_id": message.author_id,
        "created": message.created,
        "direction": direction,
        "type": message.kind,
        "content": message.content,
        "is_read": message.read.is_some(),
        "read": message.read,
    })
}

/// The `last_message` of a chat.
fn last_message(message: &StoredMessage) -> Value {
    let direction = if message.outgoing { "out" } else { "in" };
    json!({
        "id": message.id,
        "author_id": message.author_id,
        "created": message.created,
        "direction": direction,
        "type": message.kind,
        "content": message.content,
    })
}

/// The public profile of a chat member.
fn profile(user_id: i64, item_id: Option<i64>) -> Value {
    let hash = format!(
        "{:032x}",
        u128::from(user_id.unsigned_abs()) * 0x9e37_79b9_7f4a_7c15
    );
    let stub = "https://www.avito.st/stub_avatars/_/14";
    let mut profile = json!({
        "user_id": user_id,
        "url": format!("https://www.avito.ru/user/{hash}/profile"),
        "avatar": {
            "default": format!("{stub}_256x256.png"),
            "images": {
                "128x128": format!("{stub}_128x128.png"),
                "256x256": format!("{stub}_256x256.png"),
                "64x64": format!("{stub}_64x64.png"),
            },
        },
    });
    if let Some(item_id) = item_id {
        profile["item_id"] = item_id.into();
    }
    profile
}

/// A chat as `GET …/chats` and `GET …/chats/{chat_id}` show it.
pub(crate) fn chat(state: &State, chat: &ChatState) -> Value {
    let seller_name = state
        .accounts
        .get(&chat.user_id)
        .map(|a| a.account.name.clone())
        .unwrap_or_default();
    let item_id = chat.item.as_ref().map(|i| i.id);
    let mut value = Map::new();
    value.insert("id".into(), chat.id.clone().into());
    if let Some(item) = &chat.item {
        value.insert(
            "context".into(),
            json!({
                "type": "item",
                "value": {
                    "id": item.id,
                    "title": item.title,
                    "price_string": item.price_string,
                    "url": item.url,
                    "images": {"count": 1, "main": {"140x105": item.image_url}},
                    "user_id": chat.user_id,
                    "status_id": 10,
                },
            }),
        );
    }
    value.insert("created".into(), chat.created.into());
    value.insert("updated".into(), chat.updated.into());
    value.insert(
        "users".into(),
        json!([
            {"id": chat.user_id, "name": seller_name, "public_user_profile": profile(chat.user_id, item_id)},
            {"id": chat.buyer.id, "name": chat.buyer.name, "public_user_profile": profile(chat.buyer.id, None)},
        ]),
    );
    if let Some(last) = chat.messages.last() {
        value.insert("last_message".into(), last_message(last));
    }
    Value::Object(value)
}

/// The body of a webhook POST about a new message.
pub(crate) fn webhook_payload(
    id: &str,
    now: i64,
    chat: &ChatState,
    message: &StoredMessage,
) -> Value {
    json!({
        "id": id,
        "version": "v3.0.0",
        "timestamp": now,
        "payload": {
            "type": "message",
            "value": {
                "id": message.id,
                "chat_id": chat.id,
                "chat_type": chat.kind(),
                "user_id": chat.user_id,
                "author_id": message.author_id,
                "created": message.created,
                "published_at": rfc3339(message.created),
                "read": message.read,
                "item_id": chat.item.as_ref().map(|i| i.id),
                "type": message.kind,
                "content": message.content,
            },
        },
    })
}

/// Unix time as `2026-10-03T12:00:00Z`.
pub(crate) fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let seconds = unix.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn unix_time_is_written_as_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(100_000_000), "1973-03-03T09:46:40Z");
        assert_eq!(rfc3339(1_709_210_096), "2024-02-29T12:34:56Z");
        assert_eq!(rfc3339(1_798_761_599), "2026-12-31T23:59:59Z");
    }
}
