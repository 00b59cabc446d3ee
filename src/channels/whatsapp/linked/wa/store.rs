//! The device's keys and state, in memory, saved as a whole.
//!
//! `whatsapp-rust` keeps everything a linked device knows (its identity and
//! Signal keys, the sessions with every contact, app-state sync keys, the
//! LID ↔ phone mappings, the messages held until stored…) in a storage
//! backend it talks to through the `wacore` store traits. This is that
//! backend, kept in memory and written out as one document: [`KeyStore::snapshot`]
//! answers it when something changed since the last time, the channel seals
//! it with the keyring key and keeps it in the engine's SQLite, and
//! [`KeyStore::restore`] reads it back on the next start.
//!
//! Why not the library's own SQLite store: the engine keeps one database
//! file, owned and migrated by it, and its secrets sealed at rest with the
//! keyring key (a second, unsealed database beside it would hold the
//! number's keys in the clear); and the library's store brings its own
//! SQLite library, which does not sit well next to the one `sqlx` links.
//!
//! The document is JSON; byte strings in it are base64. Nothing here logs
//! any of it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use whatsapp_rust::wacore::appstate::hash::HashState;
use whatsapp_rust::wacore::store::Device;
use whatsapp_rust::wacore::store::error::StoreError;
use whatsapp_rust::wacore::store::traits::{
    AppStateSyncKey, DeviceListRecord, LidPnMappingEntry, TcTokenEntry,
};

mod app_state;
mod device;
mod protocol;
mod secrets;
mod signal;

/// The most sent messages kept for answering retry requests; the oldest go
/// first. The library also drops them after a while on its own.
const MAX_SENT_MESSAGES: usize = 512;

/// The version of the document's layout.
const FORMAT: u32 = 1;

/// Bytes, written as base64.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Blob(Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        BASE64
            .decode(text.as_bytes())
            .map(Blob)
            .map_err(serde::de::Error::custom)
    }
}

impl Blob {
    fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    fn array<const N: usize>(&self) -> Option<[u8; N]> {
        self.0.as_slice().try_into().ok()
    }
}

/// Maps whose keys are not strings, written as a list of pairs.
mod pairs {
    use std::collections::HashMap;
    use std::hash::Hash;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<K, V, S>(map: &HashMap<K, V>, serializer: S) -> Result<S::Ok, S::Error>
    where
        K: Serialize,
        V: Serialize,
        S: Serializer,
    {
        serializer.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(deserializer: D) -> Result<HashMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Eq + Hash,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PreKeyRow {
    record: Blob,
    uploaded: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TimedBlob {
    bytes: Blob,
    /// Unix seconds.
    at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SecretRow {
    secret: Blob,
    expires_at: i64,
    message_ts: i64,
}

/// Everything the device knows, as written out.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct State {
    format: u32,
    // Signal.
    identities: BTreeMap<String, Blob>,
    sessions: BTreeMap<String, Blob>,
    prekeys: BTreeMap<u32, PreKeyRow>,
    signed_prekeys: BTreeMap<u32, Blob>,
    sender_keys: BTreeMap<String, Blob>,
    // App state.
    #[serde(with = "pairs")]
    sync_keys: HashMap<Blob, AppStateSyncKey>,
    latest_sync_key_id: Option<Blob>,
    versions: BTreeMap<String, HashState>,
    /// (collection, index MAC) → value MAC.
    #[serde(with = "pairs")]
    mutation_macs: HashMap<(String, Blob), Blob>,
    // Protocol.
    sender_key_devices: BTreeMap<String, BTreeMap<String, bool>>,
    lid_mappings: BTreeMap<String, LidPnMappingEntry>,
    /// Phone → LID, derived from `lid_mappings`.
    #[serde(skip)]
    pn_to_lid: HashMap<String, String>,
    /// (address, message id) → base key.
    #[serde(with = "pairs")]
    base_keys: HashMap<(String, String), Blob>,
    device_lists: BTreeMap<String, DeviceListRecord>,
    group_metadata: BTreeMap<String, Blob>,
    tc_tokens: BTreeMap<String, TcTokenEntry>,
    /// (chat, message id) → the message as sent, for retry requests.
    #[serde(with = "pairs")]
    sent_messages: HashMap<(String, String), TimedBlob>,
    /// (chat, sender, id) → a received message not yet stored by the channel.
    #[serde(with = "pairs")]
    pending_inbound: HashMap<(String, String, String), TimedBlob>,
    /// (chat, sender, id) → the secret of a message.
    #[serde(with = "pairs")]
    msg_secrets: HashMap<(String, String, String), SecretRow>,
    // The device itself.
    device: Option<Device>,
}

struct Inner {
    state: State,
    /// Changed since the last snapshot.
    dirty: bool,
    /// A snapshot was answered already.
    answered: bool,
}

/// The device's store: `whatsapp-rust`'s storage backend, in memory,
/// written out whole.
pub struct KeyStore {
    inner: Mutex<Inner>,
}

/// The saved keys could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the saved WhatsApp keys are unreadable: {0}")]
pub struct UnreadableKeys(String);

impl KeyStore {
    /// An empty store: a new device, to be paired.
    pub fn new() -> Self {
        Self::with_state(State {
            format: FORMAT,
            ..State::default()
        })
    }

    /// The store as [`KeyStore::snapshot`] wrote it.
    pub fn restore(bytes: &[u8]) -> std::result::Result<Self, UnreadableKeys> {
        let mut state: State =
            serde_json::from_slice(bytes).map_err(|e| UnreadableKeys(e.to_string()))?;
        if state.format > FORMAT {
            return Err(UnreadableKeys(format!(
                "written by a newer version (format {})",
                state.format
            )));
        }
        state.format = FORMAT;
        state.pn_to_lid = state
            .lid_mappings
            .values()
            .map(|m| (m.phone_number.clone(), m.lid.clone()))
            .collect();
        Ok(Self::with_state(state))
    }

    fn with_state(state: State) -> Self {
        Self {
            inner: Mutex::new(Inner {
                state,
                dirty: false,
                answered: false,
            }),
        }
    }

    /// The whole store, when it changed since the last call (the first call
    /// always answers it).
    pub fn snapshot(&self) -> std::result::Result<Option<Vec<u8>>, serde_json::Error> {
        let mut inner = self.lock();
        if inner.answered && !inner.dirty {
            return Ok(None);
        }
        let bytes = serde_json::to_vec(&inner.state)?;
        inner.dirty = false;
        inner.answered = true;
        Ok(Some(bytes))
    }

    /// Whether the device was ever linked to a number.
    pub fn is_paired(&self) -> bool {
        self.lock()
            .state
            .device
            .as_ref()
            .is_some_and(|d| d.pn.is_some())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The state is plain data, always whole between two statements.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the state.
    fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock().state)
    }

    /// Changes the state, marking it for the next snapshot.
    fn write<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut inner = self.lock();
        inner.dirty = true;
        f(&mut inner.state)
    }

    /// Changes the state only when `needed` says there is something to
    /// change, so the periodic clean-ups of the library do not make the
    /// store look changed when they found nothing to remove.
    fn write_if<R: Default>(
        &self,
        needed: impl FnOnce(&State) -> bool,
        f: impl FnOnce(&mut State) -> R,
    ) -> R {
        let mut inner = self.lock();
        if !needed(&inner.state) {
            return R::default();
        }
        inner.dirty = true;
        f(&mut inner.state)
    }
}

impl Default for KeyStore {
    fn default() -> Self {
        Self::new()
    }
}

fn bad_length(what: &str) -> StoreError {
    StoreError::Validation(format!("stored {what} has the wrong length"))
}

fn triple(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.to_owned(), b.to_owned(), c.to_owned())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
