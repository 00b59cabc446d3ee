//! What the protocol remembers between messages: who in a group holds the
//! sender key, LID ↔ phone mappings, base keys, device lists, group
//! metadata, trusted-contact tokens, sent messages kept for retries and
//! received ones not yet stored by the channel.

use async_trait::async_trait;
use whatsapp_rust::wacore::store::error::Result;
use whatsapp_rust::wacore::store::traits::{
    DeviceListRecord, LidPnMappingEntry, ProtocolStore, TcTokenEntry,
};

use super::{Blob, KeyStore, MAX_SENT_MESSAGES, TimedBlob, count, now_secs, triple};

#[async_trait]
impl ProtocolStore for KeyStore {
    async fn get_sender_key_devices(&self, group_jid: &str) -> Result<Vec<(String, bool)>> {
        Ok(self.read(|s| {
            s.sender_key_devices
                .get(group_jid)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
                .unwrap_or_default()
        }))
    }

    async fn set_sender_key_status(&self, group_jid: &str, entries: &[(&str, bool)]) -> Result<()> {
        self.write(|s| {
            let devices = s
                .sender_key_devices
                .entry(group_jid.to_owned())
                .or_default();
            for (device, has_key) in entries {
                devices.insert((*device).to_owned(), *has_key);
            }
        });
        Ok(())
    }

    async fn clear_sender_key_devices(&self, group_jid: &str) -> Result<()> {
        self.write(|s| s.sender_key_devices.remove(group_jid));
        Ok(())
    }

    async fn delete_sender_key_device_rows(&self, device_jids: &[&str]) -> Result<()> {
        if device_jids.is_empty() {
            return Ok(());
        }
        self.write(|s| {
            for devices in s.sender_key_devices.values_mut() {
                devices.retain(|jid, _| !device_jids.contains(&jid.as_str()));
            }
        });
        Ok(())
    }

    async fn clear_all_sender_key_devices(&self) -> Result<()> {
        self.write(|s| s.sender_key_devices.clear());
        Ok(())
    }

    async fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>> {
        Ok(self.read(|s| s.lid_mappings.get(lid).cloned()))
    }

    async fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>> {
        Ok(self.read(|s| {
            s.pn_to_lid
                .get(phone)
                .and_then(|lid| s.lid_mappings.get(lid))
                .cloned()
        }))
    }

    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()> {
        self.write(|s| {
            if let Some(old) = s.lid_mappings.get(&entry.lid)
                && old.phone_number != entry.phone_number
            {
                s.pn_to_lid.remove(&old.phone_number);
            }
            s.pn_to_lid
                .insert(entry.phone_number.clone(), entry.lid.clone());
            s.lid_mappings.insert(entry.lid.clone(), entry.clone());
        });
        Ok(())
    }

    async fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>> {
        Ok(self.read(|s| s.lid_mappings.values().cloned().collect()))
    }

    async fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()> {
        self.write(|s| {
            s.base_keys.insert(
                (address.to_owned(), message_id.to_owned()),
                Blob::from_slice(base_key),
            )
        });
        Ok(())
    }

    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> Result<bool> {
        Ok(self.read(|s| {
            s.base_keys
                .get(&(address.to_owned(), message_id.to_owned()))
                .is_some_and(|stored| stored.0 == current_base_key)
        }))
    }

    async fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()> {
        self.write(|s| {
            s.base_keys
                .remove(&(address.to_owned(), message_id.to_owned()))
        });
        Ok(())
    }

    async fn update_device_list(&self, record: DeviceListRecord) -> Result<()> {
        self.write(|s| s.device_lists.insert(record.user.clone(), record));
        Ok(())
    }

    async fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>> {
        Ok(self.read(|s| s.device_lists.get(user).cloned()))
    }

    async fn delete_devices(&self, user: &str) -> Result<()> {
        self.write(|s| s.device_lists.remove(user));
        Ok(())
    }

    async fn get_group_metadata(&self, group_jid: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.read(|s| s.group_metadata.get(group_jid).map(|b| b.0.clone())))
    }

    async fn put_group_metadata(&self, group_jid: &str, blob: &[u8]) -> Result<()> {
        self.write(|s| {
            s.group_metadata
                .insert(group_jid.to_owned(), Blob::from_slice(blob))
        });
        Ok(())
    }

    async fn delete_group_metadata(&self, group_jid: &str) -> Result<()> {
        self.write(|s| s.group_metadata.remove(group_jid));
        Ok(())
    }

    async fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        Ok(self.read(|s| s.tc_tokens.get(jid).cloned()))
    }

    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        self.write(|s| s.tc_tokens.insert(jid.to_owned(), entry.clone()));
        Ok(())
    }

    async fn delete_tc_token(&self, jid: &str) -> Result<()> {
        self.write(|s| s.tc_tokens.remove(jid));
        Ok(())
    }

    async fn get_all_tc_token_jids(&self) -> Result<Vec<String>> {
        Ok(self.read(|s| s.tc_tokens.keys().cloned().collect()))
    }

    async fn delete_expired_tc_tokens(&self, token_cutoff: i64, sender_cutoff: i64) -> Result<u32> {
        Ok(self.write(|s| {
            let before = s.tc_tokens.len();
            s.tc_tokens.retain(|_, entry| {
                let token_live = !entry.token.is_empty() && entry.token_timestamp >= token_cutoff;
                let sender_live = entry.sender_timestamp.is_some_and(|t| t >= sender_cutoff);
                token_live || sender_live
            });
            count(before - s.tc_tokens.len())
        }))
    }

    async fn touch_tc_token_sender_timestamp(
        &self,
        jid: &str,
        sender_timestamp: i64,
    ) -> Result<()> {
        self.write(|s| match s.tc_tokens.get_mut(jid) {
            Some(entry) => {
                entry.sender_timestamp = Some(
                    entry
                        .sender_timestamp
                        .map_or(sender_timestamp, |t| t.max(sender_timestamp)),
                );
            }
            None => {
                s.tc_tokens.insert(
                    jid.to_owned(),
                    TcTokenEntry {
                        token: Vec::new(),
                        token_timestamp: sender_timestamp,
                        sender_timestamp: Some(sender_timestamp),
                    },
                );
            }
        });
        Ok(())
    }

    async fn store_received_tc_token(
        &self,
        jid: &str,
        token: &[u8],
        token_timestamp: i64,
    ) -> Result<()> {
        self.write(|s| match s.tc_tokens.get_mut(jid) {
            Some(entry) => {
                // A stale token never replaces a fresher one.
                if entry.token.is_empty() || token_timestamp >= entry.token_timestamp {
                    entry.token = token.to_vec();
                    entry.token_timestamp = token_timestamp;
                }
            }
            None => {
                s.tc_tokens.insert(
                    jid.to_owned(),
                    TcTokenEntry {
                        token: token.to_vec(),
                        token_timestamp,
                        sender_timestamp: None,
                    },
                );
            }
        });
        Ok(())
    }

    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()> {
        let now = now_secs();
        self.write(|s| {
            if s.sent_messages.len() >= MAX_SENT_MESSAGES {
                let mut ages: Vec<(i64, (String, String))> = s
                    .sent_messages
                    .iter()
                    .map(|(k, v)| (v.at, k.clone()))
                    .collect();
                ages.sort();
                let excess = s.sent_messages.len() + 1 - MAX_SENT_MESSAGES;
                for (_, key) in ages.into_iter().take(excess) {
                    s.sent_messages.remove(&key);
                }
            }
            s.sent_messages.insert(
                (chat_jid.to_owned(), message_id.to_owned()),
                TimedBlob {
                    bytes: Blob::from_slice(payload),
                    at: now,
                },
            );
        });
        Ok(())
    }

    async fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>> {
        let key = (chat_jid.to_owned(), message_id.to_owned());
        // A miss changes nothing: no need to write the store out again.
        if !self.read(|s| s.sent_messages.contains_key(&key)) {
            return Ok(None);
        }
        Ok(self.write(|s| s.sent_messages.remove(&key).map(|row| row.bytes.0)))
    }

    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32> {
        Ok(self.write_if(
            |s| {
                s.sent_messages
                    .values()
                    .any(|row| row.at < cutoff_timestamp)
            },
            |s| {
                let before = s.sent_messages.len();
                s.sent_messages.retain(|_, row| row.at >= cutoff_timestamp);
                count(before - s.sent_messages.len())
            },
        ))
    }

    async fn store_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
        message: &[u8],
    ) -> Result<()> {
        let now = now_secs();
        self.write(|s| {
            s.pending_inbound.insert(
                triple(chat, sender, id),
                TimedBlob {
                    bytes: Blob::from_slice(message),
                    at: now,
                },
            )
        });
        Ok(())
    }

    async fn get_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        Ok(self.read(|s| {
            s.pending_inbound
                .get(&triple(chat, sender, id))
                .map(|row| row.bytes.0.clone())
        }))
    }

    async fn delete_pending_inbound(&self, chat: &str, sender: &str, id: &str) -> Result<()> {
        self.write(|s| s.pending_inbound.remove(&triple(chat, sender, id)));
        Ok(())
    }

    async fn delete_expired_pending_inbound(&self, cutoff_timestamp: i64) -> Result<u32> {
        Ok(self.write_if(
            |s| {
                s.pending_inbound
                    .values()
                    .any(|row| row.at < cutoff_timestamp)
            },
            |s| {
                let before = s.pending_inbound.len();
                s.pending_inbound
                    .retain(|_, row| row.at >= cutoff_timestamp);
                count(before - s.pending_inbound.len())
            },
        ))
    }
}
