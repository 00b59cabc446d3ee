//! Windows on a screen: an X display (a private Xvfb when there is none), a
//! program started on it whose standard error is read line by line, the
//! wheel turned over a window with `xdotool` as a person would, and the
//! proportional memory (PSS) of a process and everything it started.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error>;

/// The display windows open on; a private Xvfb stops when this is dropped.
pub struct Display {
    pub name: String,
    xvfb: Option<Child>,
}

impl Display {
    /// `$DISPLAY` when set, else a new Xvfb on a free display number, as
    /// large as the end-to-end tests' screen.
    pub fn open() -> Result<Self, Error> {
        if let Some(name) = std::env::var("DISPLAY").ok().filter(|d| !d.is_empty()) {
            return Ok(Self { name, xvfb: None });
        }
        let number = (90..140)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .ok_or("no free X display number")?;
        let name = format!(":{number}");
        let xvfb = Command::new("Xvfb")
            .args([&name, "-screen", "0", "1280x880x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("Xvfb: {e} (apt-get install xvfb)"))?;
        let display = Self {
            name,
            xvfb: Some(xvfb),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let up = Command::new("xdpyinfo")
                .args(["-display", &display.name])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if up {
                return Ok(display);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("Xvfb did not start".into())
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(xvfb) = &mut self.xvfb {
            xvfb.kill().ok();
            xvfb.wait().ok();
        }
    }
}

/// A program with a window, and the lines of its standard error.
pub struct Program {
    child: Child,
    pub started: Instant,
    lines: Receiver<(Instant, String)>,
}

impl Program {
    /// Starts `command` on `display`; its standard output is dropped.
    pub fn start(mut command: Command, display: &Display) -> Result<Self, Error> {
        let started = Instant::now();
        let mut child = command
            .env("DISPLAY", &display.name)
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = BufReader::new(child.stderr.take().ok_or("no stderr")?);
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in stderr.lines() {
                let Ok(line) = line else { break };
                if tx.send((Instant::now(), line)).is_err() {
                    // Nobody listens any more: the rest is only drained.
                    continue;
                }
            }
        });
        Ok(Self {
            child,
            started,
            lines,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The first line holding `needle`, and when it came since the start.
    pub fn wait_for(
        &mut self,
        needle: &str,
        timeout: Duration,
    ) -> Result<(Duration, String), Error> {
        let deadline = self.started + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) if line.contains(needle) => {
                    return Ok((at.duration_since(self.started), line));
                }
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("no `{needle}` in {} s", timeout.as_secs()).into());
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("the program ended before `{needle}`").into());
                }
            }
        }
    }

    /// Ends the program and what it started (SIGTERM, then SIGKILL).
    pub fn stop(mut self) -> Result<(), Error> {
        let mut family = descendants(self.pid());
        family.push(self.pid());
        for signal in ["-TERM", "-KILL"] {
            for pid in &family {
                if Path::new(&format!("/proc/{pid}")).exists() {
                    Command::new("kill")
                        .args([signal, &pid.to_string()])
                        .stderr(Stdio::null())
                        .status()?;
                }
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                self.child.try_wait()?;
                let alive = family
                    .iter()
                    .any(|pid| Path::new(&format!("/proc/{pid}")).exists());
                if !alive {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        self.child.wait()?;
        Ok(())
    }
}

/// Every process started by `pid`, and by those, and so on.
pub fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|p| {
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
            // After the command's name in parentheses: state, then the parent.
            let rest = &stat[stat.rfind(')')? + 1..];
            let parent = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((p, parent))
        })
        .collect();
    let mut found = Vec::new();
    let mut next = vec![pid];
    while let Some(parent) = next.pop() {
        for (child, _) in parents.iter().filter(|(_, p)| *p == parent) {
            found.push(*child);
            next.push(*child);
        }
    }
    found
}

/// The proportional set size of `pid` and of each process it started (and
/// they started), in MiB, by process name.
pub fn pss_mib(pid: u32) -> Result<Vec<(String, f64)>, Error> {
    let mut family = vec![pid];
    family.extend(descendants(pid));
    let mut found = Vec::new();
    for p in family {
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) else {
            continue;
        };
        let kib = rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .ok_or("no Pss in smaps_rollup")?;
        let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
        found.push((name.trim().to_owned(), kib / 1024.0));
    }
    Ok(found)
}

/// Turns the mouse wheel `clicks` times down over the point (`x`, `y`) of
/// the visible window of process `pid`, a click every `every`.
pub fn scroll(
    display: &Display,
    pid: u32,
    (x, y): (u32, u32),
    clicks: u32,
    every: Duration,
) -> Result<(), Error> {
    let xdotool = |args: &[&str]| -> Result<String, Error> {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &display.name)
            .output()
            .map_err(|e| format!("xdotool: {e} (apt-get install xdotool)"))?;
        if !out.status.success() {
            return Err(format!(
                "xdotool {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let found = xdotool(&["search", "--onlyvisible", "--pid", &pid.to_string()])?;
    let window = found
        .lines()
        .next()
        .ok_or("no window to scroll")?
        .to_owned();
    xdotool(&[
        "mousemove",
        "--window",
        &window,
        &x.to_string(),
        &y.to_string(),
    ])?;
    xdotool(&[
        "click",
        "--repeat",
        &clicks.to_string(),
        "--delay",
        &every.as_millis().to_string(),
        "5",
    ])?;
    Ok(())
}
