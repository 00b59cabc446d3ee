//! Secrets in the operating system's keyring (Secret Service on Linux, the
//! Keychain on macOS, the Credential Manager on Windows). The store keeps only
//! the name of an entry; the secret itself never touches SQLite, files or logs.

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The keyring service all of Tuberry's entries are filed under.
pub const SERVICE: &str = "app.tuberry.desktop";

#[derive(Debug, Clone)]
pub struct Keyring {
    service: String,
}

impl Default for Keyring {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

fn keyring_error(e: keyring::Error) -> Error {
    // keyring's errors name the entry at most, never its secret.
    Error::Keyring(e.to_string())
}

impl Keyring {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// A fresh entry name for a new secret: random, so it says nothing.
    pub fn new_entry_name(prefix: &str) -> String {
        format!("{prefix}-{:016x}", fastrand::u64(..))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        name: &str,
        f: impl FnOnce(keyring::Entry) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let entry = keyring::Entry::new(&self.service, name).map_err(keyring_error)?;
        // The platform stores are synchronous (D-Bus, Security framework).
        tokio::task::spawn_blocking(move || f(entry))
            .await
            .map_err(|e| Error::Keyring(format!("keyring task stopped: {e}")))?
    }

    pub async fn set(&self, name: &str, secret: &Secret<String>) -> Result<()> {
        let value = secret.clone();
        self.blocking(name, move |entry| {
            entry.set_password(value.expose()).map_err(keyring_error)
        })
        .await
    }

    /// The secret, or `None` when there is no such entry.
    pub async fn get(&self, name: &str) -> Result<Option<Secret<String>>> {
        self.blocking(name, |entry| match entry.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        })
        .await
    }

    /// Removes the entry; a missing one is not an error.
    pub async fn delete(&self, name: &str) -> Result<()> {
        self.blocking(name, |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        })
        .await
    }
}
