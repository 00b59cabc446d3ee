//! The operations: a request that passed the description's checks is
//! authorized and done here.

use serde_json::{Map, Value, json};

use super::objects::{self, error, oauth_error, standard_message};
use super::spec::{Body, Checked, Incoming, Operation};
use super::state::{State, StoredMessage, unix_now};
use super::{SentKind, SentMessage};

/// What Avito says to an account whose tariff lacks the Messenger API.
const NO_MESSENGER: &str = "Access to the Messenger API requires a paid subscription \
                            tariff (\"Maximum\"); the account does not have one";

/// A JSON answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    fn ok(body: Value) -> Self {
        Self { status: 200, body }
    }

    pub(crate) fn error(status: u16, message: &str) -> Self {
        Self {
            status,
            body: error(status, message),
        }
    }

    fn standard(status: u16) -> Self {
        Self::error(status, standard_message(status))
    }
}

type Done = Result<Answer, Answer>;

/// Does a checked request.
pub(crate) fn call(
    state: &mut State,
    op: &Operation,
    checked: &Checked,
    incoming: &Incoming,
) -> Answer {
    let done = match op.id.as_str() {
        "getAccessToken" | "getAccessTokenTrailingSlash" => token(state, checked),
        _ => authorized(state, op, checked, incoming),
    };
    done.unwrap_or_else(|refused| refused)
}

/// The text of `field` of a JSON or form body.
fn body_text<'a>(checked: &'a Checked, field: &str) -> Option<&'a str> {
    checked.body.as_ref()?.get(field)?.as_str()
}

fn token(state: &mut State, checked: &Checked) -> Done {
    let grant_type = body_text(checked, "grant_type").unwrap_or_default();
    if grant_type != "client_credentials" {
        return Err(Answer {
            status: 400,
            body: oauth_error(
                "unauthorized_client",
                "only the client_credentials grant is available to this client",
            ),
        });
    }
    let client_id = body_text(checked, "client_id").unwrap_or_default();
    let client_secret = body_text(checked, "client_secret").unwrap_or_default();
    let Some(user_id) = state.client(client_id, client_secret) else {
        return Err(Answer {
            status: 400,
            body: oauth_error("invalid_client", "client authentication failed"),
        });
    };
    let (access_token, expires_in) = state.issue_token(user_id);
    Ok(Answer::ok(json!({
        "access_token": access_token,
        "expires_in": expires_in,
        "token_type": "Bearer",
    })))
}

/// The token of `Authorization: Bearer <token>`, if there is one.
fn bearer(header: Option<&str>) -> Option<&str> {
    let (scheme, token) = header?.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn authorized(state: &mut State, op: &Operation, checked: &Checked, incoming: &Incoming) -> Done {
    if op.is_messenger() && state.fail_next.0 > 0 {
        state.fail_next.0 -= 1;
        return Err(Answer::standard(state.fail_next.1));
    }
    let Some(token) = bearer(incoming.authorization.as_deref()) else {
        return Err(Answer::standard(401));
    };
    let Some(user_id) = state.token_user(token) else {
        return Err(Answer::standard(403));
    };
    let Some(account) = state.accounts.get(&user_id) else {
        return Err(Answer::standard(403));
    };
    let path_user = checked.params.get("user_id").and_then(Value::as_i64);
    if path_user.is_some_and(|id| id != user_id) {
        return Err(Answer::error(
            403,
            "Forbidden: the token belongs to another account",
        ));
    }
    if op.is_messenger() && !account.account.messenger {
        return Err(Answer::error(403, NO_MESSENGER));
    }
    let chat_id = checked
        .params
        .get("chat_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match op.id.as_str() {
        "getUserInfoSelf" => Ok(user_info(state, user_id)),
        "getChatsV2" => Ok(chats(state, user_id, &checked.params)),
        "getChatByIdV2" => {
            let chat = state.chat_of(user_id, &chat_id).ok_or_else(no_chat)?;
            Ok(Answer::ok(objects::chat(state, chat)))
        }
        "getMessagesV3" => messages(state, user_id, &chat_id, &checked.params),
        "postSendMessage" => {
            let text = checked
                .body
                .as_ref()
                .and_then(|b| b.pointer("/message/text"))
                .and_then(Value::as_str)
                .ok_or_else(|| Answer::error(400, "message.text is required"))?
                .to_owned();
            let sent = send(state, user_id, &chat_id, Outgoing::Text(text))?;
            if state.lose_answers > 0 {
                state.lose_answers -= 1;
                return Err(Answer::standard(502));
            }
            Ok(sent)
        }
        "postSendImageMessage" => {
            let image_id = body_text(checked, "image_id")
                .ok_or_else(|| Answer::error(400, "image_id is required"))?
                .to_owned();
            send(state, user_id, &chat_id, Outgoing::Image(image_id))
        }
        "deleteMessage" => {
            let message_id = checked.params.get("message_id").and_then(Value::as_str);
            delete(state, user_id, &chat_id, message_id.unwrap_or_default())
        }
        "chatRead" => {
            let chat = state.chat_of_mut(user_id, &chat_id).ok_or_else(no_chat)?;
            let now = unix_now();
            for message in chat.messages.iter_mut().filter(|m| !m.outgoing) {
                message.read.get_or_insert(now);
            }
            chat.read_calls += 1;
            Ok(Answer::ok(json!({"ok": true})))
        }
        "getVoiceFiles" => voice_files(state, user_id, &checked.params),
        "uploadImages" => upload_images(state, user_id, &incoming.body),
        "getSubscriptions" => {
            let urls = state
                .accounts
                .get(&user_id)
                .map(|a| a.webhooks.clone())
                .unwrap_or_default();
            let subscriptions: Vec<Value> = urls
                .into_iter()
                .map(|url| json!({"url": url, "version": "3"}))
                .collect();
            Ok(Answer::ok(json!({"subscriptions": subscriptions})))
        }
        "postWebhookV3" | "postWebhookUnsubscribe" => {
            let url = body_text(checked, "url")
                .ok_or_else(|| Answer::error(400, "url is required"))?
                .to_owned();
            if let Some(account) = state.accounts.get_mut(&user_id) {
                account.webhooks.retain(|u| *u != url);
                if op.id == "postWebhookV3" {
                    account.webhooks.push(url);
                }
            }
            Ok(Answer::ok(json!({"ok": true})))
        }
        "postBlacklistV2" => {
            let users = checked.body.as_ref().and_then(|b| b.get("users"));
            let ids = users
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|u| u.get("user_id").and_then(Value::as_i64));
            if let Some(account) = state.accounts.get_mut(&user_id) {
                account.blacklist.extend(ids);
            }
            Ok(Answer::ok(json!({})))
        }
        _ => Err(Answer::error(501, "the fake does not do this operation")),
    }
}

fn no_chat() -> Answer {
    Answer::error(404, "chat not found")
}

fn user_info(state: &State, user_id: i64) -> Answer {
    let Some(account) = state.accounts.get(&user_id).map(|a| &a.account) else {
        return Answer::standard(403);
    };
    let phone = format!("7900{:07}", user_id.rem_euclid(10_000_000));
    Answer::ok(json!({
        "id": account.user_id,
        "name": account.name,
        "email": account.email,
        "phone": phone,
        "phones": [phone],
        "profile_url": format!("https://www.avito.ru/user/{:032x}/profile", account.user_id),
    }))
}

fn int_param(params: &Map<String, Value>, name: &str, default: i64) -> usize {
    let value = params.get(name).and_then(Value::as_i64).unwrap_or(default);
    usize::try_from(value).unwrap_or(0)
}

fn chats(state: &State, user_id: i64, params: &Map<String, Value>) -> Answer {
    let unread_only = params.get("unread_only").and_then(Value::as_bool) == Some(true);
    // As described: only chats about listings unless asked otherwise.
    let types: Vec<&str> = match params.get("chat_types").and_then(Value::as_array) {
        Some(types) => types.iter().filter_map(Value::as_str).collect(),
        None => vec!["u2i"],
    };
    let item_ids: Option<Vec<i64>> = params
        .get("item_ids")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect());
    let mut chats: Vec<_> = state
        .chats
        .values()
        .filter(|c| c.user_id == user_id)
        .filter(|c| types.contains(&c.kind()))
        .filter(|c| !unread_only || !c.is_read())
        .filter(|c| match &item_ids {
            Some(ids) => c.item.as_ref().is_some_and(|i| ids.contains(&i.id)),
            None => true,
        })
        .collect();
    chats.sort_by_key(|c| std::cmp::Reverse((c.updated, c.touched)));
    let page: Vec<Value> = chats
        .into_iter()
        .skip(int_param(params, "offset", 0))
        .take(int_param(params, "limit", 100))
        .map(|c| objects::chat(state, c))
        .collect();
    Answer::ok(json!({"chats": page}))
}

fn messages(state: &State, user_id: i64, chat_id: &str, params: &Map<String, Value>) -> Done {
    let chat = state.chat_of(user_id, chat_id).ok_or_else(no_chat)?;
    let page: Vec<Value> = chat
        .messages
        .iter()
        .rev()
        .skip(int_param(params, "offset", 0))
        .take(int_param(params, "limit", 100))
        .map(objects::message)
        .collect();
    Ok(Answer::ok(Value::Array(page)))
}

enum Outgoing {
    Text(String),
    Image(String),
}

fn send(state: &mut State, user_id: i64, chat_id: &str, outgoing: Outgoing) -> Done {
    state.chat_of(user_id, chat_id).ok_or_else(no_chat)?;
    let (kind, content, text, image_id) = match outgoing {
        Outgoing::Text(text) => (SentKind::Text, json!({"text": text}), Some(text), None),
        Outgoing::Image(image_id) => {
            let owned = state
                .images
                .get(&image_id)
                .is_some_and(|i| i.uploaded_by == Some(user_id));
            if !owned {
                return Err(Answer::error(400, "image not found: upload it first"));
            }
            let content = json!({"image": {"sizes": state.image_sizes(&image_id)}});
            (SentKind::Image, content, None, Some(image_id))
        }
    };
    let now = unix_now();
    let id = state.hex_id();
    let touched = state.tick();
    let kind_name = match kind {
        SentKind::Text => "text",
        SentKind::Image => "image",
    };
    let stored = StoredMessage {
        id: id.clone(),
        author_id: user_id,
        created: now,
        outgoing: true,
        kind: kind_name,
        content: content.clone(),
        read: None,
    };
    if let Some(chat) = state.chat_of_mut(user_id, chat_id) {
        chat.messages.push(stored);
        chat.updated = now;
        chat.touched = touched;
    }
    state.sent.push(SentMessage {
        user_id,
        chat_id: chat_id.to_owned(),
        message_id: id.clone(),
        kind,
        text,
        image_id,
        at: now,
    });
    let mut answer = json!({
        "id": id,
        "content": content,
        "created": now,
        "direction": "out",
        "type": kind_name,
    });
    if kind == SentKind::Image {
        answer["author_id"] = user_id.into();
    }
    Ok(Answer::ok(answer))
}

fn delete(state: &mut State, user_id: i64, chat_id: &str, message_id: &str) -> Done {
    let chat = state.chat_of_mut(user_id, chat_id).ok_or_else(no_chat)?;
    let message = chat
        .messages
        .iter_mut()
        .find(|m| m.id == message_id && m.outgoing)
        .ok_or_else(|| Answer::error(404, "message not found"))?;
    message.kind = "deleted";
    message.content = json!({});
    Ok(Answer::ok(json!({})))
}

fn voice_files(state: &State, user_id: i64, params: &Map<String, Value>) -> Done {
    // Both `voice_ids=a&voice_ids=b` and Avito's own `voice_ids=a,b`.
    let ids: Vec<&str> = params
        .get("voice_ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .flat_map(|ids| ids.split(','))
        .filter(|id| !id.is_empty())
        .collect();
    let mut urls = Map::new();
    for id in ids {
        let in_own_chat = state.chats.values().any(|c| {
            c.user_id == user_id
                && c.messages.iter().any(|m| {
                    m.content.pointer("/voice/voice_id").and_then(Value::as_str) == Some(id)
                })
        });
        if !in_own_chat || !state.voices.contains_key(id) {
            return Err(Answer::error(404, &format!("voice file {id} not found")));
        }
        urls.insert(id.to_owned(), state.voice_url(id).into());
    }
    Ok(Answer::ok(json!({"voices_urls": urls})))
}

fn upload_images(state: &mut State, user_id: i64, body: &Body) -> Done {
    let Body::Multipart(parts) = body else {
        return Err(Answer::error(400, "expected multipart/form-data"));
    };
    let mut uploaded = Map::new();
    for part in parts.iter().filter(|p| p.name == "uploadfile[]") {
        if part.bytes.is_empty() {
            return Err(Answer::error(400, "empty file"));
        }
        let image_id = state.store_image(part.bytes.clone(), Some(user_id));
        uploaded.insert(image_id.clone(), state.image_sizes(&image_id));
    }
    Ok(Answer::ok(Value::Object(uploaded)))
}
