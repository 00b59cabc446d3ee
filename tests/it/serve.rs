//! `tuberry serve` as a process: one engine per data directory (a second one
//! is refused with the reason, a killed one leaves nothing that blocks the
//! next), SIGTERM stops it cleanly, and one-shot commands work beside it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn serve(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tuberry"));
    command
        .arg("--data-dir")
        .arg(dir)
        .arg("serve")
        .env_remove("TUBERRY_DATA_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Starts `tuberry serve` and waits (bounded) until it says it runs.
fn running(dir: &std::path::Path) -> Child {
    let mut child = serve(dir).spawn().expect("start tuberry serve");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("Tuberry is running") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("tuberry serve says it runs within 30 s");
    child
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("run kill")
        .success();
    assert!(ok, "kill -{name} {}", child.id());
}

fn wait(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait for tuberry") {
            return status;
        }
        assert!(Instant::now() < deadline, "tuberry serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn one_engine_per_data_directory_and_sigterm_stops_it_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = running(dir.path());

    // A second engine on the same data is refused, and says why.
    let second = serve(dir.path()).output().expect("run a second serve");
    assert!(!second.status.success(), "a second engine must not start");
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains("already running") && said.contains(&first.id().to_string()),
        "the refusal names the running process: {said}"
    );

    // One-shot commands work beside it.
    let simulate = Command::new(env!("CARGO_BIN_EXE_tuberry"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["simulate", "--from", "Анна", "Вы работаете?"])
        .output()
        .expect("run simulate");
    assert!(
        simulate.status.success(),
        "{}",
        String::from_utf8_lossy(&simulate.stderr)
    );

    // SIGTERM (systemd, Docker) stops it as Ctrl-C does.
    signal(&first, "TERM");
    let status = wait(&mut first);
    assert!(status.success(), "a clean stop on SIGTERM: {status:?}");
    let log = std::fs::read_dir(dir.path().join("logs"))
        .expect("the log folder")
        .flatten()
        .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
        .collect::<String>();
    assert!(
        log.contains("engine stopped"),
        "the engine shut down: {log}"
    );

    // A killed engine leaves no lock behind that blocks the next start.
    let mut killed = running(dir.path());
    signal(&killed, "KILL");
    let _ = wait(&mut killed);
    let mut next = running(dir.path());
    signal(&next, "TERM");
    assert!(wait(&mut next).success());
}
