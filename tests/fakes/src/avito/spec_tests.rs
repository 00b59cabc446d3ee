//! The checks against the API description are not vacuous: requests that
//! break it are refused and recorded, the forms Avito documents pass, and
//! answers and webhook payloads are held to their schemas.

use std::time::Duration;

use axum::http::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::spec::{Route, spec};
use super::tests::{SELLER, ann, answer, bike, get, post, shop};
use super::*;

/// A request the description does not allow, what it must be answered, and
/// a piece of the line it must leave in `spec_errors()`.
struct Refused {
    request: reqwest::RequestBuilder,
    status: u16,
    recorded: &'static str,
}

#[tokio::test]
async fn requests_that_break_the_description_are_refused_and_recorded() {
    let (fake, token) = shop().await;
    let chat = fake
        .buyer_writes(SELLER, BuyerMessage::text(ann(), Some(bike()), "Привет"))
        .chat_id;
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", fake.url());
    let send = url(&format!(
        "/messenger/v1/accounts/{SELLER}/chats/{chat}/messages"
    ));
    let chats = url(&format!("/messenger/v2/accounts/{SELLER}/chats"));
    let upload = url(&format!("/messenger/v1/accounts/{SELLER}/uploadImages"));
    let not_the_file =
        Form::new().part("file", Part::bytes(b"\xff\xd8".to_vec()).file_name("a.jpg"));
    let cases = [
        Refused {
            request: client
                .post(&send)
                .json(&json!({"message": {"text": "я".repeat(1001)}, "type": "text"})),
            status: 400,
            recorded: "body /message/text: \"яяяяяяяяяяяяяяяя…\" (1001 characters) is longer than 1000 characters",
        },
        Refused {
            request: client
                .post(&send)
                .json(&json!({"message": {"text": "привет"}})),
            status: 400,
            recorded: "body: \"type\" is a required property",
        },
        Refused {
            request: client
                .post(&send)
                .json(&json!({"message": {"text": 123}, "type": "image"})),
            status: 400,
            recorded: "body /type: \"image\" is not one of",
        },
        Refused {
            request: client.post(&send).json(&json!({})),
            status: 400,
            recorded: "body: \"message\" is a required property",
        },
        Refused {
            request: client.post(&send).form(&[("type", "text")]),
            status: 400,
            recorded: "the body has Content-Type `application/x-www-form-urlencoded`; the operation takes application/json",
        },
        Refused {
            request: client
                .post(&send)
                .header("content-type", "application/json")
                .body("{\"message\":"),
            status: 400,
            recorded: "the body is not valid application/json",
        },
        Refused {
            request: client.get(format!("{chats}?limit=500")),
            status: 400,
            recorded: "query parameter `limit`: 500 is greater than the maximum of 100",
        },
        Refused {
            request: client.get(format!("{chats}?offset=1001")),
            status: 400,
            recorded: "query parameter `offset`: 1001 is greater than the maximum of 1000",
        },
        Refused {
            request: client.get(format!("{chats}?limit=0")),
            status: 400,
            recorded: "query parameter `limit`: 0 is less than the minimum of 1",
        },
        Refused {
            request: client.get(format!("{chats}?chat_types=foo")),
            status: 400,
            recorded: "query parameter `chat_types` /0: \"foo\" is not one of",
        },
        Refused {
            request: client.get(format!("{chats}?chat_types=u2i,nope")),
            status: 400,
            recorded: "query parameter `chat_types` /1: \"nope\" is not one of",
        },
        Refused {
            request: client.get(format!("{chats}?unread_only=yes")),
            status: 400,
            recorded: "query parameter `unread_only`: \"yes\" is not of type \"boolean\"",
        },
        Refused {
            request: client.get(format!("{chats}?item_ids=12,abc")),
            status: 400,
            recorded: "query parameter `item_ids` /1: \"abc\" is not of type \"integer\"",
        },
        Refused {
            request: client.get(url("/messenger/v2/accounts/abc/chats")),
            status: 400,
            recorded: "path parameter `user_id`: \"abc\" is not of type \"integer\"",
        },
        Refused {
            request: client.get(url(&format!(
                "/messenger/v1/accounts/{SELLER}/getVoiceFiles"
            ))),
            status: 400,
            recorded: "required query parameter `voice_ids` is missing",
        },
        Refused {
            request: client.get(&chats),
            status: 401,
            recorded: "required header `Authorization` is missing",
        },
        Refused {
            request: client.post(&upload).multipart(not_the_file),
            status: 400,
            recorded: "body: \"uploadfile[]\" is a required property",
        },
        Refused {
            request: client
                .post(url("/messenger/v3/webhook"))
                .json(&json!({"uri": "http://x"})),
            status: 400,
            recorded: "body: \"url\" is a required property",
        },
        Refused {
            request: client
                .post(url("/token"))
                .form(&[("grant_type", "client_credentials"), ("client_id", "a")]),
            status: 400,
            recorded: "is not valid under any of the schemas listed in the 'oneOf' keyword (1: \"client_secret\" is a required property",
        },
        Refused {
            request: client.post(url("/token")).form(&[
                ("grant_type", "password"),
                ("client_id", "a"),
                ("client_secret", "s3cr3t-value"),
            ]),
            status: 400,
            recorded: "(1: /grant_type \"password\" is not one of \"client_credentials\"; 2: \"code\" is a required property; 3: \"refresh_token\" is a required property)",
        },
        Refused {
            request: client.get(url(&format!(
                "/messenger/v3/accounts/{SELLER}/chats/{chat}/messages"
            ))),
            status: 404,
            recorded: "no operation of the description has this path (it has /messenger/v3/",
        },
        Refused {
            request: client.delete(&send),
            status: 405,
            recorded: "the path takes only POST",
        },
    ];
    for (i, case) in cases.into_iter().enumerate() {
        let before = fake.spec_errors().len();
        let request = case.request.bearer_auth(&token).build().unwrap();
        let mut request = request;
        if case.status == 401 {
            request.headers_mut().remove("authorization");
        }
        let shown = format!("case {i}: {} {}", request.method(), request.url());
        let (status, body) = answer(client.execute(request).await.unwrap()).await;
        assert_eq!(status, case.status, "{shown}: {body}");
        if status != 404 && status != 405 && !shown.contains("/token") {
            assert_eq!(
                body["error"]["code"].as_u64(),
                Some(u64::from(status)),
                "{shown}: {body}"
            );
        }
        let errors = fake.spec_errors();
        let new = &errors[before..];
        assert!(
            new.iter().any(|e| e.contains(case.recorded)),
            "{shown}: {new:#?}"
        );
    }
    let errors = fake.spec_errors();
    assert!(
        errors.iter().all(|e| !e.contains("s3cr3t-value")),
        "{errors:#?}"
    );
    assert!(fake.sent().is_empty());
    assert_eq!(fake.tokens_issued(), 1);
}

#[tokio::test]
async fn the_forms_avito_documents_pass() {
    let (fake, token) = shop().await;
    let written = fake.buyer_writes(SELLER, BuyerMessage::text(ann(), Some(bike()), "Привет"));
    let chat = &written.chat_id;
    let voice = fake.buyer_writes(
        SELLER,
        BuyerMessage {
            buyer: ann(),
            item: Some(bike()),
            content: Content::Voice(b"v".to_vec()),
        },
    );
    let voice_id = fake.messages(chat)[1].content["voice"]["voice_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(voice.chat_id, *chat);
    let chats = format!("/messenger/v2/accounts/{SELLER}/chats");
    for query in [
        "",
        "?chat_types=u2i,u2u",
        "?chat_types=u2i,u2u,a2u",
        &format!("?item_ids={},6789", bike().id),
        "?unread_only=true",
        "?unread_only=false&limit=100&offset=1000",
        "?limit=1&offset=0",
    ] {
        let (status, body) = get(&fake, &token, &format!("{chats}{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
    }
    let messages =
        format!("/messenger/v3/accounts/{SELLER}/chats/{chat}/messages/?limit=50&offset=0");
    assert_eq!(get(&fake, &token, &messages).await.0, 200);
    let voices = format!(
        "/messenger/v1/accounts/{SELLER}/getVoiceFiles?voice_ids={voice_id}&voice_ids={voice_id}"
    );
    assert_eq!(get(&fake, &token, &voices).await.0, 200);
    let longest = json!({"message": {"text": "я".repeat(1000)}, "type": "text"});
    let send = format!("/messenger/v1/accounts/{SELLER}/chats/{chat}/messages");
    assert_eq!(post(&fake, &token, &send, longest).await.0, 200);
    let read = format!("/messenger/v1/accounts/{SELLER}/chats/{chat}/read");
    let bare = reqwest::Client::new()
        .post(format!("{}{read}", fake.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 200);
    let upload = Form::new().part(
        "uploadfile[]",
        Part::bytes(b"\xff\xd8".to_vec()).file_name("a.jpg"),
    );
    let uploaded = reqwest::Client::new()
        .post(format!(
            "{}/messenger/v1/accounts/{SELLER}/uploadImages",
            fake.url()
        ))
        .bearer_auth(&token)
        .multipart(upload)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 200);
    let delete = format!("{send}/{}", fake.sent()[0].message_id);
    assert_eq!(
        post(&fake, &token, &delete, Value::Null).await,
        (200, json!({}))
    );
    assert_eq!(fake.messages(chat)[2].kind, "deleted");
    let blacklist = json!({"users": [{"user_id": ann().id, "context": {"item_id": bike().id, "reason_id": 2}}]});
    assert_eq!(
        post(
            &fake,
            &token,
            &format!("/messenger/v2/accounts/{SELLER}/blacklist"),
            blacklist
        )
        .await
        .0,
        200
    );
    assert!(fake.spec_errors().is_empty(), "{:#?}", fake.spec_errors());

    // A parameter the operation does not have is ignored but noted.
    assert_eq!(
        get(&fake, &token, &format!("{chats}?unread=true")).await.0,
        200
    );
    let errors = fake.spec_errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("query parameter `unread` is not a parameter of this operation"));
}

#[test]
fn literal_segments_win_and_the_trailing_slash_counts() {
    let spec = spec();
    let route = |method: Method, path: &str| match spec.route(&method, path) {
        Route::Found(op, params) => Some((op.id.clone(), params)),
        _ => None,
    };
    let (id, params) = route(
        Method::POST,
        "/messenger/v1/accounts/1/chats/u2i-x/messages/image",
    )
    .unwrap();
    assert_eq!(id, "postSendImageMessage");
    assert_eq!(
        params,
        [
            ("user_id".to_owned(), "1".to_owned()),
            ("chat_id".to_owned(), "u2i-x".to_owned())
        ]
    );
    assert_eq!(
        route(
            Method::POST,
            "/messenger/v1/accounts/1/chats/u2i-x/messages/abc"
        )
        .unwrap()
        .0,
        "deleteMessage"
    );
    assert_eq!(
        route(Method::GET, "/messenger/v3/accounts/1/chats/c/messages/")
            .unwrap()
            .0,
        "getMessagesV3"
    );
    assert!(route(Method::GET, "/messenger/v3/accounts/1/chats/c/messages").is_none());
    assert_eq!(route(Method::POST, "/token").unwrap().0, "getAccessToken");
    assert_eq!(
        route(Method::POST, "/token/").unwrap().0,
        "getAccessTokenTrailingSlash"
    );
    assert!(matches!(
        spec.route(&Method::GET, "/token"),
        Route::WrongMethod(_)
    ));
    assert!(matches!(
        spec.route(&Method::GET, "/messenger/v2/accounts//chats"),
        Route::NotFound
    ));
}

#[test]
fn answers_and_webhook_payloads_are_held_to_their_schemas() {
    let spec = spec();
    let messages = spec.operation("getMessagesV3").unwrap();
    let fine = json!([{"id": "a", "author_id": 1, "created": 1, "direction": "in", "type": "text", "content": {"text": "hi", "image": null}, "is_read": false, "read": null}]);
    assert!(
        spec.answer_errors(messages, 200, &fine).is_empty(),
        "nullable is honoured"
    );
    let wrong = json!([{"id": 5, "direction": "sideways", "type": "text", "read": "yesterday", "content": {"text": 7}}]);
    let errors = spec.answer_errors(messages, 200, &wrong);
    for expected in ["/0/id", "/0/direction", "/0/read", "/0/content/text"] {
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{expected}: {errors:#?}"
        );
    }
    assert!(
        spec.answer_errors(messages, 418, &wrong).is_empty(),
        "undocumented statuses are not checked"
    );

    let me = spec.operation("getUserInfoSelf").unwrap();
    let unauthorized = json!({"error": {"code": 401}});
    assert_eq!(
        spec.answer_errors(me, 401, &unauthorized),
        ["answer 401 /error: \"message\" is a required property"]
    );

    let payload = json!({"id": "x", "version": "v3.0.0", "timestamp": 1, "payload": {"type": "message", "value": {"chat_type": "group", "item_id": null, "read": null}}});
    let errors = spec.webhook_errors(&payload);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("/payload/value/chat_type"));
}

#[tokio::test]
async fn answers_and_webhooks_the_fake_gives_are_checked_while_it_runs() {
    if !cfg!(debug_assertions) {
        return;
    }
    let (fake, token) = shop().await;
    // A coordinate that is not a number is written as null, which the
    // description does not allow.
    let nowhere = Content::Location {
        lat: f64::NAN,
        lon: 37.6,
        title: "?".into(),
        text: "?".into(),
    };
    let subscribe = json!({"url": "http://127.0.0.1:9/hook"});
    assert_eq!(
        post(&fake, &token, "/messenger/v3/webhook", subscribe)
            .await
            .0,
        200
    );
    let chat = fake
        .buyer_writes(
            SELLER,
            BuyerMessage {
                buyer: ann(),
                item: None,
                content: nowhere,
            },
        )
        .chat_id;
    let messages = format!("/messenger/v3/accounts/{SELLER}/chats/{chat}/messages/");
    assert_eq!(get(&fake, &token, &messages).await.0, 200);
    let delivered = |f: &FakeAvito| f.webhook_deliveries().len() == 1;
    assert!(fake.wait_until(Duration::from_secs(5), delivered).await);
    let mut errors = fake.spec_errors();
    errors.sort();
    let expected = [
        format!("GET {messages}: answer 200 /0/content/location/lat: null is not of type \"number\""),
        "webhook to http://127.0.0.1:9/hook: payload /payload/value/content/location/lat: null is not of type \"number\"".to_owned(),
    ];
    assert_eq!(errors, expected);
}
