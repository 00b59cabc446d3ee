//! The webhook's gate: Meta's verification handshake, signatures checked
//! over the raw body, and deliveries Meta repeats stored once.

use futures_util::StreamExt;
use serde_json::json;
use tuberry_fakes::whatsapp_cloud::signature;

use super::{APP_SECRET, Cloud, VERIFY_TOKEN};

async fn get(url: &str, query: &[(&str, &str)]) -> (u16, String) {
    let response = reqwest::Client::new()
        .get(url)
        .query(query)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn the_verification_handshake_echoes_the_challenge_only_for_the_right_token() {
    let mut app = Cloud::start().await;
    let right = [
        ("hub.mode", "subscribe"),
        ("hub.verify_token", VERIFY_TOKEN),
        ("hub.challenge", "1158201444"),
    ];
    assert_eq!(
        get(&app.webhook, &right).await,
        (200, "1158201444".to_owned())
    );

    let wrong_token = [
        ("hub.mode", "subscribe"),
        ("hub.verify_token", "verify-me-8d2f6b"),
        ("hub.challenge", "1158201444"),
    ];
    let (status, body) = get(&app.webhook, &wrong_token).await;
    assert_eq!(status, 403);
    assert!(!body.contains("1158201444"), "a wrong token gets no echo");

    let wrong_mode = [
        ("hub.mode", "unsubscribe"),
        ("hub.verify_token", VERIFY_TOKEN),
        ("hub.challenge", "1"),
    ];
    assert_eq!(get(&app.webhook, &wrong_mode).await.0, 403);
    assert_eq!(get(&app.webhook, &[("hub.challenge", "1")]).await.0, 403);

    let elsewhere = app.webhook.replace(
        &format!("/{}", app.account_id()),
        &format!("/{}", app.account_id() + 100),
    );
    assert_eq!(get(&elsewhere, &right).await.0, 404, "no such number");
    app.close().await;
}

#[tokio::test]
async fn a_delivery_with_a_wrong_or_missing_signature_writes_nothing() {
    let mut app = Cloud::start().await;
    let before = app.rows().await;
    let id = app.wamid();
    let payload = app.payload(vec![app.message(
        &id,
        "text",
        json!({ "body": "Здравствуйте" }),
    )]);

    let other_secret = signature("another-app-secret", payload.to_string().as_bytes());
    let signed_elsewhere = app
        .fake
        .post_webhook_signed(&app.webhook, Some(&other_secret), &payload)
        .await;
    assert_eq!(signed_elsewhere, 401);
    assert_eq!(
        app.fake
            .post_webhook_signed(&app.webhook, None, &payload)
            .await,
        401
    );
    assert_eq!(
        app.fake
            .post_webhook_signed(&app.webhook, Some("sha256=00ff"), &payload)
            .await,
        401
    );
    // The signature of another body: the text was changed on the way.
    let original = app.payload(vec![app.message(&id, "text", json!({ "body": "Hello" }))]);
    let of_original = signature(APP_SECRET, original.to_string().as_bytes());
    assert_eq!(
        app.fake
            .post_webhook_signed(&app.webhook, Some(&of_original), &payload)
            .await,
        401
    );
    assert_eq!(app.rows().await, before, "nothing was written");

    assert_eq!(
        app.post(&payload).await,
        200,
        "the same body signed rightly is taken"
    );
    assert_eq!(app.inbound().await.len(), 1);
    app.assert_spec_kept();
    app.close().await;
}

#[tokio::test]
async fn a_repeated_delivery_writes_nothing_new() {
    let mut app = Cloud::start().await;
    let first = app.wamid();
    let second = app.wamid();
    let payload = app.payload(vec![
        app.message(&first, "text", json!({ "body": "Есть в наличии?" })),
        app.message(&second, "text", json!({ "body": "И сколько стоит?" })),
    ]);
    assert_eq!(app.post(&payload).await, 200);
    let after_first = app.rows().await;
    assert_eq!(after_first[0], 2, "both messages stored");
    let unread: i64 = app.count("SELECT unread_count FROM conversations").await;

    assert_eq!(app.post(&payload).await, 200, "Meta is answered 200 again");
    assert_eq!(app.rows().await, after_first, "nothing new was written");
    assert_eq!(
        app.count("SELECT unread_count FROM conversations").await,
        unread
    );
    app.assert_spec_kept();
    app.close().await;
}

#[tokio::test]
async fn a_burst_of_200_deliveries_is_stored_once_each() {
    let mut app = Cloud::start().await;
    let payloads: Vec<_> = (0..200)
        .map(|i| {
            let id = app.wamid();
            app.payload(vec![app.message(
                &id,
                "text",
                json!({ "body": format!("message {i}") }),
            )])
        })
        .collect();
    let statuses: Vec<u16> = futures_util::stream::iter(payloads.iter())
        .map(|p| app.post(p))
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let inbound = app.inbound().await;
    assert_eq!(inbound.len(), 200);
    let mut texts: Vec<_> = inbound.iter().map(|m| m.text.clone()).collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 200, "each message once");
    assert_eq!(app.count("SELECT count(*) FROM conversations").await, 1);

    // Meta repeats the whole burst: nothing more.
    let again: Vec<u16> = futures_util::stream::iter(payloads.iter())
        .map(|p| app.post(p))
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(again.iter().all(|s| *s == 200));
    assert_eq!(app.inbound().await.len(), 200);
    app.assert_spec_kept();
    app.close().await;
}
