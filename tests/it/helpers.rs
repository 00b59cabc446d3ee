use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;
use tuberry::clock::ManualClock;
use tuberry::events::{EngineEvent, Subscription};
use tuberry::model::{ContactIdentity, IdentityKind};
use tuberry::relay::Inbound;
use tuberry::settings::{QueueSettings, Settings};
use tuberry::{Engine, EngineOptions};

/// Tests file their secrets apart from the app's.
pub const TEST_KEYRING: &str = "app.tuberry.test";

pub const T0: i64 = 1_767_225_600_000; // 2026-01-01 00:00 UTC

pub fn test_settings() -> Settings {
    Settings {
        queue: QueueSettings {
            workers: 2,
            max_attempts: 3,
            lease_ms: 30_000,
            backoff_base_ms: 1_000,
            backoff_max_ms: 60_000,
        },
        // The recorded WhatsApp-like accounts of these tests send at once:
        // WhatsApp's pace is tested with the channel itself.
        whatsapp: tuberry::settings::WhatsAppSettings {
            chat_interval_ms: 1,
            account_budget: 1_000,
            account_window_s: 1,
            ..Default::default()
        },
        ..Settings::default()
    }
}

pub struct TestApp {
    pub engine: Engine,
    pub clock: ManualClock,
    pub dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = ManualClock::new(T0);
    let engine = open_engine(&dir, &clock).await;
    TestApp { engine, clock, dir }
}

pub async fn open_engine(dir: &TempDir, clock: &ManualClock) -> Engine {
    Engine::open(EngineOptions {
        data_dir: dir.path().to_path_buf(),
        clock: Arc::new(clock.clone()),
        settings: Some(test_settings()),
        keyring: tuberry::keyring::Keyring::new(TEST_KEYRING),
        telegram_connector: None,
        whatsapp_connector: None,
    })
    .await
    .expect("engine opens")
}

/// An inbound message from a customer of the simulator account.
pub fn inbound(app: &TestApp, customer: &str, external_id: &str, text: &str) -> Inbound {
    Inbound {
        channel_account_id: app.engine.simulator().account_id(),
        external_message_id: external_id.into(),
        external_thread_id: customer.into(),
        sender: ContactIdentity {
            kind: IdentityKind::Simulator,
            value: customer.into(),
        },
        sender_name: customer.into(),
        subject: None,
        text: text.into(),
        attachments: Vec::new(),
        sent_at: None,
    }
}

pub async fn count(app: &TestApp, table: &'static str) -> i64 {
    let sql = match table {
        "messages" => "SELECT count(*) FROM messages",
        "conversations" => "SELECT count(*) FROM conversations",
        "contacts" => "SELECT count(*) FROM contacts",
        "jobs" => "SELECT count(*) FROM jobs",
        other => panic!("no count query for {other}"),
    };
    sqlx::query_scalar(sql)
        .fetch_one(app.engine.store().pool())
        .await
        .expect("count")
}

/// Waits (bounded) for the first event that `pick` accepts.
pub async fn next_event<T>(
    events: &mut Subscription,
    mut pick: impl FnMut(&EngineEvent) -> Option<T>,
) -> T {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let event = events.next().await.expect("event bus open");
            if let Some(found) = pick(&event) {
                return found;
            }
        }
    })
    .await
    .expect("the expected event arrives within 10 s")
}

/// Tries `probe` until it finds something, failing the test after 20 s.
pub async fn eventually<T>(what: &str, probe: impl AsyncFnMut() -> Option<T>) -> T {
    eventually_within(Duration::from_secs(20), what, probe).await
}

/// [`eventually`] with a time limit of its own.
pub async fn eventually_within<T>(
    limit: Duration,
    what: &str,
    mut probe: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Log lines kept in memory for a test, one JSON object a line as
/// `[log] format = "json"` writes them.
#[derive(Clone, Default)]
pub struct Lines(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    /// This thread's log, every level, goes here until the guard drops (a
    /// current-thread test runtime keeps the engine's tasks on it).
    pub fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        use tracing_subscriber::prelude::*;
        let lines = Self::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::registry()
            .with(tuberry::logging::json_lines(move || writer.clone()));
        (lines, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Checks a Tuberry signature (`X-Tuberry-Signature`: `t=…,v1=…`) as a
/// receiver would: HMAC-SHA256 of "{t}.{body}" keyed with `secret`.
pub fn signed(secret: &str, signature: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in signature.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let Ok(tag) = (0..v1.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&v1[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(body);
    ring::hmac::verify(&key, &signed, &tag).is_ok()
}

/// The ids of the conversations the inbox lists under `filter`, in its order.
pub async fn conversation_ids(
    engine: &Engine,
    filter: tuberry::model::ConversationFilter,
) -> Vec<i64> {
    tuberry::api::list_conversations(engine, filter)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.id)
        .collect()
}
