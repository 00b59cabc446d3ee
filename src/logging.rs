//! Logs go to standard error and to daily files in the data directory's `logs`
//! folder. Secrets never reach them: they are wrapped in [`crate::secret::Secret`].

use std::path::Path;

use tracing::Subscriber;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{EnvFilter, Layer, Registry, fmt, reload};

use crate::error::{Error, Result};
use crate::settings::{LogFormat, LogSettings};

/// Where the library behind linked WhatsApp numbers (`whatsapp-rust` and
/// its `wacore` crates) logs: its module paths and names of its own
/// (`Client/PairCode`, `AppState`, `usync`…). At `info` it writes phone
/// numbers and the pairing code shown on screen, so the log setting keeps
/// these at `warn`. A target covers every target it begins: `wacore` also
/// covers `wacore_libsignal`, `Client/` every `Client/…`.
const QUIET_TARGETS: &[&str] = &[
    "whatsapp_rust",
    "wacore",
    "Client/",
    "Bot/",
    "AppState",
    "usync",
    "blocklist",
    "Blocking",
    "TcToken",
    "Mex",
    "UnifiedSession",
    "Chatstate",
    "PresenceHandler",
    "MessageQueue",
];

/// The filter directives for the `log.level` setting: when it lets more
/// than `warn` through in general, [`QUIET_TARGETS`] come first at `warn`,
/// and a directive of the setting naming one of them still wins.
fn directives(level: &str) -> String {
    let general = level
        .split(',')
        .map(str::trim)
        .filter(|d| !d.contains('=') && !d.contains('['))
        .filter_map(|d| d.parse::<LevelFilter>().ok())
        .next_back();
    if general.is_none_or(|l| l <= LevelFilter::WARN) {
        return level.to_owned();
    }
    let mut out: Vec<String> = QUIET_TARGETS.iter().map(|t| format!("{t}=warn")).collect();
    out.push(level.to_owned());
    out.join(",")
}

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
        let filter = EnvFilter::try_new(directives(level)).map_err(|e| {
            Error::invalid(format!("log.level `{level}` is not a valid filter: {e}"))
        })?;
        self.filter
            .reload(filter)
            .map_err(|e| Error::invalid(format!("the log filter cannot be changed: {e}")))
    }
}

/// Log lines as JSON objects, one a line, for a log collector: with the
/// fields of the span an event is in (a job's `id`, `kind` and `corr`).
pub fn json_lines<S, W>(writer: W) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(writer)
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
        .or_else(|| EnvFilter::try_new(directives(&settings.level)).ok())
        .unwrap_or_else(|| EnvFilter::new(directives("info")));
    let (filter, handle) = reload::Layer::new(filter);
    // Text for people, or JSON lines (with the fields of the spans an event
    // is in: a job's `corr`) for a log collector; the file and standard
    // error alike.
    let json = settings.format == LogFormat::Json;
    let text = (!json).then(|| {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .and_then(fmt::layer().with_writer(file.clone()).with_ansi(false))
    });
    let json = json.then(|| json_lines(std::io::stderr).and_then(json_lines(file)));
    // A second init in one process (tests) keeps the first subscriber.
    let _already_set = tracing_subscriber::registry()
        .with(filter)
        .with(text)
        .with(json)
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

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn the_whatsapp_library_stays_at_warn_by_default() {
        let filter = directives("info");
        for target in QUIET_TARGETS {
            assert!(
                filter.split(',').any(|d| d == format!("{target}=warn")),
                "{target} in {filter}"
            );
        }
        let subscriber = tracing_subscriber::registry().with(EnvFilter::new(filter));
        tracing::subscriber::with_default(subscriber, || {
            assert!(!tracing::enabled!(target: "Client/PairCode", Level::INFO));
            assert!(tracing::enabled!(target: "Client/PairCode", Level::WARN));
            assert!(!tracing::enabled!(target: "whatsapp_rust::pair", Level::INFO));
            assert!(!tracing::enabled!(target: "wacore::send", Level::INFO));
            assert!(!tracing::enabled!(target: "wacore_libsignal::protocol", Level::INFO));
            assert!(!tracing::enabled!(target: "usync", Level::INFO));
            assert!(tracing::enabled!(target: "tuberry::engine", Level::INFO));
        });
    }

    #[test]
    fn a_log_setting_naming_the_library_wins() {
        let subscriber =
            tracing_subscriber::registry().with(EnvFilter::new(directives("info,wacore=debug")));
        tracing::subscriber::with_default(subscriber, || {
            assert!(tracing::enabled!(target: "wacore::send", Level::DEBUG));
            assert!(!tracing::enabled!(target: "Client/Recv", Level::INFO));
        });
    }

    #[test]
    fn a_quiet_log_setting_is_left_as_it_is() {
        assert_eq!(directives("warn"), "warn");
        assert_eq!(directives("tuberry=debug"), "tuberry=debug");
        assert_eq!(directives("off"), "off");
        assert!(directives("debug").starts_with("whatsapp_rust=warn,"));
        assert!(directives("debug").ends_with(",debug"));
    }
}
