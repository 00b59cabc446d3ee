//! The shop's own WhatsApp number, linked as a device: a customer's chat
//! with the number is a conversation, the customer a contact known by their
//! phone in +E.164. Replies from the window, the assistant and the
//! operators' topics leave from the number, at WhatsApp's pace.
//!
//! ```text
//!  link (QR / pairing code) ─► keys sealed into whatsapp_devices ─► runner
//!  runner: connect with the keys ─► next_event ─► receive: Relay::ingest, the owner's own
//!          messages stored as sent, reactions, edits, deletions, receipts ─► keys kept ─► ack
//!          (reconnect with a growing pause; WhatsApp hands over what was not acknowledged)
//!  outbox ─► NumberChannel (per-chat interval, per-number budget) ─► the runner's device ─► WhatsApp
//! ```
//!
//! WhatsApp is reached through [`device::Connector`]: `whatsapp-rust` in the
//! app ([`WaWeb`]), a scripted fake in the tests.

pub mod device;
mod live;
mod login;
pub mod model;
mod receive;
mod runner;
mod send;
pub mod stand_in;
mod store;
mod wa;

pub use login::phone_digits;
pub use send::{MAX_TEXT, split};
pub use wa::WaWeb;

use std::sync::Arc;

use self::device::Connector;
use self::live::LiveDevices;
use self::model::{LinkStart, WhatsAppFlags, WhatsAppNumber};
use crate::channels::accounts::{Board, Reported};
use crate::channels::login::{LoginAttempt, Logins};
use crate::channels::runners::Runners;
use crate::channels::{AccountState, AccountStatus, Channels, Context};
use crate::clock::{Millis, SharedClock};
use crate::error::Result;
use crate::events::{EngineEvent, EventBus};
use crate::files::Files;
use crate::keyring::Keyring;
use crate::queue::Rate;
use crate::relay::Relay;
use crate::settings::WhatsAppSettings;
use crate::store::Store;

/// Where a number's runner stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunState {
    Connecting,
    Connected,
    /// Lost; it tries again.
    Offline(String),
    /// WhatsApp ended the link: link the number again.
    Unlinked(String),
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
    pub settings: WhatsAppSettings,
    pub connector: Arc<dyn Connector>,
    pub board: Board<RunState>,
    pub logins: Logins,
    pub live: LiveDevices,
    pub senders: Arc<Channels>,
    /// The linked numbers (the Cloud API's are the kind's others).
    pub owned: std::sync::RwLock<std::collections::HashSet<i64>>,
}

/// Numbers linked as devices.
pub struct Linked {
    core: Arc<Core>,
    runners: Runners,
}

fn account_key(account_id: i64) -> String {
    format!("wa:{account_id}")
}

fn chat_key(account_id: i64, thread: &str) -> String {
    format!("wa-chat:{account_id}:{thread}")
}

impl Linked {
    /// Linked numbers through `whatsapp-rust` (or the stand-in the settings name).
    pub async fn open(cx: &Context) -> Result<Arc<Self>> {
        let connector: Arc<dyn Connector> = match &cx.settings.whatsapp.stand_in {
            Some(url) => {
                tracing::warn!(%url, "WhatsApp numbers talk to a stand-in, not to WhatsApp");
                Arc::new(stand_in::StandIn::new(url))
            }
            None => Arc::new(WaWeb),
        };
        Ok(Self::with_connector(cx, connector))
    }

    /// Linked numbers over another way to WhatsApp (a fake in tests).
    pub fn with_connector(cx: &Context, connector: Arc<dyn Connector>) -> Arc<Self> {
        Arc::new(Self {
            core: Arc::new(Core {
                store: cx.store.clone(),
                clock: cx.clock.clone(),
                bus: cx.bus.clone(),
                relay: cx.relay.clone(),
                keyring: cx.keyring.clone(),
                files: cx.files.clone(),
                settings: cx.settings.whatsapp.clone(),
                connector,
                board: Board::new(cx.clock.clone(), cx.bus.clone()),
                logins: Logins::new(cx.clock.clone(), cx.bus.clone()),
                live: LiveDevices::default(),
                senders: cx.senders.clone(),
                owned: std::sync::RwLock::default(),
            }),
            runners: Runners::new("a WhatsApp number"),
        })
    }

    /// Starts linking a number (by QR or pairing code); the dialog follows it.
    pub async fn start_link(self: &Arc<Self>, start: LinkStart) -> Result<LoginAttempt> {
        let this = self.clone();
        login::start(&self.core, start, move |account_id| {
            let this = this.clone();
            async move { this.start_number(account_id).await }
        })
        .await
    }

    pub fn link(&self, id: &str) -> Result<LoginAttempt> {
        self.core.logins.get(id)
    }

    pub fn cancel_link(&self, id: &str) {
        self.core.logins.cancel(id);
    }

    pub async fn list(&self) -> Result<Vec<WhatsAppNumber>> {
        store::list(&self.core.store).await
    }

    pub async fn get(&self, account_id: i64) -> Result<WhatsAppNumber> {
        store::get(&self.core.store, account_id).await
    }

    /// Which chats reach the inbox.
    pub async fn set_flags(&self, account_id: i64, flags: WhatsAppFlags) -> Result<WhatsAppNumber> {
        store::set_flags(
            &self.core.store,
            account_id,
            flags,
            self.core.clock.now_ms(),
        )
        .await?;
        self.core
            .bus
            .publish(EngineEvent::AccountChanged { account_id });
        self.get(account_id).await
    }

    /// Unlinks the device at WhatsApp and forgets its keys. The number's
    /// conversations stay.
    pub async fn remove(&self, account_id: i64) -> Result<()> {
        self.get(account_id).await?;
        self.runners.stop(account_id).await;
        if let Err(e) = runner::log_out(&self.core, account_id).await {
            tracing::warn!(account_id, error = %e, "the device could not be unlinked at WhatsApp; it is forgotten here");
        }
        store::remove(&self.core, account_id).await?;
        self.core.board.forget(account_id);
        self.core.senders.disconnect(account_id);
        self.core
            .owned
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&account_id);
        self.core
            .bus
            .publish(EngineEvent::AccountChanged { account_id });
        tracing::info!(account_id, "WhatsApp number unlinked and removed");
        Ok(())
    }

    pub async fn start(&self) {
        match store::runnable(&self.core.store).await {
            Ok(ids) => {
                for id in ids {
                    self.start_number(id).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "the WhatsApp numbers cannot be listed"),
        }
        match store::list(&self.core.store).await {
            Ok(numbers) => {
                for number in numbers {
                    if let Some(why) = number.unlinked_reason {
                        self.own(number.id);
                        self.core
                            .board
                            .set(number.id, |s| *s = RunState::Unlinked(why));
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "the WhatsApp numbers cannot be listed"),
        }
    }

    pub async fn shutdown(&self) {
        self.runners.shutdown().await;
    }

    fn own(&self, account_id: i64) {
        self.core
            .owned
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(account_id);
    }

    async fn start_number(&self, account_id: i64) {
        self.own(account_id);
        let core = self.core.clone();
        self.runners
            .spawn(account_id, move |cancel| {
                let core = core.clone();
                async move { runner::run(core, account_id, cancel).await }
            })
            .await;
    }

    pub fn status(&self, account_id: i64) -> AccountStatus {
        let (state, error) = match self.core.board.get(account_id) {
            RunState::Connecting => (AccountState::Connecting, None),
            RunState::Connected => (AccountState::Connected, None),
            RunState::Offline(why) => (AccountState::Offline, Some(why)),
            RunState::Unlinked(why) => (AccountState::BadCredentials, Some(why)),
            RunState::Stopped => (AccountState::Stopped, None),
        };
        AccountStatus::new(state)
            .error(error)
            .connected_at(self.core.board.connected_at(account_id))
    }

    pub fn rate_keys(&self, account_id: i64, thread: &str) -> Vec<String> {
        vec![chat_key(account_id, thread), account_key(account_id)]
    }

    /// One reply into a chat per `chat_interval_ms`, and `account_budget`
    /// replies from a number per `account_window_s`, spread over the window
    /// (a tenth of the budget may go at once) rather than sent in a burst.
    pub fn rates(&self) -> Vec<(&'static str, Rate)> {
        let s = &self.core.settings;
        let chat_interval = i64::try_from(s.chat_interval_ms).unwrap_or(i64::MAX);
        let window = i64::try_from(s.account_window_s.saturating_mul(1000)).unwrap_or(i64::MAX);
        let every_ms = (window / Millis::from(s.account_budget.max(1))).max(1);
        vec![
            ("wa-chat:", Rate::per(1, chat_interval)),
            (
                "wa:",
                Rate::Bucket {
                    burst: (s.account_budget / 10).max(1),
                    every_ms,
                },
            ),
        ]
    }
}
