//! What customers send, as it arrives in the inbox.

use serde_json::json;
use tuberry::model::{AttachmentKind, ContactIdentity, IdentityKind};

use super::{CUSTOMER, CUSTOMER_NAME, Cloud, DISPLAY_PHONE, PHONE_NUMBER_ID};

#[tokio::test]
async fn a_text_comes_from_the_customer_known_by_phone() {
    let mut app = Cloud::start().await;
    app.customer_writes("Добрый день! Есть доставка?").await;
    let inbound = app.inbound().await;
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0].text, "Добрый день! Есть доставка?");
    assert_eq!(inbound[0].author_name.as_deref(), Some(CUSTOMER_NAME));
    let identity: (String, String) = sqlx::query_as("SELECT kind, value FROM contact_identities")
        .fetch_one(app.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(identity, ("phone".to_owned(), format!("+{CUSTOMER}")));
    let number = api_number(&app).await;
    assert_eq!(
        number.display_phone.as_deref(),
        Some(DISPLAY_PHONE),
        "learned from the metadata"
    );
    app.assert_spec_kept();
    app.close().await;
}

async fn api_number(app: &Cloud) -> tuberry::channels::whatsapp::cloud::model::CloudNumber {
    tuberry::api::list_whatsapp_cloud_numbers(app.engine())
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn a_customer_already_known_by_the_phone_is_the_same_contact() {
    let mut app = Cloud::start().await;
    // The same person wrote to the Test chat before and shared the phone.
    let earlier = tuberry::relay::Inbound {
        channel_account_id: app.engine().simulator().account_id(),
        external_message_id: "sim-1".into(),
        external_thread_id: "ivan".into(),
        sender: ContactIdentity {
            kind: IdentityKind::Simulator,
            value: "ivan".into(),
        },
        sender_name: "Ivan".into(),
        subject: None,
        text: "hello".into(),
        attachments: Vec::new(),
        sent_at: None,
    };
    let outcome = app
        .engine()
        .relay()
        .ingest(earlier.validate().unwrap())
        .await
        .unwrap();
    let phone = ContactIdentity {
        kind: IdentityKind::Phone,
        value: format!("+{CUSTOMER}"),
    };
    app.engine()
        .relay()
        .note_identities(outcome.conversation_id, &[phone])
        .await
        .unwrap();

    app.customer_writes("это снова я, из WhatsApp").await;
    let contacts: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT contact_id FROM conversations")
        .fetch_all(app.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(contacts.len(), 1, "both conversations are with one contact");
    app.close().await;
}

#[tokio::test]
async fn every_kind_of_message_arrives() {
    let mut app = Cloud::start().await;
    let jpeg = b"\xff\xd8\xff\xe0 a photo of a drill".to_vec();
    let ogg = b"OggS voice of the customer".to_vec();
    let mp4 = b"\x00\x00\x00\x18ftypmp42 a video".to_vec();
    let pdf = b"%PDF-1.4 the invoice".to_vec();
    let webp = b"RIFF\x10\x00\x00\x00WEBPVP8 a sticker".to_vec();
    let media = |bytes: &[u8], mime: &str| app.fake.add_media(PHONE_NUMBER_ID, bytes, mime);
    let (image_id, voice_id, video_id, pdf_id, sticker_id) = (
        media(&jpeg, "image/jpeg"),
        media(&ogg, "audio/ogg"),
        media(&mp4, "video/mp4"),
        media(&pdf, "application/pdf"),
        media(&webp, "image/webp"),
    );
    let text_id = app.wamid();
    let ids: Vec<String> = (0..8).map(|_| app.wamid()).collect();
    let messages = vec![
        app.message(&text_id, "text", json!({ "body": "Смотрите, что сломалось" })),
        app.message(&ids[0], "image", json!({ "id": image_id, "mime_type": "image/jpeg", "sha256": "x", "caption": "дрель" })),
        app.message(&ids[1], "audio", json!({ "id": voice_id, "mime_type": "audio/ogg; codecs=opus", "voice": true })),
        app.message(&ids[2], "video", json!({ "id": video_id, "mime_type": "video/mp4" })),
        app.message(&ids[3], "document", json!({ "id": pdf_id, "mime_type": "application/pdf", "filename": "счёт.pdf" })),
        app.message(&ids[4], "sticker", json!({ "id": sticker_id, "mime_type": "image/webp", "animated": false })),
        app.message(&ids[5], "location", json!({ "latitude": 55.7558, "longitude": 37.6173, "name": "Магазин", "address": "Тверская, 1" })),
        app.message(&ids[6], "contacts", json!([{ "name": { "formatted_name": "Пётр Сидоров", "first_name": "Пётр" }, "phones": [{ "phone": "+7 999 765-43-21", "wa_id": "79997654321", "type": "CELL" }] }])),
    ];
    assert_eq!(app.post(&app.payload(messages)).await, 200);
    // A reaction to the text and a reply quoting it.
    let reaction = app.message(
        &app.wamid(),
        "reaction",
        json!({ "message_id": text_id, "emoji": "👍" }),
    );
    let mut reply = app.message(&ids[7], "text", json!({ "body": "это про дрель" }));
    reply["context"] = json!({ "from": CUSTOMER, "id": text_id });
    assert_eq!(app.post(&app.payload(vec![reaction, reply])).await, 200);

    let inbound = app.inbound().await;
    assert_eq!(
        inbound.len(),
        9,
        "the reaction is not a message: {inbound:#?}"
    );
    let by_id = |i: usize| &inbound[i];
    assert_eq!(by_id(0).text, "Смотрите, что сломалось");
    assert_eq!(by_id(0).reaction.as_deref(), Some("👍"));
    let expected = [
        (1, AttachmentKind::Image, "image/jpeg", &jpeg, "дрель"),
        (2, AttachmentKind::Audio, "audio/ogg", &ogg, ""),
        (3, AttachmentKind::Video, "video/mp4", &mp4, ""),
        (4, AttachmentKind::File, "application/pdf", &pdf, ""),
        (5, AttachmentKind::Image, "image/webp", &webp, ""),
    ];
    for (i, kind, mime, bytes, caption) in expected {
        let m = by_id(i);
        assert_eq!(m.text, caption, "message {i}");
        assert_eq!(m.attachments.len(), 1, "message {i}: {m:#?}");
        let a = &m.attachments[0];
        assert_eq!(
            (a.kind, a.mime.as_deref()),
            (kind, Some(mime)),
            "message {i}"
        );
        let kept = tuberry::api::read_attachment(app.engine(), a.url.as_deref().unwrap())
            .await
            .unwrap();
        assert_eq!(
            &kept, bytes,
            "message {i}: the file as the customer sent it"
        );
    }
    assert_eq!(by_id(2).attachments[0].name, "voice.ogg");
    assert_eq!(by_id(4).attachments[0].name, "счёт.pdf");
    assert_eq!(
        by_id(6).text,
        "📍 Магазин, Тверская, 1 https://maps.google.com/?q=55.7558,37.6173"
    );
    assert_eq!(by_id(7).text, "👤 Пётр Сидоров +7 999 765-43-21");
    assert_eq!(by_id(8).text, "это про дрель");
    assert_eq!(by_id(8).quoted.as_deref(), Some("Смотрите, что сломалось"));

    // Taking the reaction back.
    let undo = app.message(
        &app.wamid(),
        "reaction",
        json!({ "message_id": text_id, "emoji": "" }),
    );
    assert_eq!(app.post(&app.payload(vec![undo])).await, 200);
    assert_eq!(app.inbound().await[0].reaction, None);
    app.assert_spec_kept();
    app.close().await;
}

#[tokio::test]
async fn a_media_file_meta_no_longer_has_becomes_a_note_and_meta_down_is_retried() {
    let mut app = Cloud::start().await;
    let gone = app.message(
        &app.wamid(),
        "image",
        json!({ "id": "123", "mime_type": "image/jpeg", "caption": "фото" }),
    );
    assert_eq!(app.post(&app.payload(vec![gone])).await, 200);
    assert_eq!(app.inbound().await[0].text, "фото\n[image]");

    // Meta's media service is down: the delivery is refused so Meta repeats it.
    let bytes = b"\xff\xd8\xff\xe0 later".to_vec();
    let media_id = app.fake.add_media(PHONE_NUMBER_ID, &bytes, "image/jpeg");
    let payload = app.payload(vec![app.message(
        &app.wamid(),
        "image",
        json!({ "id": media_id, "mime_type": "image/jpeg" }),
    )]);
    app.fake
        .fail_next(1, 503, 2, "Service temporarily unavailable");
    let before = app.rows().await;
    assert_eq!(app.post(&payload).await, 500);
    assert_eq!(app.rows().await, before, "nothing half-stored");
    assert_eq!(app.post(&payload).await, 200);
    let inbound = app.inbound().await;
    assert_eq!(inbound.len(), 2);
    assert_eq!(inbound[1].attachments.len(), 1);
    app.assert_spec_kept();
    app.close().await;
}
