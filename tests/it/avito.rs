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
        })
        .await
        .unwrap();
        engine.start().await;
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

#[tokio::test]
async fn connecting_names_the_account_and_keeps_its_secrets_in_the_keyring() {
    let app = Avito::start().await;

    let refused = api::connect_avito(app.engine(), app.input("wrong-secret"))
        .await
        .unwrap();
    let AvitoConnect::Refused { error } = refused else {
        panic!("a wrong secret must be refused: {refused:?}");
    };
    assert_eq!(error.problem, AvitoProblem::Credentials);
    assert!(
        api::list_avito_accounts(app.engine())
            .await
            .unwrap()
            .is_empty()
    );

    let account = app.connect().await;
    assert_eq!(account.name, "Магазин Ромашка");
    assert_eq!(account.user_id, SELLER);
    let again = api::connect_avito(app.engine(), app.input(SECRET))
        .await
        .unwrap();
    assert!(
        matches!(&again, AvitoConnect::Refused { error } if error.problem == AvitoProblem::Duplicate),
        "{again:?}"
    );
    app.until_account("came online", |a| a.state == AvitoState::Online)
        .await;

    // Neither the secret nor the access token is in the database file.
    let mut app = app;
    app.close().await;
    let mut db = Vec::new();
    for entry in std::fs::read_dir(app.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            db.extend(std::fs::read(path).unwrap());
        }
    }
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains(SECRET), "the client secret reached the store");
    assert!(db.contains(CLIENT_ID), "the settings are where they belong");
    app.open().await;

    // Disconnecting takes the secret out of the keyring: connecting again
    // needs it typed again, and works.
    api::remove_avito(app.engine(), account.id).await.unwrap();
    assert!(
        api::list_avito_accounts(app.engine())
            .await
            .unwrap()
            .is_empty()
    );
    let back = app.connect().await;
    assert_eq!(
        back.id, account.id,
        "a returning account keeps its conversations"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_account_without_the_messenger_tariff_says_so() {
    let app = Avito::start().await;
    app.fake.add_account(
        Account::new(777, "Частное лицо", "basic-client", "basic-secret").without_messenger(),
    );
    let connected = api::connect_avito(
        app.engine(),
        AvitoInput {
            client_id: "basic-client".into(),
            client_secret: "basic-secret".into(),
            api_url: Some(app.fake.url()),
        },
    )
    .await
    .unwrap();
    let AvitoConnect::Connected { account } = connected else {
        panic!("the account itself is fine: {connected:?}");
    };
    assert_eq!(account.name, "Частное лицо");
    let problem = account
        .last_error
        .expect("the tariff problem is shown at once");
    assert_eq!(problem.problem, AvitoProblem::Tariff, "{problem:?}");
    app.finish().await;
}

#[tokio::test]
async fn a_buyers_messages_arrive_with_the_listing_and_replies_reach_avito_in_parts() {
    let app = Avito::start().await;
    let account = app.connect().await;
    let written = app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "Здравствуйте! Диван ещё продаётся?"),
    );
    let inbound = app.until_inbound(1).await;
    assert_eq!(inbound[0].text, "Здравствуйте! Диван ещё продаётся?");
    let conversation = app.conversations().await.remove(0);
    assert_eq!(conversation.channel_account_id, account.id);
    assert_eq!(conversation.contact_name, "Иван Покупатель");
    let detail = api::get_conversation(app.engine(), conversation.id)
        .await
        .unwrap();
    let listing = detail.listing.expect("the listing is in the header");
    assert_eq!(listing.title, "Диван угловой");
    assert_eq!(listing.price.as_deref(), Some("25 000 ₽"));
    assert_eq!(listing.url.as_deref(), Some(sofa().url.as_str()));
    assert!(
        detail
            .contact
            .identities
            .iter()
            .any(|i| i.kind == IdentityKind::AvitoUser && i.value == "555001"),
        "{:?}",
        detail.contact.identities
    );
    // Reading the chat did not mark it read on Avito.
    assert!(!app.fake.is_read(&written.chat_id));

    let reply = api::send_reply(app.engine(), conversation.id, "Да, продаётся!".into())
        .await
        .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent), "{reply:?}");
    let sent = app.fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].chat_id, written.chat_id);
    assert_eq!(sent[0].text.as_deref(), Some("Да, продаётся!"));
    assert!(
        app.fake.is_read(&written.chat_id),
        "answering marks the chat read"
    );

    // 2 500 characters leave as three messages of at most 1 000.
    let paragraph = "Доставка по Москве бесплатная. ".repeat(40);
    let long = format!("{paragraph}\n\n{paragraph}");
    let reply = api::send_reply(app.engine(), conversation.id, long.clone())
        .await
        .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent), "{reply:?}");
    let parts: Vec<String> = app.fake.sent()[1..]
        .iter()
        .map(|m| m.text.clone().unwrap())
        .collect();
    assert!(parts.len() >= 3, "{parts:?}");
    assert!(parts.iter().all(|p| p.chars().count() <= 1000), "{parts:?}");
    let joined = parts.join(" ");
    assert_eq!(
        joined.split_whitespace().collect::<Vec<_>>(),
        long.split_whitespace().collect::<Vec<_>>()
    );
    // The seller's own messages are not taken for the buyer's.
    api::poll_avito(app.engine(), account.id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.inbound().await.len(), 1);
    app.finish().await;
}

#[tokio::test]
async fn an_expired_token_is_renewed_and_a_cached_one_survives_a_restart() {
    let clock = ManualClock::new(T0);
    let mut app = Avito::start_on(false, Some(clock.clone())).await;
    app.fake.set_token_ttl(Duration::from_secs(3600));
    app.connect().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "первое"));
    app.until_inbound(1).await;
    let issued = app.fake.tokens_issued();

    // Avito forgets the token before its time: the next call gets 403, the
    // app takes a new token and carries on.
    app.fake.expire_tokens();
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "второе"));
    app.until_inbound(2).await;
    assert_eq!(app.fake.tokens_issued(), issued + 1);
    let refused = app
        .fake
        .requests()
        .iter()
        .filter(|r| r.status == 403)
        .count();
    assert!(refused >= 1, "the stale token was tried first");

    // A restart uses the token kept in the keyring.
    app.close().await;
    app.open().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "третье"));
    app.until_inbound(3).await;
    assert_eq!(
        app.fake.tokens_issued(),
        issued + 1,
        "no new token after a restart"
    );

    // Ten minutes before it expires, the token is renewed without a refusal.
    let refused_before = app
        .fake
        .requests()
        .iter()
        .filter(|r| r.status == 403)
        .count();
    clock.advance((3600 - 9 * 60) * 1000);
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "четвёртое"),
    );
    app.until_inbound(4).await;
    assert_eq!(app.fake.tokens_issued(), issued + 2);
    let refused_after = app
        .fake
        .requests()
        .iter()
        .filter(|r| r.status == 403)
        .count();
    assert_eq!(
        refused_after, refused_before,
        "renewed before Avito refused it"
    );
    app.finish().await;
}

#[tokio::test]
async fn the_polling_cursor_survives_a_restart_without_loss_or_duplicates() {
    let mut app = Avito::start().await;
    app.connect().await;
    let other = Buyer::new(555_002, "Мария");
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "один"));
    app.until_inbound(1).await;

    app.close().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "два"));
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(other.clone(), None, "три"));
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "четыре"));
    app.open().await;

    let inbound = app.until_inbound(4).await;
    let mut texts: Vec<&str> = inbound.iter().map(|m| m.text.as_str()).collect();
    texts.sort_unstable();
    assert_eq!(texts, ["два", "один", "три", "четыре"]);
    assert_eq!(
        app.conversations().await.len(),
        2,
        "one conversation per chat"
    );
    // Later readings find nothing new.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(app.inbound().await.len(), 4);
    app.finish().await;
}

#[tokio::test]
async fn images_and_voice_messages_make_the_round_trip() {
    let app = Avito::start().await;
    app.connect().await;
    let photo: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let voice: Vec<u8> = (0..9_000u32).map(|i| (i % 241) as u8).collect();
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage {
            buyer: buyer(),
            item: Some(sofa()),
            content: Content::Image(photo.clone()),
        },
    );
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage {
            buyer: buyer(),
            item: Some(sofa()),
            content: Content::Voice(voice.clone()),
        },
    );
    let inbound = app.until_inbound(2).await;
    let image = &inbound[0].attachments[0];
    assert_eq!(image.kind, AttachmentKind::Image);
    let kept = api::read_attachment(app.engine(), image.url.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(kept, photo, "the image is kept locally, byte for byte");
    let audio = &inbound[1].attachments[0];
    assert_eq!(audio.kind, AttachmentKind::Audio);
    let kept = api::read_attachment(app.engine(), audio.url.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(kept, voice);

    // The manager answers with a picture of their own.
    let conversation = app.conversations().await.remove(0);
    let ours: Vec<u8> = (0..30_000u32).map(|i| (i % 199) as u8).collect();
    let upload = api::upload_attachment(
        app.engine(),
        "sofa-side.png".into(),
        Some("image/png".into()),
        ours.clone(),
    )
    .await
    .unwrap();
    let reply = api::send_reply_with_files(
        app.engine(),
        conversation.id,
        "Вот фото сбоку".into(),
        vec![upload],
    )
    .await
    .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent), "{reply:?}");
    let sent = app.fake.sent();
    let image = sent
        .iter()
        .find(|m| m.kind == SentKind::Image)
        .expect("an image message");
    let uploaded = app
        .fake
        .uploaded_image(image.image_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(uploaded, ours);
    assert!(
        sent.iter()
            .any(|m| m.text.as_deref() == Some("Вот фото сбоку"))
    );
    app.finish().await;
}

#[tokio::test]
async fn links_cards_locations_and_system_messages_read_as_text() {
    let app = Avito::start().await;
    app.connect().await;
    let contents = [
        Content::Link {
            url: "https://example.com/size-chart".into(),
            text: "таблица размеров".into(),
        },
        Content::ItemCard(Item::new(42, "Кресло")),
        Content::Location {
            lat: 55.75,
            lon: 37.61,
            title: "Москва, Тверская".into(),
            text: "Москва, Тверская, 1".into(),
        },
        Content::System("Покупатель оформил доставку".into()),
    ];
    for content in contents {
        app.fake.buyer_writes(
            SELLER,
            BuyerMessage {
                buyer: buyer(),
                item: Some(sofa()),
                content,
            },
        );
    }
    let inbound = app.until_inbound(4).await;
    assert!(
        inbound[0].text.contains("https://example.com/size-chart"),
        "{}",
        inbound[0].text
    );
    assert!(
        inbound[1].text.contains("Кресло") && inbound[1].text.contains("1 000 ₽"),
        "{}",
        inbound[1].text
    );
    assert!(
        inbound[2].text.contains("Москва, Тверская"),
        "{}",
        inbound[2].text
    );
    assert!(
        inbound[3].text.contains("Покупатель оформил доставку"),
        "{}",
        inbound[3].text
    );
    let contacts: std::collections::HashSet<i64> = app
        .conversations()
        .await
        .iter()
        .map(|c| c.contact_id)
        .collect();
    assert_eq!(
        contacts.len(),
        1,
        "Avito's own notices belong to the buyer's chat"
    );
    app.finish().await;
}

#[tokio::test]
async fn webhook_messages_are_kept_before_the_answer_and_bad_ones_are_refused() {
    let app = Avito::start_with(true).await;
    let account = app.connect().await;
    let addr = app.engine().http_addr().expect("the LAN endpoint listens");
    let public = format!("http://{addr}");
    let account = api::set_avito_webhook(app.engine(), account.id, Some(public.clone()))
        .await
        .unwrap();
    assert_eq!(account.webhook_url.as_deref(), Some(public.as_str()));
    let subscriptions = app.fake.subscriptions();
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");
    let hook = subscriptions[0].url.clone();
    assert!(
        hook.starts_with(&format!("{public}/avito/{}/", account.id)),
        "{hook}"
    );

    let written = app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "по вебхуку"),
    );
    app.until_inbound(1).await;
    let deliveries = app.fake.webhook_deliveries();
    assert!(
        deliveries
            .iter()
            .any(|d| d.message_id == written.message_id && d.status == Some(200)),
        "{deliveries:?}"
    );

    // Malformed or foreign posts are refused and change nothing.
    let jobs_before: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(app.engine().store().pool())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let post = async |url: &str, body: &str| {
        http.post(url)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let event = |user: i64, text: serde_json::Value| {
        serde_json::json!({
            "id": "evt-9", "version": "v3.0.0", "timestamp": 1_700_000_000,
            "payload": {"type": "message", "value": {
                "id": "forged-1", "chat_id": written.chat_id, "chat_type": "u2i",
                "user_id": user, "author_id": 555_001, "created": 1_700_000_000,
                "type": "text", "content": {"text": text}, "item_id": 1, "read": null,
                "published_at": "2023-11-14T22:13:20Z"
            }}
        })
        .to_string()
    };
    assert_eq!(post(&hook, "{not json").await, 400);
    assert_eq!(
        post(&hook, r#"{"id":"e","payload":{"type":"message"}}"#).await,
        400
    );
    assert_eq!(
        post(&hook, &event(SELLER, serde_json::json!(12))).await,
        400
    );
    assert_eq!(
        post(&hook, &event(1, serde_json::json!("чужой"))).await,
        400
    );
    let wrong_secret = format!("{public}/avito/{}/not-the-secret", account.id);
    assert_eq!(
        post(&wrong_secret, &event(SELLER, serde_json::json!("x"))).await,
        404
    );
    let jobs_after: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(app.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(
        jobs_after, jobs_before,
        "nothing was kept from the bad posts"
    );
    assert_eq!(app.inbound().await.len(), 1);

    // A redelivered event is stored once.
    assert_eq!(
        post(&hook, &event(SELLER, serde_json::json!("повтор"))).await,
        200
    );
    assert_eq!(
        post(&hook, &event(SELLER, serde_json::json!("повтор"))).await,
        200
    );
    app.until_inbound(2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.inbound().await.len(), 2);

    let account = api::set_avito_webhook(app.engine(), account.id, None)
        .await
        .unwrap();
    assert_eq!(account.webhook_url, None);
    assert!(app.fake.subscriptions().is_empty());
    assert_eq!(
        post(&hook, &event(SELLER, serde_json::json!("поздно"))).await,
        404
    );
    app.finish().await;
}

#[tokio::test]
async fn while_avito_is_down_nothing_is_lost_and_replies_wait() {
    let app = Avito::start().await;
    app.connect().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "до сбоя"));
    app.until_inbound(1).await;
    let conversation = app.conversations().await.remove(0);

    app.fake.set_outage(Some(Outage::Unavailable));
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "во время сбоя"),
    );
    let reply = api::send_reply(app.engine(), conversation.id, "Ответ во время сбоя".into())
        .await
        .unwrap();
    let down = app
        .until_account("noticed the outage", |a| a.state == AvitoState::Offline)
        .await;
    assert_eq!(down.last_error.unwrap().problem, AvitoProblem::Connect);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pending = api::get_conversation(app.engine(), conversation.id)
        .await
        .unwrap();
    let pending = pending.messages.iter().find(|m| m.id == reply.id).unwrap();
    assert_eq!(pending.delivery, Some(Delivery::Pending));

    app.fake.set_outage(None);
    let inbound = app.until_inbound(2).await;
    assert_eq!(inbound[1].text, "во время сбоя");
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent));
    app.until_account("came back", |a| a.state == AvitoState::Online)
        .await;
    let copies = app
        .fake
        .sent()
        .iter()
        .filter(|m| m.text.as_deref() == Some("Ответ во время сбоя"))
        .count();
    assert_eq!(copies, 1, "sent once");
    app.finish().await;
}

#[tokio::test]
async fn refusals_fail_with_avitos_words_and_rate_limits_are_retried() {
    let app = Avito::start().await;
    app.connect().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "вопрос"));
    app.until_inbound(1).await;
    let conversation = app.conversations().await.remove(0);

    // Avito asks to slow down, then has trouble: the queue tries again.
    app.fake.fail_next(2, 429);
    let reply = api::send_reply(app.engine(), conversation.id, "после паузы".into())
        .await
        .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Sent), "{reply:?}");

    // A refusal is final and says why.
    app.fake.fail_next(10, 400);
    let reply = api::send_reply(app.engine(), conversation.id, "не дойдёт".into())
        .await
        .unwrap();
    let reply = app.until_delivered(conversation.id, reply.id).await;
    assert_eq!(reply.delivery, Some(Delivery::Failed), "{reply:?}");
    assert!(reply.delivery_error.unwrap().starts_with("Avito:"));
    app.finish().await;
}

#[tokio::test]
async fn an_avito_buyer_and_a_telegram_customer_merge_into_one_contact() {
    let app = Avito::start().await;
    app.connect().await;
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "на Авито"),
    );
    app.until_inbound(1).await;
    let avito_contact = app.conversations().await[0].contact_id;
    let simulated = api::simulate_inbound(app.engine(), "Иван (сайт)".into(), "пишу в чат".into())
        .await
        .unwrap();
    let other = api::get_conversation(app.engine(), simulated.conversation_id)
        .await
        .unwrap()
        .contact
        .id;
    let found = api::search_contacts(app.engine(), "555001".into())
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        [avito_contact]
    );

    let merged = api::merge_contacts(app.engine(), avito_contact, other)
        .await
        .unwrap();
    let kinds: Vec<IdentityKind> = merged.identities.iter().map(|i| i.kind).collect();
    assert!(
        kinds.contains(&IdentityKind::AvitoUser) && kinds.contains(&IdentityKind::Simulator),
        "{kinds:?}"
    );
    assert_eq!(merged.conversation_count, 2);
    assert!(
        api::merge_contacts(app.engine(), avito_contact, other)
            .await
            .is_err()
    );

    // Later messages on either channel find the kept contact.
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "снова на Авито"),
    );
    app.until_inbound(3).await;
    let contacts: std::collections::HashSet<i64> = app
        .conversations()
        .await
        .iter()
        .map(|c| c.contact_id)
        .collect();
    assert_eq!(contacts.into_iter().collect::<Vec<_>>(), [avito_contact]);
    app.finish().await;
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

// The fake serves from other threads while the command blocks this one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_connects_lists_and_removes_an_account() {
    let fake = FakeAvito::start().await;
    fake.add_account(Account::new(SELLER, "Магазин Ромашка", CLIENT_ID, SECRET));
    let dir = tempfile::tempdir().unwrap();
    let url = fake.url();
    let connect = [
        "avito",
        "connect",
        "--client-id",
        CLIENT_ID,
        "--api-url",
        url.as_str(),
    ];

    let (ok, out, err) = tuberry(dir.path(), &connect, "wrong");
    assert!(!ok, "{out}");
    assert!(err.contains("Credentials"), "{err}");
    let (ok, out, err) = tuberry(dir.path(), &connect, SECRET);
    assert!(ok, "{err}");
    assert!(
        out.contains("Магазин Ромашка") && out.contains(&SELLER.to_string()),
        "{out}"
    );

    let (ok, out, err) = tuberry(dir.path(), &["--json", "avito", "list"], "");
    assert!(ok, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["name"], "Магазин Ромашка");
    let id = list[0]["id"].as_i64().unwrap().to_string();

    let (ok, out, err) = tuberry(dir.path(), &["avito", "remove", &id], "");
    assert!(ok, "{err}");
    assert!(out.contains("removed"), "{out}");
    let (_, out, _) = tuberry(dir.path(), &["avito", "list"], "");
    assert!(out.contains("No Avito accounts yet"), "{out}");
    assert!(fake.spec_errors().is_empty(), "{:#?}", fake.spec_errors());
}
