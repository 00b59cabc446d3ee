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

/// A command line's arguments and its environment.
type Step<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

/// Runs the command line on `dir` with `env`, failing with its error output.
fn run(bin: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(), Error> {
    let mut command = tuberry(bin, dir);
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output()?;
    if !out.status.success() {
        return Err(format!(
            "tuberry {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// `tuberry serve`'s resident memory in MiB after `idle`, with a project's
/// bot on the Telegram fake, a mailbox on the real Dovecot and an Avito
/// account on the Avito fake connected through the command line.
pub async fn serve_connected(bin: &Path, idle: Duration) -> Result<f64, Error> {
    use tuberry_fakes::avito::{Account, FakeAvito};
    use tuberry_fakes::mail::{MailServer, SHOP};
    use tuberry_fakes::telegram::{FakeTelegram, Limits};

    const TOKEN: &str = "5550008888:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    let telegram = FakeTelegram::start(Limits::default()).await;
    telegram.add_bot(TOKEN, "bench_idle_bot");
    let avito = FakeAvito::start().await;
    avito.add_account(Account::new(
        5001,
        "Bench shop",
        "bench-client",
        "bench-secret",
    ));
    let mail = MailServer::start().await;
    let dir = tempfile::tempdir()?;
    let dir = dir.path();
    let imap = format!("127.0.0.1:{}", mail.ports().imap);
    let smtp = format!("127.0.0.1:{}", mail.ports().submission_plain);
    let telegram_url = telegram.url();
    let avito_url = avito.url();
    let steps: [Step; 4] = [
        (&["project", "create", "Shop"], &[]),
        (
            &["project", "connect-bot", "1", "--api-url", &telegram_url],
            &[("TUBERRY_BOT_TOKEN", TOKEN)],
        ),
        (
            &[
                "mailbox",
                "add",
                "--address",
                SHOP,
                "--imap",
                &imap,
                "--imap-security",
                "none",
                "--smtp",
                &smtp,
                "--smtp-security",
                "none",
            ],
            &[("TUBERRY_MAIL_PASSWORD", mail.password(SHOP))],
        ),
        (
            &[
                "avito",
                "connect",
                "--client-id",
                "bench-client",
                "--api-url",
                &avito_url,
            ],
            &[("TUBERRY_AVITO_SECRET", "bench-secret")],
        ),
    ];
    for (args, env) in steps {
        run(bin, dir, args, env)?;
    }
    let polls = |t: &FakeTelegram| {
        t.requests()
            .iter()
            .filter(|r| r.method == "getUpdates")
            .count()
    };
    let (polled, asked) = (polls(&telegram), avito.requests().len());
    let (_, rss) = tokio::task::block_in_place(|| serve(bin, dir, idle))?;
    // What serve did while idle: the bot polled, Avito's chats were read.
    if polls(&telegram) == polled {
        return Err("serve's bot never polled".into());
    }
    if avito.requests().len() == asked {
        return Err("serve never read the Avito account".into());
    }
    Ok(rss)
}
