//! The shop's number as a real linked device: the WhatsApp Web
//! multi-device protocol, spoken by `whatsapp-rust`.
//!
//! [`WaWeb`] makes devices; each one runs the library's client in the
//! background and turns what happens on it into [`DeviceEvent`]s:
//!
//! ```text
//!  whatsapp-rust client ─┬─ events (QR codes, pairing, connection, receipts) ─┐
//!                        └─ inbound hook: a batch of messages ─► Messages + Ack ├─► next_event
//!                                waits for Ack::done before WhatsApp is told  ─┘
//! ```
//!
//! Messages reach the channel through the library's inbound durability
//! hook: WhatsApp is told a batch arrived only once the channel called
//! [`Ack::done`] for it, so a batch lost to a crash or a failed write comes
//! again after the next connect. While a batch waits for its Ack, the
//! library holds back everything else it receives, and holds the
//! conversation's encryption for the batch's senders: store the batch and
//! call `done` before sending anything to those chats (a reply awaited
//! before the Ack would wait forever). Saving [`Device::keys`] with the
//! batch, before `done`, keeps the keys that decrypted it along with it.
//!
//! The device's keys and state live in [`store::KeyStore`], in memory, and
//! leave it as one document through [`Device::keys`]; the channel keeps it
//! sealed in the engine's database (see that module for why not the
//! library's own SQLite store). Media goes over the engine's `reqwest`.
//!
//! Nothing here logs keys, message contents or media links. The library
//! logs through `log` under its own targets (`Client/…`, `AppState`,
//! `usync`…); at `info` these include numbers and the pairing code shown
//! on screen, never keys, and the log setting keeps them at `warn` (see
//! [`crate::logging`]).

mod convert;
mod errors;
mod events;
mod http;
mod store;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{Mutex as AsyncMutex, mpsc};
use tokio_util::sync::CancellationToken;
use whatsapp_rust::bot::{Bot, BotHandle};
use whatsapp_rust::pair_code::PairCodeOptions;
use whatsapp_rust::wacore::proto_helpers::MessageBuilderExt;
use whatsapp_rust::wacore::store::DevicePropsOverride;
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::{Client, Jid, UploadOptions};

use self::convert::{MediaHandle, file_message, media_type, quote};
use self::errors::{media_error, pair_error, send_error};
use self::events::{Events, Hook, Raw, convert_batch};
use self::http::ReqwestHttp;
use self::store::KeyStore;
use super::device::{Ack, Connector, Device, DeviceEvent, Me, Media, Quoted, Upload, WaError};

/// How long a code to type on the phone waits for the connection to
/// WhatsApp before giving up.
const SOCKET_WAIT: Duration = Duration::from_secs(30);

/// Links the shop's number through the WhatsApp Web protocol.
#[derive(Debug, Clone, Copy, Default)]
pub struct WaWeb;

#[async_trait]
impl Connector for WaWeb {
    async fn connect(&self, keys: Option<&[u8]>) -> Result<Box<dyn Device>, WaError> {
        let store = match keys {
            Some(bytes) => KeyStore::restore(bytes)
                // Only pairing again makes such a device usable.
                .map_err(|e| WaError::LoggedOut(e.to_string()))?,
            None => KeyStore::new(),
        };
        let store = Arc::new(store);
        let http =
            ReqwestHttp::new().map_err(|e| WaError::Network(format!("no HTTP client: {e}")))?;
        let (tx, rx) = mpsc::unbounded_channel();

        let bot = Bot::builder()
            .with_backend_arc(store.clone())
            .with_http_client(http)
            .with_event_handler(Events { tx: tx.clone() })
            .with_inbound_durability_hook(Hook { tx })
            // How the phone lists the device (applied when pairing).
            .with_device_props(
                DevicePropsOverride::new()
                    .with_os("Tuberry")
                    .with_platform_type(wa::device_props::PlatformType::DESKTOP),
            )
            // The inbox starts from what arrives once linked.
            .skip_history_sync()
            .build()
            .await
            .map_err(|e| WaError::Network(format!("the WhatsApp client did not start: {e}")))?;
        let handle = bot.spawn();
        tracing::info!(paired = store.is_paired(), "WhatsApp linked device started");
        Ok(Box::new(WaDevice {
            client: handle.client(),
            handle: AsyncMutex::new(Some(handle)),
            events: AsyncMutex::new(rx),
            store,
            closed: CancellationToken::new(),
        }))
    }
}

/// One linked device of one number.
struct WaDevice {
    client: Arc<Client>,
    handle: AsyncMutex<Option<BotHandle>>,
    events: AsyncMutex<mpsc::UnboundedReceiver<Raw>>,
    store: Arc<KeyStore>,
    closed: CancellationToken,
}

impl WaDevice {
    fn closed_error() -> WaError {
        WaError::Network("the WhatsApp device is closed".into())
    }

    /// Writes what the client holds of the device (its identity after
    /// pairing, the name, the counters) into the store.
    async fn flush(&self) {
        if let Err(e) = self.client.persistence_manager().flush().await {
            tracing::warn!(error = %e, "the WhatsApp device state was not written");
        }
    }

    fn me(&self, jid: Option<Jid>, push_name: Option<String>) -> Option<Me> {
        let jid = jid.or_else(|| self.client.pn())?;
        let digits = jid.user_base().to_owned();
        let push_name = push_name
            .filter(|n| !n.trim().is_empty())
            .or_else(|| Some(self.client.push_name()).filter(|n| !n.trim().is_empty()));
        Some(Me {
            jid: jid.to_string(),
            phone: format!("+{digits}"),
            push_name,
        })
    }

    fn chat(chat: &str) -> Result<Jid, WaError> {
        chat.parse::<Jid>()
            .map_err(|_| WaError::Refused(format!("not a WhatsApp chat: {chat}")))
    }
}

#[async_trait]
impl Device for WaDevice {
    async fn next_event(&self) -> Result<DeviceEvent, WaError> {
        let mut events = tokio::select! {
            biased;
            () = self.closed.cancelled() => return Err(Self::closed_error()),
            events = self.events.lock() => events,
        };
        loop {
            let raw = tokio::select! {
                biased;
                () = self.closed.cancelled() => return Err(Self::closed_error()),
                raw = events.recv() => raw.ok_or_else(Self::closed_error)?,
            };
            match raw {
                Raw::Ready(event) => return Ok(event),
                Raw::Paired { jid, push_name } => {
                    self.flush().await;
                    if let Some(me) = self.me(Some(jid), Some(push_name)) {
                        return Ok(DeviceEvent::Paired(me));
                    }
                }
                Raw::Connected => {
                    self.flush().await;
                    match self.me(None, None) {
                        Some(me) => return Ok(DeviceEvent::Connected(me)),
                        None => tracing::warn!("WhatsApp connected without a linked number"),
                    }
                }
                Raw::Unacked(batch) => {
                    let messages = convert_batch(&self.client, &batch).await;
                    if !messages.is_empty() {
                        // WhatsApp does not wait on these: nothing to tell it.
                        let (ack, _) = Ack::new();
                        return Ok(DeviceEvent::Messages(messages, ack));
                    }
                }
            }
        }
    }

    async fn pair_code(&self, phone: &str) -> Result<String, WaError> {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        self.client
            .wait_for_socket(SOCKET_WAIT)
            .await
            .map_err(|e| WaError::Network(format!("no connection to WhatsApp: {e}")))?;
        self.client
            .pair_with_code(PairCodeOptions {
                phone_number: digits,
                ..PairCodeOptions::default()
            })
            .await
            .map_err(|e| pair_error(&e))
    }

    async fn edit(&self, chat: &str, id: &str, text: &str) -> Result<(), WaError> {
        let to = Self::chat(chat)?;
        self.client
            .edit_message(to, id, wa::Message::text(text))
            .await
            .map_err(|e| send_error(&e))?;
        Ok(())
    }

    async fn react(&self, chat: &str, id: &str, from_me: bool, emoji: &str) -> Result<(), WaError> {
        let to = Self::chat(chat)?;
        let key = wa::MessageKey {
            remote_jid: Some(to.to_string()),
            from_me: Some(from_me),
            id: Some(id.to_owned()),
            participant: None,
        };
        self.client
            .send_reaction(to, key, emoji)
            .await
            .map_err(|e| send_error(&e))?;
        Ok(())
    }

    async fn send_text(
        &self,
        chat: &str,
        text: &str,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError> {
        let to = Self::chat(chat)?;
        let message = match reply_to {
            Some(quoted) => wa::Message::text_with_context(text, quote(&to, quoted)),
            None => wa::Message::text(text),
        };
        let sent = self
            .client
            .send_message(to, message)
            .await
            .map_err(|e| send_error(&e))?;
        Ok(sent.message_id)
    }

    async fn send_file(
        &self,
        chat: &str,
        file: &Upload,
        caption: Option<&str>,
        reply_to: Option<&Quoted>,
    ) -> Result<String, WaError> {
        let to = Self::chat(chat)?;
        let uploaded = self
            .client
            .upload(
                file.bytes.clone(),
                media_type(file.kind),
                UploadOptions::default(),
            )
            .await
            .map_err(|e| media_error("uploaded", e.as_ref()))?;
        let context = reply_to.map(|q| quote(&to, q));
        let caption = caption.map(str::trim).filter(|c| !c.is_empty());
        let (message, caption_left) = file_message(file, uploaded.into(), caption, context);
        let sent = self
            .client
            .send_message(to.clone(), message)
            .await
            .map_err(|e| send_error(&e))?;
        // Voice notes, audio and stickers take no caption: it follows as a text.
        if let Some(text) = caption_left
            && let Err(e) = self.client.send_message(to, wa::Message::text(text)).await
        {
            tracing::warn!(error = %e, "the caption of a WhatsApp file was not sent");
        }
        Ok(sent.message_id)
    }

    async fn download(&self, media: &Media) -> Result<Vec<u8>, WaError> {
        let handle = MediaHandle::decode(&media.handle)
            .ok_or_else(|| WaError::Refused("not a WhatsApp file".into()))?;
        self.client
            .download(&handle)
            .await
            .map_err(|e| media_error("downloaded", e.as_ref()))
    }

    async fn log_out(&self) -> Result<(), WaError> {
        // Unlinking is a request to WhatsApp: offline, the phone would keep
        // listing the device.
        if !self.client.is_connected() {
            return Err(WaError::Network(
                "not connected to WhatsApp: try unlinking again once connected".into(),
            ));
        }
        self.client.logout().await;
        Ok(())
    }

    async fn keys(&self) -> Result<Option<Vec<u8>>, WaError> {
        self.store
            .snapshot()
            .map_err(|e| WaError::Refused(format!("the device's keys could not be written: {e}")))
    }

    /// Disconnects; what the client held is in the store afterwards, for a
    /// last call to [`Device::keys`].
    async fn close(&self) {
        self.closed.cancel();
        {
            // Batches not yet taken stay with WhatsApp: their acknowledgements
            // drop here, and it hands them over again next time.
            let mut events = self.events.lock().await;
            events.close();
            while events.try_recv().is_ok() {}
        }
        let handle = self.handle.lock().await.take();
        if let Some(handle) = handle {
            handle.shutdown().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unreadable_keys_call_for_pairing_again() {
        let err = WaWeb.connect(Some(b"garbage")).await.err();
        assert!(matches!(err, Some(WaError::LoggedOut(_))));
    }
}
