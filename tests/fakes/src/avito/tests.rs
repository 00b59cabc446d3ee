//! The fake driven over HTTP as the app drives Avito: tokens, access,
//! failures; and what the other test files share.

use std::time::Duration;

use serde_json::{Value, json};

use super::*;

pub(super) const SELLER: i64 = 94_235_311;
pub(super) const CLIENT_ID: &str = "shop-client";
pub(super) const CLIENT_SECRET: &str = "shop-secret";

pub(super) fn ann() -> Buyer {
    Buyer::new(500_001, "Анна")
}

pub(super) fn bike() -> Item {
    Item::new(1_768_287_444, "Велосипед Stels")
}

/// A fake with the shop's account, and a token for it.
pub(super) async fn shop() -> (FakeAvito, String) {
    let fake = FakeAvito::start().await;
    fake.add_account(Account::new(SELLER, "Магазин", CLIENT_ID, CLIENT_SECRET));
    let token = token(&fake, CLIENT_ID, CLIENT_SECRET).await;
    (fake, token)
}

pub(super) async fn token(fake: &FakeAvito, client_id: &str, client_secret: &str) -> String {
    let answer = post_token(fake, "/token", client_id, client_secret).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    answer.1["access_token"].as_str().unwrap().to_owned()
}

pub(super) async fn post_token(
    fake: &FakeAvito,
    path: &str,
    id: &str,
    secret: &str,
) -> (u16, Value) {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ];
    let response = reqwest::Client::new()
        .post(format!("{}{path}", fake.url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    answer(response).await
}

pub(super) async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

pub(super) async fn get(fake: &FakeAvito, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", fake.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    answer(response).await
}

pub(super) async fn post(fake: &FakeAvito, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", fake.url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    answer(response).await
}

pub(super) fn chats_path(query: &str) -> String {
    format!("/messenger/v2/accounts/{SELLER}/chats{query}")
}

pub(super) fn messages_path(chat_id: &str) -> String {
    format!("/messenger/v3/accounts/{SELLER}/chats/{chat_id}/messages/")
}

pub(super) fn send_path(chat_id: &str) -> String {
    format!("/messenger/v1/accounts/{SELLER}/chats/{chat_id}/messages")
}

#[tokio::test]
async fn tokens_come_from_client_credentials_and_open_only_their_account() {
    let fake = FakeAvito::start().await;
    fake.add_account(Account::new(SELLER, "Магазин", CLIENT_ID, CLIENT_SECRET));
    fake.add_account(Account::new(777, "Other", "other-id", "other-secret"));

    let (status, body) = post_token(&fake, "/token", CLIENT_ID, "wrong").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_client"))
    );
    let (status, body) = post_token(&fake, "/token/", CLIENT_ID, CLIENT_SECRET).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["expires_in"].as_u64(), body["token_type"].as_str()),
        (Some(86_400), Some("Bearer"))
    );
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(fake.tokens_issued(), 1);

    let (status, me) = get(&fake, &token, "/core/v1/accounts/self").await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["id"].as_i64(), me["name"].as_str()),
        (Some(SELLER), Some("Магазин"))
    );
    assert!(me["email"].is_string() && me["profile_url"].is_string() && me["phones"].is_array());

    // No token, a blank one, an unknown one, someone else's account.
    let bare = reqwest::Client::new()
        .get(format!("{}{}", fake.url(), chats_path("")))
        .send()
        .await
        .unwrap();
    let (status, body) = answer(bare).await;
    assert_eq!(
        (status, &body),
        (
            401,
            &json!({"error": {"code": 401, "message": "Unauthorized"}})
        )
    );
    let blank = reqwest::Client::new()
        .get(format!("{}{}", fake.url(), chats_path("")))
        .header("Authorization", "Bearer")
        .send()
        .await
        .unwrap();
    assert_eq!(blank.status(), 401);
    assert_eq!(get(&fake, "made-up", &chats_path("")).await.0, 403);
    let (status, body) = get(&fake, &token, "/messenger/v2/accounts/777/chats").await;
    assert_eq!((status, body["error"]["code"].as_i64()), (403, Some(403)));
    assert_eq!(get(&fake, &token, &chats_path("")).await.0, 200);

    // An expired token is answered 403, as Avito does; a new one works.
    fake.expire_tokens();
    assert_eq!(get(&fake, &token, &chats_path("")).await.0, 403);
    fake.set_token_ttl(Duration::from_millis(300));
    let (_, body) = post_token(&fake, "/token", CLIENT_ID, CLIENT_SECRET).await;
    assert_eq!(body["expires_in"].as_u64(), Some(0));
    let short = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get(&fake, &short, &chats_path("")).await.0, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(get(&fake, &short, &chats_path("")).await.0, 403);
    assert_eq!(fake.tokens_issued(), 2);

    // Only the missing header is a mistake against the description.
    let errors = fake.spec_errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("required header `Authorization` is missing"),
        "{errors:?}"
    );
}

#[tokio::test]
async fn an_account_without_the_tariff_gets_403_from_the_messenger_only() {
    let fake = FakeAvito::start().await;
    fake.add_account(Account::new(SELLER, "Магазин", CLIENT_ID, CLIENT_SECRET).without_messenger());
    let token = token(&fake, CLIENT_ID, CLIENT_SECRET).await;
    assert_eq!(get(&fake, &token, "/core/v1/accounts/self").await.0, 200);
    let (status, body) = get(&fake, &token, &chats_path("")).await;
    assert_eq!(status, 403);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("tariff"), "{message}");
    let subscribe = json!({"url": "http://127.0.0.1:9/hook"});
    assert_eq!(
        post(&fake, &token, "/messenger/v3/webhook", subscribe)
            .await
            .0,
        403
    );
    assert!(fake.spec_errors().is_empty(), "{:?}", fake.spec_errors());
}

#[tokio::test]
async fn failures_outages_and_stopping() {
    let (fake, token) = shop().await;
    fake.fail_next(2, 429);
    let (status, body) = get(&fake, &token, &chats_path("")).await;
    assert_eq!((status, body["error"]["code"].as_i64()), (429, Some(429)));
    assert_eq!(get(&fake, &token, &chats_path("")).await.0, 429);
    assert_eq!(get(&fake, &token, &chats_path("")).await.0, 200);

    fake.set_outage(Some(Outage::Unavailable));
    let (status, body) = get(&fake, &token, &chats_path("")).await;
    assert_eq!((status, body["error"]["code"].as_i64()), (503, Some(503)));
    assert_eq!(
        post_token(&fake, "/token", CLIENT_ID, CLIENT_SECRET)
            .await
            .0,
        503
    );
    fake.set_outage(Some(Outage::ConnectionReset));
    let cut = reqwest::Client::new()
        .get(format!("{}{}", fake.url(), chats_path("")))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(cut.is_err());
    fake.set_outage(None);
    assert_eq!(get(&fake, &token, &chats_path("")).await.0, 200);
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 429, 429, 200, 503, 503, 0, 200]);
    assert_eq!(fake.requests()[1].path, chats_path(""));

    let url = fake.url();
    let clone = fake.clone();
    fake.stop();
    assert!(
        reqwest::get(format!("{url}/core/v1/accounts/self"))
            .await
            .is_err()
    );
    drop(clone);
}
