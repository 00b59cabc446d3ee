//! Chats and messages: buyers write, the app lists, reads and answers.

use reqwest::multipart::{Form, Part};
use serde_json::json;

use super::tests::{
    SELLER, ann, answer, bike, chats_path, get, messages_path, post, send_path, shop,
};
use super::*;

#[tokio::test]
async fn buyer_messages_make_chats_that_list_newest_first() {
    let (fake, token) = shop().await;
    let first = fake.buyer_writes(
        SELLER,
        BuyerMessage::text(ann(), Some(bike()), "Здравствуйте!"),
    );
    let boris = Buyer::new(500_002, "Борис");
    let direct = fake.buyer_writes(SELLER, BuyerMessage::text(boris.clone(), None, "Вы тут?"));
    assert!(first.chat_id.starts_with("u2i-") && direct.chat_id.starts_with("u2u-"));
    let again = fake.buyer_writes(
        SELLER,
        BuyerMessage::text(ann(), Some(bike()), "Он ещё продаётся?"),
    );
    assert_eq!(
        again.chat_id, first.chat_id,
        "one chat per buyer and listing"
    );

    // By default only chats about listings, as described.
    let (status, body) = get(&fake, &token, &chats_path("")).await;
    assert_eq!(status, 200);
    let chats = body["chats"].as_array().unwrap();
    assert_eq!(chats.len(), 1);
    let chat = &chats[0];
    assert_eq!(chat["id"].as_str(), Some(first.chat_id.as_str()));
    assert_eq!(chat["context"]["type"], "item");
    assert_eq!(chat["context"]["value"]["id"].as_i64(), Some(bike().id));
    assert_eq!(chat["context"]["value"]["title"], "Велосипед Stels");
    assert_eq!(chat["users"][0]["name"], "Магазин");
    assert_eq!(chat["users"][1]["name"], "Анна");
    assert_eq!(chat["last_message"]["content"]["text"], "Он ещё продаётся?");
    assert_eq!(chat["last_message"]["direction"], "in");

    let (_, body) = get(&fake, &token, &chats_path("?chat_types=u2i,u2u&limit=10")).await;
    let ids: Vec<&str> = body["chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [first.chat_id.as_str(), direct.chat_id.as_str()],
        "newest first"
    );
    let (_, body) = get(&fake, &token, &chats_path("?chat_types=u2u")).await;
    assert!(body["chats"][0].get("context").is_none());
    let (_, body) = get(&fake, &token, &chats_path("?item_ids=1,2")).await;
    assert_eq!(body["chats"], json!([]));

    // Listing messages does not mark the chat read; reading it does.
    let (status, messages) = get(&fake, &token, &messages_path(&first.chat_id)).await;
    assert_eq!(status, 200);
    let messages = messages.as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[0]["content"]["text"], "Он ещё продаётся?",
        "newest first"
    );
    assert_eq!(messages[0]["id"].as_str(), Some(again.message_id.as_str()));
    assert_eq!(
        (
            messages[0]["direction"].as_str(),
            messages[0]["author_id"].as_i64()
        ),
        (Some("in"), Some(ann().id))
    );
    assert_eq!(
        (
            messages[0]["is_read"].as_bool(),
            messages[0]["read"].is_null()
        ),
        (Some(false), true)
    );
    assert!(!fake.is_read(&first.chat_id));
    let unread = get(
        &fake,
        &token,
        &chats_path("?unread_only=true&chat_types=u2i,u2u"),
    )
    .await
    .1;
    assert_eq!(unread["chats"].as_array().unwrap().len(), 2);

    let read_path = format!(
        "/messenger/v1/accounts/{SELLER}/chats/{}/read",
        first.chat_id
    );
    assert_eq!(
        post(&fake, &token, &read_path, json!({})).await,
        (200, json!({"ok": true}))
    );
    assert!(fake.is_read(&first.chat_id));
    assert_eq!(fake.read_calls(&first.chat_id), 1);
    let unread = get(
        &fake,
        &token,
        &chats_path("?unread_only=true&chat_types=u2i,u2u"),
    )
    .await
    .1;
    assert_eq!(
        unread["chats"][0]["id"].as_str(),
        Some(direct.chat_id.as_str())
    );
    let (_, messages) = get(&fake, &token, &messages_path(&first.chat_id)).await;
    assert_eq!(messages[1]["is_read"], true);
    assert!(messages[1]["read"].is_i64());

    // The seller answers: the answer is stored and listed as outgoing.
    let (status, sent) = post(
        &fake,
        &token,
        &send_path(&first.chat_id),
        json!({"message": {"text": "Да, продаётся"}, "type": "text"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (sent["direction"].as_str(), sent["type"].as_str()),
        (Some("out"), Some("text"))
    );
    assert_eq!(sent["content"]["text"], "Да, продаётся");
    let recorded = fake.sent();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].kind, SentKind::Text);
    assert_eq!(recorded[0].text.as_deref(), Some("Да, продаётся"));
    assert_eq!(recorded[0].message_id, sent["id"].as_str().unwrap());
    let (_, messages) = get(
        &fake,
        &token,
        &format!("{}?limit=1", messages_path(&first.chat_id)),
    )
    .await;
    assert_eq!(messages.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            messages[0]["direction"].as_str(),
            messages[0]["author_id"].as_i64()
        ),
        (Some("out"), Some(SELLER))
    );
    let (status, chat) = get(
        &fake,
        &token,
        &format!("{}/{}", chats_path(""), first.chat_id),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(chat["last_message"]["direction"], "out");
    assert_eq!(fake.messages(&first.chat_id).len(), 3);

    // A business cannot start a chat.
    let (status, body) = post(
        &fake,
        &token,
        &send_path("u2i-nonexistent"),
        json!({"message": {"text": "Здравствуйте"}, "type": "text"}),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_i64()), (404, Some(404)));
    assert_eq!(get(&fake, &token, &messages_path("u2u-nope")).await.0, 404);
    assert!(fake.spec_errors().is_empty(), "{:#?}", fake.spec_errors());
}

#[tokio::test]
async fn buyer_pictures_voice_and_other_content_are_served_and_described() {
    let (fake, token) = shop().await;
    let picture = b"\x89PNG\r\n\x1a\n fake picture".to_vec();
    let chat = fake
        .buyer_writes(
            SELLER,
            BuyerMessage {
                buyer: ann(),
                item: Some(bike()),
                content: Content::Image(picture.clone()),
            },
        )
        .chat_id;
    let voice = b"\0\0\0\x18ftypM4A fake voice".to_vec();
    fake.buyer_writes(
        SELLER,
        BuyerMessage {
            buyer: ann(),
            item: Some(bike()),
            content: Content::Voice(voice.clone()),
        },
    );
    let more = [
        Content::Link {
            url: "https://habr.com/ru/".into(),
            text: "habr.com".into(),
        },
        Content::ItemCard(Item::new(5, "Шлем")),
        Content::System("Покупатель оформил доставку".into()),
        Content::Location {
            lat: 55.6,
            lon: 37.6,
            title: "Москва".into(),
            text: "Москва, Варшавское шоссе".into(),
        },
    ];
    for content in more {
        fake.buyer_writes(
            SELLER,
            BuyerMessage {
                buyer: ann(),
                item: Some(bike()),
                content,
            },
        );
    }

    let (_, messages) = get(&fake, &token, &messages_path(&chat)).await;
    let kinds: Vec<&str> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["location", "system", "item", "link", "voice", "image"]
    );
    assert_eq!(
        messages[1]["author_id"], 0,
        "system messages come from Avito"
    );

    let sizes = &messages[5]["content"]["image"]["sizes"];
    for size in ["1280x960", "640x480", "140x105"] {
        let url = sizes[size].as_str().unwrap();
        assert!(url.starts_with(&fake.url()), "{url}");
        let response = reqwest::get(url).await.unwrap();
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.bytes().await.unwrap().as_ref(), picture.as_slice());
    }

    let voice_id = messages[4]["content"]["voice"]["voice_id"]
        .as_str()
        .unwrap();
    let path = format!("/messenger/v1/accounts/{SELLER}/getVoiceFiles?voice_ids={voice_id}");
    let (status, body) = get(&fake, &token, &path).await;
    assert_eq!(status, 200);
    let url = body["voices_urls"][voice_id].as_str().unwrap();
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.headers()["content-type"], "audio/mp4");
    assert_eq!(response.bytes().await.unwrap().as_ref(), voice.as_slice());
    let unknown =
        format!("/messenger/v1/accounts/{SELLER}/getVoiceFiles?voice_ids={voice_id},nope");
    assert_eq!(get(&fake, &token, &unknown).await.0, 404);
    assert!(fake.spec_errors().is_empty(), "{:#?}", fake.spec_errors());
}

#[tokio::test]
async fn uploaded_images_are_kept_and_sent_by_id() {
    let (fake, token) = shop().await;
    let chat = fake
        .buyer_writes(
            SELLER,
            BuyerMessage::text(ann(), Some(bike()), "Фото есть?"),
        )
        .chat_id;
    let form = Form::new()
        .part(
            "uploadfile[]",
            Part::bytes(b"\xff\xd8\xff\xe0 one".to_vec())
                .file_name("one.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        )
        .part(
            "uploadfile[]",
            Part::bytes(b"\xff\xd8\xff\xe0 two".to_vec())
                .file_name("two.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let response = reqwest::Client::new()
        .post(format!(
            "{}/messenger/v1/accounts/{SELLER}/uploadImages",
            fake.url()
        ))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, uploaded) = answer(response).await;
    assert_eq!(status, 200, "{uploaded}");
    let uploaded = uploaded.as_object().unwrap();
    assert_eq!(uploaded.len(), 2);
    let (image_id, sizes) = uploaded
        .iter()
        .find(|(id, _)| fake.uploaded_image(id).as_deref() == Some(b"\xff\xd8\xff\xe0 one"))
        .unwrap();
    assert!(sizes["1280x960"].is_string() && sizes["140x105"].is_string());

    let image_path = format!("{}/image", send_path(&chat));
    let (status, sent) = post(&fake, &token, &image_path, json!({"image_id": image_id})).await;
    assert_eq!(status, 200);
    assert_eq!(
        (sent["type"].as_str(), sent["direction"].as_str()),
        (Some("image"), Some("out"))
    );
    assert_eq!(&sent["content"]["image"]["sizes"], sizes);
    let recorded = fake.sent();
    assert_eq!(
        (recorded[0].kind, recorded[0].image_id.as_deref()),
        (SentKind::Image, Some(image_id.as_str()))
    );

    let (status, body) = post(
        &fake,
        &token,
        &image_path,
        json!({"image_id": "123.unknown"}),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_i64()), (400, Some(400)));
    assert!(fake.uploaded_image("123.unknown").is_none());
    assert!(fake.spec_errors().is_empty(), "{:#?}", fake.spec_errors());
}
