//! E-mail: a business mailbox as a customer channel. IMAP brings mail in
//! ([`receive`]), each thread a conversation ([`store`]); replies leave as
//! proper e-mail replies over SMTP, with a copy in the Sent folder ([`send`]).
//!
//! A mailbox is a channel account of kind `email`: its servers and folders are
//! the account's settings, its password is in the OS keyring.

mod adapter;
mod mailboxes;
pub mod model;
pub mod net;
pub mod parse;
mod receive;
pub mod send;
mod store;
pub mod trust;

pub use mailboxes::{Email, guess_servers};

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use self::model::{ImportProgress, MailError, MailServer, MailboxState};
use self::net::TlsRoots;
use crate::channels::accounts::{Board, Reported};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::files::Files;
use crate::keyring::Keyring;
use crate::secret::Secret;
use crate::settings::EmailSettings;
use crate::store::Store;

/// A mailbox's settings as kept in `channel_accounts.settings` (never the
/// password: `secret_ref` names its keyring entry).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Stored {
    pub address: String,
    pub login: String,
    pub imap: MailServer,
    pub smtp: MailServer,
    pub folder: String,
    pub move_to: Option<String>,
    pub poll_interval_s: u32,
    pub import_days: Option<u32>,
    pub secret_ref: String,
}

impl Stored {
    /// A mailbox's settings from its account row.
    fn read(account_id: i64, settings: &str) -> Result<Self> {
        serde_json::from_str(settings)
            .map_err(|e| Error::Corrupt(format!("settings of mailbox {account_id}: {e}")))
    }
}

/// A mailbox ready to connect: its settings and its password.
#[derive(Clone)]
pub(crate) struct Account {
    pub id: i64,
    pub name: String,
    pub stored: Stored,
    pub password: Secret<String>,
}

/// What a running mailbox reports about itself.
#[derive(Debug, Clone)]
struct Status {
    state: MailboxState,
    last_error: Option<MailError>,
    import: Option<ImportProgress>,
}

impl Reported for Status {
    fn starting() -> Self {
        Self {
            state: MailboxState::Connecting,
            last_error: None,
            import: None,
        }
    }

    fn stopped() -> Self {
        Self {
            state: MailboxState::Stopped,
            ..Self::starting()
        }
    }

    fn is_connected(&self) -> bool {
        matches!(
            self.state,
            MailboxState::Importing | MailboxState::Listening | MailboxState::Polling
        )
    }
}

/// What the receivers, the sender and the mailbox functions share.
pub(crate) struct Core {
    pub store: Store,
    pub clock: SharedClock,
    pub bus: EventBus,
    pub keyring: Keyring,
    pub settings: EmailSettings,
    pub roots: TlsRoots,
    pub files: Files,
    /// What each mailbox's reader reports.
    board: Board<Status>,
}

impl Core {
    pub fn new(
        store: Store,
        clock: SharedClock,
        bus: EventBus,
        keyring: Keyring,
        settings: EmailSettings,
        files: Files,
    ) -> Result<Arc<Self>> {
        let roots = TlsRoots::new(settings.extra_ca_file.as_deref())?;
        let board = Board::new(clock.clone(), bus.clone());
        Ok(Arc::new(Self {
            store,
            clock,
            bus,
            keyring,
            settings,
            roots,
            files,
            board,
        }))
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.settings.timeout_s)
    }

    /// A mailbox's settings and password, read fresh (they may have been edited).
    pub async fn account(&self, account_id: i64) -> Result<Account> {
        let row: Option<(String, String, bool)> = sqlx::query_as(
            "SELECT name, settings, enabled FROM channel_accounts WHERE id = ?1 AND kind = 'email'",
        )
        .bind(account_id)
        .fetch_optional(self.store.pool())
        .await?;
        let (name, settings, enabled) =
            row.ok_or_else(|| Error::not_found("mailbox", account_id))?;
        if !enabled {
            return Err(Error::not_found("mailbox", account_id));
        }
        let stored = Stored::read(account_id, &settings)?;
        let password = self
            .keyring
            .get(&stored.secret_ref)
            .await?
            .ok_or_else(|| Error::Keyring(format!("no password for mailbox {account_id}")))?;
        Ok(Account {
            id: account_id,
            name,
            stored,
            password,
        })
    }

    fn set_status(&self, account_id: i64, change: impl FnOnce(&mut Status)) {
        self.board.set(account_id, change);
    }

    fn status(&self, account_id: i64) -> Status {
        self.board.get(account_id)
    }
}
