//! What happens on the client, as the device tells it: the library's
//! events (QR codes, pairing, the connection, receipts) and the batches of
//! messages its inbound hook hands over.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc;
use whatsapp_rust::types::events::{
    ConnectFailureReason, Event, EventHandler, EventInterest, EventKind, InboundMessage,
};
use whatsapp_rust::types::presence::ReceiptType;
use whatsapp_rust::{Client, InboundDurabilityHook, Jid, anyhow};

use super::super::device::{Ack, DeviceEvent, WaMessage};
use super::convert;

/// What reaches the device's `next_event` from the client.
pub enum Raw {
    Ready(DeviceEvent),
    /// Linked: the keys are flushed to the store before this is told.
    Paired {
        jid: Jid,
        push_name: String,
    },
    Connected,
    /// Messages WhatsApp does not wait on an acknowledgement for (messages
    /// recovered from the phone, after a failed decryption).
    Unacked(Arc<[InboundMessage]>),
}

pub type RawTx = mpsc::UnboundedSender<Raw>;

/// Turns the client's events into the device's.
pub struct Events {
    pub tx: RawTx,
}

impl EventHandler for Events {
    fn handle_event(&self, event: Arc<Event>) {
        if let Some(raw) = raw_event(&event) {
            // Nobody listens once the device is closed.
            self.tx.send(raw).ok();
        }
    }

    fn interest(&self) -> EventInterest {
        EventInterest::of(&[
            EventKind::Connected,
            EventKind::Disconnected,
            EventKind::PairSuccess,
            EventKind::PairError,
            EventKind::LoggedOut,
            EventKind::PairingQrCode,
            EventKind::PairingCodeError,
            EventKind::PairingQrCodesExhausted,
            EventKind::QrScannedWithoutMultidevice,
            EventKind::ClientOutdated,
            EventKind::Messages,
            EventKind::Receipt,
            EventKind::StreamReplaced,
            EventKind::TemporaryBan,
            EventKind::ConnectFailure,
            EventKind::StreamError,
        ])
    }
}

fn raw_event(event: &Event) -> Option<Raw> {
    let ready = |e| Some(Raw::Ready(e));
    match event {
        Event::PairingQrCode(qr) => ready(DeviceEvent::Qr {
            code: qr.code.clone(),
            valid_for_ms: i64::try_from(qr.timeout.as_millis()).unwrap_or(i64::MAX),
        }),
        Event::PairingQrCodesExhausted(_) => ready(DeviceEvent::PairingExpired),
        Event::PairError(e) => ready(DeviceEvent::PairingFailed(e.error.clone())),
        Event::PairingCodeError(e) => ready(DeviceEvent::PairingFailed(e.error.clone())),
        Event::QrScannedWithoutMultidevice(_) => ready(DeviceEvent::PairingFailed(
            "the phone's WhatsApp does not support linked devices; update it".into(),
        )),
        Event::PairSuccess(p) => Some(Raw::Paired {
            jid: p.id.clone(),
            push_name: p.business_name.clone(),
        }),
        Event::Connected(_) => Some(Raw::Connected),
        Event::Disconnected(d) => ready(DeviceEvent::Disconnected(d.reason.to_string())),
        Event::StreamError(e) => ready(DeviceEvent::Disconnected(format!(
            "WhatsApp stream error {}",
            e.code
        ))),
        Event::ConnectFailure(f) => ready(DeviceEvent::Disconnected(match &f.message {
            Some(m) => format!("WhatsApp refused the connection ({:?}): {m}", f.reason),
            None => format!("WhatsApp refused the connection ({:?})", f.reason),
        })),
        Event::StreamReplaced(_) => ready(DeviceEvent::Disconnected(
            "another connection with the same device took over; this one stays off".into(),
        )),
        Event::ClientOutdated(_) => ready(DeviceEvent::Disconnected(
            "WhatsApp no longer accepts this version of its protocol; the app needs an update"
                .into(),
        )),
        Event::LoggedOut(l) => {
            let told = l
                .logout_message
                .as_ref()
                .and_then(|m| m.header.clone().or_else(|| m.subtext.clone()));
            ready(DeviceEvent::LoggedOut(
                told.unwrap_or_else(|| logout_reason(l.reason)),
            ))
        }
        Event::TemporaryBan(b) => ready(DeviceEvent::LoggedOut(format!(
            "temporarily banned by WhatsApp ({:?}) for {} min{}",
            b.code,
            b.expire.num_minutes().max(1),
            b.message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ))),
        Event::Receipt(r) => {
            let read = match r.r#type {
                ReceiptType::Delivered => false,
                ReceiptType::Read | ReceiptType::Played => true,
                _ => return None,
            };
            ready(DeviceEvent::Receipt {
                chat: r.source.chat.to_non_ad().to_string(),
                message_ids: r.message_ids.iter().map(ToString::to_string).collect(),
                read,
            })
        }
        // Batches the hook already handed over come again here: skip them.
        Event::Messages(batch) if !batch.hook_committed => {
            Some(Raw::Unacked(Arc::clone(&batch.messages)))
        }
        _ => None,
    }
}

fn logout_reason(reason: ConnectFailureReason) -> String {
    match reason {
        ConnectFailureReason::LoggedOut => "unlinked from the phone".into(),
        ConnectFailureReason::AccountLocked => "WhatsApp locked the account".into(),
        ConnectFailureReason::UnknownLogout => "WhatsApp ended the link".into(),
        ConnectFailureReason::TempBanned => "temporarily banned by WhatsApp".into(),
        other => format!("WhatsApp ended the link ({other:?})"),
    }
}

/// Hands each batch of received messages to the channel and waits until it
/// is stored; only then does WhatsApp hear that it arrived.
pub struct Hook {
    pub tx: RawTx,
}

#[async_trait]
impl InboundDurabilityHook for Hook {
    async fn on_messages(
        &self,
        client: Arc<Client>,
        batch: &[InboundMessage],
    ) -> anyhow::Result<()> {
        let messages = convert_batch(&client, batch).await;
        if messages.is_empty() {
            return Ok(());
        }
        let (ack, stored) = Ack::new();
        self.tx
            .send(Raw::Ready(DeviceEvent::Messages(messages, ack)))
            .map_err(|_| anyhow::anyhow!("the WhatsApp channel is not listening"))?;
        // A dropped Ack: not stored, so WhatsApp keeps the batch and hands
        // it over again.
        stored
            .await
            .map_err(|_| anyhow::anyhow!("the batch of WhatsApp messages was not stored"))
    }
}

/// The batch as the channel keeps it, with customers known by LID given
/// their number where WhatsApp mapped one.
pub async fn convert_batch(client: &Client, batch: &[InboundMessage]) -> Vec<WaMessage> {
    let mut messages = Vec::with_capacity(batch.len());
    for inbound in batch {
        let phone = match convert::lid_to_resolve(&inbound.info) {
            Some(lid) => match client.get_lid_pn_entry(lid).await {
                Ok(entry) => entry.map(|e| e.phone_number.to_string()),
                Err(e) => {
                    tracing::debug!(error = %e, "no number for a WhatsApp LID");
                    None
                }
            },
            None => None,
        };
        if let Some(m) = convert::to_wa_message(&inbound.info, &inbound.message, phone.as_deref()) {
            messages.push(m);
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use whatsapp_rust::types::events::{
        BatchOrigin, Connected, Disconnected, LoggedOut, MessageBatch, PairError as PairErrorEvent,
        PairSuccess, PairingQrCode, PairingQrCodesExhausted, Receipt, TempBanReason, TemporaryBan,
    };
    use whatsapp_rust::types::message::MessageSource;
    use whatsapp_rust::wacore::net::DisconnectReason;

    fn ready(event: Event) -> DeviceEvent {
        match raw_event(&event) {
            Some(Raw::Ready(e)) => e,
            Some(_) => panic!("not a ready event"),
            None => panic!("no event"),
        }
    }

    fn receipt(kind: ReceiptType) -> Event {
        Event::Receipt(
            Receipt::builder()
                .message_ids(vec!["A".into(), "B".into()])
                .source(MessageSource {
                    chat: "79991234567@s.whatsapp.net".parse().unwrap(),
                    sender: "79991234567:2@s.whatsapp.net".parse().unwrap(),
                    ..Default::default()
                })
                .timestamp(chrono::Utc::now())
                .r#type(kind)
                .offline(false)
                .build(),
        )
    }

    #[test]
    fn pairing_events() {
        let qr = ready(Event::PairingQrCode(
            PairingQrCode::builder()
                .code("2@abc,def".into())
                .timeout(Duration::from_secs(20))
                .build(),
        ));
        assert!(matches!(
            qr,
            DeviceEvent::Qr { ref code, valid_for_ms: 20_000 } if code == "2@abc,def"
        ));
        assert!(matches!(
            ready(Event::PairingQrCodesExhausted(
                PairingQrCodesExhausted::builder()
                    .disconnected(true)
                    .build()
            )),
            DeviceEvent::PairingExpired
        ));
        let jid: Jid = "79991234567:12@s.whatsapp.net".parse().unwrap();
        let lid: Jid = "100000012345678:12@lid".parse().unwrap();
        let failed = ready(Event::PairError(
            PairErrorEvent::builder()
                .id(jid.clone())
                .lid(lid.clone())
                .business_name(String::new())
                .platform("android".into())
                .error("the phone refused".into())
                .build(),
        ));
        assert!(
            matches!(failed, DeviceEvent::PairingFailed(ref why) if why == "the phone refused")
        );
        let paired = raw_event(&Event::PairSuccess(
            PairSuccess::builder()
                .id(jid)
                .lid(lid)
                .business_name("Flower shop".into())
                .platform("android".into())
                .build(),
        ));
        assert!(matches!(
            paired,
            Some(Raw::Paired { ref jid, ref push_name })
                if jid.to_string() == "79991234567:12@s.whatsapp.net" && push_name == "Flower shop"
        ));
    }

    #[test]
    fn connection_events() {
        let dropped = ready(Event::Disconnected(
            Disconnected::builder()
                .reason(DisconnectReason::StreamEnded)
                .build(),
        ));
        assert!(matches!(dropped, DeviceEvent::Disconnected(ref why) if why.contains("EOF")));
        let unlinked = ready(Event::LoggedOut(
            LoggedOut::builder()
                .on_connect(false)
                .reason(ConnectFailureReason::LoggedOut)
                .build(),
        ));
        assert!(
            matches!(unlinked, DeviceEvent::LoggedOut(ref why) if why == "unlinked from the phone")
        );
        let banned = ready(Event::TemporaryBan(
            TemporaryBan::builder()
                .code(TempBanReason::SentToTooManyPeople)
                .expire(chrono::Duration::hours(2))
                .build(),
        ));
        assert!(matches!(banned, DeviceEvent::LoggedOut(ref why) if why.contains("120 min")));
        assert!(matches!(
            raw_event(&Event::Connected(Connected::builder().build())),
            Some(Raw::Connected)
        ));
    }

    #[test]
    fn receipts_tell_delivered_from_read() {
        let delivered = ready(receipt(ReceiptType::Delivered));
        assert!(matches!(
            delivered,
            DeviceEvent::Receipt { ref chat, ref message_ids, read: false }
                if chat == "79991234567@s.whatsapp.net" && message_ids == &["A", "B"]
        ));
        assert!(matches!(
            ready(receipt(ReceiptType::Read)),
            DeviceEvent::Receipt { read: true, .. }
        ));
        assert!(matches!(
            ready(receipt(ReceiptType::Played)),
            DeviceEvent::Receipt { read: true, .. }
        ));
        // The number's own devices reading, retries: not the customer's.
        assert!(raw_event(&receipt(ReceiptType::ReadSelf)).is_none());
        assert!(raw_event(&receipt(ReceiptType::Retry)).is_none());
    }

    #[test]
    fn batches_the_hook_handed_over_are_not_told_twice() {
        let batch = |committed| {
            Event::Messages(
                MessageBatch::builder()
                    .messages(Arc::from(Vec::<InboundMessage>::new()))
                    .origin(BatchOrigin::Live)
                    .hook_committed(committed)
                    .build(),
            )
        };
        assert!(raw_event(&batch(true)).is_none());
        assert!(matches!(raw_event(&batch(false)), Some(Raw::Unacked(_))));
    }
}
