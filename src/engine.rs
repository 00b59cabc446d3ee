//! The engine context: one value that owns the store, the event bus, the
//! queue and its workers, the channels and the simulator. The desktop shell,
//! the command line and tests each hold one; there are no globals, so two
//! engines can run side by side in one process.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::assistant::{self, Assistant, AssistantHook, GuardCheck};
use crate::channels::avito::Avito;
use crate::channels::email::Email;
use crate::channels::simulator::Simulator;
use crate::channels::telegram_account::TelegramAccounts;
use crate::channels::telegram_account::mtproto::Connector as TelegramConnector;
use crate::channels::telegram_bot::TelegramBots;
use crate::channels::whatsapp::WhatsApp;
use crate::channels::whatsapp::linked::device::Connector as WhatsAppConnector;
use crate::channels::{self, Registry};
use crate::clock::{SharedClock, SystemClock};
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::files::Files;
use crate::hooks::Hooks;
use crate::http::LanEndpoint;
use crate::keyring::Keyring;
use crate::lock::DataLock;
use crate::logging::LogControl;
use crate::operators::Projects;
use crate::operators::mirror::{MirrorHook, TopicDeliveryObserver};
use crate::operators::topic_jobs::TopicJobs;
use crate::outbox::{self, Outbox, SendHandler};
use crate::queue::{Queue, Waker};
use crate::relay::Relay;
use crate::settings::{Change, Settings};
use crate::store::Store;

pub const DATABASE_FILE: &str = "tuberry.sqlite3";
/// The daily backup is looked at a minute after the start, then hourly.
const BACKUP_FIRST_CHECK: std::time::Duration = std::time::Duration::from_secs(60);
const BACKUP_CHECK: std::time::Duration = std::time::Duration::from_secs(3_600);

/// Where the data lives when nothing else is said: the OS's per-user
/// application data directory.
pub fn default_data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("app", "Tuberry", "Tuberry")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| Error::invalid("no home directory to keep data in; pass --data-dir"))
}

pub struct EngineOptions {
    pub data_dir: PathBuf,
    pub clock: SharedClock,
    /// Settings to use instead of reading `settings.toml`.
    pub settings: Option<Settings>,
    /// Where secrets are kept.
    pub keyring: Keyring,
    /// How Telegram accounts reach Telegram (MTProto through grammers unless
    /// said otherwise: a fake in tests).
    pub telegram_connector: Option<Arc<dyn TelegramConnector>>,
    /// How WhatsApp numbers are linked as devices (`whatsapp-rust` unless
    /// said otherwise: a fake in tests).
    pub whatsapp_connector: Option<Arc<dyn WhatsAppConnector>>,
}

impl EngineOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            clock: Arc::new(SystemClock),
            settings: None,
            keyring: Keyring::default(),
            telegram_connector: None,
            whatsapp_connector: None,
        }
    }
}

pub struct Engine {
    data_dir: PathBuf,
    /// As read at the start, with the changes made since (Settings screen).
    settings: std::sync::RwLock<Settings>,
    log: std::sync::OnceLock<LogControl>,
    clock: SharedClock,
    store: Store,
    bus: EventBus,
    relay: Relay,
    queue: Arc<Queue>,
    outbox: Outbox,
    channels: Arc<Registry>,
    simulator: Arc<Simulator>,
    email: Arc<Email>,
    avito: Arc<Avito>,
    telegram_accounts: Arc<TelegramAccounts>,
    whatsapp: Arc<WhatsApp>,
    custom: Arc<channels::custom::Custom>,
    projects: Projects,
    team: crate::team::Team,
    keyring: Keyring,
    backups: crate::backup::Backups,
    assistant: Assistant,
    files: Files,
    lan: LanEndpoint,
    cancel: CancellationToken,
    workers: tokio::sync::Mutex<Vec<JoinHandle<()>>>,
    /// Held while the engine relays (see [`crate::lock`]).
    lock: std::sync::Mutex<Option<DataLock>>,
}

impl Engine {
    /// Opens the data directory and the store. Workers are not started: call
    /// [`Engine::start`] to process jobs.
    pub async fn open(options: EngineOptions) -> Result<Self> {
        let EngineOptions {
            data_dir,
            clock,
            settings,
            keyring,
            telegram_connector,
            whatsapp_connector,
        } = options;
        std::fs::create_dir_all(&data_dir).map_err(|source| Error::Io {
            path: data_dir.display().to_string(),
            source,
        })?;
        let settings = match settings {
            Some(settings) => settings,
            None => Settings::load(&data_dir)?,
        };
        let store = Store::open(&data_dir.join(DATABASE_FILE)).await?;
        let bus = EventBus::new(1024);
        let hooks = Hooks::new();
        let registry = Registry::new();
        let waker = Waker::default();
        let queue = Arc::new(
            Queue::new(
                store.clone(),
                clock.clone(),
                bus.clone(),
                settings.queue.clone(),
            )
            .with_waker(waker.clone()),
        );
        let relay = Relay::new(store.clone(), clock.clone(), bus.clone(), waker, hooks);
        let outbox = Outbox::new(
            store.clone(),
            clock.clone(),
            relay.clone(),
            registry.clone(),
            &queue,
        );
        queue.register(
            outbox::SEND_JOB,
            outbox::SEND_JOB_VERSION,
            Arc::new(SendHandler::new(
                store.clone(),
                clock.clone(),
                relay.clone(),
                registry.clone(),
            )),
        );
        let files = Files::new(&data_dir);

        // The channel kinds: one line each.
        let cx = channels::Context {
            store: store.clone(),
            clock: clock.clone(),
            bus: bus.clone(),
            relay: relay.clone(),
            queue: queue.clone(),
            keyring: keyring.clone(),
            files: files.clone(),
            settings: settings.clone(),
            senders: registry.senders().clone(),
        };
        let simulator = registry.add(&queue, Simulator::open(&cx).await?);
        let telegram_bots = registry.add(&queue, TelegramBots::open(&cx).await?);
        let email = registry.add(&queue, Email::open(&cx).await?);
        let avito = registry.add(&queue, Avito::open(&cx).await?);
        let telegram_accounts = registry.add(
            &queue,
            match telegram_connector {
                Some(connector) => TelegramAccounts::with_connector(&cx, connector)?,
                None => TelegramAccounts::open(&cx).await?,
            },
        );
        let custom = registry.add(&queue, channels::custom::Custom::open(&cx).await?);
        channels::custom::connect_all(&custom).await?;
        let whatsapp = registry.add(
            &queue,
            match whatsapp_connector {
                Some(connector) => WhatsApp::with_connector(&cx, connector).await?,
                None => WhatsApp::open(&cx).await?,
            },
        );

        // The features, plugged in through the spine's hooks. The topic
        // mirror comes first: a customer's message reaches the operators
        // before the assistant looks at it.
        let hooks = relay.hooks();
        let projects = Projects::new(
            store.clone(),
            clock.clone(),
            bus.clone(),
            relay.clone(),
            outbox.clone(),
            queue.clone(),
            telegram_bots.clone(),
        );
        let topic_jobs = TopicJobs::new(
            store.clone(),
            clock.clone(),
            telegram_bots.bots().clone(),
            queue.rates(),
            files.clone(),
        );
        queue.register_all(topic_jobs.jobs());
        hooks.on_stored(Arc::new(MirrorHook));
        hooks.on_changed(Arc::new(MirrorHook));
        hooks.on_delivered(Arc::new(TopicDeliveryObserver {
            clock: clock.clone(),
        }));
        let assistant_core = assistant::Core::new(
            store.clone(),
            clock.clone(),
            relay.clone(),
            outbox.clone(),
            keyring.clone(),
            registry.clone(),
            &queue,
        );
        queue.register_all(assistant_core.jobs());
        hooks.on_stored(Arc::new(AssistantHook));
        hooks.on_send(Arc::new(GuardCheck));
        queue.register(
            crate::webhooks::POST_JOB,
            crate::webhooks::POST_JOB_VERSION,
            crate::webhooks::PostHandler::new(store.clone(), keyring.clone(), clock.clone()),
        );
        for kind in [
            crate::outbox::changes::EDIT_JOB,
            crate::outbox::changes::REACT_JOB,
        ] {
            queue.register(
                kind,
                crate::outbox::changes::JOB_VERSION,
                Arc::new(crate::outbox::changes::ChangeHandler::new(
                    store.clone(),
                    clock.clone(),
                    relay.clone(),
                    registry.clone(),
                )),
            );
        }
        queue.register(
            crate::snooze::WAKE_JOB,
            crate::snooze::WAKE_JOB_VERSION,
            Arc::new(crate::snooze::WakeHandler::new(
                store.clone(),
                clock.clone(),
                relay.clone(),
            )),
        );

        let cancel = CancellationToken::new();
        let lan = LanEndpoint::new(
            registry.clone(),
            settings.http.listen.clone(),
            settings
                .http
                .tls_cert
                .clone()
                .zip(settings.http.tls_key.clone()),
            cancel.child_token(),
        );

        let team = crate::team::Team::new(store.clone(), clock.clone(), bus.clone());
        let backups = crate::backup::Backups::new(store.pool().clone(), clock.clone(), &data_dir);
        tracing::info!(data_dir = %data_dir.display(), "engine opened");
        Ok(Self {
            data_dir,
            settings: std::sync::RwLock::new(settings),
            log: std::sync::OnceLock::new(),
            clock,
            store,
            bus,
            relay,
            queue,
            outbox,
            channels: registry,
            simulator,
            email,
            avito,
            telegram_accounts,
            whatsapp,
            custom,
            projects,
            team,
            backups,
            keyring,
            assistant: Assistant::new(assistant_core),
            files,
            lan,
            cancel,
            workers: tokio::sync::Mutex::new(Vec::new()),
            lock: std::sync::Mutex::new(None),
        })
    }

    /// Starts relaying: takes the data directory's lock (another running
    /// engine on the same data refuses this one), then starts the queue's
    /// workers, the LAN endpoint and every channel account's runner.
    pub async fn start(&self) -> Result<()> {
        let mut workers = self.workers.lock().await;
        if !workers.is_empty() {
            return Ok(());
        }
        let lock = DataLock::take(&self.data_dir)?;
        *self.lock.lock().unwrap_or_else(PoisonError::into_inner) = Some(lock);
        let orphans = self.queue.take_up_orphans().await?;
        if orphans > 0 {
            tracing::warn!(
                jobs = orphans,
                "jobs cut short by the previous run are taken up again"
            );
        }
        for _ in 0..self.settings().queue.workers {
            workers.push(tokio::spawn(
                self.queue.clone().work(self.cancel.child_token()),
            ));
        }
        tracing::info!(workers = workers.len(), "queue started");
        drop(workers);
        self.lan.start().await;
        // Recorded from before the runners start, so no change is missed.
        let watch = channels::accounts::watch(
            self.channels.clone(),
            self.store.clone(),
            self.bus.clone(),
            self.cancel.child_token(),
        );
        self.workers.lock().await.push(tokio::spawn(watch));
        let alerts = crate::operators::alerts::Alerts {
            store: self.store.clone(),
            clock: self.clock.clone(),
            bus: self.bus.clone(),
            registry: self.channels.clone(),
            waker: self.queue.waker(),
            settings: self.settings().alerts.clone(),
        };
        self.workers
            .lock()
            .await
            .push(tokio::spawn(alerts.watch(self.cancel.child_token())));
        let backups = self.backups().clone();
        self.workers.lock().await.push(tokio::spawn(backups.watch(
            BACKUP_FIRST_CHECK,
            BACKUP_CHECK,
            self.cancel.child_token(),
        )));
        self.workers
            .lock()
            .await
            .push(tokio::spawn(crate::webhooks::wake_on_changes(
                self.bus.clone(),
                self.queue.waker(),
                self.cancel.child_token(),
            )));
        self.channels.start().await;
        Ok(())
    }

    /// The LAN endpoint (the channels' webhooks), when it is on.
    pub fn lan(&self) -> &LanEndpoint {
        &self.lan
    }

    /// Where the LAN endpoint listens now.
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.lan.addr()
    }

    /// Stops the workers, letting running jobs finish (up to `grace`), and
    /// closes the store.
    pub async fn shutdown(&self, grace: Duration) {
        self.channels.shutdown().await;
        self.lan.shutdown().await;
        self.cancel.cancel();
        let workers: Vec<_> = self.workers.lock().await.drain(..).collect();
        for mut worker in workers {
            if tokio::time::timeout(grace, &mut worker).await.is_err() {
                tracing::warn!("a worker did not stop in time; its job runs again after its lease");
                worker.abort();
            }
        }
        self.store.close().await;
        self.lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        tracing::info!("engine stopped");
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The settings in force: `settings.toml` as read at the start, with the
    /// changes made since.
    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Applies `change` to `settings.toml` and to the running engine: the
    /// LAN endpoint moves (the new address bound before anything is written,
    /// so a taken address changes nothing), the log filter changes at once.
    pub async fn change_settings(&self, change: Change) -> Result<Settings> {
        let edit = Settings::edit(&self.data_dir, &change)?;
        let before = self.settings();
        self.apply(&change).await?;
        let settings = match edit.write() {
            Ok(settings) => settings,
            Err(e) => {
                // The file says what runs: the running engine goes back.
                let undo = match change {
                    Change::HttpListen(_) => Change::HttpListen(before.http.listen),
                    Change::LogLevel(_) => Change::LogLevel(before.log.level),
                };
                if let Err(undo_error) = self.apply(&undo).await {
                    tracing::warn!(error = %undo_error, "a setting could not be put back");
                }
                return Err(e);
            }
        };
        *self
            .settings
            .write()
            .unwrap_or_else(PoisonError::into_inner) = settings.clone();
        tracing::info!(?change, "settings changed");
        Ok(settings)
    }

    async fn apply(&self, change: &Change) -> Result<()> {
        match change {
            Change::HttpListen(listen) => {
                self.lan.set(listen.clone()).await.map_err(|e| {
                    Error::invalid(format!(
                        "the LAN endpoint cannot listen on {}: {e}",
                        listen.as_deref().unwrap_or_default()
                    ))
                })?;
            }
            Change::LogLevel(level) => {
                if let Some(log) = self.log.get() {
                    log.set_level(level)?;
                }
            }
        }
        Ok(())
    }

    /// Lets the Settings screen change the log filter of this program.
    pub fn attach_log(&self, control: LogControl) {
        let _first = self.log.set(control);
    }

    /// Whether `TUBERRY_LOG` fixes the log filter (the setting waits).
    pub fn log_overridden(&self) -> bool {
        self.log.get().is_some_and(LogControl::overridden)
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn events(&self) -> &EventBus {
        &self.bus
    }

    pub fn relay(&self) -> &Relay {
        &self.relay
    }

    pub fn queue(&self) -> &Arc<Queue> {
        &self.queue
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// The channel kinds and their accounts.
    pub fn channels(&self) -> &Arc<Registry> {
        &self.channels
    }

    pub fn simulator(&self) -> &Simulator {
        &self.simulator
    }

    pub fn projects(&self) -> &Projects {
        &self.projects
    }

    /// Where secrets are kept.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The store's backups.
    pub fn backups(&self) -> &crate::backup::Backups {
        &self.backups
    }

    /// The people linked to the app, their roles and invites.
    pub fn team(&self) -> &crate::team::Team {
        &self.team
    }

    pub fn email(&self) -> &Email {
        &self.email
    }

    pub fn avito(&self) -> &Avito {
        &self.avito
    }

    /// Staff members' own Telegram accounts.
    pub fn telegram_accounts(&self) -> &Arc<TelegramAccounts> {
        &self.telegram_accounts
    }

    /// The WhatsApp channel: linked numbers and Cloud API numbers.
    /// Providers: the shop's own systems posting their customers' messages.
    pub fn custom(&self) -> &Arc<channels::custom::Custom> {
        &self.custom
    }

    pub fn whatsapp(&self) -> &Arc<WhatsApp> {
        &self.whatsapp
    }

    pub fn assistant(&self) -> &Assistant {
        &self.assistant
    }

    pub fn files(&self) -> &Files {
        &self.files
    }
}
