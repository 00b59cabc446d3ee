#![allow(clippy::unwrap_used)]

use axum::http::Method;
use serde_json::{Value, json};

use super::spec::{Incoming, spec};
use super::{Number, messages_payload, signature, statuses_payload};

fn problems(path: &str, body: Value) -> Vec<(u16, String)> {
    let op = spec().route(&Method::POST, path).unwrap();
    let headers = vec![
        ("authorization".to_owned(), "Bearer EAAtoken".to_owned()),
        ("content-type".to_owned(), "application/json".to_owned()),
    ];
    spec().check(
        op,
        &Incoming {
            headers: &headers,
            query: &[],
            content_type: Some("application/json"),
            body: Some(body),
        },
    )
}

const MESSAGES: &str = "/v23.0/106540352242922/messages";

#[test]
fn a_text_message_as_meta_documents_it_passes() {
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "79991234567",
        "type": "text", "text": { "body": "Hello", "preview_url": false },
        "context": { "message_id": "wamid.X" },
    });
    assert_eq!(problems(MESSAGES, body), Vec::new());
}

#[test]
fn a_message_without_its_recipient_or_with_unknown_fields_is_refused() {
    let without_to = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "type": "text",
        "text": { "body": "Hello" },
    });
    assert!(!problems(MESSAGES, without_to).is_empty());
    let unknown = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "1",
        "type": "text", "text": { "body": "Hello" }, "colour": "red",
    });
    assert!(
        !problems(MESSAGES, unknown).is_empty(),
        "allOf is merged with its closed branch"
    );
    let media = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "1",
        "type": "image", "image": { "id": "9000001" },
    });
    assert_eq!(problems(MESSAGES, media), Vec::new());
}

#[test]
fn a_request_without_a_token_is_refused_401() {
    let op = spec().route(&Method::POST, MESSAGES).unwrap();
    let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    let found = spec().check(
        op,
        &Incoming {
            headers: &headers,
            query: &[],
            content_type: Some("application/json"),
            body: Some(json!({})),
        },
    );
    assert!(found.iter().any(|(status, _)| *status == 401), "{found:?}");
}

#[test]
fn the_payloads_the_fake_posts_fit_the_description() {
    let number = Number {
        phone_number_id: "106540352242922".into(),
        display_phone: "15550783881".into(),
        token: "t".into(),
    };
    let text = json!({
        "from": "79991234567", "id": "wamid.A", "timestamp": "1767225600",
        "type": "text", "text": { "body": "hi" },
    });
    let messages = messages_payload(&number, &[("79991234567", "Ivan")], vec![text]);
    assert_eq!(spec().webhook_errors(&messages), Vec::<String>::new());
    let statuses = statuses_payload(
        &number,
        &[("wamid.B", "failed", "79991234567")],
        Some((131_026, "undeliverable")),
    );
    assert_eq!(spec().webhook_errors(&statuses), Vec::<String>::new());
    assert!(!spec().webhook_errors(&json!({ "entry": [] })).is_empty());
}

#[test]
fn signatures_are_hmac_sha256_in_hex() {
    // RFC 4231 test case 2.
    let sig = signature("Jefe", b"what do ya want for nothing?");
    assert_eq!(
        sig,
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

mod server {
    use serde_json::{Value, json};

    use crate::whatsapp_cloud::{FakeWhatsAppCloud, Number, Template};

    const ID: &str = "106540352242922";

    async fn fake() -> FakeWhatsAppCloud {
        let fake = FakeWhatsAppCloud::start().await;
        fake.add_number(Number {
            phone_number_id: ID.into(),
            display_phone: "15550783881".into(),
            token: "EAAGright".into(),
        });
        fake
    }

    async fn send(fake: &FakeWhatsAppCloud, token: &str, body: Value) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/v23.0/{ID}/messages", fake.url()))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    fn text(body: &str) -> Value {
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "79991234567",
            "type": "text", "text": { "body": body },
        })
    }

    #[tokio::test]
    async fn a_message_is_accepted_with_the_numbers_token_only() {
        let fake = fake().await;
        let (status, answer) = send(&fake, "EAAGright", text("hello")).await;
        assert_eq!(status, 200, "{answer}");
        let id = answer["messages"][0]["id"].as_str().unwrap();
        assert_eq!(fake.sent()[0].id, id);

        let (status, answer) = send(&fake, "EAAGwrong", text("hello")).await;
        assert_eq!((status, answer["error"]["code"].clone()), (401, json!(190)));
        assert_eq!(fake.sent().len(), 1);
        assert!(fake.spec_errors().is_empty(), "{:?}", fake.spec_errors());
    }

    #[tokio::test]
    async fn what_meta_refuses_the_fake_refuses() {
        let fake = fake().await;
        let (status, answer) = send(&fake, "EAAGright", text(&"a".repeat(4097))).await;
        assert_eq!((status, answer["error"]["code"].clone()), (400, json!(100)));
        let by_unknown_id = json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "79991234567",
            "type": "image", "image": { "id": "123" },
        });
        assert_eq!(send(&fake, "EAAGright", by_unknown_id).await.0, 400);
        fake.close_window("79991234567", true);
        let (status, answer) = send(&fake, "EAAGright", text("late")).await;
        assert_eq!(
            (status, answer["error"]["code"].clone()),
            (400, json!(131_047))
        );
        assert!(fake.sent().is_empty());
        assert!(fake.spec_errors().is_empty(), "{:?}", fake.spec_errors());

        // A body off the description is refused and recorded.
        let (status, _) = send(
            &fake,
            "EAAGright",
            json!({ "messaging_product": "whatsapp" }),
        )
        .await;
        assert_eq!(status, 400);
        assert!(!fake.spec_errors().is_empty());
    }

    #[tokio::test]
    async fn media_a_customer_sent_is_served_to_the_numbers_token() {
        let fake = fake().await;
        let media_id = fake.add_media(ID, b"OggS voice", "audio/ogg");
        let client = reqwest::Client::new();
        let info: Value = client
            .get(format!("{}/v23.0/{media_id}", fake.url()))
            .query(&[("phone_number_id", ID)])
            .bearer_auth("EAAGright")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info["mime_type"], "audio/ogg");
        let url = info["url"].as_str().unwrap();
        let without_token = client.get(url).send().await.unwrap();
        assert_ne!(without_token.status().as_u16(), 200);
        let file = client
            .get(url)
            .bearer_auth("EAAGright")
            .send()
            .await
            .unwrap();
        assert_eq!(file.status().as_u16(), 200);
        assert_eq!(file.bytes().await.unwrap().as_ref(), b"OggS voice");
        let errors = fake.spec_errors();
        assert_eq!(errors.len(), 1, "only the call without a token: {errors:?}");
        assert!(errors[0].contains("Authorization"), "{errors:?}");
    }

    fn template(name: &str, language: &str, params: &[&str]) -> Value {
        let parameters: Vec<Value> = params
            .iter()
            .map(|p| json!({ "type": "text", "text": p }))
            .collect();
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "79991234567",
            "type": "template",
            "template": {
                "name": name, "language": { "code": language },
                "components": [{ "type": "body", "parameters": parameters }],
            },
        })
    }

    #[tokio::test]
    async fn templates_are_listed_to_the_accounts_numbers_and_sent_when_approved() {
        let fake = fake().await;
        let mut pending = Template::approved("promo", "ru", "Скидка {{1}}");
        pending.status = "PENDING".into();
        fake.add_business_account(
            "2000001",
            &[ID],
            vec![
                Template::approved("order_ready", "ru", "Заказ {{1}} готов, {{2}}"),
                pending,
            ],
        );
        let client = reqwest::Client::new();
        let list = |token: &'static str| {
            client
                .get(format!("{}/v23.0/2000001/message_templates", fake.url()))
                .bearer_auth(token)
                .send()
        };
        let answer = list("EAAGright").await.unwrap();
        assert_eq!(answer.status().as_u16(), 200);
        let answer: Value = answer.json().await.unwrap();
        let names: Vec<(&str, &str)> = answer["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap(), t["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            names,
            vec![("order_ready", "APPROVED"), ("promo", "PENDING")]
        );
        assert_eq!(answer["data"][0]["components"][0]["type"], "BODY");
        assert_eq!(list("EAAGwrong").await.unwrap().status().as_u16(), 401);

        // Outside the window a template goes; a free-form message does not.
        fake.close_window("79991234567", true);
        assert_eq!(send(&fake, "EAAGright", text("late")).await.0, 400);
        let (status, answer) = send(
            &fake,
            "EAAGright",
            template("order_ready", "ru", &["42", "Ивану"]),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        for (body, code) in [
            (template("order_ready", "ru", &["42"]), 132_000),
            (template("order_ready", "en_US", &["42", "Ivan"]), 132_001),
            (template("promo", "ru", &["10%"]), 132_001),
        ] {
            let (status, answer) = send(&fake, "EAAGright", body).await;
            assert_eq!(
                (status, answer["error"]["code"].clone()),
                (400, json!(code))
            );
        }
        assert_eq!(fake.sent().len(), 1);
        assert!(fake.spec_errors().is_empty(), "{:?}", fake.spec_errors());
    }
}
