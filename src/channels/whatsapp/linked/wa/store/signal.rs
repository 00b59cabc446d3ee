//! The Signal protocol's keys: the contacts' identities, the sessions
//! with them, the one-time and signed pre-keys, the group sender keys.

use std::sync::Arc;

use async_trait::async_trait;
use whatsapp_rust::bytes::Bytes;
use whatsapp_rust::wacore::store::error::Result;
use whatsapp_rust::wacore::store::traits::SignalStore;

use super::{Blob, KeyStore, PreKeyRow, bad_length};

#[async_trait]
impl SignalStore for KeyStore {
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()> {
        self.write(|s| {
            s.identities
                .insert(address.to_owned(), Blob::from_slice(&key))
        });
        Ok(())
    }

    async fn load_identity(&self, address: &str) -> Result<Option<[u8; 32]>> {
        self.read(|s| match s.identities.get(address) {
            None => Ok(None),
            Some(key) => key.array().map(Some).ok_or_else(|| bad_length("identity")),
        })
    }

    async fn delete_identity(&self, address: &str) -> Result<()> {
        self.write(|s| s.identities.remove(address));
        Ok(())
    }

    async fn get_session(&self, address: &str) -> Result<Option<Bytes>> {
        Ok(self.read(|s| {
            s.sessions
                .get(address)
                .map(|b| Bytes::copy_from_slice(&b.0))
        }))
    }

    async fn put_session(&self, address: &str, session: &[u8]) -> Result<()> {
        self.write(|s| {
            s.sessions
                .insert(address.to_owned(), Blob::from_slice(session))
        });
        Ok(())
    }

    async fn put_sessions_batch(&self, sessions: &[(Arc<str>, Bytes)]) -> Result<()> {
        self.write(|s| {
            for (address, session) in sessions {
                s.sessions
                    .insert(address.to_string(), Blob::from_slice(session));
            }
        });
        Ok(())
    }

    async fn delete_session(&self, address: &str) -> Result<()> {
        self.write(|s| s.sessions.remove(address));
        Ok(())
    }

    async fn has_session(&self, address: &str) -> Result<bool> {
        Ok(self.read(|s| s.sessions.contains_key(address)))
    }

    async fn has_signal_state_for_user(&self, user: &str) -> Result<bool> {
        fn of_user(address: &str, user: &str) -> bool {
            address
                .strip_prefix(user)
                .is_some_and(|rest| rest.starts_with('@') || rest.starts_with(':'))
        }
        Ok(self.read(|s| {
            s.sessions.keys().any(|a| of_user(a, user))
                || s.identities.keys().any(|a| of_user(a, user))
        }))
    }

    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()> {
        self.write(|s| {
            s.prekeys.insert(
                id,
                PreKeyRow {
                    record: Blob::from_slice(record),
                    uploaded,
                },
            )
        });
        Ok(())
    }

    async fn store_prekeys_batch(&self, keys: &[(u32, Bytes)], uploaded: bool) -> Result<()> {
        self.write(|s| {
            for (id, record) in keys {
                s.prekeys.insert(
                    *id,
                    PreKeyRow {
                        record: Blob::from_slice(record),
                        uploaded,
                    },
                );
            }
        });
        Ok(())
    }

    async fn load_prekey(&self, id: u32) -> Result<Option<Bytes>> {
        Ok(self.read(|s| {
            s.prekeys
                .get(&id)
                .map(|row| Bytes::copy_from_slice(&row.record.0))
        }))
    }

    async fn mark_prekeys_uploaded(&self, ids: &[u32]) -> Result<()> {
        // Only marks the keys still there: a used one stays gone.
        self.write(|s| {
            for id in ids {
                if let Some(row) = s.prekeys.get_mut(id) {
                    row.uploaded = true;
                }
            }
        });
        Ok(())
    }

    async fn remove_prekey(&self, id: u32) -> Result<()> {
        self.write(|s| s.prekeys.remove(&id));
        Ok(())
    }

    async fn get_max_prekey_id(&self) -> Result<u32> {
        Ok(self.read(|s| s.prekeys.keys().next_back().copied().unwrap_or(0)))
    }

    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()> {
        self.write(|s| s.signed_prekeys.insert(id, Blob::from_slice(record)));
        Ok(())
    }

    async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        Ok(self.read(|s| s.signed_prekeys.get(&id).map(|b| b.0.clone())))
    }

    async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        Ok(self.read(|s| {
            s.signed_prekeys
                .iter()
                .map(|(id, b)| (*id, b.0.clone()))
                .collect()
        }))
    }

    async fn remove_signed_prekey(&self, id: u32) -> Result<()> {
        self.write(|s| s.signed_prekeys.remove(&id));
        Ok(())
    }

    async fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()> {
        self.write(|s| {
            s.sender_keys
                .insert(address.to_owned(), Blob::from_slice(record))
        });
        Ok(())
    }

    async fn put_sender_keys_batch(&self, sender_keys: &[(Arc<str>, Bytes)]) -> Result<()> {
        self.write(|s| {
            for (address, record) in sender_keys {
                s.sender_keys
                    .insert(address.to_string(), Blob::from_slice(record));
            }
        });
        Ok(())
    }

    async fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.read(|s| s.sender_keys.get(address).map(|b| b.0.clone())))
    }

    async fn delete_sender_key(&self, address: &str) -> Result<()> {
        self.write(|s| s.sender_keys.remove(address));
        Ok(())
    }
}
