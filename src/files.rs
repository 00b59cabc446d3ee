//! Attachment files in the data directory, named by the SHA-256 of their
//! content: a file received twice is kept once, and a name says nothing about
//! what is inside. A message's attachment refers to its file as `file:<hash>`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const SCHEME: &str = "file:";
/// The largest attachment accepted from the composer.
pub const MAX_SIZE: usize = 25 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Files {
    dir: PathBuf,
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Files {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("files"),
        }
    }

    /// Stores `bytes` and returns the reference to put in an attachment's url.
    pub async fn put(&self, bytes: &[u8]) -> Result<String> {
        let hash = format!("{:x}", Sha256::digest(bytes));
        let path = self.dir.join(&hash);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(format!("{SCHEME}{hash}"));
        }
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| io(&self.dir, e))?;
        // Written aside and renamed, so a crash never leaves half a file under
        // the final name.
        let partial = self
            .dir
            .join(format!("{hash}.{:08x}.part", fastrand::u32(..)));
        tokio::fs::write(&partial, bytes)
            .await
            .map_err(|e| io(&partial, e))?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(|e| io(&path, e))?;
        Ok(format!("{SCHEME}{hash}"))
    }

    /// The file an attachment url names, if it is one of ours.
    pub fn path(&self, url: &str) -> Option<PathBuf> {
        let hash = url.strip_prefix(SCHEME)?;
        let valid = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.dir.join(hash))
    }

    pub async fn read(&self, url: &str) -> Result<Vec<u8>> {
        let path = self
            .path(url)
            .ok_or_else(|| Error::invalid(format!("`{url}` is not a stored file")))?;
        tokio::fs::read(&path).await.map_err(|e| io(&path, e))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn stores_once_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path());
        let a = files.put(b"hello").await.unwrap();
        let b = files.put(b"hello").await.unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with("file:"));
        assert_eq!(files.read(&a).await.unwrap(), b"hello");
        assert_eq!(
            std::fs::read_dir(dir.path().join("files")).unwrap().count(),
            1
        );
        assert!(files.path("file:../../etc/passwd").is_none());
        assert!(files.read("tg:1:abc").await.is_err());
    }
}
