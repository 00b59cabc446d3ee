//! Logs go to standard error and to daily files in the data directory's `logs`
//! folder. Secrets never reach them: they are wrapped in [`crate::secret::Secret`].

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

use crate::error::{Error, Result};
use crate::settings::LogSettings;

/// Keep the guard alive for as long as the program runs: dropping it flushes
/// the file writer.
pub fn init(data_dir: &Path, settings: &LogSettings) -> Result<WorkerGuard> {
    let dir = data_dir.join("logs");
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("tuberry")
        .filename_suffix("log")
        .max_log_files(settings.keep_files.max(1))
        .build(&dir)
        .map_err(|e| Error::Io {
            path: dir.display().to_string(),
            source: std::io::Error::other(e),
        })?;
    let (file, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("TUBERRY_LOG")
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init in one process (tests) keeps the first subscriber.
    let _already_set = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr).with_target(false))
        .with(fmt::layer().with_writer(file).with_ansi(false))
        .try_init()
        .is_err();
    Ok(guard)
}
