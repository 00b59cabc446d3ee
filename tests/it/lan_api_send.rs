//! `POST /api/v1/send` addressed by `to`: a first message to someone new
//! opens their conversation where the channel lets a shop write first (and
//! is refused, writing nothing, where it does not: Avito), files by URL and
//! inline, quotes.

use tuberry::api;
use tuberry::api_tokens::Scope;

use crate::lan_api::{get, messages, post, serving};

/// Rows of the tables a send may write.
async fn footprint(engine: &tuberry::Engine) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "contacts",
        "contact_identities",
        "conversations",
        "messages",
        "api_sends",
        "jobs",
    ] {
        counts.push(
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(engine.store().pool())
                .await
                .unwrap(),
        );
    }
    counts
}

/// A channel account of `kind` as the store keeps it (no runner needed to
/// address people on it).
async fn account(engine: &tuberry::Engine, kind: &str, external_id: &str) -> i64 {
    let mut tx = engine.store().write().await.unwrap();
    let id = sqlx::query_scalar(
        "INSERT INTO channel_accounts (kind, name, external_id, created_at) VALUES (?1, ?1, ?2, 0) RETURNING id",
    )
    .bind(kind)
    .bind(external_id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_message_opens_a_conversation_where_the_channel_allows_it() {
    let (engine, _dir, listening) = serving().await;
    let send = format!("http://{listening}/api/v1/send");
    let token = api::create_api_token(&engine, "CRM".into(), vec![Scope::Send])
        .await
        .unwrap()
        .secret;

    // Someone new on the Test chat: a contact and a conversation, then the same one again.
    let (status, first) = post(
        &send,
        &token,
        serde_json::json!({"channel": "simulator", "to": "Boris", "text": "Your order is ready.", "idempotencyKey": "b-1"}),
    )
    .await;
    assert_eq!(status, 202, "{first}");
    let (status, second) = post(
        &send,
        &token,
        serde_json::json!({"channel": "simulator", "to": " Boris ", "text": "We are open till 8.", "idempotencyKey": "b-2"}),
    )
    .await;
    assert_eq!(status, 202, "{second}");
    assert_eq!(first["conversationId"], second["conversationId"]);
    let named: String = sqlx::query_scalar(
        "SELECT k.display_name FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.id = ?1",
    )
    .bind(first["conversationId"].as_i64().unwrap())
    .fetch_one(engine.store().pool())
    .await
    .unwrap();
    assert_eq!(named, "Boris");
    crate::helpers::eventually("Boris gets both", async || {
        let told = api::simulator_transcript(&engine, Some("Boris".into()))
            .await
            .unwrap();
        (told.len() == 2).then_some(())
    })
    .await;

    // WhatsApp reaches a number; Telegram a chat id, or a username it has met.
    let whatsapp = account(&engine, "whatsapp", "79000000001").await;
    let (status, wa) = post(
        &send,
        &token,
        serde_json::json!({"channelAccountId": whatsapp, "to": "+7 (900) 123-45-67", "text": "Hello!", "idempotencyKey": "w-1"}),
    )
    .await;
    assert_eq!(status, 202, "{wa}");
    let (thread, phone): (String, String) = sqlx::query_as(
        "SELECT c.external_thread_id, i.value FROM conversations c
         JOIN contact_identities i ON i.contact_id = c.contact_id WHERE c.id = ?1 AND i.kind = 'phone'",
    )
    .bind(wa["conversationId"].as_i64().unwrap())
    .fetch_one(engine.store().pool())
    .await
    .unwrap();
    assert_eq!(
        (thread.as_str(), phone.as_str()),
        ("79001234567@s.whatsapp.net", "+79001234567")
    );
    let bot = account(&engine, "telegram_bot", "5550001").await;
    let (status, tg) = post(
        &send,
        &token,
        serde_json::json!({"channel": "telegram_bot", "to": "123456789", "text": "Hi", "idempotencyKey": "t-1"}),
    )
    .await;
    assert_eq!(status, 202, "{tg}");

    // Refused, each with its reason, and nothing written.
    let before = footprint(&engine).await;
    let avito = account(&engine, "avito", "42").await;
    let before_avito = footprint(&engine).await;
    assert_eq!(before, before_avito);
    for (bad, code, says) in [
        (
            serde_json::json!({"channelAccountId": avito, "to": "12345", "text": "Hi", "idempotencyKey": "a-1"}),
            422,
            "Avito",
        ),
        (
            serde_json::json!({"channelAccountId": bot, "to": "@never_wrote", "text": "Hi", "idempotencyKey": "a-2"}),
            422,
            "@never_wrote",
        ),
        (
            serde_json::json!({"channelAccountId": bot, "to": "not an address", "text": "Hi", "idempotencyKey": "a-3"}),
            422,
            "Telegram",
        ),
        (
            serde_json::json!({"channelAccountId": whatsapp, "to": "8900", "text": "Hi", "idempotencyKey": "a-4"}),
            422,
            "international",
        ),
        (
            serde_json::json!({"channelAccountId": 9999, "to": "Boris", "text": "Hi", "idempotencyKey": "a-5"}),
            404,
            "9999",
        ),
        (
            serde_json::json!({"channel": "simulator", "projectId": 777, "to": "Boris", "text": "Hi", "idempotencyKey": "a-6"}),
            404,
            "777",
        ),
        (
            serde_json::json!({"channel": "email", "to": "a@b.example", "text": "Hi", "idempotencyKey": "a-7"}),
            422,
            "no enabled email",
        ),
        (
            serde_json::json!({"channel": "fax", "to": "1", "text": "Hi", "idempotencyKey": "a-8"}),
            422,
            "fax",
        ),
        (
            serde_json::json!({"to": "Boris", "text": "Hi", "idempotencyKey": "a-9"}),
            422,
            "channel",
        ),
        (
            serde_json::json!({"conversationId": first["conversationId"], "to": "Boris", "text": "Hi", "idempotencyKey": "a-10"}),
            422,
            "not both",
        ),
        (
            serde_json::json!({"channel": "simulator", "to": "Boris", "text": "Hi", "replyTo": wa["id"], "idempotencyKey": "a-11"}),
            422,
            "not in this conversation",
        ),
    ] {
        let (status, answer) = post(&send, &token, bad.clone()).await;
        assert_eq!(status, code, "{bad} → {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{bad} → {message}");
        assert_eq!(footprint(&engine).await, before, "{bad} wrote nothing");
    }

    // A first e-mail opens a thread of its own, the address as the store keeps addresses.
    let mailbox = account(&engine, "email", "shop@example.com").await;
    let (status, mail) = post(
        &send,
        &token,
        serde_json::json!({"channelAccountId": mailbox, "to": "Client@Example.com", "subject": "Your order", "text": "It ships today.", "idempotencyKey": "e-1"}),
    )
    .await;
    assert_eq!(status, 202, "{mail}");
    let (thread, subject, address): (String, Option<String>, String) = sqlx::query_as(
        "SELECT c.external_thread_id, c.subject, i.value FROM conversations c
         JOIN contact_identities i ON i.contact_id = c.contact_id WHERE c.id = ?1",
    )
    .bind(mail["conversationId"].as_i64().unwrap())
    .fetch_one(engine.store().pool())
    .await
    .unwrap();
    assert!(thread.starts_with("to:client@example.com:"), "{thread}");
    assert_eq!(
        (subject.as_deref(), address.as_str()),
        (Some("Your order"), "client@example.com")
    );
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_go_by_url_or_inline_and_a_quote_names_its_message() {
    use base64::Engine as _;
    let (engine, _dir, listening) = serving().await;
    let base = format!("http://{listening}/api/v1");
    let token = api::create_api_token(&engine, "Site".into(), vec![Scope::Send, Scope::Read])
        .await
        .unwrap()
        .secret;
    let asked = api::simulate_inbound(&engine, "Vera".into(), "Do you have the invoice?".into())
        .await
        .unwrap();

    // A shop's server with the invoice.
    let invoice = b"%PDF-1.4 invoice 42".to_vec();
    let served = invoice.clone();
    let files = axum::Router::new()
        .route(
            "/invoice.pdf",
            axum::routing::get(move || {
                let served = served.clone();
                async move { ([("content-type", "application/pdf")], served) }
            }),
        )
        .route(
            "/huge.bin",
            axum::routing::get(|| async { vec![0u8; 21 * 1024 * 1024] }),
        );
    let shop = crate::receiver::serve(files).await;

    let before = messages(&engine).await;
    for (bad, says) in [
        (
            serde_json::json!({"url": format!("http://{shop}/missing.pdf"), "name": "x.pdf"}),
            "404",
        ),
        (
            serde_json::json!({"url": format!("http://{shop}/huge.bin"), "name": "huge.bin"}),
            "larger",
        ),
        (
            serde_json::json!({"url": "ftp://example.com/x", "name": "x"}),
            "http",
        ),
        (
            serde_json::json!({"data": "not base64!", "name": "x.txt"}),
            "base64",
        ),
        (serde_json::json!({"name": "x.txt"}), "url or data"),
        (
            serde_json::json!({"data": "aGk=", "url": "http://a/b", "name": "x.txt"}),
            "url or data",
        ),
        (serde_json::json!({"data": "aGk=", "name": " "}), "name"),
    ] {
        let (status, answer) = post(
            &format!("{base}/send"),
            &token,
            serde_json::json!({"conversationId": asked.conversation_id, "text": "Here it is", "attachments": [bad.clone()], "idempotencyKey": "f-bad"}),
        )
        .await;
        assert_eq!(status, 422, "{bad} → {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{bad} → {message}");
    }
    assert_eq!(
        messages(&engine).await,
        before,
        "refused files wrote nothing"
    );

    let note = b"Thank you for your order".to_vec();
    let (status, sent) = post(
        &format!("{base}/send"),
        &token,
        serde_json::json!({
            "conversationId": asked.conversation_id,
            "text": "Here it is",
            "replyTo": asked.message_id,
            "attachments": [
                {"url": format!("http://{shop}/invoice.pdf"), "name": "invoice.pdf"},
                {"data": base64::engine::general_purpose::STANDARD.encode(&note), "name": "note.txt", "mime": "text/plain"},
            ],
            "idempotencyKey": "f-1",
        }),
    )
    .await;
    assert_eq!(status, 202, "{sent}");
    let files = sent["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["mime"], "application/pdf");
    assert_eq!(files[0]["size"], invoice.len());
    assert_eq!(files[1]["kind"], "file");
    assert_eq!(sent["quoted"], "Do you have the invoice?");
    let id = sent["id"].as_i64().unwrap();
    let stored = tuberry::inbox::message(engine.store().pool(), id)
        .await
        .unwrap();
    let kept = engine
        .files()
        .read(stored.attachments[0].url.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(kept, invoice, "the file fetched is kept as it was served");
    let answered: Option<i64> =
        sqlx::query_scalar("SELECT reply_to_id FROM messages WHERE id = ?1")
            .bind(id)
            .fetch_one(engine.store().pool())
            .await
            .unwrap();
    assert_eq!(answered, Some(asked.message_id));
    let (status, _, view) = get(&format!("{base}/messages/{id}"), Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(view["attachments"][1]["name"], "note.txt");
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}
