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
use tuberry::settings::{HttpSettings, QueueSettings, Settings, TelegramSettings};
use tuberry::{Engine, EngineOptions, api};
use tuberry_fakes::telegram::{FakeTelegram, Limits, Outage, User};

use crate::helpers::TEST_KEYRING;

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

    async fn open(dir: &TempDir, settings: &Settings) -> Engine {
        let engine = Engine::open(EngineOptions {
            data_dir: dir.path().to_path_buf(),
            clock: Arc::new(SystemClock),
            settings: Some(settings.clone()),
            keyring: Keyring::new(TEST_KEYRING),
        })
        .await
        .expect("engine opens");
        engine.start().await;
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
        self.topic(name_part).unwrap()
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

async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_token_lives_in_the_keyring_and_survives_a_restart() {
    let mut tg = Tg::start(3_000).await;
    // The token is nowhere in the data directory: database, journal, logs.
    for entry in std::fs::read_dir(tg.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            let hay = String::from_utf8_lossy(&bytes);
            assert!(
                !hay.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
                "token found in {}",
                path.display()
            );
        }
    }
    let secret_ref: String = sqlx::query_scalar("SELECT secret_ref FROM telegram_bots")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    let keyring = Keyring::new(TEST_KEYRING);
    assert_eq!(
        keyring
            .get(&secret_ref)
            .await
            .unwrap()
            .map(|s| s.expose().clone()),
        Some(TOKEN.to_owned())
    );

    // After a restart the bot runs again from the keyring.
    tg.restart().await;
    tg.fake
        .user_writes_to_bot(TOKEN, &customer(777, "Vera"), "Are you open today?");
    eventually("the message after the restart is stored", async || {
        let page = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Vera")
    })
    .await;
    let project = tg.project_now().await;
    assert_eq!(project.bot.as_ref().unwrap().state, BotState::Online);

    // Disconnecting takes the token out of the keyring.
    api::disconnect_bot(tg.engine(), tg.project).await.unwrap();
    assert_eq!(
        keyring
            .get(&secret_ref)
            .await
            .unwrap()
            .map(|s| s.expose().clone()),
        None
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_or_server_is_refused_and_nothing_is_stored() {
    let tg = Tg::start(3_000).await;
    let other = api::create_project(
        tg.engine(),
        ProjectInput {
            name: "Second".into(),
            language: Language::Ru,
        },
    )
    .await
    .unwrap();
    let err = api::connect_bot(
        tg.engine(),
        other.id,
        BotInput {
            token: "not a token".into(),
            api_url: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("does not look like a bot token"),
        "{}",
        err.message
    );
    let err = api::connect_bot(
        tg.engine(),
        other.id,
        BotInput {
            token: "5550009999:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw".into(),
            api_url: Some(tg.fake.url()),
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("did not accept this bot token"),
        "{}",
        err.message
    );
    assert!(
        !err.message.contains("AAHdq"),
        "the token must not be echoed: {}",
        err.message
    );
    // The same bot cannot serve two projects.
    let err = api::connect_bot(
        tg.engine(),
        other.id,
        BotInput {
            token: TOKEN.into(),
            api_url: Some(tg.fake.url()),
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("already the bot of project"),
        "{}",
        err.message
    );
    let bots: i64 = sqlx::query_scalar("SELECT count(*) FROM telegram_bots")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(bots, 1);
    assert!(
        api::get_project(tg.engine(), other.id)
            .await
            .unwrap()
            .bot
            .is_none()
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_work_group_is_detected_and_missing_rights_are_named() {
    let (limits, telegram) = scaled(3_000);
    let mut tg = Tg::connected(limits, telegram, None).await;

    // A plain group, the bot added as a member: topics and admin rights are missing.
    tg.group = tg.fake.create_group("Operators", false);
    tg.fake
        .add_bot_to_group(TOKEN, tg.group, false, false, &owner());
    let p = tg
        .until("the group is detected", |p| {
            p.work_group.as_ref().is_some_and(|g| g.check.is_some())
        })
        .await;
    let group = p.work_group.unwrap();
    assert_eq!(group.chat_id, tg.group);
    assert_eq!(group.title, "Operators");
    assert_eq!(
        group.check.unwrap().missing,
        vec![WorkGroupProblem::TopicsDisabled, WorkGroupProblem::NotAdmin]
    );
    // The bot says so in the group, in the project's language.
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.messages(tg.group, None).iter().any(|m| m
                .text
                .as_deref()
                .is_some_and(|t| t.contains("Administrators"))))
            .await
    );

    // Topics on, admin without "Manage topics": exactly that is missing.
    tg.fake.set_forum(tg.group, true);
    tg.fake.set_bot_rights(TOKEN, tg.group, true, false);
    tg.until("only Manage topics is missing", |p| {
        p.work_group
            .as_ref()
            .and_then(|g| g.check.as_ref())
            .is_some_and(|c| c.missing == vec![WorkGroupProblem::CannotManageTopics])
    })
    .await;

    // The right given: ready. A re-check by hand agrees.
    tg.fake.set_bot_rights(TOKEN, tg.group, true, true);
    tg.until("the group is ready", |p| {
        p.work_group
            .as_ref()
            .and_then(|g| g.check.as_ref())
            .is_some_and(|c| c.missing.is_empty())
    })
    .await;
    let p = api::check_work_group(tg.engine(), tg.project)
        .await
        .unwrap();
    assert!(p.work_group.unwrap().check.unwrap().missing.is_empty());

    // /bind in another group moves the project there.
    let second = tg.fake.create_group("New operators", true);
    tg.fake
        .add_bot_to_group(TOKEN, second, true, true, &owner());
    tg.fake
        .user_writes_in_group(second, None, &owner(), "/bind");
    tg.until("the project moved to the second group", |p| {
        p.work_group.as_ref().is_some_and(|g| g.chat_id == second)
    })
    .await;
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_message_creates_a_topic_and_the_operator_reply_reaches_the_customer() {
    let tg = Tg::start(3_000).await;
    let conversation = tg
        .customer_writes("Anna", "Do you deliver roses on Sunday?")
        .await;
    let thread = tg.wait_topic("Anna").await;
    let topic = tg
        .fake
        .topics(tg.group)
        .into_iter()
        .find(|t| t.thread_id == thread)
        .unwrap();
    assert_eq!(topic.name, "Anna · Test chat");
    tg.wait_topic_text(thread, "Do you deliver roses on Sunday?")
        .await;
    assert!(
        tg.topic_texts(thread)[0].starts_with("👤 Anna"),
        "{:?}",
        tg.topic_texts(thread)
    );

    // The operator answers in the topic: it goes to the customer's channel.
    let answer =
        tg.fake
            .user_writes_in_group(tg.group, Some(thread), &operator(), "Yes, from 9 to 18");
    eventually(
        "the simulated customer got the operator's answer",
        async || {
            let transcript = api::simulator_transcript(tg.engine(), Some("Anna".into()))
                .await
                .unwrap();
            transcript
                .into_iter()
                .find(|e| e.direction == Direction::Out && e.text == "Yes, from 9 to 18")
        },
    )
    .await;
    let detail = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap();
    let reply = detail
        .messages
        .iter()
        .find(|m| m.text == "Yes, from 9 to 18")
        .unwrap();
    assert_eq!(reply.author_kind, AuthorKind::Operator);
    assert_eq!(reply.author_name.as_deref(), Some("Oleg"));
    // The topic shows it was delivered.
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.reactions(tg.group, answer)
                == vec!["👍".to_owned()])
            .await
    );
    // The operator's own message is not mirrored back.
    assert!(
        !tg.topic_texts(thread)
            .iter()
            .any(|t| t.contains("Yes, from 9 to 18"))
    );

    // A manager's reply from the desktop is mirrored, so the topic is the whole history.
    api::send_reply(tg.engine(), conversation, "We also have tulips".into())
        .await
        .unwrap();
    tg.wait_topic_text(thread, "We also have tulips").await;
    assert!(
        tg.topic_texts(thread)
            .iter()
            .any(|t| t.starts_with("💼 Manager") && t.contains("We also have tulips"))
    );

    // The customer's next message lands in the same topic.
    tg.customer_writes("Anna", "Great, thanks").await;
    tg.wait_topic_text(thread, "Great, thanks").await;
    assert_eq!(tg.fake.topics(tg.group).len(), 1);
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_close_reopen_and_note_from_the_topic() {
    let tg = Tg::start(3_000).await;
    let conversation = tg.customer_writes("Boris", "Is the bouquet ready?").await;
    let thread = tg.wait_topic("Boris").await;
    tg.wait_topic_text(thread, "Is the bouquet ready?").await;

    let note = tg.fake.user_writes_in_group(
        tg.group,
        Some(thread),
        &operator(),
        "/note regular customer, 10% off",
    );
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.reactions(tg.group, note)
                == vec!["✍".to_owned()])
            .await
    );
    let detail = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap();
    assert_eq!(detail.notes.len(), 1);
    assert_eq!(detail.notes[0].text, "regular customer, 10% off");
    assert_eq!(detail.notes[0].author_name, "Oleg");
    assert!(
        detail.messages.iter().all(|m| m.direction == Direction::In),
        "a note is never a reply"
    );
    let transcript = api::simulator_transcript(tg.engine(), Some("Boris".into()))
        .await
        .unwrap();
    assert!(transcript.iter().all(|e| e.direction == Direction::In));

    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/close");
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .topics(tg.group)
                .iter()
                .any(|t| t.thread_id == thread && t.closed))
            .await
    );
    let summary = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap()
        .conversation;
    assert_eq!(summary.status, ConversationStatus::Closed);

    // The customer writes again: the topic opens and shows the message.
    tg.customer_writes("Boris", "One more question").await;
    tg.wait_topic_text(thread, "One more question").await;
    assert!(
        tg.fake
            .topics(tg.group)
            .iter()
            .any(|t| t.thread_id == thread && !t.closed)
    );

    // Closed by a person in Telegram: the conversation follows.
    tg.fake.close_topic_by_user(tg.group, thread, &operator());
    eventually("the conversation is closed", async || {
        let c = api::get_conversation(tg.engine(), conversation)
            .await
            .unwrap()
            .conversation;
        (c.status == ConversationStatus::Closed).then_some(())
    })
    .await;
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &owner(), "/reopen");
    eventually("the conversation is open again", async || {
        let c = api::get_conversation(tg.engine(), conversation)
            .await
            .unwrap()
            .conversation;
        (c.status == ConversationStatus::AwaitingResponse).then_some(())
    })
    .await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .topics(tg.group)
                .iter()
                .any(|t| t.thread_id == thread && !t.closed))
            .await
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_topic_is_created_again() {
    let tg = Tg::start(3_000).await;
    tg.customer_writes("Dina", "Hello").await;
    let first = tg.wait_topic("Dina").await;
    tg.wait_topic_text(first, "Hello").await;
    tg.fake.delete_topic_by_user(tg.group, first);
    tg.customer_writes("Dina", "Anyone there?").await;
    let second = tg.wait_topic("Dina").await;
    assert_ne!(first, second);
    tg.wait_topic_text(second, "Anyone there?").await;
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_write_to_the_bot_itself() {
    let tg = Tg::start(3_000).await;
    let vera = customer(4242, "Vera");
    tg.fake.user_writes_to_bot(TOKEN, &vera, "/start");
    tg.fake
        .user_writes_to_bot(TOKEN, &vera, "Do you have size M?");
    let summary = eventually("Vera's conversation is in the inbox", async || {
        let page = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Vera")
    })
    .await;
    assert_eq!(summary.channel_kind, ChannelKind::TelegramBot);
    assert_eq!(summary.channel_name, "@shop_bot");
    assert_eq!(summary.project_id, Some(tg.project));
    let detail = api::get_conversation(tg.engine(), summary.id)
        .await
        .unwrap();
    assert_eq!(detail.messages.len(), 1, "/start alone is not a message");
    assert_eq!(
        detail.contact.identities,
        vec![ContactIdentity {
            kind: IdentityKind::TelegramUser,
            value: "4242".into()
        }]
    );

    // Mirrored into its topic like any channel's conversation.
    let thread = tg.wait_topic("Vera").await;
    tg.wait_topic_text(thread, "Do you have size M?").await;

    // A reply from the desktop reaches her private chat.
    api::send_reply(tg.engine(), summary.id, "Yes, size M is in stock".into())
        .await
        .unwrap();
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .messages(4242, None)
                .iter()
                .any(|m| m.from_bot.is_some()
                    && m.text.as_deref() == Some("Yes, size M is in stock")))
            .await
    );

    // A photo with a caption: stored with its attachment, mirrored as a photo.
    tg.fake
        .user_sends_photo_to_bot(TOKEN, &vera, Some("This one"));
    eventually("the photo is stored", async || {
        let d = api::get_conversation(tg.engine(), summary.id)
            .await
            .unwrap();
        d.messages
            .into_iter()
            .find(|m| m.text == "This one" && m.attachments.len() == 1)
    })
    .await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .messages(tg.group, Some(thread))
                .iter()
                .any(|m| m.kind == "photo"
                    && m.text.as_deref().is_some_and(|t| t.contains("This one"))))
            .await
    );
    // She blocks the bot: an operator's answer fails, the topic says so and
    // its title asks for a person.
    tg.fake.user_blocks_bot(TOKEN, 4242);
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "Are you still there?");
    tg.wait_topic_text(thread, "Not delivered to the customer")
        .await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .topics(tg.group)
                .iter()
                .any(|t| t.thread_id == thread && t.name.starts_with("❗ Vera")))
            .await,
        "{:#?}",
        tg.fake.topics(tg.group)
    );
    let status = api::get_conversation(tg.engine(), summary.id)
        .await
        .unwrap()
        .conversation
        .status;
    assert_eq!(status, ConversationStatus::NeedsHuman);
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_across_thirty_conversations_arrives_complete_and_in_order() {
    // Telegram's 20 messages a minute into one group, with the minute scaled to 2 s.
    let tg = Tg::start(2_000).await;
    let simulator = tg.engine().simulator().account_id();
    let mut expected: Vec<Vec<String>> = vec![Vec::new(); 30];
    for i in 0..200 {
        let who = i % 30;
        let text = format!("customer {who} message {i}");
        expected[who].push(text.clone());
        let inbound = Inbound {
            channel_account_id: simulator,
            external_message_id: format!("burst-{i}"),
            external_thread_id: format!("burst customer {who:02}"),
            sender: ContactIdentity {
                kind: IdentityKind::Simulator,
                value: format!("burst customer {who:02}"),
            },
            sender_name: format!("Burst customer {who:02}"),
            subject: None,
            text,
            attachments: Vec::new(),
            sent_at: None,
        };
        // Every message is in the inbox at once, whatever Telegram's budget.
        tg.engine()
            .relay()
            .ingest(inbound.validate().unwrap())
            .await
            .unwrap();
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(stored, 200);

    let all_mirrored = eventually("all 200 messages are in their topics", async || {
        let mirrored: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT message_id) FROM topic_messages WHERE origin = 'mirror'",
        )
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
        (mirrored == 200).then_some(mirrored)
    });
    tokio::time::timeout(Duration::from_secs(120), all_mirrored)
        .await
        .expect("mirroring finished");

    let topics = tg.fake.topics(tg.group);
    assert_eq!(topics.len(), 30, "one topic per conversation");
    for (who, texts) in expected.iter().enumerate() {
        let thread = tg.topic(&format!("Burst customer {who:02}")).unwrap();
        let joined = tg.topic_texts(thread).join("\n");
        let mut at = 0;
        for text in texts {
            let found = joined[at..].find(&format!("{text}\n")).or_else(|| {
                joined[at..]
                    .ends_with(text.as_str())
                    .then(|| joined.len() - at - text.len())
            });
            let pos = found.unwrap_or_else(|| {
                panic!("{text:?} missing or out of order in topic {who}: {joined}")
            });
            at += pos + text.len();
        }
        assert_eq!(
            joined.matches("message ").count(),
            texts.len(),
            "each message once in topic {who}"
        );
    }
    let sends = tg
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "sendMessage" && r.status == 200)
        .count();
    assert!(
        sends < 200,
        "waiting mirrors are coalesced ({sends} messages for 200)"
    );
    let unfinished: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE status != 'done'")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(unfinished, 0);
    println!(
        "burst: {sends} messages, {} answered 429",
        tg.fake.rate_limited().len()
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_s_retry_after_is_obeyed() {
    // The engine believes the group allows five times what it does: Telegram
    // answers 429, and the engine must wait as long as it was told.
    let (limits, mut telegram) = scaled(3_000);
    telegram.group_window_ms = 600;
    let tg = Tg::start_with(limits, telegram, None).await;
    for i in 0..40 {
        tg.customer_writes(
            &format!("Hasty {:02}", i % 10),
            &format!("hasty message {i}"),
        )
        .await;
    }
    eventually("all 40 messages are in their topics", async || {
        let mirrored: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT message_id) FROM topic_messages WHERE origin = 'mirror'",
        )
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
        (mirrored == 40).then_some(())
    })
    .await;
    assert!(
        !tg.fake.rate_limited().is_empty(),
        "the fake's limit was reached"
    );
    for i in 0..40 {
        let thread = tg.topic(&format!("Hasty {:02}", i % 10)).unwrap();
        let text = format!("hasty message {i}");
        assert_eq!(
            tg.topic_texts(thread)
                .join("\n")
                .lines()
                .filter(|l| *l == text)
                .count(),
            1,
            "{text} once"
        );
    }
    // stop() asserts that no call came before its retry_after had passed.
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_and_a_network_loss_lose_and_repeat_nothing() {
    let mut tg = Tg::start(3_000).await;
    let first = customer(5001, "Fedor");
    for i in 0..10 {
        tg.fake
            .user_writes_to_bot(TOKEN, &first, &format!("before restart {i}"));
    }
    eventually("some of the messages are stored", async || {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE direction = 'in'")
            .fetch_one(tg.engine().store().pool())
            .await
            .unwrap();
        (n >= 3).then_some(())
    })
    .await;
    tg.restart().await;
    for i in 0..10 {
        tg.fake
            .user_writes_to_bot(TOKEN, &first, &format!("after restart {i}"));
    }

    // Telegram unreachable for a while.
    tg.fake.set_outage(Some(Outage::ConnectionReset));
    tg.until("the bot noticed the network loss", |p| {
        p.bot.as_ref().is_some_and(|b| b.state == BotState::Offline)
    })
    .await;
    for i in 0..5 {
        tg.fake
            .user_writes_to_bot(TOKEN, &first, &format!("while offline {i}"));
    }
    // A message from another channel is in the inbox at once even so.
    tg.customer_writes("Galina", "Hello from the test chat")
        .await;
    tg.fake.set_outage(None);

    eventually("all 25 messages are stored", async || {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE direction = 'in' AND channel_account_id != ?1",
        )
        .bind(tg.engine().simulator().account_id())
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
        (n == 25).then_some(())
    })
    .await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.pending_updates(TOKEN) == 0)
            .await
    );
    let thread = tg.wait_topic("Fedor").await;
    tg.wait_topic_text(thread, "while offline 4").await;
    let galina = tg.wait_topic("Galina").await;
    tg.wait_topic_text(galina, "Hello from the test chat").await;
    let joined = tg.topic_texts(thread).join("\n");
    for prefix in ["before restart", "after restart"] {
        for i in 0..10 {
            assert_eq!(
                joined.matches(&format!("{prefix} {i}\n")).count()
                    + usize::from(joined.ends_with(&format!("{prefix} {i}"))),
                1,
                "{prefix} {i} once in {joined}"
            );
        }
    }
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT text FROM messages WHERE direction = 'in' ORDER BY id")
            .fetch_all(tg.engine().store().pool())
            .await
            .unwrap();
    let fedor: Vec<&String> = stored.iter().filter(|t| !t.starts_with("Hello")).collect();
    let mut expected: Vec<String> = (0..10).map(|i| format!("before restart {i}")).collect();
    expected.extend((0..10).map(|i| format!("after restart {i}")));
    expected.extend((0..5).map(|i| format!("while offline {i}")));
    assert_eq!(
        fedor,
        expected.iter().collect::<Vec<_>>(),
        "stored once each, in order"
    );
    tg.until("the bot is online again", |p| {
        p.bot.as_ref().is_some_and(|b| b.state == BotState::Online)
    })
    .await;
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_takes_updates_through_the_lan_endpoint() {
    let (limits, telegram) = scaled(3_000);
    let tg = Tg::start_with(limits, telegram, Some("127.0.0.1:0")).await;
    let endpoint = format!(
        "http://{}",
        tg.engine().http_addr().expect("the LAN endpoint listens")
    );
    let project = api::set_bot_webhook(tg.engine(), tg.project, Some(endpoint.clone()))
        .await
        .unwrap();
    assert_eq!(
        project.bot.unwrap().webhook_url.as_deref(),
        Some(endpoint.as_str())
    );
    assert!(
        tg.fake.wait_until(WAIT, |f| !f.is_polling(TOKEN)).await,
        "the bot stops polling"
    );

    let vera = customer(8080, "Wanda");
    tg.fake.user_writes_to_bot(TOKEN, &vera, "Sent by webhook");
    let summary = eventually("the webhook's message is stored", async || {
        let page = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Wanda")
    })
    .await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.pending_updates(TOKEN) == 0)
            .await,
        "acknowledged"
    );

    // Someone without the secret is refused and changes nothing.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    let account = api::get_project(tg.engine(), tg.project)
        .await
        .unwrap()
        .bot
        .unwrap()
        .account_id;
    let forged = reqwest::Client::new()
        .post(format!("{endpoint}/telegram/{account}"))
        .header("x-telegram-bot-api-secret-token", "guess")
        .header("content-type", "application/json")
        .body(r#"{"update_id":999999,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private","first_name":"X"},"from":{"id":1,"is_bot":false,"first_name":"X"},"text":"forged"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(before, after);

    // Back to long polling.
    api::set_bot_webhook(tg.engine(), tg.project, None)
        .await
        .unwrap();
    tg.fake
        .user_writes_to_bot(TOKEN, &vera, "Sent while polling");
    eventually("the polled message is stored", async || {
        let d = api::get_conversation(tg.engine(), summary.id)
            .await
            .unwrap();
        d.messages
            .into_iter()
            .find(|m| m.text == "Sent while polling")
    })
    .await;
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_avito_buyer_is_mirrored_into_a_topic_and_the_operator_answers_on_avito() {
    use tuberry::channels::avito::model::{AvitoConnect, AvitoInput};
    use tuberry_fakes::avito::{Account, Buyer, BuyerMessage, FakeAvito, Item};

    let avito = FakeAvito::start().await;
    avito.add_account(Account::new(
        94_235_311,
        "Flower shop",
        "client",
        "secret-1",
    ));
    let tg = Tg::start(3_000).await;
    let connected = api::connect_avito(
        tg.engine(),
        AvitoInput {
            client_id: "client".into(),
            client_secret: "secret-1".into(),
            api_url: Some(avito.url()),
        },
    )
    .await
    .unwrap();
    let AvitoConnect::Connected { account } = connected else {
        panic!("{connected:?}");
    };
    let mut sources: Vec<i64> = tg
        .project_now()
        .await
        .sources
        .iter()
        .map(|s| s.id)
        .collect();
    sources.push(account.id);
    api::set_project_sources(tg.engine(), tg.project, sources)
        .await
        .unwrap();

    let written = avito.buyer_writes(
        94_235_311,
        BuyerMessage::text(
            Buyer::new(555_001, "Irina"),
            Some(Item::new(7, "Peony bouquet")),
            "Are the peonies fresh?",
        ),
    );
    let thread = tg.wait_topic("Irina").await;
    tg.wait_topic_text(thread, "Are the peonies fresh?").await;

    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "Cut this morning!");
    assert!(
        avito
            .wait_until(WAIT, |f| f
                .sent()
                .iter()
                .any(|m| m.chat_id == written.chat_id
                    && m.text.as_deref() == Some("Cut this morning!")))
            .await,
        "the operator's answer never reached Avito: {:?}",
        avito.sent()
    );
    // The buyer's picture is in the topic as a photo, not a file name.
    avito.buyer_writes(
        94_235_311,
        BuyerMessage {
            buyer: Buyer::new(555_001, "Irina"),
            item: Some(Item::new(7, "Peony bouquet")),
            content: tuberry_fakes::avito::Content::Image(vec![7u8; 4096]),
        },
    );
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f
                .messages(tg.group, Some(thread))
                .iter()
                .any(|m| m.from_bot.is_some() && m.kind == "photo"))
            .await,
        "no photo in the topic: {:?}",
        tg.fake.messages(tg.group, Some(thread))
    );
    assert_eq!(avito.spec_errors(), Vec::<String>::new());
    tg.stop().await;
}
