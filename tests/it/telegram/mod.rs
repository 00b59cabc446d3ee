//! The Telegram side against a local fake of the Bot API that speaks its wire
//! format, checks every request against the published method descriptions and
//! answers 429 beyond Telegram's limits. These tests need the OS keyring (run
//! them under `scripts/with-keyring.sh` where there is no desktop session).

use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;
use tuberry::channels::telegram_bot::{BotInput, BotState};
use tuberry::clock::SystemClock;
use tuberry::keyring::Keyring;
use tuberry::model::{
    AuthorKind, ChannelKind, ContactIdentity, ConversationStatus, Direction, IdentityKind, Language,
};
use tuberry::operators::model::{Project, ProjectInput, WorkGroupProblem};
use tuberry::relay::Inbound;
use tuberry::settings::{AlertSettings, HttpSettings, QueueSettings, Settings, TelegramSettings};
use tuberry::{Engine, EngineOptions, api};
use tuberry_fakes::telegram::{FakeTelegram, Limits, Outage, User};

use crate::helpers::{TEST_KEYRING, eventually};

mod alerts;
mod assignment;
mod connecting;
mod daily;
mod health;
mod limits;
mod parsers;
mod private_chat;
mod team;
mod topics;

const TOKEN: &str = "5550001234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const WAIT: Duration = Duration::from_secs(20);

fn owner() -> User {
    User::new(9001, "Olga").with_last_name("Owner")
}

fn operator() -> User {
    User::new(9002, "Oleg")
}

fn customer(id: i64, name: &str) -> User {
    User::new(id, name)
}

/// The fake's limits and the engine's, scaled down alike so tests run fast.
fn scaled(group_window_ms: u64) -> (Limits, TelegramSettings) {
    let limits = Limits {
        chat_interval_ms: 100,
        chat_burst: 3,
        group_per_window: 20,
        group_window_ms,
        bot_per_second: 30,
    };
    let settings = TelegramSettings {
        group_messages: 20,
        group_window_ms: i64::try_from(group_window_ms).unwrap(),
        chat_interval_ms: 100,
        bot_per_second: 30,
        poll_timeout_s: 1,
        reconnect_min_ms: 50,
        reconnect_max_ms: 400,
    };
    (limits, settings)
}

pub(crate) struct Tg {
    engine: Option<Engine>,
    dir: TempDir,
    settings: Settings,
    fake: FakeTelegram,
    pub(crate) project: i64,
    group: i64,
}

impl Tg {
    pub(crate) fn engine(&self) -> &Engine {
        self.engine.as_ref().expect("engine is running")
    }

    pub(crate) fn fake(&self) -> &FakeTelegram {
        &self.fake
    }

    pub(crate) fn data_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    async fn open(dir: &TempDir, settings: &Settings) -> Engine {
        let engine = Engine::open(EngineOptions {
            data_dir: dir.path().to_path_buf(),
            clock: Arc::new(SystemClock),
            settings: Some(settings.clone()),
            keyring: Keyring::new(TEST_KEYRING),
            telegram_connector: None,
            whatsapp_connector: None,
        })
        .await
        .expect("engine opens");
        engine.start().await.expect("engine starts");
        engine
    }

    /// A project whose bot talks to the fake, with a bound work group and the
    /// Test chat as a source.
    pub(crate) async fn start(group_window_ms: u64) -> Tg {
        let (limits, telegram) = scaled(group_window_ms);
        Tg::start_with(limits, telegram, None).await
    }

    async fn start_with(limits: Limits, telegram: TelegramSettings, listen: Option<&str>) -> Tg {
        let mut tg = Tg::connected(limits, telegram, listen).await;
        tg.group = tg.fake.create_group("Flower shop operators", true);
        tg.fake
            .add_bot_to_group(TOKEN, tg.group, true, true, &owner());
        tg.until("the work group is bound and ready", |p| {
            p.work_group
                .as_ref()
                .and_then(|g| g.check.as_ref())
                .is_some_and(|c| c.missing.is_empty())
        })
        .await;
        let simulator = tg.engine().simulator().account_id();
        let bot_account = tg.project_now().await.bot.unwrap().account_id;
        api::set_project_sources(tg.engine(), tg.project, vec![simulator, bot_account])
            .await
            .unwrap();
        tg
    }

    /// A project whose bot talks to the fake, without a work group yet.
    async fn connected(limits: Limits, telegram: TelegramSettings, listen: Option<&str>) -> Tg {
        let fake = FakeTelegram::start(limits).await;
        fake.add_bot(TOKEN, "shop_bot");
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            queue: QueueSettings {
                workers: 4,
                max_attempts: 5,
                lease_ms: 30_000,
                backoff_base_ms: 50,
                backoff_max_ms: 1_000,
            },
            telegram,
            http: HttpSettings {
                listen: listen.map(str::to_owned),
                ..HttpSettings::default()
            },
            alerts: AlertSettings {
                check_ms: 100,
                group_ms: 800,
                min_gap_ms: 1_500,
            },
            ..Settings::default()
        };
        let engine = Tg::open(&dir, &settings).await;
        let project = api::create_project(
            &engine,
            ProjectInput {
                name: "Flower shop".into(),
                language: Language::En,
            },
        )
        .await
        .unwrap();
        api::connect_bot(
            &engine,
            project.id,
            BotInput {
                token: TOKEN.into(),
                api_url: Some(fake.url()),
                proxy: None,
            },
        )
        .await
        .unwrap();
        Tg {
            engine: Some(engine),
            dir,
            settings,
            fake,
            project: project.id,
            group: 0,
        }
    }

    async fn project_now(&self) -> Project {
        api::get_project(self.engine(), self.project).await.unwrap()
    }

    async fn until(&self, what: &str, mut check: impl FnMut(&Project) -> bool) -> Project {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let project = self.project_now().await;
            if check(&project) {
                return project;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting until {what}: {project:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn restart(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown(Duration::from_secs(5)).await;
        }
        self.engine = Some(Tg::open(&self.dir, &self.settings).await);
    }

    async fn customer_writes(&self, name: &str, text: &str) -> i64 {
        api::simulate_inbound(self.engine(), name.into(), text.into())
            .await
            .unwrap()
            .conversation_id
    }

    /// The auto-responder's "we will answer soon" as the last message of
    /// `conversation`: an acknowledgement, not an answer.
    async fn auto_replied(&self, conversation: i64) {
        let pool = self.engine().store().pool();
        sqlx::query(
            "INSERT INTO messages (conversation_id, channel_account_id, direction, author_kind,
                                   text, delivery, created_at)
             SELECT id, channel_account_id, 'out', 'auto_reply', 'We will answer soon', 'sent',
                    last_message_at + 1000
             FROM conversations WHERE id = ?1",
        )
        .bind(conversation)
        .execute(pool)
        .await
        .unwrap();
        sqlx::query("UPDATE conversations SET last_message_direction = 'out' WHERE id = ?1")
            .bind(conversation)
            .execute(pool)
            .await
            .unwrap();
    }

    /// The live topics of the work group, by name.
    fn topic(&self, name_part: &str) -> Option<i64> {
        self.fake
            .topics(self.group)
            .into_iter()
            .find(|t| !t.deleted && t.name.contains(name_part))
            .map(|t| t.thread_id)
    }

    pub(crate) async fn wait_topic(&self, name_part: &str) -> i64 {
        if !self
            .fake
            .wait_until(WAIT, |_| self.topic(name_part).is_some())
            .await
        {
            panic!(
                "no topic named like {name_part:?}: {:#?}\njobs: {:#?}\nTelegram saw: {:#?}",
                self.fake.topics(self.group),
                self.jobs().await,
                self.fake
                    .requests()
                    .iter()
                    .map(|r| format!("{} {} {}", r.method, r.status, r.params))
                    .collect::<Vec<_>>()
            );
        }
        let thread = self.topic(name_part).unwrap();
        // Telegram made the topic; the mirror job records it once the answer
        // is back, and only then does a message in it reach its conversation.
        let pool = self.engine().store().pool().clone();
        eventually("the store knows the topic", async || {
            let known: Option<i64> = sqlx::query_scalar(
                "SELECT conversation_id FROM topics WHERE chat_id = ?1 AND thread_id = ?2",
            )
            .bind(self.group)
            .bind(thread)
            .fetch_optional(&pool)
            .await
            .unwrap();
            known.map(|_| ())
        })
        .await;
        thread
    }

    /// The queue, for messages about a failure.
    async fn jobs(&self) -> Vec<(String, String, i64, Option<String>)> {
        sqlx::query_as("SELECT kind, status, attempts, last_error FROM jobs ORDER BY id")
            .fetch_all(self.engine().store().pool())
            .await
            .unwrap()
    }

    /// Texts the bot posted into a topic (service messages left out).
    fn topic_texts(&self, thread: i64) -> Vec<String> {
        self.fake
            .messages(self.group, Some(thread))
            .into_iter()
            .filter(|m| m.from_bot.is_some() && m.kind != "service")
            .filter_map(|m| m.text)
            .collect()
    }

    pub(crate) async fn wait_topic_text(&self, thread: i64, needle: &str) {
        let found = self
            .fake
            .wait_until(WAIT, |_| {
                self.topic_texts(thread).iter().any(|t| t.contains(needle))
            })
            .await;
        assert!(
            found,
            "{needle:?} never reached topic {thread}: {:#?}",
            self.topic_texts(thread)
        );
    }

    /// Nothing the engine sent broke the Bot API's description or a 429.
    pub(crate) fn assert_clean(&self) {
        assert_eq!(
            self.fake.spec_errors(),
            Vec::<String>::new(),
            "requests that do not match the Bot API"
        );
        assert_eq!(
            self.fake.violations(),
            Vec::<String>::new(),
            "calls made before retry_after had passed"
        );
    }

    pub(crate) async fn stop(mut self) {
        if std::env::var_os("TUBERRY_TRACE_TELEGRAM").is_some() {
            for r in self.fake.requests() {
                if r.method != "getUpdates" {
                    eprintln!("{:>6} {} {} {}", r.at_ms, r.method, r.status, r.params);
                }
            }
        }
        self.assert_clean();
        if let Some(engine) = self.engine.take() {
            engine.shutdown(Duration::from_secs(5)).await;
        }
    }
}
