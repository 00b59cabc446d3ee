//! Message secrets: the keys of messages that later additions to them
//! (such as votes in a poll) are encrypted with.

use async_trait::async_trait;
use whatsapp_rust::wacore::store::error::Result;
use whatsapp_rust::wacore::store::traits::{
    MessageSecret, MsgSecretEntry, MsgSecretStore, merge_msg_secret_expiry,
    merge_msg_secret_message_ts,
};

use super::{Blob, KeyStore, SecretRow, bad_length, count, triple};

#[async_trait]
impl MsgSecretStore for KeyStore {
    async fn put_msg_secrets(&self, entries: Vec<MsgSecretEntry>) -> Result<usize> {
        let stored = entries.len();
        self.write(|s| {
            for entry in entries {
                let key = triple(&entry.chat, &entry.sender, &entry.msg_id);
                match s.msg_secrets.get_mut(&key) {
                    Some(row) => {
                        row.secret = Blob::from_slice(&entry.secret);
                        row.expires_at = merge_msg_secret_expiry(row.expires_at, entry.expires_at);
                        row.message_ts =
                            merge_msg_secret_message_ts(row.message_ts, entry.message_ts);
                    }
                    None => {
                        s.msg_secrets.insert(
                            key,
                            SecretRow {
                                secret: Blob::from_slice(&entry.secret),
                                expires_at: entry.expires_at,
                                message_ts: entry.message_ts,
                            },
                        );
                    }
                }
            }
        });
        Ok(stored)
    }

    async fn get_msg_secret(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<Vec<u8>>> {
        Ok(self
            .get_msg_secret_with_ts(chat, sender, msg_id)
            .await?
            .map(|(secret, _)| secret))
    }

    async fn get_msg_secret_with_ts(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<(Vec<u8>, i64)>> {
        self.read(|s| match s.msg_secrets.get(&triple(chat, sender, msg_id)) {
            None => Ok(None),
            Some(row) => {
                let secret: MessageSecret = row
                    .secret
                    .array()
                    .ok_or_else(|| bad_length("message secret"))?;
                Ok(Some((secret.to_vec(), row.message_ts)))
            }
        })
    }

    async fn delete_expired_msg_secrets(&self, cutoff_timestamp: i64) -> Result<u32> {
        let expired = |row: &SecretRow| row.expires_at != 0 && row.expires_at <= cutoff_timestamp;
        Ok(self.write_if(
            |s| s.msg_secrets.values().any(expired),
            |s| {
                let before = s.msg_secrets.len();
                s.msg_secrets.retain(|_, row| !expired(row));
                count(before - s.msg_secrets.len())
            },
        ))
    }
}
