//! One running engine per data directory. `tuberry serve` and the desktop
//! app take `tuberry.lock` in the data directory when they start relaying
//! and hold it for their life, so two engines never poll the same accounts
//! or send the same queue. The operating system releases the lock when the
//! process ends however it ends, so a crash leaves nothing that blocks the
//! next start. One-shot commands (`tuberry reply`, `tuberry accounts`) do not
//! take it and work beside a running app.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub const LOCK_FILE: &str = "tuberry.lock";

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct DataLock {
    file: File,
    path: PathBuf,
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

impl DataLock {
    /// Takes the data directory's lock, or says which process holds it.
    pub fn take(data_dir: &Path) -> Result<Self> {
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                // Unreadable where locks are mandatory (Windows): then no pid.
                if let Err(e) = file.read_to_string(&mut holder) {
                    tracing::debug!(error = %e, "could not read who holds the lock");
                }
                return Err(Error::AlreadyRunning {
                    data_dir: data_dir.display().to_string(),
                    pid: holder.trim().parse().ok(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(&path, e)),
        }
        // Who holds it, for the message a second start shows.
        let written = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| write!(file, "{}", std::process::id()))
            .and_then(|()| file.flush());
        written.map_err(|e| io(&path, e))?;
        tracing::debug!(path = %path.display(), "data directory locked");
        Ok(Self { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DataLock {
    fn drop(&mut self) {
        if let Err(e) = self.file.unlock() {
            tracing::warn!(error = %e, "could not release the data directory's lock");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holder_and_a_released_one_is_taken_again() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataLock::take(dir.path()).unwrap();
        let second = DataLock::take(dir.path()).expect_err("the directory is in use");
        match &second {
            Error::AlreadyRunning { pid, .. } => assert_eq!(*pid, Some(std::process::id())),
            other => panic!("unexpected: {other:?}"),
        }
        assert!(second.to_string().contains("already running"), "{second}");
        drop(first);
        let again = DataLock::take(dir.path()).expect("released with its holder");
        assert!(again.path().ends_with(LOCK_FILE));
    }
}
