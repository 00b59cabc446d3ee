//! A stand-in for WhatsApp behind the linked number's narrow interface
//! ([`tuberry::channels::whatsapp::linked::device`]), scripted by the tests
//! directly or, for the whole app, over HTTP ([`server`]). It behaves as
//! WhatsApp's servers do for a linked device:
//! - pairing: a new device shows QR codes (the first for 60 s, then five
//!   more for 20 s each as [`FakeWhatsApp::rotate_qr`] turns them, then the
//!   pairing lapses); a phone scans the code shown ([`FakeWhatsApp::scan`]),
//!   or types the code the device asked for ([`FakeWhatsApp::enter_code`]);
//! - keys: once paired, the device hands over keys to keep (they hold
//!   [`KEYS_MARK`]), again whenever they change (each acknowledged batch
//!   ratchets the sessions); saved keys connect again until the number
//!   unlinks the device;
//! - the offline queue: what is written to a number waits until a linked
//!   device takes it, in order, in batches of at most 50; a batch leaves the
//!   queue only when acknowledged, and a device that goes away before that
//!   leaves it for the next connection (a new connection of the same device
//!   replaces the old one);
//! - sending, with ids as WhatsApp Web gives them and scripted failures;
//!   receipts; media; dropped connections; unlinking from the phone.
//!
//! Messages to write are made with [`msg`].

mod device;
pub mod msg;
pub mod server;
mod state;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use tokio::sync::Notify;
use tuberry::channels::whatsapp::linked::device::{
    Connector, Device, DeviceEvent, Me, Media, MediaKind, WaError, WaMessage,
};
use tuberry::clock::{SharedClock, SystemClock};

use self::device::FakeDevice;
use self::state::{
    Conn, DeviceKeys, KeysFile, Number, QR_CODES, Queued, Stage, State, base64, hex,
};
pub use self::state::{Reacted, Sent, digits};

/// What the keys hold: an identity key worth hiding.
pub const KEYS_MARK: &str = "FAKE-SIGNAL-IDENTITY-KEY";

/// The first device a number links gets this number, the next one more.
const FIRST_DEVICE: u32 = 12;

#[derive(Clone)]
pub struct FakeWhatsApp {
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    clock: SharedClock,
}

impl Default for FakeWhatsApp {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeWhatsApp {
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// Message dates of [`Self::write_text`] follow `clock`.
    pub fn with_clock(clock: SharedClock) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::default())),
            changed: Arc::new(Notify::new()),
            clock,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.settle();
        state
    }

    fn touch(&self) {
        self.changed.notify_waiters();
    }

    /// A number on WhatsApp (`phone` in +E.164) with its profile name;
    /// answers how the next device it links is described.
    pub fn add_number(&self, phone: &str, push_name: &str) -> Me {
        let digits = digits(phone);
        let mut state = self.state();
        let number = state
            .numbers
            .entry(digits.clone())
            .or_insert_with(|| Number {
                phone: format!("+{digits}"),
                push_name: push_name.to_owned(),
                next_device: FIRST_DEVICE,
                devices: Default::default(),
                pending: Vec::new(),
                sent: Vec::new(),
                reactions: Vec::new(),
                fail_sends: VecDeque::new(),
                logged_out: false,
            });
        number.push_name = push_name.to_owned();
        number.me(number.next_device)
    }

    pub fn has_number(&self, phone: &str) -> bool {
        self.state().number(phone).is_some()
    }

    /// Every QR code shown so far, oldest first.
    pub fn qr_codes(&self) -> Vec<String> {
        self.state().qr_codes.clone()
    }

    /// WhatsApp turns the QR code of every pairing device: the next code,
    /// or, after the last one, the end of the pairing.
    pub fn rotate_qr(&self) {
        let mut state = self.state();
        let mut shown = Vec::new();
        for conn in state.conns.values_mut() {
            let Stage::Pairing { shown: count, .. } = &mut conn.stage else {
                continue;
            };
            if *count < QR_CODES {
                *count += 1;
                let code = conn.keys.qr();
                shown.push(code.clone());
                conn.events.push_back(Queued::Event(DeviceEvent::Qr {
                    code,
                    valid_for_ms: 20_000,
                }));
            } else {
                conn.stage = Stage::Stopped;
                conn.events
                    .push_back(Queued::Event(DeviceEvent::PairingExpired));
            }
        }
        state.qr_codes.extend(shown);
        drop(state);
        self.touch();
    }

    /// The phone of `phone` scans the code of the device that began pairing
    /// last and still waits; how that device is described, or `None` when
    /// no device waits or the number is unknown.
    pub fn scan(&self, phone: &str) -> Option<Me> {
        let digits = digits(phone);
        let mut state = self.state();
        state.numbers.get(&digits)?;
        let id = state
            .conns
            .iter()
            .filter(|(_, c)| matches!(c.stage, Stage::Pairing { .. }))
            .map(|(&id, _)| id)
            .max()?;
        let me = state.link(id, &digits);
        drop(state);
        self.touch();
        me
    }

    /// The code a device asked for is typed on the phone (with or without
    /// its dash); how the device is described, or `None` when no device
    /// waits for that code.
    pub fn enter_code(&self, code: &str) -> Option<Me> {
        let typed = normalize_code(code);
        let mut state = self.state();
        let (id, digits) = state.conns.iter().find_map(|(&id, c)| match &c.stage {
            Stage::Pairing {
                code: Some((asked, digits)),
                ..
            } if normalize_code(asked) == typed => Some((id, digits.clone())),
            _ => None,
        })?;
        let me = state.link(id, &digits);
        drop(state);
        self.touch();
        me
    }

    /// Every pairing device's pairing fails for `reason`.
    pub fn fail_pairing(&self, reason: &str) {
        let mut state = self.state();
        for conn in state.conns.values_mut() {
            if matches!(conn.stage, Stage::Pairing { .. }) {
                conn.stage = Stage::Stopped;
                conn.events
                    .push_back(Queued::Event(DeviceEvent::PairingFailed(reason.to_owned())));
            }
        }
        drop(state);
        self.touch();
    }

    /// `message` arrives at the number `shop` (a customer's, or with
    /// `from_me` the owner's own from the phone, which then gets the shop
    /// as its sender); it waits in the number's queue until a linked device
    /// takes it.
    ///
    /// # Panics
    /// When `shop` was not added.
    pub fn write(&self, shop: &str, mut message: WaMessage) {
        let digits = digits(shop);
        let mut state = self.state();
        let seq = state.next_seq;
        state.next_seq += 1;
        let number = state
            .numbers
            .get_mut(&digits)
            .unwrap_or_else(|| panic!("no number {shop} on the fake WhatsApp"));
        if message.from_me {
            message.sender = format!("{digits}@s.whatsapp.net");
            message.sender_phone = Some(number.phone.clone());
            message.push_name = Some(number.push_name.clone());
        }
        number.pending.push((seq, message));
        for conn in state.conns.values_mut() {
            if conn.connected_to(&digits) {
                conn.events.push_back(Queued::Messages);
            }
        }
        drop(state);
        self.touch();
    }

    /// The customer `customer` writes `text` to the number `shop`, dated
    /// by the fake's clock; the message's id.
    pub fn write_text(&self, shop: &str, customer: &str, text: &str) -> String {
        use msg::Build as _;
        let id = msg::id();
        let message = msg::text(customer, &id, text).at(self.clock.now_ms() / 1000);
        self.write(shop, message);
        id
    }

    /// Messages written to `phone` that no device acknowledged yet.
    pub fn unacked(&self, phone: &str) -> usize {
        self.state().number(phone).map_or(0, |n| n.pending.len())
    }

    /// The customer's device got (`read`: showed) the number's messages.
    pub fn receipt(&self, phone: &str, chat: &str, message_ids: &[&str], read: bool) {
        let digits = digits(phone);
        let mut state = self.state();
        for conn in state.conns.values_mut() {
            if conn.connected_to(&digits) {
                conn.events.push_back(Queued::Event(DeviceEvent::Receipt {
                    chat: chat.to_owned(),
                    message_ids: message_ids.iter().map(|&id| id.to_owned()).collect(),
                    read,
                }));
            }
        }
        drop(state);
        self.touch();
    }

    /// A file WhatsApp keeps, for a message to carry.
    pub fn add_media(
        &self,
        kind: MediaKind,
        mime: &str,
        file_name: Option<&str>,
        bytes: &[u8],
    ) -> Media {
        let handle = format!(
            "{{\"directPath\":\"/v/t62.7118-24/{}\",\"mediaKey\":\"{}\"}}",
            hex(20),
            base64(32)
        )
        .into_bytes();
        self.state().media.insert(handle.clone(), bytes.to_vec());
        Media {
            kind,
            handle,
            mime: Some(mime.to_owned()),
            file_name: file_name.map(str::to_owned),
            size: u64::try_from(bytes.len()).ok(),
        }
    }

    /// What the number's devices sent, oldest first.
    /// The reactions the number put on messages.
    pub fn reactions(&self, phone: &str) -> Vec<Reacted> {
        self.state()
            .number(phone)
            .map(|n| n.reactions.clone())
            .unwrap_or_default()
    }

    pub fn sent(&self, phone: &str) -> Vec<Sent> {
        self.state()
            .number(phone)
            .map(|n| n.sent.clone())
            .unwrap_or_default()
    }

    /// The number's next `count` sends fail with `error`.
    pub fn fail_next_sends(&self, phone: &str, count: usize, error: WaError) {
        let digits = digits(phone);
        if let Some(number) = self.state().numbers.get_mut(&digits) {
            number.fail_sends.extend(std::iter::repeat_n(error, count));
        }
    }

    /// The number's devices connected now lose their connection: each says
    /// so, then fails; what they held goes back to the queue.
    pub fn drop_connections(&self, phone: &str) {
        self.state()
            .drop_connections(&digits(phone), None, "the connection to WhatsApp was lost");
        self.touch();
    }

    /// The number's devices are unlinked from the phone: connected ones
    /// are told, and their keys stop working.
    pub fn unlink(&self, phone: &str, reason: &str) {
        self.state().unlink(&digits(phone), None, reason);
        self.touch();
    }

    /// Whether a device of the number logged itself out.
    pub fn logged_out(&self, phone: &str) -> bool {
        self.state().number(phone).is_some_and(|n| n.logged_out)
    }

    /// Devices of the number connected now.
    pub fn connections(&self, phone: &str) -> usize {
        let digits = digits(phone);
        self.state()
            .conns
            .values()
            .filter(|c| c.connected_to(&digits))
            .count()
    }

    /// A new connection: pairing (without keys), or as the device the keys
    /// describe.
    fn open(&self, keys: Option<&[u8]>) -> u64 {
        let mut state = self.state();
        let id = state.next_conn;
        state.next_conn += 1;
        let conn = match keys {
            None => {
                let mut conn = Conn::new(
                    Stage::Pairing {
                        shown: 1,
                        code: None,
                    },
                    DeviceKeys::new(),
                );
                let code = conn.keys.qr();
                state.qr_codes.push(code.clone());
                conn.events.push_back(Queued::Event(DeviceEvent::Qr {
                    code,
                    valid_for_ms: 60_000,
                }));
                conn
            }
            Some(bytes) => reconnect(&mut state, bytes),
        };
        state.conns.insert(id, conn);
        drop(state);
        self.touch();
        id
    }
}

/// A connection as the device saved `bytes` describe, or one told that the
/// device is no longer linked.
fn reconnect(state: &mut State, bytes: &[u8]) -> Conn {
    let checked = serde_json::from_slice::<KeysFile>(bytes)
        .map_err(|e| format!("401: the keys are unreadable: {e}"))
        .and_then(|keys| state.check_keys(&keys).map(|linked| (keys, linked)));
    let (keys, (digits, device)) = match checked {
        Ok(ok) => ok,
        Err(reason) => {
            let mut conn = Conn::new(Stage::LoggedOut(reason.clone()), DeviceKeys::new());
            conn.events
                .push_back(Queued::Event(DeviceEvent::LoggedOut(reason)));
            return conn;
        }
    };
    state.drop_connections(
        &digits,
        Some(device),
        "replaced by a newer connection of this device",
    );
    let mut conn = Conn::new(
        Stage::Connected,
        DeviceKeys {
            noise: keys.noise_key,
            identity: keys.identity_key,
            adv_secret: keys.adv_secret,
        },
    );
    conn.registration_id = keys.registration_id;
    conn.keys_changed = true;
    conn.linked = Some((digits.clone(), device));
    if let Some(number) = state.numbers.get(&digits) {
        conn.events
            .push_back(Queued::Event(DeviceEvent::Connected(number.me(device))));
    }
    conn
}

fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[async_trait]
impl Connector for FakeWhatsApp {
    async fn connect(&self, keys: Option<&[u8]>) -> Result<Box<dyn Device>, WaError> {
        let id = self.open(keys);
        Ok(Box::new(FakeDevice::new(self.clone(), id)))
    }
}
