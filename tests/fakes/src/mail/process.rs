//! Processes, ports and files: the plumbing under the mail servers.

use super::*;
/// Ports the kernel hands out for loopback, all different; they are free
/// again when this returns.
pub(super) fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("local address").port())
}

/// Writes a Postfix configuration file dated a minute back: Postfix does not
/// read a file modified in the last second (it may still be written) and
/// waits instead.
pub(super) fn write_postfix_file(path: &Path, content: &str) {
    fs::write(path, content).expect("Postfix configuration");
    File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(SystemTime::now() - Duration::from_secs(60)))
        .expect("date the Postfix configuration");
}

/// Runs a command that starts a daemon, its output appended to `output`
/// (a pipe would stay open in the daemon and never end).
pub(super) fn daemon(program: &str, args: &[&str], output: &Path) -> Result<(), String> {
    let out = File::options()
        .create(true)
        .append(true)
        .open(output)
        .expect("start output file");
    let err = out.try_clone().expect("start output file");
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|e| format!("{program} does not run: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {args:?}: {status}"))
    }
}

/// Runs a short command, panicking with its output when it fails.
pub(super) fn run(program: &str, args: &[&str]) {
    run_in(Path::new("/"), program, args);
}

/// Runs `openssl` in `dir` with whitespace-separated `args`.
pub(super) fn openssl(dir: &Path, args: &str) {
    run_in(dir, "openssl", &args.split_whitespace().collect::<Vec<_>>());
}

pub(super) fn run_in(dir: &Path, program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} does not run: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub(super) fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

pub(super) fn remove_if_present(path: &Path) {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("removing {}: {e}", path.display()),
    }
}

/// The pid in a daemon's pid file, waiting briefly for the file to appear.
pub(super) fn read_pid(path: &Path) -> Option<u32> {
    let mut pid = None;
    wait_until(Duration::from_secs(2), || {
        pid = fs::read_to_string(path)
            .ok()
            .and_then(|text| text.trim().parse().ok());
        pid.is_some()
    });
    pid
}

/// Whether a server on `port` greets with a line starting with `greeting`;
/// `goodbye` then ends the session.
pub(super) fn greets(port: u16, greeting: &str, goodbye: &str) -> bool {
    let address = ([127, 0, 0, 1], port).into();
    let Ok(stream) = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2)) else {
        return false;
    };
    if stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .is_err()
    {
        return false;
    }
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || !line.starts_with(greeting) {
        return false;
    }
    // Waiting for the answer lets the server log a clean end.
    if (&stream).write_all(goodbye.as_bytes()).is_ok() {
        reader.read_line(&mut line).ok();
    }
    true
}

/// Polls `done` until it holds or `limit` passes; whether it held.
pub(super) fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub(super) fn signal(name: &str, pid: u32) {
    // A process that is already gone is fine.
    Command::new("kill")
        .args(["-s", name, &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok();
}

/// State and parent of a process from `/proc/PID/stat`.
pub(super) fn process_info(pid: u32) -> Option<(char, u32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name in parentheses may hold spaces and parentheses.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}

/// Whether `pid` runs: a zombie nobody reaps (daemons are orphans) does not.
pub(super) fn is_alive(pid: u32) -> bool {
    process_info(pid).is_some_and(|(state, _)| state != 'Z')
}

/// Whether `pid` is a Dovecot log process (titled `dovecot-INSTANCE/log`).
pub(super) fn is_dovecot_log(pid: u32) -> bool {
    fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|title| {
        title
            .strip_suffix(b"\0")
            .unwrap_or(&title)
            .ends_with(b"/log")
    })
}

/// The live children of `parents`.
pub(super) fn children(parents: &[u32]) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            process_info(pid)
                .is_some_and(|(state, parent)| state != 'Z' && parents.contains(&parent))
        })
        .collect()
}
