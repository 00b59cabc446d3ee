use tuberry::api;
use tuberry::error::ErrorCode;
use tuberry::model::{ConversationFilter, ConversationStatus, Direction};

use crate::helpers::{count, inbound, spawn_app};

#[tokio::test]
async fn the_same_inbound_message_twice_is_stored_once() {
    let app = spawn_app().await;
    let first = app
        .engine
        .relay()
        .ingest(
            inbound(&app, "Анна", "m-1", "Здравствуйте")
                .validate()
                .unwrap(),
        )
        .await
        .unwrap();
    let again = app
        .engine
        .relay()
        .ingest(
            inbound(&app, "Анна", "m-1", "Здравствуйте")
                .validate()
                .unwrap(),
        )
        .await
        .unwrap();

    assert!(!first.duplicate);
    assert!(again.duplicate, "the second delivery must be recognised");
    assert_eq!(again.message_id, first.message_id);
    assert_eq!(count(&app, "messages").await, 1);
    let conv =
        tuberry::inbox::conversation_summary(app.engine.store().pool(), first.conversation_id)
            .await
            .unwrap();
    assert_eq!(
        conv.unread_count, 1,
        "a duplicate must not count as unread twice"
    );
}

#[tokio::test]
async fn ingest_finds_or_creates_contact_and_conversation() {
    let app = spawn_app().await;
    let relay = app.engine.relay();
    let a1 = relay
        .ingest(inbound(&app, "Анна", "a-1", "Привет").validate().unwrap())
        .await
        .unwrap();
    let a2 = relay
        .ingest(
            inbound(&app, "Анна", "a-2", "Есть доставка?")
                .validate()
                .unwrap(),
        )
        .await
        .unwrap();
    let b1 = relay
        .ingest(inbound(&app, "Boris", "b-1", "Hello").validate().unwrap())
        .await
        .unwrap();

    assert_eq!(
        a1.conversation_id, a2.conversation_id,
        "same customer, same thread"
    );
    assert_ne!(a1.conversation_id, b1.conversation_id);
    assert_eq!(count(&app, "contacts").await, 2);

    let detail = api::get_conversation(&app.engine, a1.conversation_id)
        .await
        .unwrap();
    assert_eq!(detail.contact.display_name, "Анна");
    assert_eq!(detail.messages.len(), 2);
    assert!(
        detail
            .messages
            .iter()
            .all(|m| m.direction == Direction::In && m.delivery.is_none())
    );
    assert_eq!(detail.conversation.last_message_preview, "Есть доставка?");
    assert_eq!(detail.conversation.unread_count, 2);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let empty = inbound(&app, "Анна", "x-1", "   ").validate();
    assert!(empty.is_err(), "an empty message must be refused");
    let no_id = inbound(&app, "Анна", "", "text").validate();
    assert!(
        no_id.is_err(),
        "a message without its provider id must be refused"
    );

    let err = api::simulate_inbound(&app.engine, "".into(), "text".into())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = api::send_reply(&app.engine, 999, "hi".into())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);

    let mut unknown_account = inbound(&app, "Анна", "x-2", "text");
    unknown_account.channel_account_id = 4242;
    let err = app
        .engine
        .relay()
        .ingest(unknown_account.validate().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    assert_eq!(count(&app, "messages").await, 0);
    assert_eq!(
        count(&app, "contacts").await,
        0,
        "a refused message must not leave a contact behind"
    );
    assert_eq!(count(&app, "conversations").await, 0);
}

#[tokio::test]
async fn status_follows_the_conversation() {
    let app = spawn_app().await;
    let e = &app.engine;
    let status = |id| async move {
        api::get_conversation(e, id)
            .await
            .unwrap()
            .conversation
            .status
    };

    let first = api::simulate_inbound(e, "Анна".into(), "Здравствуйте".into())
        .await
        .unwrap();
    let id = first.conversation_id;
    assert_eq!(status(id).await, ConversationStatus::AwaitingResponse);

    api::send_reply(e, id, "Добрый день!".into()).await.unwrap();
    assert_eq!(
        status(id).await,
        ConversationStatus::Closed,
        "a manager reply moves it off awaiting_response"
    );

    api::simulate_inbound(e, "Анна".into(), "Ещё вопрос".into())
        .await
        .unwrap();
    assert_eq!(
        status(id).await,
        ConversationStatus::AwaitingResponse,
        "a new customer message reopens it"
    );

    api::set_conversation_status(e, id, ConversationStatus::NeedsHuman)
        .await
        .unwrap();
    api::simulate_inbound(e, "Анна".into(), "Алло?".into())
        .await
        .unwrap();
    assert_eq!(
        status(id).await,
        ConversationStatus::NeedsHuman,
        "a request for a person stands"
    );

    api::set_conversation_status(e, id, ConversationStatus::Closed)
        .await
        .unwrap();
    assert_eq!(status(id).await, ConversationStatus::Closed);
    let counts = api::status_counts(e).await.unwrap();
    assert_eq!(
        (counts.all, counts.closed, counts.awaiting_response),
        (1, 1, 0)
    );
}

#[tokio::test]
async fn list_filters_searches_and_pages() {
    let app = spawn_app().await;
    let e = &app.engine;
    for (i, name) in ["Анна", "Борис", "Вера", "Глеб", "Дина"].iter().enumerate()
    {
        app.clock.advance(1_000);
        let text = if i == 2 {
            "Где мой заказ №42?"
        } else {
            "Здравствуйте"
        };
        api::simulate_inbound(e, (*name).into(), text.into())
            .await
            .unwrap();
    }
    let all = api::list_conversations(
        e,
        ConversationFilter {
            limit: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(all.total, 5);
    assert_eq!(
        all.items
            .iter()
            .map(|c| c.contact_name.as_str())
            .collect::<Vec<_>>(),
        ["Дина", "Глеб"],
        "newest first"
    );
    let next = api::list_conversations(
        e,
        ConversationFilter {
            offset: 2,
            limit: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(next.items[0].contact_name, "Вера");

    let by_text = api::list_conversations(
        e,
        ConversationFilter {
            search: Some("ЗАКАЗ".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        by_text
            .items
            .iter()
            .map(|c| c.contact_name.as_str())
            .collect::<Vec<_>>(),
        ["Вера"]
    );
    let by_name = api::list_conversations(
        e,
        ConversationFilter {
            search: Some("бор".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        by_name.total, 1,
        "names match case-insensitively in any script"
    );
    assert_eq!(by_name.items[0].contact_name, "Борис");

    let id = by_name.items[0].id;
    api::set_conversation_status(e, id, ConversationStatus::Closed)
        .await
        .unwrap();
    let closed = api::list_conversations(
        e,
        ConversationFilter {
            status: Some(ConversationStatus::Closed),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(closed.items.iter().map(|c| c.id).collect::<Vec<_>>(), [id]);
    let quote = api::list_conversations(
        e,
        ConversationFilter {
            search: Some("\"%_".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        quote.total, 0,
        "search text is matched literally, never as syntax"
    );
}
