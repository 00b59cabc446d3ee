use super::*;

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
