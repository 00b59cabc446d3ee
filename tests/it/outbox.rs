use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use tuberry::api;
use tuberry::channels::{Channel, Outgoing, SendError, Sent};
use tuberry::events::EngineEvent;
use tuberry::model::{ConversationStatus, Delivery, Direction};
use tuberry::queue::Step;

use crate::helpers::{next_event, spawn_app};

#[tokio::test]
async fn a_reply_reaches_the_simulated_customer_once() {
    let app = spawn_app().await;
    let e = &app.engine;
    let inbound = api::simulate_inbound(e, "Анна".into(), "Сколько стоит доставка?".into())
        .await
        .unwrap();
    let reply = api::send_reply(e, inbound.conversation_id, "Доставка бесплатная".into())
        .await
        .unwrap();
    assert_eq!(
        reply.delivery,
        Some(Delivery::Pending),
        "a reply is stored before it is sent"
    );

    let steps = e.queue().drain().await.unwrap();
    assert_eq!(steps.len(), 1, "{steps:?}");

    let detail = api::get_conversation(e, inbound.conversation_id)
        .await
        .unwrap();
    let sent = detail.messages.iter().find(|m| m.id == reply.id).unwrap();
    assert_eq!(sent.delivery, Some(Delivery::Sent));
    assert!(sent.sent_at.is_some());

    let transcript = api::simulator_transcript(e, Some("Анна".into()))
        .await
        .unwrap();
    let texts: Vec<_> = transcript
        .iter()
        .map(|t| (t.direction, t.text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (Direction::In, "Сколько стоит доставка?"),
            (Direction::Out, "Доставка бесплатная")
        ]
    );

    // The job runs again (say its lease expired after a crash right after
    // sending): the customer still sees the reply once.
    sqlx::query("UPDATE jobs SET status = 'queued'")
        .execute(e.store().pool())
        .await
        .unwrap();
    e.queue().drain().await.unwrap();
    assert_eq!(
        api::simulator_transcript(e, Some("Анна".into()))
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn workers_deliver_and_the_window_hears_of_it() {
    let app = spawn_app().await;
    let e = &app.engine;
    let mut events = e.events().subscribe();
    e.start().await.expect("engine starts");
    let inbound = api::simulate_inbound(e, "Anna".into(), "Hi!".into())
        .await
        .unwrap();
    let added = next_event(&mut events, |ev| match ev {
        EngineEvent::MessageAdded { message } if message.direction == Direction::In => {
            Some(message.clone())
        }
        _ => None,
    })
    .await;
    assert_eq!(added.id, inbound.message_id);

    let reply = api::send_reply(e, inbound.conversation_id, "Hello, how can I help?".into())
        .await
        .unwrap();
    // The transcript line and the delivery update both reach subscribers.
    let (mut updated, mut entry) = (None, None);
    next_event(&mut events, |ev| {
        match ev {
            EngineEvent::MessageUpdated { message } if message.id == reply.id => {
                updated = Some(message.clone())
            }
            EngineEvent::SimulatorEntry { entry: line } if line.direction == Direction::Out => {
                entry = Some(line.clone())
            }
            _ => {}
        }
        (updated.is_some() && entry.is_some()).then_some(())
    })
    .await;
    assert_eq!(updated.unwrap().delivery, Some(Delivery::Sent));
    let entry = entry.unwrap();
    assert_eq!(
        (entry.text.as_str(), entry.message_id),
        ("Hello, how can I help?", Some(reply.id))
    );
    e.shutdown(std::time::Duration::from_secs(5)).await;
}

/// A channel that fails the way it is told to.
struct FlakyChannel {
    calls: AtomicUsize,
    failure: SendError,
}

#[async_trait]
impl Channel for FlakyChannel {
    async fn send(&self, _message: &Outgoing) -> Result<Sent, SendError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(self.failure.clone())
    }
}

#[tokio::test]
async fn an_undeliverable_reply_is_marked_failed_and_asks_for_a_person() {
    let app = spawn_app().await;
    let e = &app.engine;
    let channel = Arc::new(FlakyChannel {
        calls: AtomicUsize::new(0),
        failure: SendError::Transient("network down".into()),
    });
    e.channels()
        .senders()
        .connect(e.simulator().account_id(), channel.clone());

    let inbound = api::simulate_inbound(e, "Анна".into(), "Алло".into())
        .await
        .unwrap();
    let reply = api::send_reply(e, inbound.conversation_id, "Слушаю".into())
        .await
        .unwrap();

    let mut steps = Vec::new();
    for _ in 0..3 {
        steps.extend(e.queue().drain().await.unwrap());
        app.clock.advance(120_000);
    }
    assert!(
        matches!(steps.last(), Some(Step::Failed { .. })),
        "{steps:?}"
    );
    assert_eq!(channel.calls.load(Ordering::SeqCst), 3, "max_attempts is 3");

    let detail = api::get_conversation(e, inbound.conversation_id)
        .await
        .unwrap();
    let failed = detail.messages.iter().find(|m| m.id == reply.id).unwrap();
    assert_eq!(failed.delivery, Some(Delivery::Failed));
    assert_eq!(failed.delivery_error.as_deref(), Some("network down"));
    assert_eq!(detail.conversation.status, ConversationStatus::NeedsHuman);
    let failed_jobs = e.queue().failed_jobs().await.unwrap();
    assert_eq!(
        failed_jobs.len(),
        1,
        "a failed job is kept for a person to see"
    );
    assert_eq!(failed_jobs[0].last_error.as_deref(), Some("network down"));
}

#[tokio::test]
async fn a_rejected_reply_fails_at_once() {
    let app = spawn_app().await;
    let e = &app.engine;
    let channel = Arc::new(FlakyChannel {
        calls: AtomicUsize::new(0),
        failure: SendError::Rejected("chat not found".into()),
    });
    e.channels()
        .senders()
        .connect(e.simulator().account_id(), channel.clone());
    let inbound = api::simulate_inbound(e, "Анна".into(), "Алло".into())
        .await
        .unwrap();
    api::send_reply(e, inbound.conversation_id, "Слушаю".into())
        .await
        .unwrap();
    let steps = e.queue().drain().await.unwrap();
    assert!(
        matches!(steps.as_slice(), [Step::Failed { .. }]),
        "{steps:?}"
    );
    assert_eq!(channel.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn empty_reply_is_refused() {
    let app = spawn_app().await;
    let inbound = api::simulate_inbound(&app.engine, "Анна".into(), "Алло".into())
        .await
        .unwrap();
    let err = api::send_reply(&app.engine, inbound.conversation_id, "  \n ".into())
        .await
        .unwrap_err();
    assert_eq!(err.code, tuberry::ErrorCode::InvalidInput);
    assert_eq!(crate::helpers::count(&app, "jobs").await, 0);
    assert_eq!(crate::helpers::count(&app, "messages").await, 1);
}
