//! Tuberry as the processes a person starts, on the store the bench filled:
//! `tuberry serve` to ready and its memory when idle, `tuberry conversations`
//! from start to the first window printed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error>;

/// The release build of the command line, when it was built
/// (`cargo build --release --bin tuberry`).
pub fn binary() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let bin = target.join("release/tuberry");
    bin.exists().then_some(bin)
}

fn tuberry(bin: &Path, dir: &Path) -> Command {
    let mut command = Command::new(bin);
    command
        .arg("--data-dir")
        .arg(dir)
        .env_remove("TUBERRY_DATA_DIR")
        .env("TUBERRY_LOG", "info");
    command
}

/// Milliseconds from starting `tuberry conversations` to its end, the first
/// window of the inbox printed.
pub fn first_window(bin: &Path, dir: &Path) -> Result<f64, Error> {
    let started = Instant::now();
    let out = tuberry(bin, dir)
        .args(["--json", "conversations"])
        .stderr(Stdio::null())
        .output()?;
    let took = started.elapsed().as_secs_f64() * 1000.0;
    if !out.status.success() || out.stdout.len() < 100 {
        return Err("`tuberry conversations` did not list the inbox".into());
    }
    Ok(took)
}

/// Milliseconds from starting `tuberry serve` to its "running" line, and
/// its resident memory in MiB after `idle` of doing nothing.
pub fn serve(bin: &Path, dir: &Path, idle: Duration) -> Result<(f64, f64), Error> {
    let started = Instant::now();
    let mut child = tuberry(bin, dir)
        .arg("serve")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    let mut stderr = BufReader::new(child.stderr.take().ok_or("no stderr")?);
    let mut line = String::new();
    loop {
        line.clear();
        if stderr.read_line(&mut line)? == 0 {
            return Err("serve ended before it ran".into());
        }
        if line.contains("Tuberry is running") {
            break;
        }
    }
    let ready = started.elapsed().as_secs_f64() * 1000.0;
    std::thread::spawn(move || {
        let mut sink = String::new();
        while stderr.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    std::thread::sleep(idle);
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()))?;
    let rss_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or("no VmRSS")?;
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    child.wait()?;
    Ok((ready, rss_kib / 1024.0))
}
