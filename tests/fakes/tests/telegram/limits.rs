use super::*;

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
