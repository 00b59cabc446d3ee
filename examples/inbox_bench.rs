//! Prints how the inbox behaves with a large store: ingest throughput, and the
//! time to fetch a window of the conversation list (what the virtualized list
//! asks for while scrolling), to count by status and to search.
//!
//! `cargo run --release --example inbox_bench [conversations]` (default 100000)

use std::time::{Duration, Instant};

use tuberry::hooks::Hooks;
use tuberry::labels::{LabelColor, LabelInput};
use tuberry::model::{
    ChannelKind, ContactIdentity, ConversationFilter, ConversationSort, ConversationStatus,
    IdentityKind,
};
use tuberry::queue::Waker;
use tuberry::relay::{Inbound, Relay};
use tuberry::{Engine, EngineOptions, api};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn time_it<F, Fut, T>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(f().await);
        samples.push(start.elapsed());
    }
    median(samples)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let total: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let engine = Engine::open(EngineOptions::new(dir.path())).await?;
    let account = engine.simulator().account_id();
    let words = [
        "доставка",
        "заказ",
        "размер",
        "цена",
        "скидка",
        "возврат",
        "оплата",
        "hello",
        "price",
        "order",
    ];

    let message = |i: usize, account: i64| {
        let customer = format!("Покупатель {i:06}");
        Inbound {
            channel_account_id: account,
            external_message_id: format!("bench-{i}"),
            external_thread_id: customer.clone(),
            sender: ContactIdentity {
                kind: IdentityKind::Simulator,
                value: customer.clone(),
            },
            sender_name: customer,
            subject: None,
            text: format!(
                "Здравствуйте! Вопрос про {} номер {i}",
                words[i % words.len()]
            ),
            attachments: Vec::new(),
            sent_at: None,
        }
    };

    // The store writes alone: a relay with no feature plugged in, on a store
    // of its own, the same messages.
    let bare_dir = tempfile::tempdir()?;
    let bare = Engine::open(EngineOptions::new(bare_dir.path())).await?;
    let bare_relay = Relay::new(
        bare.store().clone(),
        bare.clock().clone(),
        bare.events().clone(),
        Waker::default(),
        Hooks::new(),
    );
    let bare_account = bare.simulator().account_id();
    let start = Instant::now();
    for i in 0..total {
        bare_relay
            .ingest(message(i, bare_account).validate()?)
            .await?;
    }
    let writes = start.elapsed();
    println!(
        "ingest, store writes only (no hooks): {total} messages in {:.1} s ({:.0} msg/s)",
        writes.as_secs_f64(),
        total as f64 / writes.as_secs_f64()
    );
    bare.shutdown(Duration::from_secs(1)).await;
    drop(bare_dir);

    let start = Instant::now();
    for i in 0..total {
        engine
            .relay()
            .ingest(message(i, account).validate()?)
            .await?;
    }
    let ingest = start.elapsed();
    println!(
        "ingest: {total} messages into {total} new conversations in {:.1} s ({:.0} msg/s), hooks {:.0}% of the store writes",
        ingest.as_secs_f64(),
        total as f64 / ingest.as_secs_f64(),
        (ingest.as_secs_f64() - writes.as_secs_f64()).max(0.0) / writes.as_secs_f64() * 100.0
    );

    let page = |offset: u32, status: Option<ConversationStatus>, search: Option<&str>| {
        ConversationFilter {
            status,
            search: search.map(str::to_owned),
            offset,
            limit: 100,
            ..ConversationFilter::default()
        }
    };
    for offset in [0, total as u32 / 2, total as u32 - 100] {
        let t = time_it(20, || {
            api::list_conversations(&engine, page(offset, None, None))
        })
        .await;
        println!(
            "list window of 100 at offset {offset:>6}: {:.2} ms",
            t.as_secs_f64() * 1e3
        );
    }
    let t = time_it(20, || {
        api::list_conversations(
            &engine,
            page(0, Some(ConversationStatus::AwaitingResponse), None),
        )
    })
    .await;
    println!(
        "list window of 100, status filter: {:.2} ms",
        t.as_secs_f64() * 1e3
    );
    let t = time_it(20, || api::status_counts(&engine)).await;
    println!("status counts: {:.2} ms", t.as_secs_f64() * 1e3);
    let t = time_it(10, || {
        api::list_conversations(&engine, page(0, None, Some("возврат")))
    })
    .await;
    println!(
        "search message text (matches 1/10 of rows): {:.2} ms",
        t.as_secs_f64() * 1e3
    );
    let t = time_it(10, || {
        api::list_conversations(&engine, page(0, None, Some("покупатель 04217")))
    })
    .await;
    println!(
        "search contact name (one match): {:.2} ms",
        t.as_secs_f64() * 1e3
    );

    // A day's work: one conversation in ten labelled, one in a hundred
    // snoozed, sorted by unread and by who waits longest.
    let label = api::create_label(
        &engine,
        LabelInput {
            name: "VIP".into(),
            color: LabelColor::Purple,
        },
    )
    .await?;
    sqlx::query(
        "INSERT INTO conversation_labels (label_id, conversation_id)
         SELECT ?1, id FROM conversations WHERE id % 10 = 0",
    )
    .bind(label.id)
    .execute(engine.store().pool())
    .await?;
    sqlx::query("UPDATE conversations SET snoozed_until = ?1 WHERE id % 100 = 1")
        .bind(engine.clock().now_ms() + 86_400_000)
        .execute(engine.store().pool())
        .await?;
    let filtered = |f: ConversationFilter| ConversationFilter { limit: 100, ..f };
    let cases: [(&str, ConversationFilter); 6] = [
        (
            "label filter",
            filtered(ConversationFilter {
                label_id: Some(label.id),
                ..Default::default()
            }),
        ),
        (
            "snoozed ones",
            filtered(ConversationFilter {
                snoozed: true,
                ..Default::default()
            }),
        ),
        (
            "unread first",
            filtered(ConversationFilter {
                sort: Some(ConversationSort::Unread),
                ..Default::default()
            }),
        ),
        (
            "waiting longest",
            filtered(ConversationFilter {
                sort: Some(ConversationSort::Waiting),
                ..Default::default()
            }),
        ),
        (
            "search + label + channel + period",
            filtered(ConversationFilter {
                search: Some("возврат".into()),
                label_id: Some(label.id),
                channel: Some(ChannelKind::Simulator),
                since: Some(0),
                until: Some(engine.clock().now_ms() + 1),
                ..Default::default()
            }),
        ),
        (
            "status + label, waiting longest",
            filtered(ConversationFilter {
                status: Some(ConversationStatus::AwaitingResponse),
                label_id: Some(label.id),
                sort: Some(ConversationSort::Waiting),
                ..Default::default()
            }),
        ),
    ];
    for (name, filter) in cases {
        let t = time_it(10, || api::list_conversations(&engine, filter.clone())).await;
        println!(
            "list window of 100, {name}: {:.2} ms",
            t.as_secs_f64() * 1e3
        );
    }

    let id = api::list_conversations(&engine, page(0, None, None))
        .await?
        .items[0]
        .id;
    let t = time_it(20, || api::get_conversation(&engine, id)).await;
    println!("open one conversation: {:.2} ms", t.as_secs_f64() * 1e3);
    let size = std::fs::metadata(dir.path().join(tuberry::engine::DATABASE_FILE))?.len();
    println!("database file: {:.1} MiB", size as f64 / 1048576.0);
    engine.shutdown(Duration::from_secs(1)).await;
    Ok(())
}
