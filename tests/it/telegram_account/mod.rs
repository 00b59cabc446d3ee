//! Staff members' own Telegram accounts, over the account channel's narrow
//! interface to Telegram with a scripted stand-in of it (`tuberry_fakes::telegram_user`): logging in
//! (QR with its renewals and data-centre migration, the password, the phone
//! code), the session sealed at rest, receiving and sending, reconnecting
//! and catching up. These tests need the OS keyring.

mod login;
mod receive;

use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;
use tuberry::channels::login::{LoginAttempt, LoginState};
use tuberry::channels::telegram_account::model::{LoginMethod, LoginStart, TelegramAppInput};
use tuberry::clock::ManualClock;
use tuberry::keyring::Keyring;
use tuberry::model::Language;
use tuberry::operators::model::ProjectInput;
use tuberry::settings::{QueueSettings, Settings, TelegramAccountSettings};
use tuberry::{Engine, EngineOptions, api};

pub(crate) use crate::helpers::eventually;
use crate::helpers::{T0, TEST_KEYRING};
use tuberry_fakes::telegram_user::{Account, FakeTelegram};

const API_HASH: &str = "0123456789abcdef0123456789abcdef";

/// The owner's application with the default device description.
pub(crate) fn app_input(api_id: Option<i32>, api_hash: Option<&str>) -> TelegramAppInput {
    TelegramAppInput {
        api_id,
        api_hash: api_hash.map(str::to_owned),
        device_model: String::new(),
        system_version: String::new(),
        app_version: String::new(),
        lang_code: String::new(),
    }
}

pub(crate) struct Ta {
    engine: Option<Engine>,
    clock: ManualClock,
    fake: FakeTelegram,
    dir: TempDir,
    project: i64,
    /// The stand-in's address when the engine reaches the fake over HTTP.
    stand_in: Option<String>,
}

fn settings(stand_in: Option<String>) -> Settings {
    Settings {
        queue: QueueSettings {
            workers: 2,
            max_attempts: 5,
            lease_ms: 30_000,
            backoff_base_ms: 50,
            backoff_max_ms: 500,
        },
        telegram_account: TelegramAccountSettings {
            qr_timeout_s: 180,
            keep_alive_s: 60,
            reconnect_min_ms: 50,
            reconnect_max_ms: 200,
            stand_in,
        },
        ..Settings::default()
    }
}

impl Ta {
    async fn open(
        dir: &TempDir,
        clock: &ManualClock,
        fake: &FakeTelegram,
        stand_in: Option<&String>,
    ) -> Engine {
        let engine = Engine::open(EngineOptions {
            data_dir: dir.path().to_path_buf(),
            clock: Arc::new(clock.clone()),
            settings: Some(settings(stand_in.cloned())),
            keyring: Keyring::new(TEST_KEYRING),
            // Through the stand-in's HTTP face, or handed over directly.
            telegram_connector: match stand_in {
                Some(_) => None,
                None => Some(Arc::new(fake.clone())),
            },
            whatsapp_connector: None,
        })
        .await
        .expect("engine opens");
        engine.start().await.expect("engine starts");
        engine
    }

    /// An engine whose Telegram accounts reach the fake, with the owner's
    /// own application entered and a project to connect accounts to.
    pub(crate) async fn start() -> Ta {
        Ta::start_with(false).await
    }

    /// With `over_http`, the engine talks to the fake through its HTTP
    /// stand-in (as the whole app does in the end-to-end test).
    pub(crate) async fn start_with(over_http: bool) -> Ta {
        let clock = ManualClock::new(T0);
        let fake = FakeTelegram::new(Arc::new(clock.clone()));
        let stand_in = match over_http {
            true => {
                let addr = tuberry_fakes::telegram_user::server::start(
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
        let engine = Ta::open(&dir, &clock, &fake, stand_in.as_ref()).await;
        api::save_telegram_app(&engine, app_input(Some(123_456), Some(API_HASH)))
            .await
            .unwrap();
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
        Ta {
            engine: Some(engine),
            clock,
            fake,
            dir,
            project,
            stand_in,
        }
    }

    pub(crate) fn engine(&self) -> &Engine {
        self.engine.as_ref().expect("the engine runs")
    }

    async fn restart(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown(Duration::from_secs(5)).await;
        }
        self.engine =
            Some(Ta::open(&self.dir, &self.clock, &self.fake, self.stand_in.as_ref()).await);
    }

    async fn start_login(&self, method: LoginMethod) -> LoginAttempt {
        self.engine()
            .telegram_accounts()
            .start_login(LoginStart {
                project_id: self.project,
                method,
                proxy: None,
            })
            .await
            .expect("the login starts")
    }

    fn attempt(&self, id: &str) -> LoginAttempt {
        self.engine().telegram_accounts().login(id).unwrap()
    }

    async fn until_attempt(
        &self,
        id: &str,
        what: &str,
        check: impl Fn(&LoginAttempt) -> bool,
    ) -> LoginAttempt {
        eventually(what, async || Some(self.attempt(id)).filter(|a| check(a))).await
    }

    /// Connects `account` by QR (scanned at once) and waits until it runs.
    async fn connect(&self, account: Account) -> i64 {
        let user = account.me.user_id;
        self.fake.add_account(account);
        let attempt = self.start_login(LoginMethod::Qr).await;
        self.until_attempt(&attempt.id, "the QR code is shown", |a| {
            a.state == LoginState::WaitingForScan
        })
        .await;
        self.fake.scan(user);
        let done = self
            .until_attempt(&attempt.id, "the account is connected", |a| {
                a.state == LoginState::Connected
            })
            .await;
        let account_id = done.account_id.expect("the connected account");
        self.until_connected(account_id).await;
        account_id
    }

    async fn until_connected(&self, account_id: i64) {
        eventually("the account's runner is connected", async || {
            let accounts = api::list_accounts(self.engine()).await.ok()?;
            accounts
                .into_iter()
                .find(|a| a.id == account_id)
                .filter(|a| a.status.state.as_str() == "connected")
        })
        .await;
    }

    async fn stop(mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown(Duration::from_secs(5)).await;
        }
    }
}
