//! The fake Telegram driven by the real client library (teloxide-core, as
//! the engine uses it) and by raw HTTP.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde_json::{Value, json};
use teloxide_core::net::Download;
use teloxide_core::payloads::{
    CopyMessageSetters, EditForumTopicSetters, GetUpdatesSetters, SendMessageSetters,
    SendPhotoSetters, SetMessageReactionSetters,
};
use teloxide_core::requests::Requester;
use teloxide_core::types::{
    BotCommand, ChatFullInfoKind, ChatFullInfoPublicKind, ChatId, ChatMemberKind, FileId,
    InputFile, MessageId, ReactionType, ThreadId, UpdateKind, UserId,
};
use teloxide_core::{ApiError, Bot, RequestError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tuberry_fakes::telegram::{FakeTelegram, Limits, Media, MediaKind, Outage, User};

mod limits;
mod topics;
mod updates;

const TOKEN: &str = "123456:AAE-shop";
const BOT_ID: i64 = 123_456;

fn ann() -> User {
    User::new(700, "Ann")
        .with_last_name("Lee")
        .with_username("ann_lee")
        .with_language_code("en")
}

async fn fake() -> (FakeTelegram, Bot) {
    fake_with(Limits::unlimited()).await
}

async fn fake_with(limits: Limits) -> (FakeTelegram, Bot) {
    let fake = FakeTelegram::start(limits).await;
    fake.add_bot(TOKEN, "shop_bot");
    (fake.clone(), bot_for(&fake, TOKEN))
}

fn bot_for(fake: &FakeTelegram, token: &str) -> Bot {
    Bot::new(token).set_api_url(fake.url().parse().unwrap())
}

/// The description of an error answer, however teloxide classified it.
fn description(error: &RequestError) -> String {
    match error {
        RequestError::Api(ApiError::Unknown(text)) => text.clone(),
        RequestError::Api(known) => known.to_string(),
        other => panic!("not an API error: {other:?}"),
    }
}

fn thread(id: i64) -> ThreadId {
    ThreadId(MessageId(i32::try_from(id).unwrap()))
}

/// A forum group with the bot as an administrator that may manage topics.
fn forum(fake: &FakeTelegram) -> i64 {
    let chat_id = fake.create_group("Shop inbox", true);
    fake.add_bot_to_group(TOKEN, chat_id, true, true, &ann());
    chat_id
}

fn assert_clean(fake: &FakeTelegram) {
    assert_eq!(fake.spec_errors(), Vec::<String>::new());
    assert_eq!(fake.violations(), Vec::<String>::new());
}

async fn post(fake: &FakeTelegram, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", fake.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(fake: &FakeTelegram, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{}{path}", fake.url())).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A webhook receiver that answers 500 to its first delivery and 200 after,
/// handing over what it got.
async fn receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        for attempt in 0.. {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut chunk = [0_u8; 4096];
            loop {
                let n = stream.read(&mut chunk).await.unwrap();
                request.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&request).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(0);
                    if body.len() >= length || n == 0 {
                        break;
                    }
                }
            }
            let status = if attempt == 0 {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
            stream.write_all(answer.as_bytes()).await.unwrap();
            tx.send(String::from_utf8_lossy(&request).into_owned())
                .unwrap();
        }
    });
    (url, rx)
}
