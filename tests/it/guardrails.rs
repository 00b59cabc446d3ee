//! The Health screen's guardrails: ratios of the last 24 hours against
//! their thresholds, from what really happened in the store.

use tuberry::api;
use tuberry::api::{Guardrail, GuardrailKind};
use tuberry::clock::Clock;
use tuberry::model::{ContactIdentity, IdentityKind};

use crate::helpers::{count, inbound, spawn_app};

const MINUTE: i64 = 60_000;

fn of(all: &[Guardrail], kind: GuardrailKind) -> &Guardrail {
    all.iter()
        .find(|g| g.kind == kind)
        .expect("every guardrail")
}

async fn job(app: &crate::helpers::TestApp, n: i64, created: i64, finished: Option<i64>) {
    sqlx::query(
        "INSERT INTO jobs (kind, version, payload, idempotency_key, destination, status,
                           max_attempts, run_at, created_at, updated_at, finished_at)
         VALUES ('telegram.mirror', 1, '{}', 'mirror-' || ?1, 'group',
                 CASE WHEN ?3 IS NULL THEN 'queued' ELSE 'done' END, 5,
                 -- A waiting one is due again in an hour (a backoff).
                 ?2 + 3600000, ?2, ?2, ?3)",
    )
    .bind(n)
    .bind(created)
    .bind(finished)
    .execute(app.engine.store().pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn guardrails_count_the_last_day_against_their_thresholds() {
    let app = spawn_app().await;
    let relay = app.engine.relay();
    let mut conversation = 0;
    for i in 0..20 {
        let message = inbound(&app, &format!("customer {i}"), &format!("in-{i}"), "hello");
        let checked = relay
            .check(message)
            .await
            .unwrap()
            .expect("a usable message");
        conversation = relay.ingest(checked).await.unwrap().conversation_id;
    }
    let all = api::guardrails(&app.engine).await.unwrap();
    assert!(all.iter().all(|g| !g.crossed), "{all:?}");
    assert_eq!(of(&all, GuardrailKind::NoSender).total, 20);

    // An event without a sender is left out, counted, and stores nothing.
    let (messages, contacts) = (count(&app, "messages").await, count(&app, "contacts").await);
    let mut nobody = inbound(&app, "x", "in-nobody", "hello");
    nobody.sender = ContactIdentity {
        kind: IdentityKind::Simulator,
        value: " ".into(),
    };
    assert!(relay.check(nobody).await.unwrap().is_none());
    let mut empty = inbound(&app, "customer 1", "in-empty", " ");
    empty.text = String::new();
    assert!(relay.check(empty).await.unwrap().is_none());
    assert_eq!(count(&app, "messages").await, messages);
    assert_eq!(count(&app, "contacts").await, contacts);

    // Replies: ten delivered, one failed for good; a failed auto-reply is
    // not a reply.
    for (i, (author, delivery)) in std::iter::repeat_n(("manager", "delivered"), 10)
        .chain([("operator", "failed"), ("auto_reply", "failed")])
        .enumerate()
    {
        sqlx::query(
            "INSERT INTO messages (conversation_id, channel_account_id, direction, author_kind,
                                   text, delivery, created_at)
             VALUES (?1, ?2, 'out', ?3, 'reply', ?4, ?5)",
        )
        .bind(conversation)
        .bind(app.engine.simulator().account_id())
        .bind(author)
        .bind(delivery)
        .bind(app.clock.now_ms() + i as i64)
        .execute(app.engine.store().pool())
        .await
        .unwrap();
    }
    // Mirrors: nineteen on time, one a couple of minutes late: 5 % is not
    // over the 5 % threshold…
    let now = app.clock.now_ms();
    for n in 0..19 {
        job(&app, n, now - 10 * MINUTE, Some(now - 10 * MINUTE + 900)).await;
    }
    job(&app, 19, now - 10 * MINUTE, Some(now - 8 * MINUTE)).await;
    let all = api::guardrails(&app.engine).await.unwrap();
    let mirrors = of(&all, GuardrailKind::LateMirrors);
    assert_eq!(
        (mirrors.events, mirrors.total, mirrors.crossed),
        (1, 20, false)
    );

    let no_sender = of(&all, GuardrailKind::NoSender);
    assert_eq!((no_sender.events, no_sender.total), (1, 22));
    assert!(no_sender.crossed, "1 of 22 is over 1 %");
    let failed = of(&all, GuardrailKind::FailedReplies);
    assert_eq!((failed.events, failed.total, failed.crossed), (1, 11, true));
    let handovers = of(&all, GuardrailKind::Handovers);
    assert_eq!((handovers.total, handovers.crossed), (0, false));

    // …one waiting for two minutes now makes it 2 of 21.
    job(&app, 20, now - 2 * MINUTE, None).await;
    let health = api::health(&app.engine).await.unwrap();
    let mirrors = of(&health.guardrails, GuardrailKind::LateMirrors);
    assert_eq!(
        (mirrors.events, mirrors.total, mirrors.crossed),
        (2, 21, true)
    );

    // A day later the window holds none of it.
    app.clock.advance(25 * 60 * MINUTE);
    let all = api::guardrails(&app.engine).await.unwrap();
    let late = of(&all, GuardrailKind::LateMirrors);
    assert_eq!((late.events, late.total), (0, 0));
    assert!(all.iter().all(|g| !g.crossed && g.events == 0), "{all:?}");
}
