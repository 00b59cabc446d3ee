//! The Avito channel against a local fake of Avito's API
//! (`tuberry_fakes::avito`) that checks every request against Avito's
//! published OpenAPI description (`tests/fixtures/avito-messenger.openapi.json`)
//! and records each deviation; every test ends by asserting there were none.
//! The secrets go to the OS keyring (run under `scripts/with-keyring.sh`).

use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;
use tuberry::channels::avito::model::{
    AvitoAccount, AvitoConnect, AvitoInput, AvitoProblem, AvitoState,
};
use tuberry::clock::{ManualClock, SystemClock};
use tuberry::keyring::Keyring;
use tuberry::model::{
    AttachmentKind, ConversationFilter, ConversationSummary, Delivery, Direction, IdentityKind,
    Message,
};
use tuberry::settings::{AvitoSettings, HttpSettings, QueueSettings, Settings};
use tuberry::{Engine, EngineOptions, api};
use tuberry_fakes::avito::{
    Account, Buyer, BuyerMessage, Content, FakeAvito, Item, Outage, SentKind,
};

use crate::helpers::{T0, TEST_KEYRING};

mod accounts;
mod messages;
mod outages;

const WAIT: Duration = Duration::from_secs(30);
const SELLER: i64 = 94_235_311;
const CLIENT_ID: &str = "shop-client-id";
const SECRET: &str = "shop-client-secret-0123456789";

struct Avito {
    engine: Option<Engine>,
    dir: TempDir,
    /// Set when the test moves time itself; the system's clock otherwise
    /// (the queue's retries wait by the engine's clock).
    clock: Option<ManualClock>,
    settings: Settings,
    fake: FakeAvito,
}

fn settings(listen: bool) -> Settings {
    Settings {
        queue: QueueSettings {
            workers: 2,
            // Enough attempts to outlast the outages the tests stage.
            max_attempts: 30,
            lease_ms: 30_000,
            backoff_base_ms: 100,
            backoff_max_ms: 500,
        },
        avito: AvitoSettings {
            poll_fast_s: 1,
            poll_slow_s: 2,
            poll_with_webhook_s: 2,
            timeout_s: 5,
            reconnect_min_ms: 100,
            reconnect_max_ms: 500,
            ..AvitoSettings::default()
        },
        http: HttpSettings {
            listen: listen.then(|| "127.0.0.1:0".to_owned()),
            ..HttpSettings::default()
        },
        ..Settings::default()
    }
}

impl Avito {
    async fn start() -> Avito {
        Avito::start_with(false).await
    }

    async fn start_with(listen: bool) -> Avito {
        Avito::start_on(listen, None).await
    }

    async fn start_on(listen: bool, clock: Option<ManualClock>) -> Avito {
        let fake = FakeAvito::start().await;
        fake.add_account(Account::new(SELLER, "Магазин Ромашка", CLIENT_ID, SECRET));
        let dir = tempfile::tempdir().unwrap();
        let mut app = Avito {
            engine: None,
            dir,
            clock,
            settings: settings(listen),
            fake,
        };
        app.open().await;
        app
    }

    async fn open(&mut self) {
        let engine = Engine::open(EngineOptions {
            data_dir: self.dir.path().to_path_buf(),
            clock: match &self.clock {
                Some(clock) => Arc::new(clock.clone()),
                None => Arc::new(SystemClock),
            },
            settings: Some(self.settings.clone()),
            keyring: Keyring::new(TEST_KEYRING),
            telegram_connector: None,
            whatsapp_connector: None,
        })
        .await
        .unwrap();
        engine.start().await.expect("engine starts");
        self.engine = Some(engine);
    }

    async fn close(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown(Duration::from_secs(5)).await;
        }
    }

    fn engine(&self) -> &Engine {
        self.engine.as_ref().unwrap()
    }

    fn input(&self, secret: &str) -> AvitoInput {
        AvitoInput {
            client_id: CLIENT_ID.into(),
            client_secret: secret.into(),
            api_url: Some(self.fake.url()),
        }
    }

    async fn connect(&self) -> AvitoAccount {
        match api::connect_avito(self.engine(), self.input(SECRET))
            .await
            .unwrap()
        {
            AvitoConnect::Connected { account } => account,
            AvitoConnect::Refused { error } => panic!("refused: {error:?}"),
        }
    }

    async fn until<T>(&self, mut probe: impl AsyncFnMut() -> Result<T, String>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match probe().await {
                Ok(value) => return value,
                Err(seen) => assert!(
                    tokio::time::Instant::now() < deadline,
                    "{seen}\nrequests: {:#?}",
                    self.fake.requests()
                ),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn conversations(&self) -> Vec<ConversationSummary> {
        let all = ConversationFilter {
            limit: 500,
            ..ConversationFilter::default()
        };
        api::list_conversations(self.engine(), all)
            .await
            .unwrap()
            .items
    }

    async fn inbound(&self) -> Vec<Message> {
        let mut all = Vec::new();
        for c in self.conversations().await {
            let detail = api::get_conversation(self.engine(), c.id).await.unwrap();
            all.extend(
                detail
                    .messages
                    .into_iter()
                    .filter(|m| m.direction == Direction::In),
            );
        }
        all.sort_by_key(|m| m.id);
        all
    }

    async fn until_inbound(&self, n: usize) -> Vec<Message> {
        self.until(async || {
            let all = self.inbound().await;
            if all.len() < n {
                return Err(format!(
                    "only {} of {n} messages arrived: {all:#?}",
                    all.len()
                ));
            }
            Ok(all)
        })
        .await
    }

    async fn until_account(&self, what: &str, ok: impl Fn(&AvitoAccount) -> bool) -> AvitoAccount {
        self.until(async || {
            let accounts = api::list_avito_accounts(self.engine()).await.unwrap();
            match accounts.first() {
                Some(a) if ok(a) => Ok(a.clone()),
                _ => Err(format!("the account never {what}: {accounts:?}")),
            }
        })
        .await
    }

    async fn until_delivered(&self, conversation: i64, message: i64) -> Message {
        self.until(async || {
            let detail = api::get_conversation(self.engine(), conversation)
                .await
                .unwrap();
            let m = detail
                .messages
                .into_iter()
                .find(|m| m.id == message)
                .unwrap();
            if m.delivery == Some(Delivery::Pending) {
                return Err(format!("the reply stayed pending: {m:?}"));
            }
            Ok(m)
        })
        .await
    }

    /// Every request the app sent matched Avito's description.
    async fn finish(mut self) {
        self.close().await;
        let errors = self.fake.spec_errors();
        assert!(
            errors.is_empty(),
            "requests outside Avito's spec: {errors:#?}"
        );
    }
}

fn buyer() -> Buyer {
    Buyer::new(555_001, "Иван Покупатель")
}

fn sofa() -> Item {
    Item {
        id: 1_768_287_444,
        title: "Диван угловой".into(),
        price_string: "25 000 ₽".into(),
        url: "https://www.avito.ru/moskva/mebel/divan_1768287444".into(),
        image_url: "https://00.img.avito.st/image/1/140x105/1768287444.jpg".into(),
    }
}

fn tuberry(dir: &std::path::Path, args: &[&str], secret: &str) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tuberry"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("TUBERRY_DATA_DIR")
        .env("TUBERRY_AVITO_SECRET", secret)
        .output()
        .expect("run tuberry");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}
