//! The bench's customers and what they write, and the timings of the
//! inbox's reads that every store size is measured with.

use std::time::{Duration, Instant};

use tuberry::model::ConversationFilter;
use tuberry::{Engine, api};

pub const WORDS: [&str; 10] = [
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

pub fn customer(i: usize) -> String {
    format!("Покупатель {i:06}")
}

pub fn text(i: usize) -> String {
    format!(
        "Здравствуйте! Вопрос про {} номер {i}",
        WORDS[i % WORDS.len()]
    )
}

/// The 95th percentile of `runs` timings, in milliseconds.
pub async fn p95<F, Fut, T>(runs: usize, mut f: F) -> f64
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut samples: Vec<Duration> = Vec::with_capacity(runs);
    for run in 0..runs {
        let start = Instant::now();
        std::hint::black_box(f(run).await);
        samples.push(start.elapsed());
    }
    samples.sort();
    samples[(runs * 95 / 100).min(runs - 1)].as_secs_f64() * 1000.0
}

/// A window of 100 rows of the list (newest first), at 100 offsets spread
/// from the top of a store of `total` conversations: p95, ms.
pub async fn window_p95(engine: &Engine, total: usize) -> f64 {
    p95(100, |run| {
        let filter = ConversationFilter {
            offset: u32::try_from(run * 37 % total.max(1)).unwrap_or(0),
            limit: 100,
            ..ConversationFilter::default()
        };
        api::list_conversations(engine, filter)
    })
    .await
}

/// A search for one of [`WORDS`] (each in a tenth of the messages), its
/// first window of 100 and the count of all it found: p95, ms.
pub async fn search_p95(engine: &Engine) -> f64 {
    p95(40, |run| {
        let filter = ConversationFilter {
            search: Some(WORDS[run % WORDS.len()].to_owned()),
            limit: 100,
            ..ConversationFilter::default()
        };
        api::list_conversations(engine, filter)
    })
    .await
}
