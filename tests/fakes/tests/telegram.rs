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

#[tokio::test]
async fn get_me_and_an_unknown_token() {
    let (fake, bot) = fake().await;
    let me = bot.get_me().await.unwrap();
    assert_eq!(me.id, UserId(123_456));
    assert_eq!(me.username(), "shop_bot");
    assert!(me.user.is_bot);

    let stranger = bot_for(&fake, "999:nope");
    let error = stranger.get_me().await.unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::InvalidToken)),
        "{error:?}"
    );
    assert_eq!(fake.requests().last().map(|r| r.status), Some(401));
    assert_clean(&fake);
}

#[tokio::test]
async fn long_poll_gets_a_private_message_and_the_offset_confirms_it() {
    let (fake, bot) = fake().await;
    let poll = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(5).await }
    });
    assert!(
        fake.wait_until(Duration::from_secs(2), |f| f.is_polling(TOKEN))
            .await
    );
    let started = std::time::Instant::now();
    let message_id = fake.user_writes_to_bot(TOKEN, &ann(), "Do you ship to Oslo?");

    let updates = poll.await.unwrap().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the long poll answers as soon as an update arrives"
    );
    assert_eq!(updates.len(), 1);
    let UpdateKind::Message(message) = &updates[0].kind else {
        panic!("{:?}", updates[0])
    };
    assert_eq!(message.text(), Some("Do you ship to Oslo?"));
    assert_eq!(i64::from(message.id.0), message_id);
    assert_eq!(message.chat.id, ChatId(700));
    let from = message.from.as_ref().unwrap();
    assert_eq!(
        (from.first_name.as_str(), from.username.as_deref()),
        ("Ann", Some("ann_lee"))
    );
    assert_eq!(fake.pending_updates(TOKEN), 1);

    let next = i32::try_from(updates[0].id.0).unwrap() + 1;
    let again = bot.get_updates().offset(next).timeout(0).await.unwrap();
    assert!(again.is_empty());
    assert_eq!(fake.pending_updates(TOKEN), 0);

    // The bot may now answer, but not write first to someone else.
    let sent = bot.send_message(ChatId(700), "Yes, we do.").await.unwrap();
    assert_eq!(sent.text(), Some("Yes, we do."));
    let error = bot.send_message(ChatId(701), "Hello?").await.unwrap_err();
    assert_eq!(description(&error), "Bad Request: chat not found");
    fake.user_writes_to_bot("123456:AAE-shop", &User::new(701, "Bo"), "hi");
    fake.user_blocks_bot(TOKEN, 701);
    let error = bot.send_message(ChatId(701), "Hello?").await.unwrap_err();
    assert_eq!(
        description(&error),
        "Forbidden: bot was blocked by the user"
    );

    let texts: Vec<_> = fake
        .messages(700, None)
        .into_iter()
        .map(|m| (m.from_bot, m.text))
        .collect();
    assert_eq!(
        texts,
        vec![
            (None, Some("Do you ship to Oslo?".into())),
            (Some(BOT_ID), Some("Yes, we do.".into()))
        ]
    );
    assert_clean(&fake);
}

#[tokio::test]
async fn a_second_get_updates_ends_the_first_with_409() {
    let (fake, bot) = fake().await;
    let first = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(5).await }
    });
    assert!(
        fake.wait_until(Duration::from_secs(2), |f| f.is_polling(TOKEN))
            .await
    );
    let second = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(5).await }
    });
    let error = first.await.unwrap().unwrap_err();
    assert!(
        matches!(
            error,
            RequestError::Api(ApiError::TerminatedByOtherGetUpdates)
        ),
        "{error:?}"
    );
    fake.user_writes_to_bot(TOKEN, &ann(), "hi");
    assert_eq!(second.await.unwrap().unwrap().len(), 1);
    assert_clean(&fake);
}

#[tokio::test]
async fn adding_the_bot_to_a_group_gives_my_chat_member() {
    let (fake, bot) = fake().await;
    let chat_id = forum(&fake);
    let updates = bot.get_updates().await.unwrap();
    let UpdateKind::MyChatMember(change) = &updates[0].kind else {
        panic!("{:?}", updates[0])
    };
    assert_eq!(change.chat.id, ChatId(chat_id));
    assert_eq!(change.from.id, UserId(700));
    assert!(change.old_chat_member.kind.is_left());
    let ChatMemberKind::Administrator(rights) = &change.new_chat_member.kind else {
        panic!("{change:?}")
    };
    assert!(rights.can_manage_topics);

    fake.set_bot_rights(TOKEN, chat_id, false, false);
    let updates = bot
        .get_updates()
        .offset(i32::try_from(updates[0].id.0).unwrap() + 1)
        .await
        .unwrap();
    let UpdateKind::MyChatMember(change) = &updates[0].kind else {
        panic!("{:?}", updates[0])
    };
    assert!(change.old_chat_member.kind.is_privileged());
    assert!(change.new_chat_member.kind.is_member());

    let info = bot.get_chat(ChatId(chat_id)).await.unwrap();
    let ChatFullInfoKind::Public(public) = &info.kind else {
        panic!("{info:?}")
    };
    let ChatFullInfoPublicKind::Supergroup(supergroup) = &public.kind else {
        panic!("{info:?}")
    };
    assert!(supergroup.is_forum);
    assert_eq!(info.title(), Some("Shop inbox"));
    let member = bot
        .get_chat_member(ChatId(chat_id), UserId(123_456))
        .await
        .unwrap();
    assert!(member.kind.is_member());
    let admins = bot.get_chat_administrators(ChatId(chat_id)).await.unwrap();
    assert!(admins[0].kind.is_owner());
    let private = bot.get_chat(ChatId(700)).await.unwrap_err();
    assert_eq!(description(&private), "Bad Request: chat not found");

    bot.leave_chat(ChatId(chat_id)).await.unwrap();
    let error = bot
        .send_message(ChatId(chat_id), "still here?")
        .await
        .unwrap_err();
    assert_eq!(
        description(&error),
        "Forbidden: bot is not a member of the supergroup chat"
    );
    assert_clean(&fake);
}

#[tokio::test]
async fn forum_topics_carry_messages_both_ways() {
    let (fake, bot) = fake().await;
    let chat_id = forum(&fake);
    fake.user_writes_in_group(chat_id, None, &ann(), "/bind");

    let topic = bot
        .create_forum_topic(ChatId(chat_id), "Ann Lee")
        .await
        .unwrap();
    assert_eq!(topic.name, "Ann Lee");
    let thread_id = i64::from(topic.thread_id.0.0);
    let sent = bot
        .send_message(ChatId(chat_id), "Ann asks: do you ship to Oslo?")
        .message_thread_id(topic.thread_id)
        .await
        .unwrap();
    assert_eq!(sent.thread_id, Some(topic.thread_id));
    assert!(sent.is_topic_message);

    let reply_id = fake.user_writes_in_group(chat_id, Some(thread_id), &ann(), "Yes, in 3 days.");
    let updates = bot.get_updates().await.unwrap();
    let messages: Vec<_> = updates
        .iter()
        .filter_map(|u| match &u.kind {
            UpdateKind::Message(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(messages[0].text(), Some("/bind"));
    let reply = messages[1];
    assert_eq!(i64::from(reply.id.0), reply_id);
    assert_eq!(reply.thread_id, Some(topic.thread_id));
    assert_eq!(
        reply.reply_to_message().map(|m| m.id),
        Some(topic.thread_id.0)
    );

    let in_topic = fake.messages(chat_id, Some(thread_id));
    let kinds: Vec<_> = in_topic.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["service", "text", "text"]);
    assert_eq!(in_topic[0].message_id, thread_id);

    bot.edit_forum_topic(ChatId(chat_id), topic.thread_id)
        .name("Ann Lee (Oslo)")
        .await
        .unwrap();
    bot.close_forum_topic(ChatId(chat_id), topic.thread_id)
        .await
        .unwrap();
    bot.reopen_forum_topic(ChatId(chat_id), topic.thread_id)
        .await
        .unwrap();
    fake.close_topic_by_user(chat_id, thread_id, &ann());
    assert_eq!(fake.topics(chat_id)[0].name, "Ann Lee (Oslo)");
    assert!(fake.topics(chat_id)[0].closed);
    // An administrator that manages topics may still write in a closed one.
    bot.send_message(ChatId(chat_id), "Noted.")
        .message_thread_id(topic.thread_id)
        .await
        .unwrap();

    bot.set_message_reaction(ChatId(chat_id), MessageId(i32::try_from(reply_id).unwrap()))
        .reaction([ReactionType::Emoji {
            emoji: "👍".into()
        }])
        .await
        .unwrap();
    assert_eq!(fake.reactions(chat_id, reply_id), ["👍"]);
    let error = bot
        .set_message_reaction(ChatId(chat_id), MessageId(i32::try_from(reply_id).unwrap()))
        .reaction([ReactionType::Emoji {
            emoji: "✅".into()
        }])
        .await
        .unwrap_err();
    assert_eq!(description(&error), "Bad Request: REACTION_INVALID");

    fake.delete_topic_by_user(chat_id, thread_id);
    assert!(fake.messages(chat_id, Some(thread_id)).is_empty());
    let error = bot
        .send_message(ChatId(chat_id), "Hello?")
        .message_thread_id(topic.thread_id)
        .await
        .unwrap_err();
    assert_eq!(description(&error), "Bad Request: message thread not found");
    assert_clean(&fake);
}

#[tokio::test]
async fn topic_errors() {
    let (fake, bot) = fake().await;
    let plain = fake.create_group("Plain", false);
    fake.add_bot_to_group(TOKEN, plain, true, true, &ann());
    let error = bot
        .create_forum_topic(ChatId(plain), "Ann")
        .await
        .unwrap_err();
    assert_eq!(description(&error), "Bad Request: the chat is not a forum");

    let chat_id = fake.create_group("Shop inbox", true);
    fake.add_bot_to_group(TOKEN, chat_id, true, false, &ann());
    let error = bot
        .create_forum_topic(ChatId(chat_id), "Ann")
        .await
        .unwrap_err();
    assert_eq!(
        description(&error),
        "Bad Request: not enough rights to create a topic"
    );

    let error = bot
        .send_message(ChatId(chat_id), "hi")
        .message_thread_id(thread(77))
        .await
        .unwrap_err();
    assert_eq!(description(&error), "Bad Request: message thread not found");

    // A topic closed by a person refuses a bot without the right to manage
    // topics.
    fake.set_bot_rights(TOKEN, chat_id, true, true);
    let topic = bot
        .create_forum_topic(ChatId(chat_id), "Ann")
        .await
        .unwrap();
    fake.close_topic_by_user(chat_id, i64::from(topic.thread_id.0.0), &ann());
    fake.set_bot_rights(TOKEN, chat_id, true, false);
    let error = bot
        .send_message(ChatId(chat_id), "hi")
        .message_thread_id(topic.thread_id)
        .await
        .unwrap_err();
    assert_eq!(description(&error), "Bad Request: TOPIC_CLOSED");

    let long = "x".repeat(129);
    fake.set_bot_rights(TOKEN, chat_id, true, true);
    assert!(bot.create_forum_topic(ChatId(chat_id), long).await.is_err());
    let error = bot.send_message(ChatId(chat_id), "  ").await.unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::MessageTextIsEmpty)),
        "{error:?}"
    );
    let error = bot
        .send_message(ChatId(chat_id), "é".repeat(4097))
        .await
        .unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::MessageIsTooLong)),
        "{error:?}"
    );
    assert_clean(&fake);
}

#[tokio::test]
async fn a_full_group_budget_gives_429_and_calling_again_too_soon_is_a_violation() {
    let limits = Limits {
        group_per_window: 3,
        group_window_ms: 900,
        ..Limits::unlimited()
    };
    let (fake, bot) = fake_with(limits).await;
    let chat_id = forum(&fake);
    let topic = bot
        .create_forum_topic(ChatId(chat_id), "Ann")
        .await
        .unwrap();
    for i in 0..2 {
        bot.send_message(ChatId(chat_id), format!("message {i}"))
            .message_thread_id(topic.thread_id)
            .await
            .unwrap();
    }
    let error = bot
        .send_message(ChatId(chat_id), "one too many")
        .await
        .unwrap_err();
    let RequestError::RetryAfter(wait) = error else {
        panic!("{error:?}")
    };
    assert_eq!(wait.seconds(), 1);
    assert!(fake.violations().is_empty());

    let error = bot
        .send_message(ChatId(chat_id), "impatient")
        .await
        .unwrap_err();
    assert!(matches!(error, RequestError::RetryAfter(_)), "{error:?}");
    assert_eq!(fake.violations().len(), 1, "{:?}", fake.violations());
    let limited = fake.rate_limited();
    assert_eq!(limited.len(), 2);
    assert_eq!(
        (limited[0].bot_id, limited[0].chat_id),
        (BOT_ID, Some(chat_id))
    );
    assert_eq!(limited[0].method, "sendMessage");

    // Waiting as told works.
    tokio::time::sleep(wait.duration()).await;
    bot.send_message(ChatId(chat_id), "patient").await.unwrap();
    assert_eq!(fake.messages(chat_id, None).len(), 4);
    assert_eq!(fake.spec_errors(), Vec::<String>::new());
}

#[tokio::test]
async fn a_private_chat_allows_a_short_burst() {
    let limits = Limits {
        chat_interval_ms: 1000,
        chat_burst: 3,
        ..Limits::unlimited()
    };
    let (fake, bot) = fake_with(limits).await;
    fake.user_writes_to_bot(TOKEN, &ann(), "hi");
    for i in 0..3 {
        bot.send_message(ChatId(700), format!("part {i}"))
            .await
            .unwrap();
    }
    let error = bot.send_message(ChatId(700), "part 3").await.unwrap_err();
    assert!(
        matches!(error, RequestError::RetryAfter(s) if s.seconds() == 1),
        "{error:?}"
    );
    assert_clean(&fake);
}

#[tokio::test]
async fn photos_go_up_as_multipart_and_files_come_down() {
    let (fake, bot) = fake().await;
    fake.user_writes_to_bot(TOKEN, &ann(), "hi");
    let bytes = b"\xff\xd8\xff\xe0 a small jpeg".to_vec();
    let sent = bot
        .send_photo(
            ChatId(700),
            InputFile::memory(bytes.clone()).file_name("shelf.jpg"),
        )
        .caption("Our shelf")
        .await
        .unwrap();
    assert_eq!(sent.caption(), Some("Our shelf"));
    let largest = sent.photo().unwrap().last().unwrap();
    let file = bot.get_file(largest.file.id.clone()).await.unwrap();
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded)
        .await
        .unwrap();
    assert_eq!(downloaded, bytes);
    let recorded = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "sendPhoto")
        .unwrap();
    assert!(recorded.params["_uploads"].is_object(), "{recorded:?}");

    // The same file again, by id, and a copy.
    bot.send_photo(ChatId(700), InputFile::file_id(largest.file.id.clone()))
        .await
        .unwrap();
    bot.copy_message(ChatId(700), ChatId(700), sent.id)
        .caption("Again")
        .await
        .unwrap();
    let last = fake.messages(700, None).pop().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.text.as_deref()),
        ("photo", Some("Again"))
    );

    // What a person sends can be fetched too.
    fake.user_sends_voice_to_bot(TOKEN, &ann(), None);
    fake.user_sends_document_to_bot(TOKEN, &ann(), "order.pdf", Some("my order"));
    let updates = bot.get_updates().await.unwrap();
    let voice = updates
        .iter()
        .find_map(|u| match &u.kind {
            UpdateKind::Message(m) => m.voice(),
            _ => None,
        })
        .unwrap();
    let file = bot.get_file(voice.file.id.clone()).await.unwrap();
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded)
        .await
        .unwrap();
    assert!(!downloaded.is_empty());

    let big = Media::new(MediaKind::Document, b"x".to_vec()).with_reported_size(25 * 1024 * 1024);
    fake.user_sends_media_to_bot(TOKEN, &ann(), big);
    let big_id = fake.messages(700, None).pop().unwrap().file_id.unwrap();
    let error = bot.get_file(FileId(big_id)).await.unwrap_err();
    assert_eq!(description(&error), "Bad Request: file is too big");
    assert_clean(&fake);
}

#[tokio::test]
async fn commands_are_kept() {
    let (fake, bot) = fake().await;
    bot.set_my_commands([BotCommand::new("bind", "Use this group as the inbox")])
        .await
        .unwrap();
    assert_eq!(
        fake.bot_commands(TOKEN),
        json!([{"command": "bind", "description": "Use this group as the inbox"}])
    );
    let error = bot
        .set_my_commands([BotCommand::new("Bind!", "x")])
        .await
        .unwrap_err();
    assert_eq!(description(&error), "Bad Request: BOT_COMMAND_INVALID");
    assert_clean(&fake);
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

#[tokio::test]
async fn requests_are_checked_against_the_description() {
    let (fake, _bot) = fake().await;
    fake.user_writes_to_bot(TOKEN, &ann(), "hi");
    let url = format!("/bot{TOKEN}/sendmessage");

    let (status, body) = post(
        &fake,
        &url,
        json!({"chat_id": 700, "text": "hi", "colour": "red"}),
    )
    .await;
    assert_eq!((status, body["ok"].clone()), (200, json!(true)));
    assert_eq!(
        fake.spec_errors(),
        ["sendMessage: `colour` is not a parameter of this method"]
    );

    let (status, body) = post(&fake, &url, json!({"chat_id": 700})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 400, "description": "Bad Request: text is required"})
    );

    let (status, body) = post(&fake, &url, json!({"chat_id": 700, "text": 5})).await;
    assert_eq!(
        (status, body["description"].clone()),
        (400, json!("Bad Request: text must be String"))
    );
    assert_eq!(fake.spec_errors().len(), 3);

    // A query string and a form work as well as JSON.
    let (status, _) = get(&fake, &format!("{url}?chat_id=700&text=by%20query")).await;
    assert_eq!(status, 200);
    let form = reqwest::Client::new()
        .post(format!("{}{url}", fake.url()))
        .form(&[("chat_id", "700"), ("text", "by form")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 200);
    let (status, body) = get(&fake, &format!("/bot{TOKEN}/sendPigeon")).await;
    assert_eq!(
        (status, body["description"].clone()),
        (404, json!("Not Found"))
    );
    assert_eq!(fake.spec_errors().len(), 3);
}

#[tokio::test]
async fn offline_answers_502_and_breaks_long_polls() {
    let (fake, _bot) = fake().await;
    let poll = tokio::spawn({
        let url = format!("{}/bot{TOKEN}/getUpdates?timeout=10", fake.url());
        async move { reqwest::get(url).await.unwrap().status().as_u16() }
    });
    assert!(
        fake.wait_until(Duration::from_secs(2), |f| f.is_polling(TOKEN))
            .await
    );
    fake.set_offline(true);
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(2), poll)
            .await
            .unwrap()
            .unwrap(),
        502
    );
    let (status, _) = get(&fake, &format!("/bot{TOKEN}/getMe")).await;
    assert_eq!(status, 502);
    fake.set_offline(false);
    let (status, _) = get(&fake, &format!("/bot{TOKEN}/getMe")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_cut_connection_is_a_network_error_at_once() {
    let (fake, bot) = fake().await;
    let poll = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(10).await }
    });
    assert!(
        fake.wait_until(Duration::from_secs(2), |f| f.is_polling(TOKEN))
            .await
    );
    fake.set_outage(Some(Outage::ConnectionReset));
    let error = tokio::time::timeout(Duration::from_secs(2), poll)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(matches!(error, RequestError::Network(_)), "{error:?}");
    let error = bot.get_me().await.unwrap_err();
    assert!(matches!(error, RequestError::Network(_)), "{error:?}");
    fake.set_outage(None);
    bot.get_me().await.unwrap();
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [0, 0, 200]);
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

#[tokio::test]
async fn webhooks_are_delivered_until_accepted() {
    let (fake, bot) = fake().await;
    let (url, mut received) = receiver().await;
    let (status, _) = post(
        &fake,
        &format!("/bot{TOKEN}/setWebhook"),
        json!({"url": url, "secret_token": "s3cret"}),
    )
    .await;
    assert_eq!(status, 200);
    let error = bot.get_updates().await.unwrap_err();
    assert!(
        matches!(error, RequestError::Api(ApiError::Unknown(ref d)) if d.starts_with("Conflict: can't use getUpdates"))
    );

    fake.user_writes_to_bot(TOKEN, &ann(), "via webhook");
    let first = received.recv().await.unwrap();
    let second = received.recv().await.unwrap();
    assert_eq!(first, second, "the refused update is delivered again");
    assert!(second.contains("X-Telegram-Bot-Api-Secret-Token: s3cret"));
    assert!(second.contains("\"text\":\"via webhook\""));
    assert!(
        fake.wait_until(Duration::from_secs(2), |f| f.pending_updates(TOKEN) == 0)
            .await
    );

    let info = bot.get_webhook_info().await.unwrap();
    assert_eq!(info.url.map(|u| u.to_string()), Some(url));
    bot.delete_webhook().await.unwrap();
    assert!(bot.get_updates().await.unwrap().is_empty());
    assert_clean(&fake);
}

#[tokio::test]
async fn the_control_api_mirrors_the_rust_one() {
    let fake = FakeTelegram::start(Limits::unlimited()).await;
    let (status, body) = post(
        &fake,
        "/_control/bots",
        json!({"token": TOKEN, "username": "shop_bot"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"bot_id": BOT_ID})));
    let (_, body) = post(
        &fake,
        "/_control/groups",
        json!({"title": "Inbox", "forum": true}),
    )
    .await;
    let chat_id = body["chat_id"].as_i64().unwrap();
    let user = json!({"id": 700, "first_name": "Ann"});
    let (status, _) = post(
        &fake,
        &format!("/_control/groups/{chat_id}/bots"),
        json!({"token": TOKEN, "admin": true, "can_manage_topics": true, "by_user": user}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, body) = post(
        &fake,
        "/_control/private",
        json!({"token": TOKEN, "user": user, "text": "hi"}),
    )
    .await;
    assert_eq!(body, json!({"message_id": 1}));
    let (_, body) = post(
        &fake,
        "/_control/private",
        json!({"token": TOKEN, "user": user, "media": "photo", "caption": "look"}),
    )
    .await;
    assert_eq!(body, json!({"message_id": 2}));

    let bot = bot_for(&fake, TOKEN);
    let topic = bot
        .create_forum_topic(ChatId(chat_id), "Ann")
        .await
        .unwrap();
    let thread_id = topic.thread_id.0.0;
    let (_, body) = post(
        &fake,
        &format!("/_control/groups/{chat_id}/messages"),
        json!({"thread_id": thread_id, "user": user, "text": "in the topic"}),
    )
    .await;
    let message_id = body["message_id"].as_i64().unwrap();
    bot.set_message_reaction(
        ChatId(chat_id),
        MessageId(i32::try_from(message_id).unwrap()),
    )
    .reaction([ReactionType::Emoji {
        emoji: "👀".into()
    }])
    .await
    .unwrap();

    let (_, topics) = get(&fake, &format!("/_control/groups/{chat_id}/topics")).await;
    assert_eq!(topics[0]["name"], "Ann");
    let (_, messages) = get(
        &fake,
        &format!("/_control/chats/{chat_id}/messages?thread_id={thread_id}"),
    )
    .await;
    assert_eq!(messages.as_array().map(Vec::len), Some(2));
    assert_eq!(messages[1]["text"], "in the topic");
    let (_, reactions) = get(
        &fake,
        &format!("/_control/chats/{chat_id}/messages/{message_id}/reactions"),
    )
    .await;
    assert_eq!(reactions, json!(["👀"]));
    let (_, violations) = get(&fake, "/_control/violations").await;
    assert_eq!(violations, json!([]));
    let (_, spec_errors) = get(&fake, "/_control/spec-errors").await;
    assert_eq!(spec_errors, json!([]));
    let (status, body) = post(
        &fake,
        "/_control/groups/-5/messages",
        json!({"user": user, "text": "x"}),
    )
    .await;
    assert_eq!((status, body), (400, json!({"error": "no group -5"})));
}
