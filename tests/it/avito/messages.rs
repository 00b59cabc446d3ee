use super::*;

#[tokio::test]
async fn a_buyers_messages_arrive_with_the_listing_and_replies_reach_avito_in_parts() {
    let app = Avito::start().await;
    let account = app.connect().await;
    let written = app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "Здравствуйте! Диван ещё продаётся?"),
    );
    let inbound = app.until_inbound(1).await;
    assert_eq!(inbound[0].text, "Здравствуйте! Диван ещё продаётся?");
    let conversation = app.conversations().await.remove(0);
    assert_eq!(conversation.channel_account_id, account.id);
    assert_eq!(conversation.contact_name, "Иван Покупатель");
    let detail = api::get_conversation(app.engine(), conversation.id)
        .await
        .unwrap();
    let listing = detail.listing.expect("the listing is in the header");
    assert_eq!(listing.title, "Диван угловой");
    assert_eq!(listing.price.as_deref(), Some("25 000 ₽"));
    assert_eq!(listing.url.as_deref(), Some(sofa().url.as_str()));
    assert!(
        detail
            .contact
            .identities
            .iter()
            .any(|i| i.kind == IdentityKind::AvitoUser && i.value == "555001"),
        "{:?}",
        detail.contact.identities
    );
    // Reading the chat did not mark it read on Avito.
    assert!(!app.fake.is_read(&written.chat_id));

    let reply = api::send_reply(app.engine(), conversation.id, "Да, продаётся!".into())
        .await
        .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent), "{reply:?}");
    let sent = app.fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].chat_id, written.chat_id);
    assert_eq!(sent[0].text.as_deref(), Some("Да, продаётся!"));
    assert!(
        app.fake.is_read(&written.chat_id),
        "answering marks the chat read"
    );

    // 2 500 characters leave as three messages of at most 1 000.
    let paragraph = "Доставка по Москве бесплатная. ".repeat(40);
    let long = format!("{paragraph}\n\n{paragraph}");
    let reply = api::send_reply(app.engine(), conversation.id, long.clone())
        .await
        .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent), "{reply:?}");
    let parts: Vec<String> = app.fake.sent()[1..]
        .iter()
        .map(|m| m.text.clone().unwrap())
        .collect();
    assert!(parts.len() >= 3, "{parts:?}");
    assert!(parts.iter().all(|p| p.chars().count() <= 1000), "{parts:?}");
    let joined = parts.join(" ");
    assert_eq!(
        joined.split_whitespace().collect::<Vec<_>>(),
        long.split_whitespace().collect::<Vec<_>>()
    );
    // The seller's own messages are not taken for the buyer's.
    api::poll_avito(app.engine(), account.id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.inbound().await.len(), 1);
    app.finish().await;
}

#[tokio::test]
async fn the_polling_cursor_survives_a_restart_without_loss_or_duplicates() {
    let mut app = Avito::start().await;
    app.connect().await;
    let other = Buyer::new(555_002, "Мария");
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "один"));
    app.until_inbound(1).await;

    app.close().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "два"));
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(other.clone(), None, "три"));
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "четыре"));
    app.open().await;

    let inbound = app.until_inbound(4).await;
    let mut texts: Vec<&str> = inbound.iter().map(|m| m.text.as_str()).collect();
    texts.sort_unstable();
    assert_eq!(texts, ["два", "один", "три", "четыре"]);
    assert_eq!(
        app.conversations().await.len(),
        2,
        "one conversation per chat"
    );
    // Later readings find nothing new.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(app.inbound().await.len(), 4);
    app.finish().await;
}

#[tokio::test]
async fn images_and_voice_messages_make_the_round_trip() {
    let app = Avito::start().await;
    app.connect().await;
    let photo: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let voice: Vec<u8> = (0..9_000u32).map(|i| (i % 241) as u8).collect();
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage {
            buyer: buyer(),
            item: Some(sofa()),
            content: Content::Image(photo.clone()),
        },
    );
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage {
            buyer: buyer(),
            item: Some(sofa()),
            content: Content::Voice(voice.clone()),
        },
    );
    let inbound = app.until_inbound(2).await;
    let image = &inbound[0].attachments[0];
    assert_eq!(image.kind, AttachmentKind::Image);
    let kept = api::read_attachment(app.engine(), image.url.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(kept, photo, "the image is kept locally, byte for byte");
    let audio = &inbound[1].attachments[0];
    assert_eq!(audio.kind, AttachmentKind::Audio);
    let kept = api::read_attachment(app.engine(), audio.url.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(kept, voice);

    // The manager answers with a picture of their own.
    let conversation = app.conversations().await.remove(0);
    let ours: Vec<u8> = (0..30_000u32).map(|i| (i % 199) as u8).collect();
    let upload = api::upload_attachment(
        app.engine(),
        "sofa-side.png".into(),
        Some("image/png".into()),
        ours.clone(),
    )
    .await
    .unwrap();
    let reply = api::send_reply_with_files(
        app.engine(),
        conversation.id,
        "Вот фото сбоку".into(),
        vec![upload],
        None,
        None,
    )
    .await
    .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent), "{reply:?}");
    let sent = app.fake.sent();
    let image = sent
        .iter()
        .find(|m| m.kind == SentKind::Image)
        .expect("an image message");
    let uploaded = app
        .fake
        .uploaded_image(image.image_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(uploaded, ours);
    assert!(
        sent.iter()
            .any(|m| m.text.as_deref() == Some("Вот фото сбоку"))
    );
    app.finish().await;
}

#[tokio::test]
async fn links_cards_locations_and_system_messages_read_as_text() {
    let app = Avito::start().await;
    app.connect().await;
    let contents = [
        Content::Link {
            url: "https://example.com/size-chart".into(),
            text: "таблица размеров".into(),
        },
        Content::ItemCard(Item::new(42, "Кресло")),
        Content::Location {
            lat: 55.75,
            lon: 37.61,
            title: "Москва, Тверская".into(),
            text: "Москва, Тверская, 1".into(),
        },
        Content::System("Покупатель оформил доставку".into()),
    ];
    for content in contents {
        app.fake.buyer_writes(
            SELLER,
            BuyerMessage {
                buyer: buyer(),
                item: Some(sofa()),
                content,
            },
        );
    }
    let inbound = app.until_inbound(4).await;
    assert!(
        inbound[0].text.contains("https://example.com/size-chart"),
        "{}",
        inbound[0].text
    );
    assert!(
        inbound[1].text.contains("Кресло") && inbound[1].text.contains("1 000 ₽"),
        "{}",
        inbound[1].text
    );
    assert!(
        inbound[2].text.contains("Москва, Тверская"),
        "{}",
        inbound[2].text
    );
    assert!(
        inbound[3].text.contains("Покупатель оформил доставку"),
        "{}",
        inbound[3].text
    );
    let contacts: std::collections::HashSet<i64> = app
        .conversations()
        .await
        .iter()
        .map(|c| c.contact_id)
        .collect();
    assert_eq!(
        contacts.len(),
        1,
        "Avito's own notices belong to the buyer's chat"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_avito_buyer_and_a_telegram_customer_merge_into_one_contact() {
    let app = Avito::start().await;
    app.connect().await;
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "на Авито"),
    );
    app.until_inbound(1).await;
    let avito_contact = app.conversations().await[0].contact_id;
    let simulated = api::simulate_inbound(app.engine(), "Иван (сайт)".into(), "пишу в чат".into())
        .await
        .unwrap();
    let other = api::get_conversation(app.engine(), simulated.conversation_id)
        .await
        .unwrap()
        .contact
        .id;
    let found = api::search_contacts(app.engine(), "555001".into())
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        [avito_contact]
    );

    let merged = api::merge_contacts(app.engine(), avito_contact, other)
        .await
        .unwrap();
    let kinds: Vec<IdentityKind> = merged.identities.iter().map(|i| i.kind).collect();
    assert!(
        kinds.contains(&IdentityKind::AvitoUser) && kinds.contains(&IdentityKind::Simulator),
        "{kinds:?}"
    );
    assert_eq!(merged.conversation_count, 2);
    assert!(
        api::merge_contacts(app.engine(), avito_contact, other)
            .await
            .is_err()
    );

    // Later messages on either channel find the kept contact.
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "снова на Авито"),
    );
    app.until_inbound(3).await;
    let contacts: std::collections::HashSet<i64> = app
        .conversations()
        .await
        .iter()
        .map(|c| c.contact_id)
        .collect();
    assert_eq!(contacts.into_iter().collect::<Vec<_>>(), [avito_contact]);
    app.finish().await;
}
