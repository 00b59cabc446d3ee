//! Logs go to standard error and to daily files in the data directory's `logs`
//! folder. Secrets never reach them: they are wrapped in [`crate::secret::Secret`].

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::prelude::*;
use tracing_subscriber::{EnvFilter, Registry, fmt, reload};

use crate::error::{Error, Result};
use crate::settings::LogSettings;

/// The logs of a running program: keep it for as long as the program runs
/// (dropping it flushes the file writer).
pub struct Logging {
    pub control: LogControl,
    _guard: WorkerGuard,
}

/// Changes the log filter while the program runs (the Settings screen).
#[derive(Clone)]
pub struct LogControl {
    filter: reload::Handle<EnvFilter, Registry>,
    overridden: bool,
}

impl LogControl {
    /// Whether `TUBERRY_LOG` sets the filter (and a setting does not).
    pub fn overridden(&self) -> bool {
        self.overridden
    }

    /// Filters the logs with `level` from now on, unless `TUBERRY_LOG` says.
    pub fn set_level(&self, level: &str) -> Result<()> {
        if self.overridden {
            return Ok(());
        }
        let filter = EnvFilter::try_new(level).map_err(|e| {
            Error::invalid(format!("log.level `{level}` is not a valid filter: {e}"))
        })?;
        self.filter
            .reload(filter)
            .map_err(|e| Error::invalid(format!("the log filter cannot be changed: {e}")))
    }
}

pub fn init(data_dir: &Path, settings: &LogSettings) -> Result<Logging> {
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
    let from_env = EnvFilter::try_from_env("TUBERRY_LOG").ok();
    let overridden = from_env.is_some();
    let filter = from_env
        .or_else(|| EnvFilter::try_new(&settings.level).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let (filter, handle) = reload::Layer::new(filter);
    // A second init in one process (tests) keeps the first subscriber.
    let _already_set = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr).with_target(false))
        .with(fmt::layer().with_writer(file).with_ansi(false))
        .try_init()
        .is_err();
    Ok(Logging {
        control: LogControl {
            filter: handle,
            overridden,
        },
        _guard: guard,
    })
}
