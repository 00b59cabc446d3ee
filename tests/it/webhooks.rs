//! Outgoing webhooks: every event POSTed once to a local receiver with a
//! signature it can check, retried while the receiver is down, in order per
//! conversation; a removed subscription gets nothing more.

use std::sync::Arc;

use tuberry::api;
use tuberry::model::ConversationStatus;

use crate::helpers::{eventually, signed, spawn_app};
use crate::receiver::{Got, Receiver};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_a_subscriber_once_each_signed_retried_and_in_order() {
    let app = spawn_app().await;
    let engine = &app.engine;
    engine.start().await.unwrap();
    let state = Arc::new(Receiver::default());
    let url = state
        .serve("/hook", serde_json::Value::Null, axum::Router::new())
        .await;

    // Refused subscriptions leave nothing behind.
    for (bad_url, events) in [
        ("ftp://crm.example/hook", vec!["message.received"]),
        ("http://user:pw@crm.example/hook", vec!["message.received"]),
        (url.as_str(), vec!["message.teleported"]),
        (url.as_str(), vec![]),
    ] {
        let refused = api::create_webhook(
            engine,
            bad_url.into(),
            events.iter().map(|e| (*e).to_owned()).collect(),
        )
        .await;
        assert!(refused.is_err(), "{bad_url} {events:?}");
    }
    assert!(api::list_webhooks(engine).await.unwrap().is_empty());

    let created = api::create_webhook(
        engine,
        url.clone(),
        vec![
            "message.received".into(),
            "message.sent".into(),
            "conversation.status_changed".into(),
        ],
    )
    .await
    .unwrap();
    assert!(created.secret.starts_with("whsec_"));
    let listed = api::list_webhooks(engine).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&created.webhook));

    // The receiver is down for the first two requests.
    *state.down_for.lock().unwrap() = 2;
    let first = api::simulate_inbound(engine, "Anna".into(), "One".into())
        .await
        .unwrap();
    for text in ["Two", "Three"] {
        api::simulate_inbound(engine, "Anna".into(), text.into())
            .await
            .unwrap();
    }
    let conversation = first.conversation_id;
    api::send_reply(engine, conversation, "Hello Anna".into())
        .await
        .unwrap();
    api::set_conversation_status(engine, conversation, ConversationStatus::Closed)
        .await
        .unwrap();

    // Retries wait for the queue's clock: move it on until all arrive.
    let delivered = eventually("every event is delivered", async || {
        app.clock.advance(5_000);
        engine.queue().wake();
        let got = state.got.lock().unwrap().clone();
        let ok: Vec<Got> = got.iter().filter(|g| g.answered == 200).cloned().collect();
        let closed = ok.iter().any(|g| {
            let body: serde_json::Value = serde_json::from_slice(&g.body).unwrap();
            body["conversation"]["status"] == "closed"
        });
        (ok.len() >= 5 && closed).then_some(got)
    })
    .await;

    let failed: Vec<&Got> = delivered.iter().filter(|g| g.answered == 503).collect();
    assert_eq!(failed.len(), 2, "the receiver was down twice");
    let ok: Vec<&Got> = delivered.iter().filter(|g| g.answered == 200).collect();
    let mut ids: Vec<&str> = ok.iter().map(|g| g.delivery.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), ok.len(), "each event delivered once: {ok:#?}");
    for g in &failed {
        assert!(
            ok.iter()
                .any(|o| o.delivery == g.delivery && o.body == g.body),
            "a refused event came again, the same"
        );
    }
    for g in &delivered {
        assert!(signed(&created.secret, &g.signature, &g.body), "{g:?}");
        assert!(!signed("whsec_wrong", &g.signature, &g.body));
        let mut tampered = g.body.clone();
        tampered.push(b' ');
        assert!(!signed(&created.secret, &g.signature, &tampered));
    }

    // In order per conversation: as the events happened (the reply went
    // after the conversation was closed: its job ran later).
    let bodies: Vec<serde_json::Value> = ok
        .iter()
        .map(|g| serde_json::from_slice(&g.body).unwrap())
        .collect();
    let happened: Vec<String> = sqlx::query_scalar(
        "SELECT json_extract(payload, '$.event_id') FROM jobs WHERE kind = 'webhook.post' ORDER BY id",
    )
    .fetch_all(engine.store().pool())
    .await
    .unwrap();
    let arrived: Vec<String> = ok.iter().map(|g| g.delivery.clone()).collect();
    assert_eq!(arrived, happened);
    let told: Vec<String> = bodies
        .iter()
        .map(|b| match b["event"].as_str().unwrap() {
            "conversation.status_changed" => format!("status:{}", b["conversation"]["status"]),
            event => format!("{event}:{}", b["message"]["text"].as_str().unwrap()),
        })
        .collect();
    let said: Vec<&String> = told
        .iter()
        .filter(|t| t.starts_with("message.received"))
        .collect();
    assert_eq!(
        said,
        [
            "message.received:One",
            "message.received:Two",
            "message.received:Three"
        ],
        "{told:?}"
    );
    assert!(
        told.contains(&"message.sent:Hello Anna".to_owned()),
        "{told:?}"
    );
    assert!(told.contains(&"status:\"closed\"".to_owned()), "{told:?}");
    for (g, b) in ok.iter().zip(&bodies) {
        assert_eq!(g.event, b["event"].as_str().unwrap());
        assert_eq!(g.delivery, b["id"].as_str().unwrap());
        assert_eq!(b["conversation"]["id"], conversation);
        assert_eq!(b["conversation"]["contactName"], "Anna");
    }

    // Removed: nothing more is sent, and its secret is gone from the keyring.
    api::delete_webhook(engine, created.webhook.id)
        .await
        .unwrap();
    let before = state.got.lock().unwrap().len();
    api::simulate_inbound(engine, "Anna".into(), "Four".into())
        .await
        .unwrap();
    app.clock.advance(5_000);
    engine.queue().drain().await.unwrap();
    assert_eq!(state.got.lock().unwrap().len(), before);
    assert!(
        api::delete_webhook(engine, created.webhook.id)
            .await
            .is_err()
    );
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}
