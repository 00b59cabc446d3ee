//! Webhook deliveries, and the control API another process uses.

use std::time::Duration;

use axum::extract::State;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::tests::{
    CLIENT_ID, CLIENT_SECRET, SELLER, ann, bike, chats_path, get, post, send_path, shop, token,
};
use super::*;

/// Stores every body POSTed to it.
async fn receive(
    State(bodies): State<mpsc::UnboundedSender<Value>>,
    axum::Json(body): axum::Json<Value>,
) {
    bodies.send(body).ok();
}

#[tokio::test]
async fn new_buyer_messages_are_posted_to_subscribed_webhooks() {
    let (fake, token) = shop().await;
    let (bodies, mut received) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/avito/s3cret", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/avito/s3cret", axum::routing::post(receive))
        .with_state(bodies);
    let receiver = tokio::spawn(async move { axum::serve(listener, app).await });

    assert_eq!(
        post(&fake, &token, "/messenger/v3/webhook", json!({"url": hook})).await,
        (200, json!({"ok": true}))
    );
    let (status, body) = post(&fake, &token, "/messenger/v1/subscriptions", Value::Null).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"subscriptions": [{"url": hook, "version": "3"}]})
        )
    );
    assert_eq!(
        fake.subscriptions(),
        [Subscription {
            user_id: SELLER,
            url: hook.clone()
        }]
    );

    let written = fake.buyer_writes(
        SELLER,
        BuyerMessage::text(ann(), Some(bike()), "Добрый день"),
    );
    let body = tokio::time::timeout(Duration::from_secs(5), received.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(body["version"], "v3.0.0");
    assert!(body["id"].is_string() && body["timestamp"].is_i64());
    let value = &body["payload"]["value"];
    assert_eq!(body["payload"]["type"], "message");
    assert_eq!(value["id"].as_str(), Some(written.message_id.as_str()));
    assert_eq!(value["chat_id"].as_str(), Some(written.chat_id.as_str()));
    assert_eq!(
        (value["chat_type"].as_str(), value["user_id"].as_i64()),
        (Some("u2i"), Some(SELLER))
    );
    assert_eq!(
        (value["author_id"].as_i64(), value["item_id"].as_i64()),
        (Some(ann().id), Some(bike().id))
    );
    assert_eq!(
        (value["type"].as_str(), &value["content"]),
        (Some("text"), &json!({"text": "Добрый день"}))
    );
    assert!(value["read"].is_null());
    assert!(value["published_at"].as_str().unwrap().ends_with('Z'));

    assert!(
        fake.wait_until(Duration::from_secs(5), |f| !f
            .webhook_deliveries()
            .is_empty())
            .await
    );
    let delivery = &fake.webhook_deliveries()[0];
    assert_eq!(
        (
            delivery.url.as_str(),
            delivery.status,
            delivery.error.as_deref()
        ),
        (hook.as_str(), Some(200), None)
    );

    // A receiver that is gone is recorded as such.
    receiver.abort();
    receiver.await.ok();
    fake.buyer_writes(SELLER, BuyerMessage::text(ann(), Some(bike()), "Алло?"));
    assert!(
        fake.wait_until(Duration::from_secs(5), |f| f.webhook_deliveries().len()
            == 2)
            .await
    );
    let failed = &fake.webhook_deliveries()[1];
    assert_eq!(failed.status, None);
    assert!(failed.error.is_some());

    let unsubscribe = json!({"url": hook});
    assert_eq!(
        post(
            &fake,
            &token,
            "/messenger/v1/webhook/unsubscribe",
            unsubscribe
        )
        .await
        .0,
        200
    );
    assert!(fake.subscriptions().is_empty());
    assert!(fake.spec_errors().is_empty(), "{:#?}", fake.spec_errors());
}

#[tokio::test]
async fn the_control_api_drives_the_fake_from_another_process() {
    let fake = FakeAvito::start().await;
    let client = reqwest::Client::new();
    let control = |path: &str| format!("{}/_control{path}", fake.url());
    let account = json!({"userId": SELLER, "name": "Магазин", "email": "shop@example.com", "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET});
    let response = client
        .post(control("/accounts"))
        .json(&account)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let token = token(&fake, CLIENT_ID, CLIENT_SECRET).await;

    let item = json!({"id": 42, "title": "Шкаф", "priceString": "5 000 ₽", "url": "https://www.avito.ru/42", "imageUrl": "https://img.avito.st/42.jpg"});
    let text = json!({"userId": SELLER, "buyer": {"id": 7, "name": "Вера"}, "item": item, "text": "Добрый день"});
    let written: Value = client
        .post(control("/buyer-writes"))
        .json(&text)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chat_id = written["chatId"].as_str().unwrap().to_owned();
    assert!(chat_id.starts_with("u2i-") && written["messageId"].is_string());
    let image = json!({"userId": SELLER, "buyer": {"id": 7, "name": "Вера"}, "item": null, "image": "/9j/4A=="});
    let written: Value = client
        .post(control("/buyer-writes"))
        .json(&image)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(written["chatId"].as_str().unwrap().starts_with("u2u-"));
    let messages = fake.messages(written["chatId"].as_str().unwrap());
    let url = messages[0].content["image"]["sizes"]["640x480"]
        .as_str()
        .unwrap();
    assert_eq!(
        reqwest::get(url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        b"\xff\xd8\xff\xe0"
    );
    let both =
        json!({"userId": SELLER, "buyer": {"id": 7, "name": "Вера"}, "text": "a", "system": "b"});
    assert_eq!(
        client
            .post(control("/buyer-writes"))
            .json(&both)
            .send()
            .await
            .unwrap()
            .status(),
        400
    );

    post(
        &fake,
        &token,
        &send_path(&chat_id),
        json!({"message": {"text": "Здравствуйте"}, "type": "text"}),
    )
    .await;
    let sent: Value = client
        .get(control("/sent"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent[0]["chatId"].as_str(), Some(chat_id.as_str()));
    assert_eq!(
        (sent[0]["kind"].as_str(), sent[0]["text"].as_str()),
        (Some("text"), Some("Здравствуйте"))
    );
    let read: Value = client
        .get(control(&format!("/chats/{chat_id}/read")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read, json!({"isRead": false, "readCalls": 0}));

    post(
        &fake,
        &token,
        "/messenger/v3/webhook",
        json!({"url": "http://127.0.0.1:9/hook"}),
    )
    .await;
    let subscriptions: Value = client
        .get(control("/subscriptions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        subscriptions,
        json!([{"userId": SELLER, "url": "http://127.0.0.1:9/hook"}])
    );

    let outage = json!({"outage": "unavailable"});
    assert_eq!(
        client
            .post(control("/outage"))
            .json(&outage)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(get(&fake, &token, &chats_path("")).await.0, 503);
    client
        .post(control("/outage"))
        .json(&json!({"outage": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&fake, &token, &chats_path("")).await.0, 200);

    get(&fake, &token, &chats_path("?limit=500")).await;
    let errors: Value = client
        .get(control("/spec-errors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(errors.as_array().unwrap().len(), 1, "{errors}");
    assert!(errors[0].as_str().unwrap().contains("limit"));
}
