//! Replies from the inbox through the Graph API, what Meta's statuses do
//! to them, and the 24-hour window.

use std::time::Duration;

use serde_json::json;
use tuberry::api;
use tuberry::model::{ConversationStatus, Delivery};
use tuberry_fakes::whatsapp_cloud::statuses_payload;

use super::{CUSTOMER, Cloud, PHONE_NUMBER_ID};

const HOUR: i64 = 60 * 60 * 1000;

#[tokio::test]
async fn a_reply_leaves_through_the_graph_api_as_meta_documents_it() {
    let mut app = Cloud::start().await;
    app.customer_writes("Сколько стоит дрель?").await;
    let conversation = app.conversation_id().await;
    let reply = api::send_reply(
        app.engine(),
        conversation,
        "12 990 ₽, есть в наличии".into(),
    )
    .await
    .unwrap();
    let sent = app
        .until_message(reply.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    let accepted = app.fake.sent();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].phone_number_id, PHONE_NUMBER_ID);
    assert_eq!(
        accepted[0].body,
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
            "type": "text", "text": { "body": "12 990 ₽, есть в наличии", "preview_url": false },
        })
    );
    assert_eq!(sent.delivery_error, None);

    // A long reply goes in parts of at most 4096 characters.
    let long = format!("{}\n\n{}", "а".repeat(4000), "б".repeat(3000));
    let reply = api::send_reply(app.engine(), conversation, long)
        .await
        .unwrap();
    app.until_message(reply.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    let accepted = app.fake.sent();
    assert_eq!(accepted.len(), 3);
    assert_eq!(accepted[1].body["text"]["body"], "а".repeat(4000));
    assert_eq!(accepted[2].body["text"]["body"], "б".repeat(3000));

    // A photo is uploaded, then sent by its id; the text follows.
    let photo = b"\xff\xd8\xff\xe0 the drill".to_vec();
    let file = api::upload_attachment(
        app.engine(),
        "drill.jpg".into(),
        Some("image/jpeg".into()),
        photo.clone(),
    )
    .await
    .unwrap();
    let reply = api::send_reply_with_files(
        app.engine(),
        conversation,
        "вот она".into(),
        vec![file],
        None,
        None,
    )
    .await
    .unwrap();
    app.until_message(reply.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    let uploads = app.fake.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].bytes, photo);
    let accepted = app.fake.sent();
    assert_eq!(accepted.len(), 5);
    assert_eq!(accepted[3].body["type"], "image");
    assert_eq!(accepted[3].body["image"]["id"], uploads[0].id.as_str());
    assert_eq!(accepted[4].body["text"]["body"], "вот она");

    // A reaction to the customer's question goes as Meta documents it; a
    // changed reply stays changed here only (Meta has no edits).
    let detail = api::get_conversation(app.engine(), conversation)
        .await
        .unwrap();
    let question = detail
        .messages
        .iter()
        .find(|m| m.text == "Сколько стоит дрель?")
        .unwrap();
    let asked: String = sqlx::query_scalar("SELECT external_id FROM messages WHERE id = ?1")
        .bind(question.id)
        .fetch_one(app.engine().store().pool())
        .await
        .unwrap();
    let mut tx = app.engine().store().write().await.unwrap();
    app.engine()
        .outbox()
        .react_in(&mut tx, question.id, "👍")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.engine().queue().wake();
    api::edit_reply(app.engine(), reply.id, "вот она, синяя".into())
        .await
        .unwrap();
    let refused = app
        .until_message(reply.id, "changed here only", |m| m.edit_error.is_some())
        .await;
    assert!(
        refused
            .edit_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot change")),
        "{refused:?}"
    );
    let accepted = app.fake.sent();
    assert_eq!(accepted.len(), 6, "{accepted:#?}");
    assert_eq!(
        accepted[5].body,
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
            "type": "reaction", "reaction": { "message_id": asked, "emoji": "👍" },
        })
    );
    app.assert_spec_kept();
    app.close().await;
}

#[tokio::test]
async fn statuses_move_delivery_on_and_never_back() {
    let mut app = Cloud::start().await;
    app.customer_writes("Жду ответа").await;
    let conversation = app.conversation_id().await;
    let reply = api::send_reply(app.engine(), conversation, "Отвечаем!".into())
        .await
        .unwrap();
    app.until_message(reply.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    let wamid = app.fake.sent()[0].id.clone();
    let status =
        |s: &'static str| statuses_payload(&app.number, &[(wamid.as_str(), s, CUSTOMER)], None);

    assert_eq!(app.post(&status("sent")).await, 200);
    assert_eq!(app.post(&status("delivered")).await, 200);
    let m = app
        .until_message(reply.id, "delivered", |m| {
            m.delivery == Some(Delivery::Delivered)
        })
        .await;
    assert_eq!(m.read_at, None);
    assert_eq!(app.post(&status("read")).await, 200);
    let read = app
        .until_message(reply.id, "read", |m| m.read_at.is_some())
        .await;
    assert_eq!(read.delivery, Some(Delivery::Delivered));

    // Late statuses change nothing.
    app.clock.advance(60_000);
    for late in ["delivered", "sent", "failed"] {
        assert_eq!(app.post(&status(late)).await, 200);
    }
    let after = app.until_message(reply.id, "unchanged", |_| true).await;
    assert_eq!(
        (after.delivery, after.read_at),
        (read.delivery, read.read_at)
    );
    app.assert_spec_kept();
    app.close().await;
}

#[tokio::test]
async fn a_reply_meta_cannot_deliver_fails_with_its_reason() {
    let mut app = Cloud::start().await;
    app.customer_writes("Привет").await;
    let conversation = app.conversation_id().await;
    let reply = api::send_reply(app.engine(), conversation, "Здравствуйте".into())
        .await
        .unwrap();
    app.until_message(reply.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    let wamid = app.fake.sent()[0].id.clone();
    let failed = statuses_payload(
        &app.number,
        &[(wamid.as_str(), "failed", CUSTOMER)],
        Some((131_026, "Message undeliverable")),
    );
    assert_eq!(app.post(&failed).await, 200);
    let m = app
        .until_message(reply.id, "failed", |m| m.delivery == Some(Delivery::Failed))
        .await;
    assert_eq!(
        m.delivery_error.as_deref(),
        Some("WhatsApp: Message undeliverable (code 131026)")
    );
    let detail = api::get_conversation(app.engine(), conversation)
        .await
        .unwrap();
    assert_eq!(detail.conversation.status, ConversationStatus::NeedsHuman);
    app.assert_spec_kept();
    app.close().await;
}

const WINDOW_CLOSED: &str =
    "more than 24 hours since the customer's last message: only an approved template can be sent";

#[tokio::test]
async fn a_reply_after_24_hours_is_refused_before_it_is_tried() {
    let mut app = Cloud::start().await;
    app.customer_writes("Вопрос про заказ").await;
    let conversation = app.conversation_id().await;

    app.clock.advance(23 * HOUR);
    let inside = api::send_reply(app.engine(), conversation, "ещё успеваем".into())
        .await
        .unwrap();
    app.until_message(inside.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;

    app.clock.advance(HOUR + 60_000);
    let outside = api::send_reply(app.engine(), conversation, "уже поздно".into())
        .await
        .unwrap();
    let refused = app
        .until_message(outside.id, "failed", |m| {
            m.delivery == Some(Delivery::Failed)
        })
        .await;
    assert_eq!(refused.delivery_error.as_deref(), Some(WINDOW_CLOSED));
    assert_eq!(
        app.fake.sent().len(),
        1,
        "only the reply inside the window reached Meta"
    );

    // The customer writes again: the window opens again.
    app.customer_writes("я тут").await;
    let again = api::send_reply(app.engine(), conversation, "отлично".into())
        .await
        .unwrap();
    app.until_message(again.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    assert_eq!(app.fake.sent().len(), 2);
    app.assert_spec_kept();
    app.close().await;
}

#[tokio::test]
async fn metas_own_window_refusal_reads_the_same() {
    let mut app = Cloud::start().await;
    app.customer_writes("Здравствуйте").await;
    let conversation = app.conversation_id().await;
    // Meta counts from its own clock: here it already sees the window closed.
    app.fake.close_window(CUSTOMER, true);
    let reply = api::send_reply(app.engine(), conversation, "Добрый день".into())
        .await
        .unwrap();
    let refused = app
        .until_message(reply.id, "failed", |m| m.delivery == Some(Delivery::Failed))
        .await;
    assert_eq!(refused.delivery_error.as_deref(), Some(WINDOW_CLOSED));
    assert!(app.fake.sent().is_empty());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        app.fake
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/messages"))
            .count(),
        1,
        "a refusal for good is not tried again"
    );
    app.assert_spec_kept();
    app.close().await;
}
