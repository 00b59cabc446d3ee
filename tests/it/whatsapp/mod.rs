//! The shop's WhatsApp number linked as a device, over the channel's narrow
//! interface to WhatsApp with a scripted stand-in of it
//! (`tuberry_fakes::whatsapp_web`): linking by QR (rotated, lapsing) or by
//! pairing code, the keys sealed at rest, every kind of inbound message,
//! the owner's own messages, replies with their files and the message they
//! answer, receipts, WhatsApp's pace, reconnecting and catching up, and
//! unlinking. These tests need the OS keyring.

mod link;
mod receive;
mod send;

use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;
use tuberry::channels::login::{LoginAttempt, LoginState};
use tuberry::channels::whatsapp::linked::model::{LinkMethod, LinkStart};
use tuberry::clock::SystemClock;
use tuberry::keyring::Keyring;
use tuberry::model::{Language, Message};
use tuberry::operators::model::ProjectInput;
use tuberry::settings::{QueueSettings, Settings, WhatsAppSettings};
use tuberry::{Engine, EngineOptions, api};

use crate::helpers::TEST_KEYRING;
pub(crate) use crate::helpers::eventually;
use tuberry_fakes::whatsapp_web::FakeWhatsApp;

/// The shop's number.
pub(crate) const SHOP: &str = "+79990000001";

pub(crate) struct Wa {
    engine: Option<Engine>,
    pub fake: FakeWhatsApp,
    pub dir: TempDir,
    pub project: i64,
    stand_in: Option<String>,
    whatsapp: WhatsAppSettings,
}

pub(crate) fn whatsapp_settings() -> WhatsAppSettings {
    WhatsAppSettings {
        qr_timeout_s: 180,
        reconnect_min_ms: 50,
        reconnect_max_ms: 200,
        chat_interval_ms: 1,
        account_budget: 1_000,
        account_window_s: 1,
        stand_in: None,
        cloud_api_url: None,
    }
}

impl Wa {
    async fn open(
        dir: &TempDir,
        fake: &FakeWhatsApp,
        stand_in: Option<&String>,
        whatsapp: &WhatsAppSettings,
    ) -> Engine {
        let engine = Engine::open(EngineOptions {
            data_dir: dir.path().to_path_buf(),
            clock: Arc::new(SystemClock),
            settings: Some(Settings {
                queue: QueueSettings {
                    workers: 2,
                    max_attempts: 5,
                    lease_ms: 30_000,
                    backoff_base_ms: 50,
                    backoff_max_ms: 500,
                },
                whatsapp: WhatsAppSettings {
                    stand_in: stand_in.cloned(),
                    ..whatsapp.clone()
                },
                ..Settings::default()
            }),
            keyring: Keyring::new(TEST_KEYRING),
            telegram_connector: None,
            // Through the stand-in's HTTP face, or handed over directly.
            whatsapp_connector: match stand_in {
                Some(_) => None,
                None => Some(Arc::new(fake.clone())),
            },
        })
        .await
        .expect("engine opens");
        engine.start().await.expect("engine starts");
        engine
    }

    /// An engine whose linked numbers reach the fake, with a project and
    /// the shop's number known to WhatsApp.
    pub(crate) async fn start() -> Wa {
        Wa::start_with(false, whatsapp_settings()).await
    }

    /// With `over_http`, the engine talks to the fake through its HTTP
    /// stand-in (as the whole app does in the end-to-end test).
    pub(crate) async fn start_with(over_http: bool, whatsapp: WhatsAppSettings) -> Wa {
        let fake = FakeWhatsApp::new();
        fake.add_number(SHOP, "Flower shop");
        let stand_in = match over_http {
            true => {
                let addr = tuberry_fakes::whatsapp_web::server::start(
                    fake.clone(),
                    ([127, 0, 0, 1], 0).into(),
                )
                .await
                .unwrap();
                Some(format!("http://{addr}"))
            }
            false => None,
        };
        let dir = tempfile::tempdir().unwrap();
        let engine = Wa::open(&dir, &fake, stand_in.as_ref(), &whatsapp).await;
        let project = api::create_project(
            &engine,
            ProjectInput {
                name: "Flower shop".into(),
                language: Language::En,
            },
        )
        .await
        .unwrap()
        .id;
        Wa {
            engine: Some(engine),
            fake,
            dir,
            project,
            stand_in,
            whatsapp,
        }
    }

    pub(crate) fn engine(&self) -> &Engine {
        self.engine.as_ref().expect("the engine runs")
    }

    pub(crate) async fn restart(&mut self) {
        self.stop_engine().await;
        self.engine = Some(
            Wa::open(
                &self.dir,
                &self.fake,
                self.stand_in.as_ref(),
                &self.whatsapp,
            )
            .await,
        );
    }

    pub(crate) async fn stop_engine(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown(Duration::from_secs(5)).await;
        }
    }

    pub(crate) async fn start_link(&self, method: LinkMethod) -> LoginAttempt {
        api::start_whatsapp_link(
            self.engine(),
            LinkStart {
                project_id: self.project,
                method,
            },
        )
        .await
        .expect("linking starts")
    }

    pub(crate) async fn until_attempt(
        &self,
        id: &str,
        what: &str,
        check: impl Fn(&LoginAttempt) -> bool,
    ) -> LoginAttempt {
        eventually(what, async || {
            api::whatsapp_link(self.engine(), id.to_owned())
                .await
                .ok()
                .filter(|a| check(a))
        })
        .await
    }

    /// Links the shop's number by QR and waits until its runner is connected.
    pub(crate) async fn link(&self) -> i64 {
        let attempt = self.start_link(LinkMethod::Qr).await;
        self.until_attempt(&attempt.id, "the QR code is shown", |a| {
            a.state == LoginState::WaitingForScan
        })
        .await;
        self.fake.scan(SHOP).expect("a device waits for the scan");
        let done = self
            .until_attempt(&attempt.id, "the number is linked", |a| {
                a.state == LoginState::Connected
            })
            .await;
        let account_id = done.account_id.expect("the linked number");
        self.until_state(account_id, "connected").await;
        account_id
    }

    /// Waits until the number's account is in `state`; its last error.
    pub(crate) async fn until_state(&self, account_id: i64, state: &str) -> Option<String> {
        eventually(&format!("the number is {state}"), async || {
            let accounts = api::list_accounts(self.engine()).await.ok()?;
            accounts
                .into_iter()
                .find(|a| a.id == account_id)
                .filter(|a| a.status.state.as_str() == state)
                .map(|a| a.status.last_error)
        })
        .await
    }

    pub(crate) async fn messages(&self, conversation_id: i64) -> Vec<Message> {
        api::get_conversation(self.engine(), conversation_id)
            .await
            .unwrap()
            .messages
    }

    /// The conversation of the chat with `customer` (+E.164), once it exists.
    pub(crate) async fn conversation(&self, account_id: i64, chat: &str) -> i64 {
        eventually("the chat's conversation exists", async || {
            sqlx::query_scalar(
                "SELECT id FROM conversations WHERE channel_account_id = ?1 AND external_thread_id = ?2",
            )
            .bind(account_id)
            .bind(chat)
            .fetch_optional(self.engine().store().pool())
            .await
            .unwrap()
        })
        .await
    }

    pub(crate) async fn until_messages(
        &self,
        conversation_id: i64,
        what: &str,
        check: impl Fn(&[Message]) -> bool,
    ) -> Vec<Message> {
        eventually(what, async || {
            let all = self.messages(conversation_id).await;
            check(&all).then_some(all)
        })
        .await
    }

    pub(crate) async fn stop(mut self) {
        self.stop_engine().await;
    }
}

/// Every file under `dir`.
pub(crate) fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
