use super::*;

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
