//! Secrets too large for a keyring entry (a Telegram account's MTProto
//! session, a linked device's keys) at rest: sealed with AES-256-GCM under a
//! key of their own that lives in the OS keyring, so that the database holds
//! only ciphertext. A database copied without the keyring opens nothing.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::secret::Secret;

const KEY_LEN: usize = 32;

/// One sealing key, by its keyring entry.
pub struct Vault {
    keyring: Keyring,
    entry: String,
}

fn sealing(e: impl std::fmt::Display) -> Error {
    Error::Corrupt(format!(
        "a sealed secret could not be sealed or opened: {e}"
    ))
}

fn encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

impl Vault {
    pub fn new(keyring: Keyring, entry: impl Into<String>) -> Self {
        Self {
            keyring,
            entry: entry.into(),
        }
    }

    async fn key(&self, create: bool) -> Result<LessSafeKey> {
        let bytes = match self.keyring.get(&self.entry).await? {
            Some(stored) => decode(stored.expose())
                .filter(|k| k.len() == KEY_LEN)
                .ok_or_else(|| sealing("the key in the keyring is damaged"))?,
            None if create => {
                let mut key = vec![0; KEY_LEN];
                SystemRandom::new().fill(&mut key).map_err(sealing)?;
                self.keyring
                    .set(&self.entry, &Secret::new(encode(&key)))
                    .await?;
                key
            }
            None => return Err(sealing("its key is not in the keyring")),
        };
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(sealing)?;
        Ok(LessSafeKey::new(key))
    }

    /// `plain` sealed: a fresh nonce, then the ciphertext with its tag.
    pub async fn seal(&self, plain: &[u8]) -> Result<Vec<u8>> {
        let key = self.key(true).await?;
        let mut nonce = [0; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(sealing)?;
        let mut sealed = plain.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::empty(),
            &mut sealed,
        )
        .map_err(sealing)?;
        let mut out = nonce.to_vec();
        out.append(&mut sealed);
        Ok(out)
    }

    /// What `sealed` holds; an error when it was changed or the key is not
    /// this one.
    pub async fn open(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return Err(sealing("it is too short"));
        }
        let key = self.key(false).await?;
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(sealing)?;
        let mut data = data.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::empty(), &mut data)
            .map_err(|_| sealing("it was changed, or sealed with another key"))?;
        Ok(plain.to_vec())
    }

    /// Forgets the key: what it sealed can no longer be opened.
    pub async fn destroy(&self) -> Result<()> {
        self.keyring.delete(&self.entry).await
    }
}
