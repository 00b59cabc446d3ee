//! Prints how the inbox behaves with a large store: ingest throughput, and the
//! time to fetch a window of the conversation list (what the virtualized list
//! asks for while scrolling), to count by status and to search.
//!
//! `cargo run --release --example inbox_bench [conversations]` (default 100000)

use std::time::{Duration, Instant};

use tuberry::model::{ContactIdentity, ConversationFilter, ConversationStatus, IdentityKind};
use tuberry::relay::Inbound;
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

    let start = Instant::now();
    for i in 0..total {
        let customer = format!("Покупатель {i:06}");
        let inbound = Inbound {
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
        };
        engine.relay().ingest(inbound.validate()?).await?;
    }
    let ingest = start.elapsed();
    println!(
        "ingest: {total} messages into {total} new conversations in {:.1} s ({:.0} msg/s)",
        ingest.as_secs_f64(),
        total as f64 / ingest.as_secs_f64()
    );

    let page = |offset: u32, status: Option<ConversationStatus>, search: Option<&str>| {
        ConversationFilter {
            status,
            channel: None,
            search: search.map(str::to_owned),
            offset,
            limit: 100,
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
