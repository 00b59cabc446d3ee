//! WhatsApp Business Cloud API numbers against a local fake of Meta's Graph
//! API (`tuberry_fakes::whatsapp_cloud`) that checks every request against
//! Meta's published description (`tests/fixtures/whatsapp-cloud.openapi.json`)
//! and posts webhooks signed as Meta signs them. Every test ends by
//! asserting the fake saw no deviation. The engine runs on a manual clock
//! (the 24-hour window is moved through, not waited for) with its LAN
//! endpoint on a free port; secrets go to the OS keyring (run under
//! `scripts/with-keyring.sh`).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;
use tuberry::channels::whatsapp::cloud::model::{CloudNumberAdded, CloudNumberInput};
use tuberry::clock::{Clock, ManualClock};
use tuberry::keyring::Keyring;
use tuberry::model::{ConversationFilter, Direction, Message};
use tuberry::settings::{HttpSettings, Settings};
use tuberry::{Engine, EngineOptions, api};
use tuberry_fakes::whatsapp_cloud::{FakeWhatsAppCloud, Number, messages_payload};

use crate::helpers::{T0, TEST_KEYRING, test_settings};

mod inbound;
mod numbers;
mod outbound;
mod templates;
mod webhooks;

const PHONE_NUMBER_ID: &str = "106540352242922";
const DISPLAY_PHONE: &str = "15550783881";
const TOKEN: &str = "EAAGtestToken0123456789abcdef";
const APP_SECRET: &str = "4f9a2c1e8b7d6a5f4e3d2c1b0a998877";
const VERIFY_TOKEN: &str = "verify-me-8d2f6a";
/// The customer, as WhatsApp knows them.
const CUSTOMER: &str = "79991234567";
const CUSTOMER_NAME: &str = "Иван Петров";

struct Cloud {
    engine: Option<Engine>,
    dir: TempDir,
    clock: ManualClock,
    fake: FakeWhatsAppCloud,
    added: CloudNumberAdded,
    /// Where Meta's webhooks for the number go.
    webhook: String,
    number: Number,
    next: std::sync::atomic::AtomicU64,
}

fn settings() -> Settings {
    Settings {
        http: HttpSettings {
            listen: Some("127.0.0.1:0".to_owned()),
            ..HttpSettings::default()
        },
        ..test_settings()
    }
}

/// Where the engine learns the fake Graph API's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    /// The number is added with it.
    ByTheNumber,
    /// `[whatsapp] cloud_api_url`; the number is added without one.
    InTheSettings,
}

async fn open(dir: &TempDir, clock: &ManualClock, settings: Settings) -> Engine {
    let engine = Engine::open(EngineOptions {
        data_dir: dir.path().to_path_buf(),
        clock: Arc::new(clock.clone()),
        settings: Some(settings),
        keyring: Keyring::new(TEST_KEYRING),
        telegram_connector: None,
        whatsapp_connector: None,
    })
    .await
    .expect("engine opens");
    engine.start().await.expect("engine starts");
    engine
}

impl Cloud {
    async fn start() -> Cloud {
        Self::start_with(Named::ByTheNumber).await
    }

    async fn start_with(named: Named) -> Cloud {
        let fake = FakeWhatsAppCloud::start().await;
        let number = Number {
            phone_number_id: PHONE_NUMBER_ID.into(),
            display_phone: DISPLAY_PHONE.into(),
            token: TOKEN.into(),
        };
        fake.add_number(number.clone());
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(T0);
        let mut settings = settings();
        let mut input = input(&fake, Some(VERIFY_TOKEN));
        if named == Named::InTheSettings {
            settings.whatsapp.cloud_api_url = input.api_url.take();
        }
        let engine = open(&dir, &clock, settings).await;
        let added = api::add_whatsapp_cloud_number(&engine, input)
            .await
            .expect("the number is added");
        let webhook = added.webhook_url.clone().expect("the LAN endpoint listens");
        Cloud {
            engine: Some(engine),
            dir,
            clock,
            fake,
            added,
            webhook,
            number,
            next: std::sync::atomic::AtomicU64::new(1),
        }
    }

    fn engine(&self) -> &Engine {
        self.engine.as_ref().unwrap()
    }

    fn account_id(&self) -> i64 {
        self.added.number.id
    }

    /// A fresh message id, as WhatsApp gives them.
    fn wamid(&self) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        format!("wamid.IN{n:08}")
    }

    /// A customer's message of `kind` with its type-specific `content`,
    /// sent now by the engine's clock.
    fn message(&self, id: &str, kind: &str, content: Value) -> Value {
        let mut m = json!({
            "from": CUSTOMER, "id": id, "timestamp": (self.clock.now_ms() / 1000).to_string(), "type": kind,
        });
        if !content.is_null() {
            m[kind] = content;
        }
        m
    }

    fn payload(&self, messages: Vec<Value>) -> Value {
        messages_payload(&self.number, &[(CUSTOMER, CUSTOMER_NAME)], messages)
    }

    /// Posts `payload` signed with the app secret; the app's status.
    async fn post(&self, payload: &Value) -> u16 {
        self.fake
            .post_webhook(&self.webhook, APP_SECRET, payload)
            .await
    }

    /// The customer writes `text`; answers the message id.
    async fn customer_writes(&self, text: &str) -> String {
        let id = self.wamid();
        let payload = self.payload(vec![self.message(&id, "text", json!({ "body": text }))]);
        assert_eq!(self.post(&payload).await, 200, "the webhook is accepted");
        id
    }

    async fn messages(&self) -> Vec<Message> {
        let all = ConversationFilter {
            limit: 500,
            ..ConversationFilter::default()
        };
        let mut messages = Vec::new();
        for c in api::list_conversations(self.engine(), all)
            .await
            .unwrap()
            .items
        {
            let detail = api::get_conversation(self.engine(), c.id).await.unwrap();
            messages.extend(detail.messages);
        }
        messages.sort_by_key(|m| m.id);
        messages
    }

    async fn inbound(&self) -> Vec<Message> {
        let mut all = self.messages().await;
        all.retain(|m| m.direction == Direction::In);
        all
    }

    async fn conversation_id(&self) -> i64 {
        let all = ConversationFilter::default();
        let page = api::list_conversations(self.engine(), all).await.unwrap();
        page.items.first().expect("a conversation").id
    }

    async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.engine().store().pool())
            .await
            .unwrap()
    }

    /// How many rows each table the webhook writes to has.
    async fn rows(&self) -> [i64; 5] {
        [
            self.count("SELECT count(*) FROM messages").await,
            self.count("SELECT count(*) FROM conversations").await,
            self.count("SELECT count(*) FROM contacts").await,
            self.count("SELECT count(*) FROM contact_identities").await,
            self.count("SELECT count(*) FROM jobs").await,
        ]
    }

    /// Waits until the message `id` satisfies `done`.
    async fn until_message(&self, id: i64, what: &str, done: impl Fn(&Message) -> bool) -> Message {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let found = self.messages().await.into_iter().find(|m| m.id == id);
            if let Some(m) = found.filter(|m| done(m)) {
                return m;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "message {id} never became {what}; requests: {:#?}",
                self.fake.requests()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn assert_spec_kept(&self) {
        assert_eq!(
            self.fake.spec_errors(),
            Vec::<String>::new(),
            "every request and payload fits Meta's description"
        );
    }

    async fn close(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown(Duration::from_secs(5)).await;
        }
    }
}

fn input(fake: &FakeWhatsAppCloud, verify_token: Option<&str>) -> CloudNumberInput {
    CloudNumberInput {
        phone_number_id: PHONE_NUMBER_ID.into(),
        access_token: TOKEN.into(),
        app_secret: APP_SECRET.into(),
        verify_token: verify_token.map(Into::into),
        name: Some("Shop WhatsApp".into()),
        business_account_id: None,
        api_url: Some(fake.url()),
    }
}
