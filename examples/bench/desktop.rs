//! The desktop app as a person starts it, on a store of 100,000
//! conversations (filled in bulk, as `million` fills its own): from the
//! start of the process to the inbox drawn (the app logs `inbox shown` once
//! the frame with the list's first rows was painted), and its memory once
//! the list was scrolled, beside an empty Tauri window started, drawn and
//! left alone as long (`src-tauri/examples/empty_window`).
//!
//! Needs the release builds of both (`cd ui && npm run build`, then
//! `cargo build --release -p tuberry-desktop --bin tuberry-desktop --example
//! empty_window`), a D-Bus session (`scripts/with-keyring.sh`), `xdotool`,
//! and `Xvfb` when there is no `$DISPLAY`. Memory is the proportional set
//! size (PSS) summed over the process and all it started: WebKitGTK's web
//! and network processes draw and fetch the page.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::million;
use crate::screen::{self, Display, Program};
use crate::table::Line;

type Error = Box<dyn std::error::Error>;

pub const CONVERSATIONS: usize = 100_000;
/// Starts of each program; the median is the figure.
const STARTS: usize = 3;
/// From drawn (or scrolled) to measured.
const SETTLE: Duration = Duration::from_secs(5);
/// The wheel over the list: a click every 15 ms for 12 s (some 1,000 rows).
const WHEEL_CLICKS: u32 = 800;
const WHEEL_EVERY: Duration = Duration::from_millis(15);
/// A point in the list's column of the window (1280 × 800), below its filters.
const OVER_THE_LIST: (u32, u32) = (170, 500);
/// The goal: at most 50 MB over the empty window, in MiB.
const GOAL_MIB: f64 = 50_000_000.0 / 1_048_576.0;

/// Whether `program` can be run (it answers `args`).
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

fn release(name: &str) -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let bin = target.join("release").join(name);
    bin.exists().then_some(bin)
}

/// PSS in MiB by process.
type Pss = Vec<(String, f64)>;

/// One start of a program: ms to its "drawn" line, the ms it logged itself,
/// and its PSS when asked for.
struct Start {
    drawn_ms: f64,
    own_ms: Option<f64>,
    pss: Option<Pss>,
}

/// The `ms=` field of a log line.
fn ms_field(line: &str) -> Option<f64> {
    let at = line.find("ms=")? + 3;
    let digits: String = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Starts `command`, waits for `drawn` on its standard error, and when
/// `measure`: scrolls its window (when `scroll`), settles, reads its PSS;
/// then ends it.
fn start(
    command: Command,
    display: &Display,
    drawn: &str,
    measure: bool,
    scroll: bool,
) -> Result<Start, Error> {
    let mut program = Program::start(command, display)?;
    let shown = program.wait_for(drawn, Duration::from_secs(60));
    let result = shown.and_then(|(after, line)| {
        let mut pss = None;
        if measure {
            std::thread::sleep(Duration::from_millis(500));
            if scroll {
                let pid = program.pid();
                screen::scroll(display, pid, OVER_THE_LIST, WHEEL_CLICKS, WHEEL_EVERY)?;
            } else {
                // As long as the app's wheel turns, so both settle alike.
                std::thread::sleep(WHEEL_EVERY * WHEEL_CLICKS);
            }
            std::thread::sleep(SETTLE);
            pss = Some(screen::pss_mib(program.pid())?);
        }
        Ok(Start {
            drawn_ms: after.as_secs_f64() * 1000.0,
            own_ms: ms_field(&line),
            pss,
        })
    });
    program.stop()?;
    result
}

/// What [`STARTS`] starts of a program found.
struct Starts {
    /// Each start to its "drawn" line, ms.
    drawn_ms: Vec<f64>,
    /// The ms each start logged itself.
    own_ms: Vec<f64>,
    /// The last start's.
    pss: Pss,
}

/// [`STARTS`] starts; the last one measured.
fn starts(
    mut command: impl FnMut() -> Command,
    display: &Display,
    drawn: &str,
    scroll: bool,
) -> Result<Starts, Error> {
    let (mut drawn_ms, mut own_ms) = (Vec::new(), Vec::new());
    let mut pss = None;
    for run in 0..STARTS {
        let last = run + 1 == STARTS;
        let s = start(command(), display, drawn, last, scroll)?;
        drawn_ms.push(s.drawn_ms);
        own_ms.extend(s.own_ms);
        pss = s.pss.or(pss);
    }
    Ok(Starts {
        drawn_ms,
        own_ms,
        pss: pss.ok_or("not measured")?,
    })
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn total(pss: &Pss) -> f64 {
    pss.iter().map(|(_, mib)| mib).sum()
}

/// "name 12.3 + name 45.6 MiB"
fn by_process(pss: &Pss) -> String {
    let each: Vec<String> = pss
        .iter()
        .map(|(name, mib)| format!("{name} {mib:.1}"))
        .collect();
    format!("{} MiB", each.join(" + "))
}

fn list(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The desktop app's start to the inbox drawn, and its memory, beside the
/// empty window's.
pub async fn lines(notes: &mut Vec<String>) -> Result<Vec<Line>, Error> {
    let Some(app) = release("tuberry-desktop") else {
        notes.push("desktop: skipped (cd ui && npm run build; cargo build --release -p tuberry-desktop --bin tuberry-desktop --example empty_window)".into());
        return Ok(Vec::new());
    };
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        notes.push("desktop: skipped (no D-Bus session: run under scripts/with-keyring.sh)".into());
        return Ok(Vec::new());
    }
    let no_display = std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty());
    if !runs("xdotool", &["version"]) || (no_display && !runs("Xvfb", &["-help"])) {
        notes.push("desktop: skipped (apt-get install xdotool xvfb x11-utils)".into());
        return Ok(Vec::new());
    }
    let dir = tempfile::tempdir()?;
    let took = million::fill(dir.path(), CONVERSATIONS).await?;
    let display = Display::open()?;
    let data = dir.path().to_path_buf();
    let app_runs = tokio::task::block_in_place(|| {
        starts(
            || {
                let mut command = Command::new(&app);
                command
                    .env("TUBERRY_DATA_DIR", &data)
                    .env("TUBERRY_LOG", "info");
                command
            },
            &display,
            "inbox shown",
            true,
        )
    })?;
    let app_drawn = median(&app_runs.drawn_ms);
    notes.push(format!(
        "desktop: {CONVERSATIONS} conversations written in bulk in {:.1} s; start to the inbox drawn {} ms (the app's own count from its start: {} ms); PSS after {WHEEL_CLICKS} wheel clicks over the list and {} s: {}",
        took.as_secs_f64(),
        list(&app_runs.drawn_ms),
        list(&app_runs.own_ms),
        SETTLE.as_secs(),
        by_process(&app_runs.pss)
    ));
    let app_pss = total(&app_runs.pss);
    let mut lines = Vec::new();
    let empty = match release("examples/empty_window") {
        Some(bin) => {
            let runs = tokio::task::block_in_place(|| {
                starts(|| Command::new(&bin), &display, "empty window shown", false)
            })?;
            notes.push(format!(
                "empty window: start to drawn {} ms; PSS after {} s: {}",
                list(&runs.drawn_ms),
                (WHEEL_EVERY * WHEEL_CLICKS + SETTLE).as_secs(),
                by_process(&runs.pss)
            ));
            Some((median(&runs.drawn_ms), total(&runs.pss)))
        }
        None => {
            notes.push("empty window: not built (cargo build --release -p tuberry-desktop --example empty_window)".into());
            None
        }
    };
    lines.push(Line {
        what: "desktop app: start to the inbox drawn, 100k conversations",
        unit: "ms",
        tuberry: app_drawn,
        reference: empty.map(|(ms, _)| ms),
        reference_is: "an empty Tauri window drawn",
        ratio: empty.map(|(ms, _)| app_drawn / ms),
        goal: "≤ 1 s at 100k conversations",
    });
    lines.push(Line {
        what: "desktop app, 100k conversations, list scrolled (PSS)",
        unit: "MiB",
        tuberry: app_pss,
        reference: empty.map(|(_, pss)| pss),
        reference_is: "an empty Tauri window (PSS)",
        ratio: empty.map(|(_, pss)| app_pss / pss),
        goal: "",
    });
    if let Some((_, pss)) = empty {
        let over = app_pss - pss;
        lines.push(Line {
            what: "desktop app over the empty window (PSS)",
            unit: "MiB",
            tuberry: over,
            reference: Some(GOAL_MIB),
            reference_is: "the goal's 50 MB",
            ratio: Some(over / GOAL_MIB),
            goal: "≤ 50 MB over the empty window",
        });
    }
    Ok(lines)
}
