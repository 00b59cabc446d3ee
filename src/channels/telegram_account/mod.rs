//! Staff members' own Telegram accounts as a channel: a customer's private
//! chat with the account is a conversation, the customer a contact known by
//! their Telegram id (and username, phone when shared). Replies from the
//! window, the assistant and the operators' topics leave from the account.
//!
//! ```text
//!  login (QR / phone, password) ─► session sealed into telegram_accounts ─► runner
//!  runner: connect with the session ─► next_update ─► receive: Relay::ingest, the owner's own
//!          messages stored as sent, edits and deletions applied ─► session saved
//!          (keep-alive every minute; reconnect with a growing pause; catch-up on connect)
//!  outbox ─► AccountChannel ─► the runner's connection ─► Telegram
//! ```
//!
//! Telegram is reached through [`mtproto::Connection`]: grammers in the app,
//! a scripted fake in the tests.

mod adapter;
mod grammers;
mod live;
mod login;
pub mod model;
pub mod mtproto;
mod receive;
mod runner;
mod send;
mod stand_in;
mod store;

pub use grammers::Grammers;
pub use login::login_url;

use std::sync::Arc;

use self::live::LiveConnections;
use self::model::{
    AppSource, DeliveryFlags, LoginStart, TelegramAccount, TelegramApp, TelegramAppInput,
};
use self::mtproto::{ConnectParams, Connector};
use crate::channels::accounts::{Board, Reported};
use crate::channels::login::{LoginAttempt, Logins};
use crate::channels::runners::Runners;
use crate::channels::{Channels, Context};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::files::Files;
use crate::keyring::Keyring;
use crate::relay::Relay;
use crate::secret::Secret;
use crate::settings::TelegramAccountSettings;
use crate::store::Store;

/// The application id this build carries, if its distributor gave one
/// (`TUBERRY_TELEGRAM_API_ID` and `TUBERRY_TELEGRAM_API_HASH` at build time).
fn built_app() -> Option<(i32, &'static str)> {
    let id = option_env!("TUBERRY_TELEGRAM_API_ID")?.parse().ok()?;
    let hash = option_env!("TUBERRY_TELEGRAM_API_HASH").filter(|h| !h.is_empty())?;
    Some((id, hash))
}

/// Where an account's runner stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunState {
    Connecting,
    Connected,
    /// Lost; it tries again.
    Offline(String),
    /// The session was ended at Telegram: log in again.
    LoggedOut(String),
    Stopped,
}

impl Reported for RunState {
    fn starting() -> Self {
        Self::Connecting
    }

    fn stopped() -> Self {
        Self::Stopped
    }

    fn is_connected(&self) -> bool {
        *self == Self::Connected
    }
}

/// What the logins, the runners and the sender share.
pub(crate) struct Core {
    pub store: Store,
    pub clock: SharedClock,
    pub bus: EventBus,
    pub relay: Relay,
    pub keyring: Keyring,
    pub files: Files,
    pub settings: TelegramAccountSettings,
    pub connector: Arc<dyn Connector>,
    pub board: Board<RunState>,
    pub logins: Logins,
    pub live: LiveConnections,
    pub senders: Arc<Channels>,
}

/// The Telegram accounts channel kind.
pub struct TelegramAccounts {
    core: Arc<Core>,
    runners: Runners,
}

impl TelegramAccounts {
    /// The accounts' channel, talking to Telegram through grammers (or to
    /// the stand-in the settings name).
    pub async fn open(cx: &Context) -> Result<Arc<Self>> {
        match &cx.settings.telegram_account.stand_in {
            Some(url) => {
                tracing::warn!(%url, "Telegram accounts talk to a stand-in, not to Telegram");
                Self::with_connector(cx, Arc::new(stand_in::StandIn::new(url)))
            }
            None => Self::with_connector(cx, Arc::new(Grammers)),
        }
    }

    /// The accounts' channel over another way to Telegram (a fake in tests).
    pub fn with_connector(cx: &Context, connector: Arc<dyn Connector>) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            core: Arc::new(Core {
                store: cx.store.clone(),
                clock: cx.clock.clone(),
                bus: cx.bus.clone(),
                relay: cx.relay.clone(),
                keyring: cx.keyring.clone(),
                files: cx.files.clone(),
                settings: cx.settings.telegram_account.clone(),
                connector,
                board: Board::new(cx.clock.clone(), cx.bus.clone()),
                logins: Logins::new(cx.clock.clone(), cx.bus.clone()),
                live: LiveConnections::default(),
                senders: cx.senders.clone(),
            }),
            runners: Runners::new("a Telegram account"),
        }))
    }

    /// Starts connecting an account (by QR or phone); the modal follows it.
    pub async fn start_login(self: &Arc<Self>, start: LoginStart) -> Result<LoginAttempt> {
        let this = self.clone();
        login::start(&self.core, start, move |account_id| {
            let this = this.clone();
            async move { this.start_account(account_id).await }
        })
        .await
    }

    pub fn login(&self, id: &str) -> Result<LoginAttempt> {
        self.core.logins.get(id)
    }

    pub async fn login_password(&self, id: &str, password: String) -> Result<LoginAttempt> {
        self.core
            .logins
            .answer_password(id, Secret::new(password))
            .await
    }

    pub async fn login_code(&self, id: &str, code: String) -> Result<LoginAttempt> {
        self.core.logins.answer_code(id, code).await
    }

    pub fn cancel_login(&self, id: &str) {
        self.core.logins.cancel(id);
    }

    pub async fn list(&self) -> Result<Vec<TelegramAccount>> {
        store::list(&self.core.store).await
    }

    pub async fn get(&self, account_id: i64) -> Result<TelegramAccount> {
        store::get(&self.core.store, account_id).await
    }

    /// Which chats reach the inbox.
    pub async fn set_flags(
        &self,
        account_id: i64,
        flags: DeliveryFlags,
    ) -> Result<TelegramAccount> {
        store::set_flags(
            &self.core.store,
            account_id,
            flags,
            self.core.clock.now_ms(),
        )
        .await?;
        self.core
            .bus
            .publish(crate::events::EngineEvent::AccountChanged { account_id });
        self.get(account_id).await
    }

    /// Logs the account out at Telegram and forgets it: its session, its
    /// keys. Its conversations stay.
    pub async fn remove(&self, account_id: i64) -> Result<()> {
        let account = self.get(account_id).await?;
        self.runners.stop(account_id).await;
        if let Err(e) = runner::log_out(&self.core, account_id).await {
            tracing::warn!(account_id, error = %e, "the session could not be ended at Telegram; it is forgotten here");
        }
        store::remove(&self.core, account_id).await?;
        self.core.board.forget(account_id);
        self.core.senders.disconnect(account_id);
        self.core
            .bus
            .publish(crate::events::EngineEvent::AccountChanged { account_id });
        tracing::info!(
            account_id,
            user_id = account.user_id,
            "Telegram account removed"
        );
        Ok(())
    }

    /// The application's identity at Telegram and the device description.
    pub async fn app(&self) -> Result<TelegramApp> {
        store::app(&self.core.store, built_app().is_some()).await
    }

    pub async fn save_app(&self, input: TelegramAppInput) -> Result<TelegramApp> {
        store::save_app(&self.core, input).await?;
        self.app().await
    }

    async fn start_all(&self) {
        match crate::channels::accounts::enabled(
            &self.core.store,
            crate::model::ChannelKind::TelegramAccount,
        )
        .await
        {
            Ok(ids) => {
                for id in ids {
                    self.start_account(id).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "the Telegram accounts cannot be listed"),
        }
    }

    async fn start_account(&self, account_id: i64) {
        let core = self.core.clone();
        self.runners
            .spawn(account_id, move |cancel| {
                let core = core.clone();
                async move { runner::run(core, account_id, cancel).await }
            })
            .await;
    }
}

impl Core {
    /// How the app presents itself to Telegram, with the account's proxy.
    pub async fn connect_params(&self, proxy: Option<String>) -> Result<ConnectParams> {
        let app = store::app(&self.store, built_app().is_some()).await?;
        let (api_id, api_hash) = match app.source {
            AppSource::Own => {
                let hash = store::app_hash(self).await?.ok_or_else(|| {
                    Error::invalid(
                        "the api_hash of your Telegram application is missing: enter it again",
                    )
                })?;
                (app.api_id.unwrap_or_default(), hash)
            }
            AppSource::Built => {
                let (id, hash) =
                    built_app().ok_or_else(|| Error::invalid("no Telegram application"))?;
                (id, Secret::new(hash.to_owned()))
            }
            AppSource::Missing => {
                return Err(Error::invalid(
                    "enter the api_id and api_hash of your Telegram application (my.telegram.org → API development tools) first",
                ));
            }
        };
        let proxy = proxy
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .map(|p| check_proxy(&p).map(|()| Secret::new(p)))
            .transpose()?;
        Ok(ConnectParams {
            api_id,
            api_hash,
            device_model: app.device_model,
            system_version: app.system_version,
            app_version: app.app_version,
            lang_code: app.lang_code.clone(),
            system_lang_code: app.lang_code,
            proxy,
        })
    }
}

/// A proxy must be `socks5://[user:password@]host:port`.
fn check_proxy(proxy: &str) -> Result<()> {
    let url = url::Url::parse(proxy)
        .map_err(|_| Error::invalid("the proxy must look like socks5://host:port"))?;
    if url.scheme() != "socks5" || url.host_str().is_none() || url.port().is_none() {
        return Err(Error::invalid(
            "the proxy must look like socks5://host:port",
        ));
    }
    Ok(())
}
