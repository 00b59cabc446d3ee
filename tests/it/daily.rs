//! The inbox for a day's work: labels, snooze, bulk actions, the list's
//! orders and the search's filters.

use tuberry::api;
use tuberry::events::EngineEvent;
use tuberry::labels::{LabelColor, LabelInput};
use tuberry::model::{ConversationFilter, ConversationSort, ConversationStatus};
use tuberry::{Engine, ErrorCode};

use crate::helpers::{T0, conversation_ids as ids, inbound, next_event, open_engine, spawn_app};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

async fn rows(engine: &Engine, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(engine.store().pool())
        .await
        .unwrap()
}

fn label(name: &str, color: LabelColor) -> LabelInput {
    LabelInput {
        name: name.into(),
        color,
    }
}

#[tokio::test]
async fn labels_go_on_many_conversations_at_once_and_filter_the_list() {
    let app = spawn_app().await;
    let e = &app.engine;
    let mut conversations = Vec::new();
    for name in ["Анна", "Борис", "Вера"] {
        let out = api::simulate_inbound(e, name.into(), "Здравствуйте".into())
            .await
            .unwrap();
        conversations.push(out.conversation_id);
    }
    let [anna, boris, vera] = conversations[..] else {
        unreachable!()
    };
    let vip = api::create_label(e, label("  VIP  клиент ", LabelColor::Purple))
        .await
        .unwrap();
    assert_eq!(vip.name, "VIP клиент");
    let wholesale = api::create_label(e, label("Опт", LabelColor::Green))
        .await
        .unwrap();

    // The same name in another case, an empty one, a long one: refused, nothing written.
    for bad in ["vip КЛИЕНТ", "   ", &"x".repeat(41)] {
        let err = api::create_label(e, label(bad, LabelColor::Red))
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{bad:?}: {err:?}");
    }
    assert_eq!(rows(e, "labels").await, 2);
    let renamed = api::update_label(e, wholesale.id, label("vip клиент", LabelColor::Green))
        .await
        .unwrap_err();
    assert!(renamed.message.contains("already"), "{renamed:?}");

    let changed = api::label_conversations(e, vec![anna, boris, anna], vip.id, true)
        .await
        .unwrap();
    assert_eq!(changed.len(), 2, "each conversation once");
    assert!(changed.iter().all(|c| c.label_ids == vec![vip.id]));
    api::label_conversations(e, vec![boris], wholesale.id, true)
        .await
        .unwrap();
    let filter = |label_id| ConversationFilter {
        label_id: Some(label_id),
        ..Default::default()
    };
    let mut labelled = ids(e, filter(vip.id)).await;
    labelled.sort();
    assert_eq!(labelled, vec![anna, boris]);
    assert_eq!(ids(e, filter(wholesale.id)).await, vec![boris]);
    let listed = api::list_labels(e).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|l| (l.name.as_str(), l.conversation_count))
            .collect::<Vec<_>>(),
        [("VIP клиент", 2), ("Опт", 1)]
    );

    // One unknown conversation in the batch: none of them changes.
    let err = api::label_conversations(e, vec![vera, 999_999], vip.id, true)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert_eq!(rows(e, "conversation_labels").await, 3);
    let err = api::label_conversations(e, Vec::new(), vip.id, true)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);

    // Taken off one; closed together; the label deleted leaves them bare.
    api::label_conversations(e, vec![anna], vip.id, false)
        .await
        .unwrap();
    assert_eq!(ids(e, filter(vip.id)).await, vec![boris]);
    let closed = api::set_conversations_status(e, vec![anna, vera], ConversationStatus::Closed)
        .await
        .unwrap();
    assert!(
        closed
            .iter()
            .all(|c| c.status == ConversationStatus::Closed)
    );
    let open = ids(
        e,
        ConversationFilter {
            status: Some(ConversationStatus::AwaitingResponse),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(open, vec![boris]);
    api::delete_label(e, vip.id).await.unwrap();
    let boris_now = api::get_conversation(e, boris).await.unwrap().conversation;
    assert_eq!(boris_now.label_ids, vec![wholesale.id]);
}

#[tokio::test]
async fn a_snoozed_conversation_comes_back_at_its_time_across_a_restart_or_when_the_customer_writes()
 {
    let app = spawn_app().await;
    let e = &app.engine;
    let anna = api::simulate_inbound(e, "Anna".into(), "Hi".into())
        .await
        .unwrap()
        .conversation_id;
    let boris = api::simulate_inbound(e, "Boris".into(), "Hello".into())
        .await
        .unwrap()
        .conversation_id;
    let vera = api::simulate_inbound(e, "Vera".into(), "Good day".into())
        .await
        .unwrap()
        .conversation_id;

    // Times past or too far are refused and nothing is written.
    for until in [T0 - 1, T0 + 400 * 24 * HOUR] {
        let err = api::snooze_conversations(e, vec![anna], Some(until))
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    }
    assert_eq!(rows(e, "jobs WHERE kind = 'conversation.wake'").await, 0);

    let snoozed = api::snooze_conversations(e, vec![anna, boris], Some(T0 + HOUR))
        .await
        .unwrap();
    assert!(snoozed.iter().all(|c| c.snoozed_until == Some(T0 + HOUR)));
    assert_eq!(ids(e, ConversationFilter::default()).await, vec![vera]);
    let mut away = ids(
        e,
        ConversationFilter {
            snoozed: true,
            ..Default::default()
        },
    )
    .await;
    away.sort();
    assert_eq!(away, vec![anna, boris]);
    let counts = api::status_counts(e).await.unwrap();
    assert_eq!((counts.all, counts.snoozed), (1, 2));

    // Boris writes: back at once; his wake-up later changes nothing.
    e.relay()
        .ingest(
            inbound(&app, "Boris", "boris-2", "Are you there?")
                .validate()
                .unwrap(),
        )
        .await
        .unwrap();
    let mut listed = ids(e, ConversationFilter::default()).await;
    listed.sort();
    assert_eq!(listed, {
        let mut v = vec![boris, vera];
        v.sort();
        v
    });

    // The queue holds Anna's time across a restart.
    e.shutdown(std::time::Duration::from_secs(1)).await;
    let engine = open_engine(&app.dir, &app.clock).await;
    engine.queue().drain().await.unwrap();
    assert!(
        !ids(&engine, ConversationFilter::default())
            .await
            .contains(&anna)
    );
    app.clock.advance(HOUR);
    let mut events2 = engine.events().subscribe();
    engine.queue().drain().await.unwrap();
    let back = next_event(&mut events2, |ev| match ev {
        EngineEvent::ConversationChanged { conversation } if conversation.id == anna => {
            Some(conversation.clone())
        }
        _ => None,
    })
    .await;
    assert_eq!(back.snoozed_until, None);
    assert_eq!(ids(&engine, ConversationFilter::default()).await.len(), 3);
    assert_eq!(api::status_counts(&engine).await.unwrap().snoozed, 0);
}

#[tokio::test]
async fn unread_first_and_waiting_longest_order_the_list() {
    let app = spawn_app().await;
    let e = &app.engine;
    let anna = api::simulate_inbound(e, "Anna".into(), "One".into())
        .await
        .unwrap()
        .conversation_id;
    app.clock.advance(MINUTE);
    let boris = api::simulate_inbound(e, "Boris".into(), "Two".into())
        .await
        .unwrap()
        .conversation_id;
    app.clock.advance(MINUTE);
    let vera = api::simulate_inbound(e, "Vera".into(), "Three".into())
        .await
        .unwrap()
        .conversation_id;
    app.clock.advance(MINUTE);
    let gleb = api::simulate_inbound(e, "Gleb".into(), "Four".into())
        .await
        .unwrap()
        .conversation_id;
    app.clock.advance(MINUTE);
    // Boris is answered (latest now), Vera read, Gleb's closed unanswered.
    api::send_reply(e, boris, "Answer".into()).await.unwrap();
    api::mark_read(e, vera).await.unwrap();
    api::set_conversation_status(e, gleb, ConversationStatus::Closed)
        .await
        .unwrap();

    let sorted = |sort| ConversationFilter {
        sort: Some(sort),
        ..Default::default()
    };
    assert_eq!(
        ids(e, sorted(ConversationSort::Recent)).await,
        vec![boris, gleb, vera, anna]
    );
    assert_eq!(
        ids(e, sorted(ConversationSort::Unread)).await,
        vec![gleb, anna, boris, vera],
        "unread ones first, each part newest first"
    );
    let waiting = api::list_conversations(e, sorted(ConversationSort::Waiting))
        .await
        .unwrap();
    assert_eq!(waiting.total, 2);
    assert_eq!(
        waiting.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![anna, vera],
        "only those waiting for an answer, longest first"
    );
}

#[tokio::test]
async fn search_narrows_by_channel_status_label_period_and_customer() {
    let app = spawn_app().await;
    let e = &app.engine;
    let anna = api::simulate_inbound(e, "Анна".into(), "Когда доставка в Казань?".into())
        .await
        .unwrap();
    app.clock.advance(24 * HOUR);
    let boris = api::simulate_inbound(e, "Борис".into(), "Доставка в Самару есть?".into())
        .await
        .unwrap();
    app.clock.advance(24 * HOUR);
    // Anna writes again on the third day about something else.
    api::simulate_inbound(e, "Анна".into(), "И оплата картой?".into())
        .await
        .unwrap();
    let search = |since, until| ConversationFilter {
        search: Some("доставка".into()),
        since,
        until,
        ..Default::default()
    };
    assert_eq!(ids(e, search(None, None)).await.len(), 2);
    // The period is the matching message's: Anna's delivery question was on day one.
    assert_eq!(
        ids(e, search(Some(T0), Some(T0 + 24 * HOUR))).await,
        vec![anna.conversation_id]
    );
    assert_eq!(
        ids(e, search(Some(T0 + 24 * HOUR), None)).await,
        vec![boris.conversation_id]
    );
    // Without text, the period is the latest message's.
    let recent = ConversationFilter {
        since: Some(T0 + 36 * HOUR),
        ..Default::default()
    };
    assert_eq!(ids(e, recent).await, vec![anna.conversation_id]);
    let contact = api::get_conversation(e, boris.conversation_id)
        .await
        .unwrap()
        .contact
        .id;
    let theirs = ConversationFilter {
        contact_id: Some(contact),
        ..Default::default()
    };
    assert_eq!(ids(e, theirs).await, vec![boris.conversation_id]);
    let vip = api::create_label(e, label("VIP", LabelColor::Blue))
        .await
        .unwrap();
    api::label_conversations(e, vec![anna.conversation_id], vip.id, true)
        .await
        .unwrap();
    let labelled = ConversationFilter {
        label_id: Some(vip.id),
        status: Some(ConversationStatus::AwaitingResponse),
        ..search(None, None)
    };
    assert_eq!(ids(e, labelled).await, vec![anna.conversation_id]);
    let err = api::list_conversations(e, search(Some(T0 + HOUR), Some(T0)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}
