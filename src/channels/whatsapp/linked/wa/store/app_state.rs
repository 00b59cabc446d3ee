//! App-state sync: the keys the phone shares for it, each collection's
//! version and the MACs of its mutations.

use async_trait::async_trait;
use whatsapp_rust::wacore::appstate::hash::HashState;
use whatsapp_rust::wacore::appstate::processor::AppStateMutationMAC;
use whatsapp_rust::wacore::store::error::Result;
use whatsapp_rust::wacore::store::traits::{AppStateSyncKey, AppSyncStore};

use super::{Blob, KeyStore};

#[async_trait]
impl AppSyncStore for KeyStore {
    async fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>> {
        Ok(self.read(|s| s.sync_keys.get(&Blob::from_slice(key_id)).cloned()))
    }

    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()> {
        self.write(|s| {
            s.sync_keys.insert(Blob::from_slice(key_id), key);
            s.latest_sync_key_id = Some(Blob::from_slice(key_id));
        });
        Ok(())
    }

    async fn get_version(&self, name: &str) -> Result<HashState> {
        Ok(self.read(|s| s.versions.get(name).cloned().unwrap_or_default()))
    }

    async fn set_version(&self, name: &str, state: HashState) -> Result<()> {
        self.write(|s| s.versions.insert(name.to_owned(), state));
        Ok(())
    }

    async fn put_mutation_macs(
        &self,
        name: &str,
        _version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> Result<()> {
        self.write(|s| {
            for m in mutations {
                s.mutation_macs.insert(
                    (name.to_owned(), Blob::from_slice(&m.index_mac)),
                    Blob::from_slice(&m.value_mac),
                );
            }
        });
        Ok(())
    }

    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.read(|s| {
            s.mutation_macs
                .get(&(name.to_owned(), Blob::from_slice(index_mac)))
                .map(|b| b.0.clone())
        }))
    }

    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()> {
        self.write(|s| {
            for index_mac in index_macs {
                s.mutation_macs
                    .remove(&(name.to_owned(), Blob::from_slice(index_mac)));
            }
        });
        Ok(())
    }

    async fn clear_mutation_macs(&self, name: &str) -> Result<()> {
        self.write(|s| s.mutation_macs.retain(|(n, _), _| n != name));
        Ok(())
    }

    async fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>> {
        Ok(self.read(|s| s.latest_sync_key_id.as_ref().map(|b| b.0.clone())))
    }
}
