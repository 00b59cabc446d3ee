//! The engine context: one value that owns the store, the event bus, the
//! queue and its workers, the channels and the simulator. The desktop shell,
//! the command line and tests each hold one; there are no globals, so two
//! engines can run side by side in one process.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::assistant::{self, Assistant};
use crate::avito::{self, Avito};
use crate::channels::simulator::{self, Simulator};
use crate::clock::{SharedClock, SystemClock};
use crate::email::{self, Email};
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::files::Files;
use crate::keyring::Keyring;
use crate::outbox::{self, Channels, Outbox, SendHandler};
use crate::queue::{Queue, Waker};
use crate::relay::Relay;
use crate::settings::Settings;
use crate::store::Store;
use crate::telegram::mirror::{self, TopicDeliveryObserver};
use crate::telegram::topic_jobs::{
    MirrorHandler, NoticeHandler, ReactHandler, TopicHandler, TopicJobs,
};
use crate::telegram::{self as tg, Bots, Telegram};

pub const DATABASE_FILE: &str = "tuberry.sqlite3";

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
}

impl EngineOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            clock: Arc::new(SystemClock),
            settings: None,
            keyring: Keyring::default(),
        }
    }
}

pub struct Engine {
    data_dir: PathBuf,
    settings: Settings,
    clock: SharedClock,
    store: Store,
    bus: EventBus,
    relay: Relay,
    queue: Arc<Queue>,
    outbox: Outbox,
    channels: Arc<Channels>,
    simulator: Simulator,
    telegram: Telegram,
    email: Email,
    avito: Avito,
    assistant: Assistant,
    files: Files,
    http_addr: std::sync::OnceLock<std::net::SocketAddr>,
    cancel: CancellationToken,
    workers: tokio::sync::Mutex<Vec<JoinHandle<()>>>,
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
        let waker = Waker::default();
        let relay = Relay::new(store.clone(), clock.clone(), bus.clone(), waker.clone());
        let channels = Arc::new(Channels::default());

        let simulator_account = simulator_account(&store, clock.now_ms()).await?;
        let simulator =
            Simulator::new(store.clone(), clock.clone(), bus.clone(), simulator_account);
        channels.connect(simulator_account, Arc::new(simulator.clone()));

        let mut queue = Queue::new(
            store.clone(),
            clock.clone(),
            bus.clone(),
            settings.queue.clone(),
        )
        .with_waker(waker);
        queue.register(
            outbox::SEND_JOB,
            outbox::SEND_JOB_VERSION,
            Arc::new(SendHandler::new(
                store.clone(),
                clock.clone(),
                relay.clone(),
                channels.clone(),
                Arc::new(TopicDeliveryObserver {
                    clock: clock.clone(),
                }),
            )),
        );
        let outbox = Outbox::new(store.clone(), clock.clone(), relay.clone(), &queue);
        let assistant_core = assistant::Core::new(
            store.clone(),
            clock.clone(),
            relay.clone(),
            outbox.clone(),
            keyring.clone(),
            &queue,
        );
        queue.register(
            assistant::jobs::INBOUND_JOB,
            assistant::jobs::JOB_VERSION,
            Arc::new(assistant::jobs::InboundHandler(assistant_core.clone())),
        );
        queue.register(
            assistant::jobs::AUTO_REPLY_JOB,
            assistant::jobs::JOB_VERSION,
            Arc::new(assistant::auto_reply::AutoReplyHandler(
                assistant_core.clone(),
            )),
        );
        let bots = Bots::default();
        tg::set_rates(&queue, &settings.telegram);
        let files = Files::new(&data_dir);
        let topic_jobs = TopicJobs::new(
            store.clone(),
            clock.clone(),
            bots.clone(),
            queue.rates(),
            files.clone(),
        );
        queue.register(
            mirror::MIRROR_JOB,
            mirror::JOB_VERSION,
            Arc::new(MirrorHandler(topic_jobs.clone())),
        );
        queue.register(
            mirror::TOPIC_JOB,
            mirror::JOB_VERSION,
            Arc::new(TopicHandler(topic_jobs.clone())),
        );
        queue.register(
            mirror::NOTICE_JOB,
            mirror::JOB_VERSION,
            Arc::new(NoticeHandler(topic_jobs.clone())),
        );
        queue.register(
            mirror::REACT_JOB,
            mirror::JOB_VERSION,
            Arc::new(ReactHandler(topic_jobs)),
        );
        let mail = email::Core::new(
            store.clone(),
            clock.clone(),
            bus.clone(),
            keyring.clone(),
            settings.email.clone(),
            files.clone(),
        )?;
        queue.register(
            email::send::APPEND_JOB,
            email::send::APPEND_JOB_VERSION,
            Arc::new(email::send::AppendSentHandler::new(mail.clone())),
        );
        let avito_core = avito::Core::new(
            store.clone(),
            clock.clone(),
            bus.clone(),
            keyring.clone(),
            settings.avito.clone(),
            files.clone(),
            relay.clone(),
        );
        queue.register(
            avito::INGEST_JOB,
            avito::INGEST_JOB_VERSION,
            Arc::new(avito::IngestHandler(avito_core.clone())),
        );
        let queue = Arc::new(queue);
        let email = Email::new(mail, relay.clone(), queue.clone(), channels.clone());
        email.connect_channels().await?;
        let avito = Avito::new(avito_core, queue.clone(), channels.clone());
        avito.connect_channels().await?;
        let telegram = Telegram::new(
            store.clone(),
            clock.clone(),
            bus.clone(),
            relay.clone(),
            queue.clone(),
            keyring,
            settings.telegram.clone(),
            bots,
            channels.clone(),
        )?;

        tracing::info!(data_dir = %data_dir.display(), "engine opened");
        Ok(Self {
            data_dir,
            settings,
            clock,
            store,
            bus,
            relay,
            queue,
            outbox,
            channels,
            simulator,
            telegram,
            email,
            avito,
            assistant: Assistant::new(assistant_core),
            files,
            http_addr: std::sync::OnceLock::new(),
            cancel: CancellationToken::new(),
            workers: tokio::sync::Mutex::new(Vec::new()),
        })
    }

    /// Starts the queue's workers.
    pub async fn start(&self) {
        let mut workers = self.workers.lock().await;
        if !workers.is_empty() {
            return;
        }
        for _ in 0..self.settings.queue.workers {
            workers.push(tokio::spawn(
                self.queue.clone().work(self.cancel.child_token()),
            ));
        }
        tracing::info!(workers = workers.len(), "queue started");
        drop(workers);
        self.start_http().await;
        self.telegram.start().await;
        self.email.start().await;
        self.avito.start().await;
    }

    /// The LAN endpoint, when `[http] listen` is set: Telegram's and Avito's
    /// webhooks.
    async fn start_http(&self) {
        let Some(listen) = self.settings.http.listen.clone() else {
            return;
        };
        let listener = match tokio::net::TcpListener::bind(&listen).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!(%listen, error = %e, "the LAN endpoint cannot listen");
                return;
            }
        };
        let addr = listener.local_addr().ok();
        if let Some(addr) = addr {
            let _first = self.http_addr.set(addr);
            tracing::info!(%addr, "LAN endpoint listening");
        }
        self.telegram.set_lan_endpoint(true);
        self.avito.set_lan_endpoint(true);
        let cancel = self.cancel.child_token();
        let router = self.telegram.http_router().merge(self.avito.http_router());
        self.workers.lock().await.push(tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move { cancel.cancelled().await })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the LAN endpoint stopped");
            }
        }));
    }

    /// Where the LAN endpoint listens, once started.
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.http_addr.get().copied()
    }

    /// Stops the workers, letting running jobs finish (up to `grace`), and
    /// closes the store.
    pub async fn shutdown(&self, grace: Duration) {
        self.telegram.shutdown().await;
        self.email.shutdown().await;
        self.avito.shutdown().await;
        self.cancel.cancel();
        let workers: Vec<_> = self.workers.lock().await.drain(..).collect();
        for mut worker in workers {
            if tokio::time::timeout(grace, &mut worker).await.is_err() {
                tracing::warn!("a worker did not stop in time; its job runs again after its lease");
                worker.abort();
            }
        }
        self.store.close().await;
        tracing::info!("engine stopped");
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
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

    pub fn channels(&self) -> &Arc<Channels> {
        &self.channels
    }

    pub fn simulator(&self) -> &Simulator {
        &self.simulator
    }

    pub fn telegram(&self) -> &Telegram {
        &self.telegram
    }

    pub fn email(&self) -> &Email {
        &self.email
    }

    pub fn avito(&self) -> &Avito {
        &self.avito
    }

    pub fn assistant(&self) -> &Assistant {
        &self.assistant
    }

    pub fn files(&self) -> &Files {
        &self.files
    }
}

/// The simulator's channel account, created on first start.
async fn simulator_account(store: &Store, now: i64) -> Result<i64> {
    let mut tx = store.write().await?;
    sqlx::query(
        "INSERT INTO channel_accounts (kind, name, external_id, created_at) VALUES ('simulator', 'Test chat', ?1, ?2)
         ON CONFLICT (kind, external_id) DO NOTHING",
    )
    .bind(simulator::ACCOUNT_EXTERNAL_ID)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let id = sqlx::query_scalar(
        "SELECT id FROM channel_accounts WHERE kind = 'simulator' AND external_id = ?1",
    )
    .bind(simulator::ACCOUNT_EXTERNAL_ID)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}
