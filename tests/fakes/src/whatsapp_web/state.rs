//! What WhatsApp's servers know: the numbers with their linked devices and
//! offline queues, and every device connected now.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tuberry::channels::whatsapp::linked::device::{
    Ack, DeviceEvent, Me, Quoted, Upload, WaError, WaMessage,
};

use super::KEYS_MARK;

/// At most this many messages travel in one batch.
pub(super) const BATCH: usize = 50;
/// QR codes WhatsApp hands out for one pairing before it lapses.
pub(super) const QR_CODES: usize = 6;

/// A message a linked device sent through the number.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// The chat's address.
    pub chat: String,
    /// The text of a text message.
    pub text: Option<String>,
    /// The file of a file message.
    pub file: Option<Upload>,
    pub caption: Option<String>,
    pub reply_to: Option<Quoted>,
    /// The id WhatsApp gave it.
    pub id: String,
    /// When it was sent.
    pub at: Instant,
    /// Changed since it was sent.
    pub edited: bool,
}

/// A reaction the number put on a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reacted {
    pub chat: String,
    pub id: String,
    pub from_me: bool,
    /// Empty: taken back.
    pub emoji: String,
}

pub(super) struct Number {
    pub phone: String,
    pub push_name: String,
    /// The number the next linked device gets.
    pub next_device: u32,
    /// Linked devices by number: their identity key and how far their
    /// sessions ratcheted.
    pub devices: HashMap<u32, Linked>,
    /// The offline queue, oldest first, each message with its sequence.
    pub pending: Vec<(u64, WaMessage)>,
    pub sent: Vec<Sent>,
    pub reactions: Vec<Reacted>,
    pub fail_sends: VecDeque<WaError>,
    pub logged_out: bool,
}

impl Number {
    pub fn me(&self, device: u32) -> Me {
        Me {
            jid: format!("{}:{device}@s.whatsapp.net", digits(&self.phone)),
            phone: self.phone.clone(),
            push_name: Some(self.push_name.clone()),
        }
    }
}

pub(super) struct Linked {
    pub identity_key: String,
    pub ratchet: u64,
}

/// Where a connected device stands.
pub(super) enum Stage {
    /// Showing QR codes (this many so far), or waiting for the code it
    /// asked for (with the number's digits) to be typed on the phone.
    Pairing {
        shown: usize,
        code: Option<(String, String)>,
    },
    /// The pairing lapsed or failed.
    Stopped,
    Connected,
    /// The connection dropped, for this reason.
    Dropped(String),
    /// The link ended, for this reason.
    LoggedOut(String),
}

/// What a device is told next.
pub(super) enum Queued {
    Event(DeviceEvent),
    /// Messages arrived: the next batch goes here in order.
    Messages,
}

/// The device's own keys, as it shows them in its QR codes.
#[derive(Clone)]
pub(super) struct DeviceKeys {
    pub noise: String,
    pub identity: String,
    pub adv_secret: String,
}

impl DeviceKeys {
    pub fn new() -> Self {
        Self {
            noise: base64(32),
            identity: format!("{KEYS_MARK}:{}", base64(32)),
            adv_secret: base64(32),
        }
    }

    /// The key as a phone reads it from a QR code.
    fn identity_public(&self) -> &str {
        self.identity
            .strip_prefix(KEYS_MARK)
            .and_then(|k| k.strip_prefix(':'))
            .unwrap_or(&self.identity)
    }

    /// A QR code of a pairing, as WhatsApp Web shows it.
    pub fn qr(&self) -> String {
        format!(
            "2@{},{},{},{}",
            base64(48),
            self.noise,
            self.identity_public(),
            self.adv_secret
        )
    }
}

/// What [`Device::keys`](tuberry::channels::whatsapp::linked::device::Device::keys)
/// hands over to keep.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KeysFile {
    pub phone: String,
    pub jid: String,
    pub device: u32,
    pub registration_id: u32,
    pub noise_key: String,
    pub identity_key: String,
    pub adv_secret: String,
    /// How far the signal sessions ratcheted.
    pub sessions: u64,
}

pub(super) struct Conn {
    pub stage: Stage,
    /// The number's digits and the device it is linked as.
    pub linked: Option<(String, u32)>,
    pub keys: DeviceKeys,
    pub registration_id: u32,
    pub events: VecDeque<Queued>,
    /// Sequences of the messages handed over and not yet acknowledged.
    pub in_flight: Vec<u64>,
    /// Batches handed over: their sequences, and what learns of the ack.
    pub acks: Vec<(Vec<u64>, oneshot::Receiver<()>)>,
    pub keys_changed: bool,
}

impl Conn {
    pub fn new(stage: Stage, keys: DeviceKeys) -> Self {
        Self {
            stage,
            linked: None,
            keys,
            registration_id: fastrand::u32(1..16_380),
            events: VecDeque::new(),
            in_flight: Vec::new(),
            acks: Vec::new(),
            keys_changed: false,
        }
    }

    pub fn is_linked_to(&self, number: &str) -> bool {
        self.linked.as_ref().is_some_and(|(n, _)| n == number)
    }

    pub fn connected_to(&self, number: &str) -> bool {
        matches!(self.stage, Stage::Connected) && self.is_linked_to(number)
    }

    /// The connection ends: what it held goes back to the queue.
    pub fn end(&mut self, stage: Stage) {
        self.stage = stage;
        self.in_flight.clear();
        self.acks.clear();
    }
}

#[derive(Default)]
pub(super) struct State {
    /// By the number's digits.
    pub numbers: HashMap<String, Number>,
    pub conns: HashMap<u64, Conn>,
    pub next_conn: u64,
    pub next_seq: u64,
    pub qr_codes: Vec<String>,
    /// Media by handle.
    pub media: HashMap<Vec<u8>, Vec<u8>>,
}

impl State {
    pub fn number(&self, phone: &str) -> Option<&Number> {
        self.numbers.get(&digits(phone))
    }

    /// Takes in the acknowledgements given since last time: acknowledged
    /// messages leave the queue and the device's sessions move on.
    pub fn settle(&mut self) {
        let mut acked = Vec::new();
        for (&id, conn) in &mut self.conns {
            conn.acks
                .retain_mut(|(seqs, given)| match given.try_recv() {
                    Ok(()) => {
                        acked.push((id, std::mem::take(seqs)));
                        false
                    }
                    Err(oneshot::error::TryRecvError::Empty) => true,
                    Err(oneshot::error::TryRecvError::Closed) => false,
                });
        }
        for (id, seqs) in acked {
            let Some(conn) = self.conns.get_mut(&id) else {
                continue;
            };
            conn.in_flight.retain(|s| !seqs.contains(s));
            conn.keys_changed = true;
            let Some((number, device)) = conn.linked.clone() else {
                continue;
            };
            if let Some(number) = self.numbers.get_mut(&number) {
                number.pending.retain(|(s, _)| !seqs.contains(s));
                if let Some(linked) = number.devices.get_mut(&device) {
                    linked.ratchet += 1;
                }
            }
        }
    }

    /// The next batch for connection `id`: the queued messages no device
    /// holds, in order.
    pub fn batch(&mut self, id: u64) -> Option<DeviceEvent> {
        let conn = self.conns.get(&id)?;
        if !matches!(conn.stage, Stage::Connected) {
            return None;
        }
        let (number, _) = conn.linked.clone()?;
        let held: HashSet<u64> = self
            .conns
            .values()
            .filter(|c| c.is_linked_to(&number))
            .flat_map(|c| c.in_flight.iter().copied())
            .collect();
        let taken: Vec<(u64, WaMessage)> = self
            .numbers
            .get(&number)?
            .pending
            .iter()
            .filter(|(s, _)| !held.contains(s))
            .take(BATCH)
            .cloned()
            .collect();
        if taken.is_empty() {
            return None;
        }
        let (seqs, messages): (Vec<u64>, Vec<WaMessage>) = taken.into_iter().unzip();
        let (ack, given) = Ack::new();
        let conn = self.conns.get_mut(&id)?;
        conn.in_flight.extend(&seqs);
        conn.acks.push((seqs, given));
        Some(DeviceEvent::Messages(messages, ack))
    }

    /// Pairing connection `id` links to the number with `digits`.
    pub fn link(&mut self, id: u64, digits: &str) -> Option<Me> {
        let conn = self.conns.get_mut(&id)?;
        let number = self.numbers.get_mut(digits)?;
        let device = number.next_device;
        number.next_device += 1;
        number.devices.insert(
            device,
            Linked {
                identity_key: conn.keys.identity.clone(),
                ratchet: 0,
            },
        );
        let me = number.me(device);
        conn.linked = Some((digits.to_owned(), device));
        conn.stage = Stage::Connected;
        conn.keys_changed = true;
        conn.events
            .push_back(Queued::Event(DeviceEvent::Paired(me.clone())));
        conn.events
            .push_back(Queued::Event(DeviceEvent::Connected(me.clone())));
        Some(me)
    }

    /// The keys connection `id` holds now, if it is linked.
    pub fn keys_file(&self, id: u64) -> Option<KeysFile> {
        let conn = self.conns.get(&id)?;
        let (digits, device) = conn.linked.clone()?;
        let number = self.numbers.get(&digits)?;
        let linked = number.devices.get(&device)?;
        Some(KeysFile {
            phone: number.phone.clone(),
            jid: number.me(device).jid,
            device,
            registration_id: conn.registration_id,
            noise_key: conn.keys.noise.clone(),
            identity_key: conn.keys.identity.clone(),
            adv_secret: conn.keys.adv_secret.clone(),
            sessions: linked.ratchet,
        })
    }

    /// The number and device saved keys belong to, if they still work.
    pub fn check_keys(&self, keys: &KeysFile) -> Result<(String, u32), String> {
        let digits = digits(&keys.phone);
        let number = self
            .numbers
            .get(&digits)
            .ok_or_else(|| "401: WhatsApp does not know this device".to_owned())?;
        match number.devices.get(&keys.device) {
            Some(linked) if linked.identity_key == keys.identity_key => Ok((digits, keys.device)),
            _ => Err("401: the device was removed from the phone".into()),
        }
    }

    /// The number with `digits` unlinks `device` (all of them when `None`).
    pub fn unlink(&mut self, digits: &str, device: Option<u32>, reason: &str) {
        let Some(number) = self.numbers.get_mut(digits) else {
            return;
        };
        match device {
            Some(device) => {
                number.devices.remove(&device);
            }
            None => number.devices.clear(),
        }
        if number.devices.is_empty() {
            number.pending.clear();
        }
        for conn in self.conns.values_mut() {
            let hit = conn
                .linked
                .as_ref()
                .is_some_and(|(n, d)| n == digits && device.is_none_or(|dev| dev == *d));
            if hit && matches!(conn.stage, Stage::Connected) {
                conn.end(Stage::LoggedOut(reason.to_owned()));
                conn.events
                    .push_back(Queued::Event(DeviceEvent::LoggedOut(reason.to_owned())));
            }
        }
    }

    /// Connected devices of `digits` (only `device` when given) drop.
    pub fn drop_connections(&mut self, digits: &str, device: Option<u32>, reason: &str) {
        for conn in self.conns.values_mut() {
            let hit = conn
                .linked
                .as_ref()
                .is_some_and(|(n, d)| n == digits && device.is_none_or(|dev| dev == *d));
            if hit && matches!(conn.stage, Stage::Connected) {
                conn.end(Stage::Dropped("connection reset by peer".into()));
                conn.events
                    .push_back(Queued::Event(DeviceEvent::Disconnected(reason.to_owned())));
            }
        }
    }
}

/// The digits of a phone number or address, without `+`, spaces or the
/// address's server.
pub fn digits(phone: &str) -> String {
    let user = phone.split('@').next().unwrap_or_default();
    let user = user.split(':').next().unwrap_or_default();
    user.chars().filter(char::is_ascii_digit).collect()
}

/// `bytes` random bytes in standard base64.
pub(super) fn base64(bytes: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let raw: Vec<u8> = (0..bytes).map(|_| fastrand::u8(..)).collect();
    let mut out = String::new();
    for chunk in raw.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `digits` random upper-case hexadecimal digits.
pub(super) fn hex(digits: usize) -> String {
    (0..digits)
        .map(|_| char::from(b"0123456789ABCDEF"[fastrand::usize(..16)]))
        .collect()
}
