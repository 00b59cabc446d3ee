use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_message_creates_a_topic_and_the_operator_reply_reaches_the_customer() {
    let tg = Tg::start(3_000).await;
    let conversation = tg
        .customer_writes("Anna", "Do you deliver roses on Sunday?")
        .await;
    let thread = tg.wait_topic("Anna").await;
    let topic = tg
        .fake
        .topics(tg.group)
        .into_iter()
        .find(|t| t.thread_id == thread)
        .unwrap();
    assert_eq!(topic.name, "Anna · Test chat");
    tg.wait_topic_text(thread, "Do you deliver roses on Sunday?")
        .await;
    assert!(
        tg.topic_texts(thread)[0].starts_with("👤 Anna"),
        "{:?}",
        tg.topic_texts(thread)
    );

    // The operator answers in the topic: it goes to the customer's channel.
    let answer =
        tg.fake
            .user_writes_in_group(tg.group, Some(thread), &operator(), "Yes, from 9 to 18");
    eventually(
        "the simulated customer got the operator's answer",
        async || {
            let transcript = api::simulator_transcript(tg.engine(), Some("Anna".into()))
                .await
                .unwrap();
            transcript
                .into_iter()
                .find(|e| e.direction == Direction::Out && e.text == "Yes, from 9 to 18")
        },
    )
    .await;
    let detail = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap();
    let reply = detail
        .messages
        .iter()
        .find(|m| m.text == "Yes, from 9 to 18")
        .unwrap();
    assert_eq!(reply.author_kind, AuthorKind::Operator);
    assert_eq!(reply.author_name.as_deref(), Some("Oleg"));
    // The topic shows it was delivered.
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.reactions(tg.group, answer)
                == vec!["👍".to_owned()])
            .await
    );
    // The operator's own message is not mirrored back.
    assert!(
        !tg.topic_texts(thread)
            .iter()
            .any(|t| t.contains("Yes, from 9 to 18"))
    );

    // A manager's reply from the desktop is mirrored, so the topic is the whole history.
    api::send_reply(tg.engine(), conversation, "We also have tulips".into())
        .await
        .unwrap();
    tg.wait_topic_text(thread, "We also have tulips").await;
    assert!(
        tg.topic_texts(thread)
            .iter()
            .any(|t| t.starts_with("💼 Manager") && t.contains("We also have tulips"))
    );

    // The customer's next message lands in the same topic.
    tg.customer_writes("Anna", "Great, thanks").await;
    tg.wait_topic_text(thread, "Great, thanks").await;
    assert_eq!(tg.fake.topics(tg.group).len(), 1);
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_close_reopen_and_note_from_the_topic() {
    let tg = Tg::start(3_000).await;
    let conversation = tg.customer_writes("Boris", "Is the bouquet ready?").await;
    let thread = tg.wait_topic("Boris").await;
    tg.wait_topic_text(thread, "Is the bouquet ready?").await;

    let note = tg.fake.user_writes_in_group(
        tg.group,
        Some(thread),
        &operator(),
        "/note regular customer, 10% off",
    );
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.reactions(tg.group, note)
                == vec!["✍".to_owned()])
            .await
    );
    let detail = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap();
    assert_eq!(detail.notes.len(), 1);
    assert_eq!(detail.notes[0].text, "regular customer, 10% off");
    assert_eq!(detail.notes[0].author_name, "Oleg");
    assert!(
        detail.messages.iter().all(|m| m.direction == Direction::In),
        "a note is never a reply"
    );
    let transcript = api::simulator_transcript(tg.engine(), Some("Boris".into()))
        .await
        .unwrap();
    assert!(transcript.iter().all(|e| e.direction == Direction::In));

    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/close");
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .topics(tg.group)
                .iter()
                .any(|t| t.thread_id == thread && t.closed))
            .await
    );
    let summary = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap()
        .conversation;
    assert_eq!(summary.status, ConversationStatus::Closed);

    // The customer writes again: the topic opens and shows the message.
    tg.customer_writes("Boris", "One more question").await;
    tg.wait_topic_text(thread, "One more question").await;
    assert!(
        tg.fake
            .topics(tg.group)
            .iter()
            .any(|t| t.thread_id == thread && !t.closed)
    );

    // Closed by a person in Telegram: the conversation follows.
    tg.fake.close_topic_by_user(tg.group, thread, &operator());
    eventually("the conversation is closed", async || {
        let c = api::get_conversation(tg.engine(), conversation)
            .await
            .unwrap()
            .conversation;
        (c.status == ConversationStatus::Closed).then_some(())
    })
    .await;
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &owner(), "/reopen");
    eventually("the conversation is open again", async || {
        let c = api::get_conversation(tg.engine(), conversation)
            .await
            .unwrap()
            .conversation;
        (c.status == ConversationStatus::AwaitingResponse).then_some(())
    })
    .await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .topics(tg.group)
                .iter()
                .any(|t| t.thread_id == thread && !t.closed))
            .await
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_topic_is_created_again() {
    let tg = Tg::start(3_000).await;
    tg.customer_writes("Dina", "Hello").await;
    let first = tg.wait_topic("Dina").await;
    tg.wait_topic_text(first, "Hello").await;
    tg.fake.delete_topic_by_user(tg.group, first);
    tg.customer_writes("Dina", "Anyone there?").await;
    let second = tg.wait_topic("Dina").await;
    assert_ne!(first, second);
    tg.wait_topic_text(second, "Anyone there?").await;
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_write_to_the_bot_itself() {
    let tg = Tg::start(3_000).await;
    let vera = customer(4242, "Vera");
    tg.fake.user_writes_to_bot(TOKEN, &vera, "/start");
    tg.fake
        .user_writes_to_bot(TOKEN, &vera, "Do you have size M?");
    let summary = eventually("Vera's conversation is in the inbox", async || {
        let page = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Vera")
    })
    .await;
    assert_eq!(summary.channel_kind, ChannelKind::TelegramBot);
    assert_eq!(summary.channel_name, "@shop_bot");
    assert_eq!(summary.project_id, Some(tg.project));
    let detail = api::get_conversation(tg.engine(), summary.id)
        .await
        .unwrap();
    assert_eq!(detail.messages.len(), 1, "/start alone is not a message");
    assert_eq!(
        detail.contact.identities,
        vec![ContactIdentity {
            kind: IdentityKind::TelegramUser,
            value: "4242".into()
        }]
    );

    // Mirrored into its topic like any channel's conversation.
    let thread = tg.wait_topic("Vera").await;
    tg.wait_topic_text(thread, "Do you have size M?").await;

    // A reply from the desktop reaches her private chat.
    api::send_reply(tg.engine(), summary.id, "Yes, size M is in stock".into())
        .await
        .unwrap();
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .messages(4242, None)
                .iter()
                .any(|m| m.from_bot.is_some()
                    && m.text.as_deref() == Some("Yes, size M is in stock")))
            .await
    );

    // A photo with a caption: stored with its attachment, mirrored as a photo.
    tg.fake
        .user_sends_photo_to_bot(TOKEN, &vera, Some("This one"));
    eventually("the photo is stored", async || {
        let d = api::get_conversation(tg.engine(), summary.id)
            .await
            .unwrap();
        d.messages
            .into_iter()
            .find(|m| m.text == "This one" && m.attachments.len() == 1)
    })
    .await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .messages(tg.group, Some(thread))
                .iter()
                .any(|m| m.kind == "photo"
                    && m.text.as_deref().is_some_and(|t| t.contains("This one"))))
            .await
    );
    // She blocks the bot: an operator's answer fails, the topic says so and
    // its title asks for a person.
    tg.fake.user_blocks_bot(TOKEN, 4242);
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "Are you still there?");
    tg.wait_topic_text(thread, "Not delivered to the customer")
        .await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .topics(tg.group)
                .iter()
                .any(|t| t.thread_id == thread && t.name.starts_with("❗ Vera")))
            .await,
        "{:#?}",
        tg.fake.topics(tg.group)
    );
    let status = api::get_conversation(tg.engine(), summary.id)
        .await
        .unwrap()
        .conversation
        .status;
    assert_eq!(status, ConversationStatus::NeedsHuman);
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_avito_buyer_is_mirrored_into_a_topic_and_the_operator_answers_on_avito() {
    use tuberry::channels::avito::model::{AvitoConnect, AvitoInput};
    use tuberry_fakes::avito::{Account, Buyer, BuyerMessage, FakeAvito, Item};

    let avito = FakeAvito::start().await;
    avito.add_account(Account::new(
        94_235_311,
        "Flower shop",
        "client",
        "secret-1",
    ));
    let tg = Tg::start(3_000).await;
    let connected = api::connect_avito(
        tg.engine(),
        AvitoInput {
            client_id: "client".into(),
            client_secret: "secret-1".into(),
            api_url: Some(avito.url()),
        },
    )
    .await
    .unwrap();
    let AvitoConnect::Connected { account } = connected else {
        panic!("{connected:?}");
    };
    let mut sources: Vec<i64> = tg
        .project_now()
        .await
        .sources
        .iter()
        .map(|s| s.id)
        .collect();
    sources.push(account.id);
    api::set_project_sources(tg.engine(), tg.project, sources)
        .await
        .unwrap();

    let written = avito.buyer_writes(
        94_235_311,
        BuyerMessage::text(
            Buyer::new(555_001, "Irina"),
            Some(Item::new(7, "Peony bouquet")),
            "Are the peonies fresh?",
        ),
    );
    let thread = tg.wait_topic("Irina").await;
    tg.wait_topic_text(thread, "Are the peonies fresh?").await;

    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "Cut this morning!");
    assert!(
        avito
            .wait_until(WAIT, |f| f
                .sent()
                .iter()
                .any(|m| m.chat_id == written.chat_id
                    && m.text.as_deref() == Some("Cut this morning!")))
            .await,
        "the operator's answer never reached Avito: {:?}",
        avito.sent()
    );
    // The buyer's picture is in the topic as a photo, not a file name.
    avito.buyer_writes(
        94_235_311,
        BuyerMessage {
            buyer: Buyer::new(555_001, "Irina"),
            item: Some(Item::new(7, "Peony bouquet")),
            content: tuberry_fakes::avito::Content::Image(vec![7u8; 4096]),
        },
    );
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .messages(tg.group, Some(thread))
                .iter()
                .any(|m| m.from_bot.is_some() && m.kind == "photo"))
            .await,
        "no photo in the topic: {:?}",
        tg.fake.messages(tg.group, Some(thread))
    );
    assert_eq!(avito.spec_errors(), Vec::<String>::new());
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_answering_a_mirrored_message_answers_that_message() {
    let tg = Tg::start(3_000).await;
    let conversation = tg.customer_writes("Vera", "Do you have peonies?").await;
    let thread = tg.wait_topic("Vera").await;
    tg.wait_topic_text(thread, "Do you have peonies?").await;
    let asked = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap()
        .messages[0]
        .id;
    let mirrored: i64 = eventually("the mirrored message is recorded", async || {
        sqlx::query_scalar(
            "SELECT telegram_message_id FROM topic_messages WHERE message_id = ?1 AND origin = 'mirror'",
        )
        .bind(asked)
        .fetch_optional(tg.engine().store().pool())
        .await
        .unwrap()
    })
    .await;
    tg.fake.user_replies_in_group(
        tg.group,
        Some(thread),
        &operator(),
        mirrored,
        "Pink ones, yes.",
    );
    // A plain message in the topic answers nothing in particular.
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "Anything else?");
    let replies = eventually("both answers are stored", async || {
        let messages = api::get_conversation(tg.engine(), conversation)
            .await
            .unwrap()
            .messages;
        let out: Vec<_> = messages
            .into_iter()
            .filter(|m| m.direction == Direction::Out)
            .collect();
        (out.len() == 2).then_some(out)
    })
    .await;
    assert_eq!(replies[0].text, "Pink ones, yes.");
    assert_eq!(replies[0].quoted.as_deref(), Some("Do you have peonies?"));
    assert_eq!(replies[1].quoted, None);
    tg.stop().await;
}
