//! One number's runner: connects with the kept keys, takes what WhatsApp
//! held while the laptop slept and what comes now, and keeps the keys as
//! they change. A lost connection is tried again after a growing pause; a
//! link WhatsApp ended (unlinked from the phone, logged out) stops the
//! runner, deletes the useless keys and shows the reason until the number
//! is linked again.
//!
//! Nothing is lost or repeated: a batch is acknowledged to WhatsApp only
//! after every message of it is stored (and the keys that moved with it are
//! kept), so after a crash or a dropped line WhatsApp hands the batch over
//! again, and ingest drops what it already has.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::device::{DeviceEvent, WaError};
use super::live::Live;
use super::receive::{self, ReceiveError, external_id};
use super::send::NumberChannel;
use super::store;
use super::{Core, RunState};
use crate::error::{Error, Result};
use crate::relay::Receipt;
use crate::sealed::Vault;

/// Why one connection of the runner ended.
enum Stop {
    /// The engine stops or the number was removed.
    Cancelled,
    /// WhatsApp ended the link.
    LoggedOut(String),
    /// The connection dropped: try again.
    Lost(String),
    /// WhatsApp asks to wait.
    Hold(Duration),
}

impl From<WaError> for Stop {
    fn from(e: WaError) -> Self {
        match e {
            WaError::LoggedOut(why) => Stop::LoggedOut(why),
            WaError::RateLimited { seconds } => Stop::Hold(Duration::from_secs(u64::from(seconds))),
            other => Stop::Lost(other.to_string()),
        }
    }
}

pub async fn run(core: Arc<Core>, account_id: i64, cancel: CancellationToken) {
    let min = Duration::from_millis(core.settings.reconnect_min_ms);
    let max = Duration::from_millis(core.settings.reconnect_max_ms);
    let mut pause = min;
    loop {
        core.board.set(account_id, |s| *s = RunState::Connecting);
        let (stop, connected) = connect_and_receive(&core, account_id, &cancel).await;
        if let Some(live) = core.live.remove(account_id) {
            live.device.close().await;
        }
        core.senders.disconnect(account_id);
        if connected {
            pause = min;
        }
        let wait = match stop {
            Stop::Cancelled => {
                core.board.set(account_id, |s| *s = RunState::Stopped);
                return;
            }
            Stop::LoggedOut(why) => {
                tracing::warn!(account_id, %why, "WhatsApp ended the link; link the number again");
                if let Err(e) = store::unlinked(&core, account_id, &why).await {
                    tracing::error!(account_id, error = %e, "the unlinked number's keys could not be deleted");
                }
                core.board.set(account_id, |s| *s = RunState::Unlinked(why));
                core.bus
                    .publish(crate::events::EngineEvent::AccountChanged { account_id });
                return;
            }
            Stop::Lost(why) => {
                tracing::info!(account_id, %why, ?pause, "the WhatsApp number is offline; trying again");
                core.board.set(account_id, |s| *s = RunState::Offline(why));
                let wait = pause;
                pause = (pause * 2).min(max);
                wait
            }
            Stop::Hold(wait) => {
                core.board.set(account_id, |s| {
                    *s = RunState::Offline(format!("WhatsApp asks to wait {} s", wait.as_secs()));
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

/// One connection, until it ends; whether it got connected.
async fn connect_and_receive(
    core: &Arc<Core>,
    account_id: i64,
    cancel: &CancellationToken,
) -> (Stop, bool) {
    let (live, key_ref) = match connect(core, account_id).await {
        Ok(connected) => connected,
        Err(Connect::WhatsApp(e)) => return (e.into(), false),
        Err(Connect::Store(e)) => return (Stop::Lost(e.to_string()), false),
    };
    let live = Arc::new(live);
    core.live.insert(account_id, live.clone());
    let mut connected = false;
    let mut name = String::new();
    loop {
        let event = tokio::select! {
            () = cancel.cancelled() => {
                save(core, account_id, &key_ref, &live).await;
                return (Stop::Cancelled, connected);
            }
            event = live.device.next_event() => event,
        };
        let event = match event {
            Ok(event) => event,
            Err(e) => return (e.into(), connected),
        };
        match event {
            DeviceEvent::Connected(me) | DeviceEvent::Paired(me) => {
                name = me.push_name.clone().unwrap_or_else(|| me.phone.clone());
                if !connected {
                    connected = true;
                    core.senders.connect(
                        account_id,
                        Arc::new(NumberChannel::new(core.clone(), account_id)),
                    );
                }
                core.board.set(account_id, |s| *s = RunState::Connected);
                tracing::info!(account_id, "WhatsApp number connected");
                save(core, account_id, &key_ref, &live).await;
            }
            DeviceEvent::Disconnected(why) => {
                // The device connects again by itself.
                core.board.set(account_id, |s| *s = RunState::Offline(why));
            }
            DeviceEvent::LoggedOut(why) => return (Stop::LoggedOut(why), connected),
            DeviceEvent::Messages(messages, ack) => {
                for message in messages {
                    match receive::apply(core, account_id, &name, &live, message).await {
                        Ok(()) => {}
                        Err(ReceiveError::WhatsApp(e)) => return (e.into(), connected),
                        Err(ReceiveError::Store(e)) => {
                            // Unacknowledged: WhatsApp hands it over again.
                            tracing::error!(account_id, error = %e, "a WhatsApp message could not be stored");
                            return (Stop::Lost(e.to_string()), connected);
                        }
                    }
                }
                save(core, account_id, &key_ref, &live).await;
                ack.done();
            }
            DeviceEvent::Receipt {
                chat,
                message_ids,
                read,
            } => {
                let ids: Vec<String> = message_ids
                    .iter()
                    .map(|id| external_id(&chat, id))
                    .collect();
                let receipt = if read {
                    Receipt::Read
                } else {
                    Receipt::Delivered
                };
                if let Err(e) = core.relay.receipt(account_id, &ids, receipt).await {
                    tracing::warn!(account_id, error = %e, "a WhatsApp receipt could not be noted");
                }
            }
            DeviceEvent::Qr { .. }
            | DeviceEvent::PairingExpired
            | DeviceEvent::PairingFailed(_) => {
                return (
                    Stop::LoggedOut("WhatsApp asks to link the device again".into()),
                    connected,
                );
            }
        }
    }
}

/// Keeps the device's keys when they changed.
async fn save(core: &Core, account_id: i64, key_ref: &str, live: &Live) {
    let keys = match live.device.keys().await {
        Ok(Some(keys)) => keys,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(account_id, error = %e, "the WhatsApp keys could not be read");
            return;
        }
    };
    if let Err(e) = store::save_keys(core, account_id, key_ref, &keys).await {
        tracing::warn!(account_id, error = %e, "the WhatsApp keys could not be kept");
    }
}

enum Connect {
    WhatsApp(WaError),
    Store(Error),
}

impl From<Error> for Connect {
    fn from(e: Error) -> Self {
        Connect::Store(e)
    }
}

/// A device with the kept keys.
async fn connect(core: &Core, account_id: i64) -> Result<(Live, String), Connect> {
    let sealed = store::sealed(&core.store, account_id).await?;
    let Some(keys) = sealed.keys else {
        return Err(Connect::WhatsApp(WaError::LoggedOut(
            "there are no keys: link the number again".into(),
        )));
    };
    let keys = Vault::new(core.keyring.clone(), &sealed.key_ref)
        .open(&keys)
        .await?;
    let device = core
        .connector
        .connect(Some(&keys))
        .await
        .map_err(Connect::WhatsApp)?;
    Ok((Live::new(device), sealed.key_ref))
}

/// Unlinks the device at WhatsApp, connecting for it when the runner is
/// not connected.
pub async fn log_out(core: &Core, account_id: i64) -> Result<()> {
    let live = match core.live.remove(account_id) {
        Some(live) => live,
        None => match connect(core, account_id).await {
            Ok((live, _)) => Arc::new(live),
            Err(Connect::WhatsApp(WaError::LoggedOut(_))) => return Ok(()),
            Err(Connect::WhatsApp(e)) => return Err(Error::invalid(e.to_string())),
            Err(Connect::Store(e)) => return Err(e),
        },
    };
    let ended = live.device.log_out().await;
    live.device.close().await;
    match ended {
        Ok(()) | Err(WaError::LoggedOut(_)) => Ok(()),
        Err(e) => Err(Error::invalid(e.to_string())),
    }
}
