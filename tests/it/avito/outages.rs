use super::*;

#[tokio::test]
async fn webhook_messages_are_kept_before_the_answer_and_bad_ones_are_refused() {
    let app = Avito::start_with(true).await;
    let account = app.connect().await;
    let addr = app.engine().http_addr().expect("the LAN endpoint listens");
    let public = format!("http://{addr}");
    let account = api::set_avito_webhook(app.engine(), account.id, Some(public.clone()))
        .await
        .unwrap();
    assert_eq!(account.webhook_url.as_deref(), Some(public.as_str()));
    let subscriptions = app.fake.subscriptions();
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");
    let hook = subscriptions[0].url.clone();
    assert!(
        hook.starts_with(&format!("{public}/avito/{}/", account.id)),
        "{hook}"
    );

    let written = app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "по вебхуку"),
    );
    app.until_inbound(1).await;
    let deliveries = app.fake.webhook_deliveries();
    assert!(
        deliveries
            .iter()
            .any(|d| d.message_id == written.message_id && d.status == Some(200)),
        "{deliveries:?}"
    );

    // Malformed or foreign posts are refused and change nothing.
    let jobs_before: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(app.engine().store().pool())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let post = async |url: &str, body: &str| {
        http.post(url)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let event = |user: i64, text: serde_json::Value| {
        serde_json::json!({
            "id": "evt-9", "version": "v3.0.0", "timestamp": 1_700_000_000,
            "payload": {"type": "message", "value": {
                "id": "forged-1", "chat_id": written.chat_id, "chat_type": "u2i",
                "user_id": user, "author_id": 555_001, "created": 1_700_000_000,
                "type": "text", "content": {"text": text}, "item_id": 1, "read": null,
                "published_at": "2023-11-14T22:13:20Z"
            }}
        })
        .to_string()
    };
    assert_eq!(post(&hook, "{not json").await, 400);
    assert_eq!(
        post(&hook, r#"{"id":"e","payload":{"type":"message"}}"#).await,
        400
    );
    assert_eq!(
        post(&hook, &event(SELLER, serde_json::json!(12))).await,
        400
    );
    assert_eq!(
        post(&hook, &event(1, serde_json::json!("чужой"))).await,
        400
    );
    let wrong_secret = format!("{public}/avito/{}/not-the-secret", account.id);
    assert_eq!(
        post(&wrong_secret, &event(SELLER, serde_json::json!("x"))).await,
        404
    );
    let jobs_after: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(app.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(
        jobs_after, jobs_before,
        "nothing was kept from the bad posts"
    );
    assert_eq!(app.inbound().await.len(), 1);

    // A redelivered event is stored once.
    assert_eq!(
        post(&hook, &event(SELLER, serde_json::json!("повтор"))).await,
        200
    );
    assert_eq!(
        post(&hook, &event(SELLER, serde_json::json!("повтор"))).await,
        200
    );
    app.until_inbound(2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.inbound().await.len(), 2);

    let account = api::set_avito_webhook(app.engine(), account.id, None)
        .await
        .unwrap();
    assert_eq!(account.webhook_url, None);
    assert!(app.fake.subscriptions().is_empty());
    assert_eq!(
        post(&hook, &event(SELLER, serde_json::json!("поздно"))).await,
        404
    );
    app.finish().await;
}

#[tokio::test]
async fn while_avito_is_down_nothing_is_lost_and_replies_wait() {
    let app = Avito::start().await;
    app.connect().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "до сбоя"));
    app.until_inbound(1).await;
    let conversation = app.conversations().await.remove(0);

    app.fake.set_outage(Some(Outage::Unavailable));
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "во время сбоя"),
    );
    let reply = api::send_reply(app.engine(), conversation.id, "Ответ во время сбоя".into())
        .await
        .unwrap();
    let down = app
        .until_account("noticed the outage", |a| a.state == AvitoState::Offline)
        .await;
    assert_eq!(down.last_error.unwrap().problem, AvitoProblem::Connect);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pending = api::get_conversation(app.engine(), conversation.id)
        .await
        .unwrap();
    let pending = pending.messages.iter().find(|m| m.id == reply.id).unwrap();
    assert_eq!(pending.delivery, Some(Delivery::Pending));

    app.fake.set_outage(None);
    let inbound = app.until_inbound(2).await;
    assert_eq!(inbound[1].text, "во время сбоя");
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent));
    app.until_account("came back", |a| a.state == AvitoState::Online)
        .await;
    let copies = app
        .fake
        .sent()
        .iter()
        .filter(|m| m.text.as_deref() == Some("Ответ во время сбоя"))
        .count();
    assert_eq!(copies, 1, "sent once");
    app.finish().await;
}

#[tokio::test]
async fn refusals_fail_with_avitos_words_and_rate_limits_are_retried() {
    let app = Avito::start().await;
    app.connect().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "вопрос"));
    app.until_inbound(1).await;
    let conversation = app.conversations().await.remove(0);

    // Avito asks to slow down, then has trouble: the queue tries again.
    app.fake.fail_next(2, 429);
    let reply = api::send_reply(app.engine(), conversation.id, "после паузы".into())
        .await
        .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent), "{reply:?}");

    // A refusal is final and says why.
    app.fake.fail_next(10, 400);
    let reply = api::send_reply(app.engine(), conversation.id, "не дойдёт".into())
        .await
        .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Failed), "{reply:?}");
    assert!(reply.delivery_error.unwrap().starts_with("Avito:"));
    app.finish().await;
}

/// Avito keeps a reply but its answer is lost on the way (as when the run
/// ends while Avito answers): the next attempt finds the reply in the chat
/// and records it instead of sending it again. A reply of the same words
/// sent later still goes.
#[tokio::test]
async fn a_reply_whose_answer_was_lost_is_found_in_the_chat_not_sent_again() {
    let app = Avito::start().await;
    app.connect().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "вопрос"));
    app.until_inbound(1).await;
    let conversation = app.conversations().await.remove(0);
    let copies = |text: &str| {
        app.fake
            .sent()
            .iter()
            .filter(|m| m.text.as_deref() == Some(text))
            .count()
    };

    app.fake.lose_next_answers(1);
    let reply = api::send_reply(app.engine(), conversation.id, "Да, в наличии".into())
        .await
        .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent), "{reply:?}");
    assert_eq!(copies("Да, в наличии"), 1, "sent once");

    // The same words again are a new reply, not the one already found.
    let again = api::send_reply(app.engine(), conversation.id, "Да, в наличии".into())
        .await
        .unwrap();
    let again = app.until_delivered(conversation.id, again.id).await;
    assert_eq!(again.delivery, Some(Delivery::Sent));
    assert_eq!(copies("Да, в наличии"), 2);
    app.finish().await;
}
