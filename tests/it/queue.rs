use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::json;
use tempfile::TempDir;
use tuberry::clock::ManualClock;
use tuberry::events::EventBus;
use tuberry::queue::{Job, JobError, JobHandler, NewJob, Queue, Rate, Step};
use tuberry::settings::QueueSettings;
use tuberry::store::Store;

use crate::helpers::{T0, test_settings};

/// A handler that answers from a script and records what it ran.
#[derive(Default)]
struct Scripted {
    answers: Mutex<VecDeque<Result<(), JobError>>>,
    ran: Mutex<Vec<(i64, i64)>>,
}

impl Scripted {
    fn new(answers: impl IntoIterator<Item = Result<(), JobError>>) -> Arc<Self> {
        Arc::new(Self {
            answers: Mutex::new(answers.into_iter().collect()),
            ran: Mutex::default(),
        })
    }

    fn ran(&self) -> Vec<(i64, i64)> {
        self.ran.lock().unwrap().clone()
    }
}

#[async_trait]
impl JobHandler for Scripted {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        self.ran.lock().unwrap().push((job.id, job.attempts));
        self.answers.lock().unwrap().pop_front().unwrap_or(Ok(()))
    }
}

/// A handler that never finishes: the process "dies" while it runs.
struct Hangs;

#[async_trait]
impl JobHandler for Hangs {
    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        std::future::pending().await
    }
}

struct Harness {
    queue: Queue,
    store: Store,
    clock: ManualClock,
    _dir: TempDir,
}

async fn harness(handler: Arc<dyn JobHandler>) -> Harness {
    harness_with(handler, test_settings().queue).await
}

async fn harness_with(handler: Arc<dyn JobHandler>, settings: QueueSettings) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("q.sqlite3")).await.unwrap();
    let clock = ManualClock::new(T0);
    let queue = Queue::new(
        store.clone(),
        Arc::new(clock.clone()),
        EventBus::new(16),
        settings,
    );
    queue.register("test.job", 1, handler);
    Harness {
        queue,
        store,
        clock,
        _dir: dir,
    }
}

fn job(key: &str, destination: &str) -> NewJob {
    NewJob::new(
        "test.job",
        1,
        json!({ "key": key }),
        key.into(),
        destination.into(),
    )
}

#[tokio::test]
async fn transient_failures_retry_with_growing_jittered_backoff() {
    let handler = Scripted::new([
        Err(JobError::Retry("503".into())),
        Err(JobError::Retry("503".into())),
        Ok(()),
    ]);
    let h = harness(handler.clone()).await;
    let id = h.queue.push(job("a", "d")).await.unwrap();

    let Step::Retrying { at: first, .. } = h.queue.run_once().await.unwrap() else {
        panic!("first attempt retries")
    };
    // base 1 s, attempt 1: between 0.5 s and 1 s
    assert!(
        (T0 + 500..=T0 + 1_000).contains(&first),
        "first backoff {}",
        first - T0
    );
    assert_eq!(
        h.queue.run_once().await.unwrap(),
        Step::Idle {
            next_due: Some(first)
        },
        "not before it is due"
    );

    h.clock.set(first);
    let Step::Retrying { at: second, .. } = h.queue.run_once().await.unwrap() else {
        panic!("second attempt retries")
    };
    // attempt 2: between 1 s and 2 s after the second attempt
    assert!(
        (first + 1_000..=first + 2_000).contains(&second),
        "second backoff {}",
        second - first
    );

    h.clock.set(second);
    assert_eq!(h.queue.run_once().await.unwrap(), Step::Done { job: id });
    assert_eq!(handler.ran(), [(id, 1), (id, 2), (id, 3)]);
    let record = h.queue.job(id).await.unwrap();
    assert_eq!((record.status.as_str(), record.attempts), ("done", 3));
}

#[tokio::test]
async fn backoff_stays_under_its_ceiling() {
    let handler = Scripted::new((0..20).map(|_| Err(JobError::Retry("down".into()))));
    let h = harness(handler).await;
    let mut spec = job("a", "d");
    spec.max_attempts = Some(20);
    h.queue.push(spec).await.unwrap();
    for _ in 0..12 {
        let now = tuberry::clock::Clock::now_ms(&h.clock);
        let Step::Retrying { at, .. } = h.queue.run_once().await.unwrap() else {
            panic!("retries")
        };
        assert!(
            at - now <= 60_000,
            "backoff {} exceeds the 60 s ceiling",
            at - now
        );
        h.clock.set(at);
    }
}

/// The destination out of reach for more than an hour: the job is never
/// given up (far past its attempts), tried again at most a minute apart
/// however long the backoff's ceiling, and runs once the destination is
/// back.
#[tokio::test]
async fn an_unreachable_destination_is_tried_at_most_a_minute_apart_until_it_answers() {
    const TRIES: usize = 80;
    let handler =
        Scripted::new((0..TRIES).map(|_| Err(JobError::Unreachable("no network".into()))));
    let mut settings = test_settings().queue;
    settings.backoff_max_ms = 600_000;
    let h = harness_with(handler.clone(), settings).await;
    let id = h.queue.push(job("a", "d")).await.unwrap();
    let mut waits = Vec::new();
    loop {
        let now = tuberry::clock::Clock::now_ms(&h.clock);
        match h.queue.run_once().await.unwrap() {
            Step::Retrying { at, .. } => {
                waits.push(at - now);
                let record = h.queue.job(id).await.unwrap();
                assert_eq!(record.status, "queued", "never given up");
                assert_eq!(record.last_error.as_deref(), Some("no network"));
                h.clock.set(at);
            }
            Step::Done { job } => {
                assert_eq!(job, id);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(waits.len(), TRIES);
    assert!(waits.iter().all(|w| *w <= 60_000), "{waits:?}");
    // Grown to the minute, jittered: not all in step.
    let late = &waits[20..];
    assert!(late.iter().all(|w| *w >= 30_000), "{waits:?}");
    assert!(late.iter().any(|w| *w != late[0]), "{waits:?}");
    let waited: i64 = waits.iter().sum();
    assert!(waited > 3_600_000 / 2, "{waited} ms");
    assert_eq!(handler.ran().len(), TRIES + 1);
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_kept_as_failed() {
    let handler = Scripted::new((0..5).map(|_| Err(JobError::Retry("timeout".into()))));
    let h = harness(handler.clone()).await;
    let id = h.queue.push(job("a", "d")).await.unwrap();
    let mut last = None;
    for _ in 0..3 {
        h.clock.advance(120_000);
        last = Some(h.queue.run_once().await.unwrap());
    }
    assert_eq!(last, Some(Step::Failed { job: id }));
    h.clock.advance(3_600_000);
    assert_eq!(
        h.queue.run_once().await.unwrap(),
        Step::Idle { next_due: None },
        "a failed job does not run again"
    );
    assert_eq!(handler.ran().len(), 3);
    let record = h.queue.job(id).await.unwrap();
    assert_eq!(record.status, "failed");
    assert_eq!(record.last_error.as_deref(), Some("timeout"));
    assert_eq!(h.queue.failed_jobs().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_fatal_error_fails_at_once_and_an_unknown_kind_too() {
    let handler = Scripted::new([Err(JobError::Fatal("400 Bad Request".into()))]);
    let h = harness(handler).await;
    let id = h.queue.push(job("a", "d")).await.unwrap();
    assert_eq!(h.queue.run_once().await.unwrap(), Step::Failed { job: id });

    let mut unknown = job("b", "d2");
    unknown.kind = "test.unknown";
    let id = h.queue.push(unknown).await.unwrap();
    assert_eq!(h.queue.run_once().await.unwrap(), Step::Failed { job: id });
    let record = h.queue.job(id).await.unwrap();
    assert!(record.last_error.unwrap().contains("test.unknown"));
}

#[tokio::test]
async fn an_expired_lease_after_a_crash_runs_the_job_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.sqlite3");
    let clock = ManualClock::new(T0);
    let id = {
        let store = Store::open(&path).await.unwrap();
        let queue = Queue::new(
            store.clone(),
            Arc::new(clock.clone()),
            EventBus::new(16),
            test_settings().queue,
        );
        queue.register("test.job", 1, Arc::new(Hangs));
        let queue = Arc::new(queue);
        let id = queue.push(job("a", "d")).await.unwrap();
        // The worker takes the job, then the process dies mid-job.
        let worker = tokio::spawn({
            let queue = queue.clone();
            async move { queue.run_once().await }
        });
        loop {
            tokio::task::yield_now().await;
            if queue.job(id).await.unwrap().status == "running" {
                break;
            }
        }
        worker.abort();
        store.close().await;
        id
    };

    // Restart.
    let store = Store::open(&path).await.unwrap();
    let handler = Scripted::new([Ok(())]);
    let queue = Queue::new(
        store,
        Arc::new(clock.clone()),
        EventBus::new(16),
        test_settings().queue,
    );
    queue.register("test.job", 1, handler.clone());
    let lease_end = T0 + test_settings().queue.lease_ms;
    assert_eq!(
        queue.run_once().await.unwrap(),
        Step::Idle {
            next_due: Some(lease_end)
        },
        "the job is left alone while its lease lasts"
    );
    clock.set(lease_end);
    assert_eq!(queue.run_once().await.unwrap(), Step::Done { job: id });
    assert_eq!(handler.ran(), [(id, 2)], "the crashed attempt counts");
}

#[tokio::test]
async fn retry_after_holds_the_destination_without_counting_an_attempt() {
    let handler = Scripted::new([
        Err(JobError::RetryAfter {
            after_ms: 30_000,
            reason: "429".into(),
        }),
        Ok(()),
        Ok(()),
        Ok(()),
    ]);
    let h = harness(handler.clone()).await;
    let a = h.queue.push(job("a", "chat:1")).await.unwrap();
    let b = h.queue.push(job("b", "chat:1")).await.unwrap();
    let other = h.queue.push(job("c", "chat:2")).await.unwrap();

    assert_eq!(
        h.queue.run_once().await.unwrap(),
        Step::Held {
            job: a,
            until: T0 + 30_000
        }
    );
    // Other destinations go on; the held one waits, with everything queued to it.
    assert_eq!(h.queue.run_once().await.unwrap(), Step::Done { job: other });
    h.clock.set(T0 + 29_999);
    assert_eq!(
        h.queue.run_once().await.unwrap(),
        Step::Idle {
            next_due: Some(T0 + 30_000)
        }
    );

    h.clock.set(T0 + 30_000);
    assert_eq!(
        h.queue.drain().await.unwrap(),
        [Step::Done { job: a }, Step::Done { job: b }]
    );
    let record = h.queue.job(a).await.unwrap();
    assert_eq!(
        record.attempts, 1,
        "waiting on request is not a failed attempt"
    );
    assert_eq!(handler.ran(), [(a, 1), (other, 1), (a, 1), (b, 1)]);
}

#[tokio::test]
async fn the_rate_limit_is_held_per_destination() {
    let h = harness(Scripted::new([])).await;
    h.queue.set_rate("chat:", Rate::per(2, 60_000));
    for i in 0..5 {
        h.queue.push(job(&format!("a{i}"), "chat:1")).await.unwrap();
    }
    h.queue.push(job("b", "chat:2")).await.unwrap();
    h.queue.push(job("free", "elsewhere")).await.unwrap();

    let steps = h.queue.drain().await.unwrap();
    assert_eq!(
        steps.len(),
        4,
        "2 to chat:1, 1 to chat:2, 1 unlimited: {steps:?}"
    );
    assert_eq!(
        h.queue.run_once().await.unwrap(),
        Step::Idle {
            next_due: Some(T0 + 30_000)
        },
        "the next token"
    );

    h.clock.advance(30_000);
    assert_eq!(h.queue.drain().await.unwrap().len(), 1);
    h.clock.advance(60_000);
    assert_eq!(h.queue.drain().await.unwrap().len(), 2);
}

#[tokio::test]
async fn jobs_to_one_destination_keep_their_order_through_retries() {
    let handler = Scripted::new([Err(JobError::Retry("flaky".into())), Ok(()), Ok(())]);
    let h = harness(handler.clone()).await;
    let first = h.queue.push(job("1", "conversation:7")).await.unwrap();
    let second = h.queue.push(job("2", "conversation:7")).await.unwrap();

    let Step::Retrying { at, .. } = h.queue.run_once().await.unwrap() else {
        panic!("retry")
    };
    assert_eq!(
        h.queue.run_once().await.unwrap(),
        Step::Idle { next_due: Some(at) },
        "the second waits for the first"
    );
    h.clock.set(at);
    h.queue.drain().await.unwrap();
    assert_eq!(
        handler.ran().iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [first, first, second]
    );
}

#[tokio::test]
async fn an_idempotency_key_queues_a_job_once() {
    let handler = Scripted::new([]);
    let h = harness(handler.clone()).await;
    let a = h.queue.push(job("same", "d")).await.unwrap();
    let b = h.queue.push(job("same", "d")).await.unwrap();
    assert_eq!(a, b);
    h.queue.drain().await.unwrap();
    let c = h.queue.push(job("same", "d")).await.unwrap();
    assert_eq!(c, a, "a finished job's key still stands");
    assert!(h.queue.drain().await.unwrap().is_empty());
    assert_eq!(handler.ran().len(), 1);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(h.store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
}
