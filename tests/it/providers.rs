//! Providers: a shop's own system posts its customers' messages with its
//! token (stored before the answer, once per message id) and gets the
//! replies at its URL, signed; a removed provider's token stops working.

use std::sync::Arc;

use tuberry::api;
use tuberry::api_tokens::Scope;

use crate::helpers::{eventually, signed};
use crate::lan_api::{messages, post, serving_app};
use crate::receiver::Receiver;

/// The provider's side: its photo, and the replies it takes at `/replies`.
async fn site(state: &Arc<Receiver>) -> String {
    let photo = axum::Router::new().route(
        "/photo.jpg",
        axum::routing::get(|| async { ([("content-type", "image/jpeg")], b"JPEG photo".to_vec()) }),
    );
    state
        .serve("/replies", serde_json::json!({"id": "site-reply-1"}), photo)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_providers_customers_write_in_and_get_replies_back_signed() {
    let (engine, clock, _dir, listening) = serving_app().await;
    let state = Arc::new(Receiver::default());
    let replies = site(&state).await;
    let state_url = replies.clone();

    assert!(
        api::create_provider(&engine, "Site".into(), None, Some("ftp://x/y".into()))
            .await
            .is_err()
    );
    assert!(
        api::create_provider(
            &engine,
            "Site".into(),
            None,
            Some("https://u:pw@shop.example/r".into())
        )
        .await
        .is_err()
    );
    assert!(
        api::create_provider(&engine, " ".into(), None, None)
            .await
            .is_err()
    );
    assert!(
        api::create_provider(&engine, "Site".into(), Some(404), None)
            .await
            .is_err()
    );
    assert!(api::list_providers(&engine).await.unwrap().is_empty());
    let created = api::create_provider(&engine, "Website chat".into(), None, Some(replies))
        .await
        .unwrap();
    assert!(created.token.starts_with("tbp_"));
    let provider = created.provider.id;
    let webhook = format!("http://{listening}{}", created.webhook_path);
    assert_eq!(
        api::list_providers(&engine).await.unwrap(),
        std::slice::from_ref(&created.provider)
    );

    let message = serde_json::json!({
        "id": "m-1",
        "from": {"id": "visitor-7", "name": "Olga", "phone": "+7 900 111-22-33"},
        "text": "Do you deliver to Kazan?",
    });
    // Refused, writing nothing.
    let before = messages(&engine).await;
    for (url, token, body, code) in [
        (webhook.clone(), "tbp_wrong", message.clone(), 401),
        (
            format!("http://{listening}/api/v1/webhook/9999"),
            created.token.as_str(),
            message.clone(),
            401,
        ),
        (
            format!("http://{listening}/api/v1/webhook/abc"),
            created.token.as_str(),
            message.clone(),
            401,
        ),
        (
            webhook.clone(),
            created.token.as_str(),
            serde_json::json!({"id": "m-1", "text": "no sender"}),
            422,
        ),
        (
            webhook.clone(),
            created.token.as_str(),
            serde_json::json!({"id": "m-1", "from": {"id": "v"}, "text": " "}),
            422,
        ),
        (
            webhook.clone(),
            created.token.as_str(),
            serde_json::json!({"id": "", "from": {"id": "v"}, "text": "hi"}),
            422,
        ),
        (
            webhook.clone(),
            created.token.as_str(),
            serde_json::json!({"id": "m-1", "from": {"id": "v"}, "text": "hi", "extra": 1}),
            422,
        ),
    ] {
        let (status, answer) = post(&url, token, body.clone()).await;
        assert_eq!(status, code, "{url} {body} → {answer}");
        assert!(answer["error"]["message"].is_string(), "{answer}");
    }
    assert_eq!(messages(&engine).await, before);

    // Stored before the answer; the same message again stores nothing new.
    let (status, first) = post(&webhook, &created.token, message.clone()).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = post(&webhook, &created.token, message.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["messageId"], first["messageId"]);
    assert_eq!(messages(&engine).await, before + 1);
    let conversation = first["conversationId"].as_i64().unwrap();
    let phone: String = sqlx::query_scalar(
        "SELECT i.value FROM conversations c JOIN contact_identities i ON i.contact_id = c.contact_id
         WHERE c.id = ?1 AND i.kind = 'phone'",
    )
    .bind(conversation)
    .fetch_one(engine.store().pool())
    .await
    .unwrap();
    assert_eq!(phone, "+79001112233", "the same person as on WhatsApp");

    // A reply goes back to the site, signed, retried while it is down.
    *state.down_for.lock().unwrap() = 1;
    let reply = api::send_reply(&engine, conversation, "Yes, in two days.".into())
        .await
        .unwrap();
    let got = eventually("the site gets the reply", async || {
        clock.advance(5_000);
        engine.queue().wake();
        let got = state.got.lock().unwrap().clone();
        got.iter().any(|g| g.answered == 200).then_some(got)
    })
    .await;
    assert_eq!(got.len(), 2, "refused once, then taken");
    let (signature, body) = (&got[1].signature, &got[1].body);
    assert!(signed(&created.token, signature, body));
    assert!(!signed("tbp_other", signature, body));
    let body: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(body["thread"], "visitor-7");
    assert_eq!(body["text"], "Yes, in two days.");
    assert_eq!(body["id"], format!("msg_{}", reply.id));
    let sent = eventually("the reply is sent", async || {
        let m = tuberry::inbox::message(engine.store().pool(), reply.id)
            .await
            .unwrap();
        (m.delivery != Some(tuberry::model::Delivery::Pending)).then_some(m)
    })
    .await;
    assert_eq!(sent.delivery, Some(tuberry::model::Delivery::Sent));

    // The LAN API writes first to someone on the site.
    let site_token = api::create_api_token(&engine, "CRM".into(), vec![Scope::Send])
        .await
        .unwrap()
        .secret;
    let (status, opened) = post(
        &format!("http://{listening}/api/v1/send"),
        &site_token,
        serde_json::json!({"channel": "custom", "to": "visitor-9", "text": "Your order is ready", "idempotencyKey": "o-9"}),
    )
    .await;
    assert_eq!(status, 202, "{opened}");
    assert_ne!(opened["conversationId"], conversation);

    // The customer's files: by URL from the site, or inline.
    let site_base = state_url.trim_end_matches("/replies").to_owned();
    let before = messages(&engine).await;
    let (status, refused) = post(
        &webhook,
        &created.token,
        serde_json::json!({"id": "m-3", "from": {"id": "visitor-7"}, "text": "",
            "attachments": [{"url": format!("{site_base}/missing.jpg"), "name": "x.jpg"}]}),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(messages(&engine).await, before);
    let (status, with_files) = post(
        &webhook,
        &created.token,
        serde_json::json!({"id": "m-4", "from": {"id": "visitor-7"}, "text": "",
        "attachments": [
            {"url": format!("{site_base}/photo.jpg"), "name": "photo.jpg"},
            {"data": "aGVsbG8=", "name": "note.txt", "mime": "text/plain"}
        ]}),
    )
    .await;
    assert_eq!(status, 201, "{with_files}");
    let stored = tuberry::inbox::message(
        engine.store().pool(),
        with_files["messageId"].as_i64().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(stored.attachments.len(), 2);
    assert_eq!(
        stored.attachments[0].kind,
        tuberry::model::AttachmentKind::Image
    );
    let photo = engine
        .files()
        .read(stored.attachments[0].url.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(photo, b"JPEG photo");

    // Removed: its token is refused at once.
    api::delete_provider(&engine, provider).await.unwrap();
    let (status, _) = post(
        &webhook,
        &created.token,
        serde_json::json!({"id": "m-2", "from": {"id": "visitor-7"}, "text": "Hello?"}),
    )
    .await;
    assert_eq!(status, 401);
    assert!(api::list_providers(&engine).await.unwrap().is_empty());

    // A client posting too fast is told when to come back, as on the API.
    let mut limited = None;
    for n in 0..80 {
        let response = reqwest::Client::new()
            .post(&webhook)
            .bearer_auth("tbp_wrong")
            .json(&serde_json::json!({"id": format!("x-{n}"), "from": {"id": "v"}, "text": "hi"}))
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            limited = Some(
                response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .to_owned(),
            );
            break;
        }
    }
    assert!(limited.is_some_and(|after| after.parse::<u64>().unwrap() >= 1));
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}
