//! One account's runner: connects with the saved session, takes what
//! happened while it was away and what happens now, keeps the connection
//! alive, and saves the session as it goes. A lost connection is tried again
//! after a growing pause; a session ended at Telegram stops the runner until
//! the account is connected again.
//!
//! Nothing is lost or repeated across a restart: the session (with its
//! update state) is saved only after the updates before it were stored, so
//! Telegram hands over again what was not, and ingest drops what was.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::live::Live;
use super::mtproto::MtError;
use super::receive::{self, ReceiveError};
use super::send::AccountChannel;
use super::store;
use super::{Core, RunState};
use crate::error::{Error, Result};
use crate::sealed::Vault;

/// The session is saved after this many stored updates, and at least this
/// often while updates come.
const SAVE_EVERY_UPDATES: u32 = 20;
const SAVE_EVERY: Duration = Duration::from_secs(30);

/// Why one connection of the runner ended.
enum Stop {
    /// The engine stops or the account was removed.
    Cancelled,
    /// The session is no longer valid at Telegram.
    LoggedOut(String),
    /// The connection dropped: try again.
    Lost(String),
    /// Telegram asks to wait.
    Hold(Duration),
}

pub async fn run(core: Arc<Core>, account_id: i64, cancel: CancellationToken) {
    let min = Duration::from_millis(core.settings.reconnect_min_ms);
    let max = Duration::from_millis(core.settings.reconnect_max_ms);
    let mut pause = min;
    loop {
        core.board.set(account_id, |s| *s = RunState::Connecting);
        let stop = connect_and_receive(&core, account_id, &cancel).await;
        if let Some(live) = core.live.remove(account_id) {
            live.conn.close().await;
        }
        core.senders.disconnect(account_id);
        let wait = match stop {
            Stop::Cancelled => {
                core.board.set(account_id, |s| *s = RunState::Stopped);
                return;
            }
            Stop::LoggedOut(why) => {
                tracing::warn!(account_id, %why, "the Telegram session was ended; connect the account again");
                core.board
                    .set(account_id, |s| *s = RunState::LoggedOut(why));
                return;
            }
            Stop::Lost(why) => {
                tracing::info!(account_id, %why, ?pause, "the Telegram account is offline; trying again");
                core.board.set(account_id, |s| *s = RunState::Offline(why));
                let wait = pause;
                pause = (pause * 2).min(max);
                wait
            }
            Stop::Hold(wait) => {
                core.board.set(account_id, |s| {
                    *s = RunState::Offline(format!("Telegram asks to wait {} s", wait.as_secs()));
                });
                wait
            }
        };
        tokio::select! {
            () = cancel.cancelled() => {
                core.board.set(account_id, |s| *s = RunState::Stopped);
                return;
            }
            () = tokio::time::sleep(wait) => {}
        }
    }
}

fn lost(e: MtError) -> Stop {
    match e {
        MtError::Unauthorized(why) => Stop::LoggedOut(why),
        MtError::FloodWait { seconds } => Stop::Hold(Duration::from_secs(u64::from(seconds))),
        other => Stop::Lost(other.to_string()),
    }
}

async fn connect_and_receive(
    core: &Arc<Core>,
    account_id: i64,
    cancel: &CancellationToken,
) -> Stop {
    let (live, key_ref, name) = match connect(core, account_id).await {
        Ok(connected) => connected,
        Err(Connect::Telegram(e)) => return lost(e),
        Err(Connect::Store(e)) => return Stop::Lost(e.to_string()),
    };
    let live = Arc::new(live);
    core.live.insert(account_id, live.clone());
    core.senders.connect(
        account_id,
        Arc::new(AccountChannel::new(core.clone(), account_id)),
    );
    core.board.set(account_id, |s| *s = RunState::Connected);
    tracing::info!(account_id, "Telegram account connected");

    let mut keep_alive = tokio::time::interval(Duration::from_secs(core.settings.keep_alive_s));
    keep_alive.tick().await;
    let mut unsaved = 0u32;
    let mut last_save = tokio::time::Instant::now();
    loop {
        let update = tokio::select! {
            () = cancel.cancelled() => {
                save(core, account_id, &key_ref, &live).await;
                return Stop::Cancelled;
            }
            _ = keep_alive.tick() => {
                if let Err(e) = live.conn.keep_alive().await {
                    return lost(e);
                }
                if unsaved > 0 {
                    save(core, account_id, &key_ref, &live).await;
                    unsaved = 0;
                    last_save = tokio::time::Instant::now();
                }
                continue;
            }
            update = live.conn.next_update() => update,
        };
        let update = match update {
            Ok(update) => update,
            Err(e) => return lost(e),
        };
        match receive::apply(core, account_id, &name, &live, update).await {
            Ok(()) => {}
            Err(ReceiveError::Telegram(e)) => return lost(e),
            Err(ReceiveError::Store(e)) => {
                // Not saved past it: Telegram hands it over again.
                tracing::error!(account_id, error = %e, "an update could not be stored");
                return Stop::Lost(e.to_string());
            }
        }
        unsaved += 1;
        if unsaved >= SAVE_EVERY_UPDATES || last_save.elapsed() >= SAVE_EVERY {
            save(core, account_id, &key_ref, &live).await;
            unsaved = 0;
            last_save = tokio::time::Instant::now();
        }
    }
}

async fn save(core: &Core, account_id: i64, key_ref: &str, live: &Live) {
    if let Err(e) = store::save_session(core, account_id, key_ref, live.conn.as_ref()).await {
        tracing::warn!(account_id, error = %e, "the Telegram session could not be saved");
    }
}

enum Connect {
    Telegram(MtError),
    Store(Error),
}

impl From<Error> for Connect {
    fn from(e: Error) -> Self {
        Connect::Store(e)
    }
}

/// A connection with the saved session, logged in.
async fn connect(core: &Core, account_id: i64) -> Result<(Live, String, String), Connect> {
    let sealed = store::sealed(&core.store, account_id).await?;
    let Some(session) = sealed.session else {
        return Err(Connect::Telegram(MtError::Unauthorized(
            "there is no session: connect the account again".into(),
        )));
    };
    let session = Vault::new(core.keyring.clone(), &sealed.key_ref)
        .open(&session)
        .await?;
    let proxy = match &sealed.proxy_ref {
        Some(name) => core.keyring.get(name).await?.map(|p| p.expose().clone()),
        None => None,
    };
    let params = core.connect_params(proxy).await?;
    let conn = core
        .connector
        .connect(&params, Some(&session))
        .await
        .map_err(Connect::Telegram)?;
    match conn.me().await {
        Ok(Some(me)) => {
            let name = me.display_name();
            Ok((Live::new(conn), sealed.key_ref, name))
        }
        Ok(None) => {
            conn.close().await;
            Err(Connect::Telegram(MtError::Unauthorized(
                "Telegram no longer knows this session (it was ended on another device)".into(),
            )))
        }
        Err(e) => {
            conn.close().await;
            Err(Connect::Telegram(e))
        }
    }
}

/// Ends the account's session at Telegram (auth.logOut), connecting for it
/// when the runner is not connected.
pub async fn log_out(core: &Core, account_id: i64) -> Result<()> {
    if let Some(live) = core.live.remove(account_id) {
        let ended = live.conn.log_out().await;
        live.conn.close().await;
        return ended.map_err(|e| Error::invalid(e.to_string()));
    }
    match connect(core, account_id).await {
        Ok((live, _, _)) => {
            let ended = live.conn.log_out().await;
            live.conn.close().await;
            ended.map_err(|e| Error::invalid(e.to_string()))
        }
        Err(Connect::Telegram(MtError::Unauthorized(_))) => Ok(()),
        Err(Connect::Telegram(e)) => Err(Error::invalid(e.to_string())),
        Err(Connect::Store(e)) => Err(e),
    }
}
