//! Faults with real processes: `tuberry serve` is started as a child process
//! with a bot talking to the Telegram fake; Telegram goes out of reach with
//! replies waiting; another process holds the database; the disk fills up.
//! Every message ends in the inbox once, and every reply reaches its
//! customer in order. The kills across every channel are in
//! [`crate::faults_mixed`].

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqlitePool};
use tuberry_fakes::telegram::{FakeTelegram, Limits, User};

use crate::cli::tuberry;

const TOKEN: &str = "5550004321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const CUSTOMERS: i64 = 30;

pub(crate) fn serve(dir: &Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuberry"))
        .arg("--data-dir")
        .arg(dir)
        .arg("serve")
        .env_remove("TUBERRY_DATA_DIR")
        .env("TUBERRY_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    // Warnings of the queue (a reply waiting for its bot) may come first.
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "serve ended: {seen}"
        );
        if line.contains("Tuberry is running") {
            break;
        }
        seen.push_str(&line);
    }
    // Keep reading, so that a full pipe never stops the server.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while stderr.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    child
}

pub(crate) fn kill(child: &mut Child, signal: &str) {
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    child.wait().unwrap();
}

/// A reader of the server's store, beside it.
pub(crate) async fn store(dir: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(dir.join("tuberry.sqlite3"))
        .read_only(true);
    SqlitePool::connect_with(options).await.unwrap()
}

pub(crate) async fn count(pool: &SqlitePool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

pub(crate) async fn until(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    crate::helpers::eventually_within(limit, what, async || done().await.then_some(())).await
}

/// Writes a data directory's settings: the LAN API on a free port, the
/// bot's polls a second long, then `more` (still in `[telegram]`); the port.
pub(crate) fn shop_settings(dir: &Path, more: &str) -> u16 {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.join("settings.toml"),
        format!("[http]\nlisten = \"127.0.0.1:{port}\"\n\n[telegram]\npoll_timeout_s = 1\n{more}"),
    )
    .unwrap();
    port
}

/// A LAN API token that may send and read, made through the command line.
pub(crate) fn lan_token(dir: &Path) -> String {
    let (ok, out, err) = tuberry(
        dir,
        &[
            "--json",
            "api-token",
            "create",
            "Faults",
            "--scope",
            "send",
            "--scope",
            "read",
        ],
    );
    assert!(ok, "{err}");
    serde_json::from_str::<serde_json::Value>(&out).unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A shop's data directory with a project whose bot talks to the Telegram
/// fake, the LAN API on a free port and a token to send with.
struct Shop {
    fake: FakeTelegram,
    dir: tempfile::TempDir,
    port: u16,
    token: String,
}

impl Shop {
    fn new(fake: FakeTelegram, settings: &str) -> Shop {
        Shop::in_dir(fake, settings, tempfile::tempdir().unwrap())
    }

    fn in_dir(fake: FakeTelegram, settings: &str, dir: tempfile::TempDir) -> Shop {
        fake.add_bot(TOKEN, "faults_bot");
        let port = shop_settings(dir.path(), settings);
        let (ok, _, err) = tuberry(dir.path(), &["project", "create", "Shop"]);
        assert!(ok, "{err}");
        let connected = Command::new(env!("CARGO_BIN_EXE_tuberry"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["project", "connect-bot", "1", "--api-url", &fake.url()])
            .env_remove("TUBERRY_DATA_DIR")
            .env("TUBERRY_BOT_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert!(
            connected.status.success(),
            "{}",
            String::from_utf8_lossy(&connected.stderr)
        );
        let token = lan_token(dir.path());
        Shop {
            fake,
            dir,
            port,
            token,
        }
    }

    /// Customer `n` of `CUSTOMERS` writes message `i`.
    fn customer_writes(fake: &FakeTelegram, i: i64) {
        let who = 7000 + i % CUSTOMERS;
        let user = User::new(who, format!("Customer {who}"));
        fake.user_writes_to_bot(TOKEN, &user, &format!("message {i}"));
    }

    async fn send(&self, conversation: i64, text: &str, key: &str) -> u16 {
        send(self.port, &self.token, conversation, text, key).await
    }

    /// The texts the bot sent to each conversation's customer, in order.
    fn replies(&self, conversations: &[(i64, String)]) -> BTreeMap<i64, Vec<String>> {
        conversations
            .iter()
            .map(|(id, chat)| {
                // The chat holds the customer's messages too.
                let sent = self.fake.messages(chat.parse().unwrap(), None);
                let texts = sent
                    .into_iter()
                    .filter_map(|m| m.text)
                    .filter(|t| t.starts_with("answer "))
                    .collect();
                (*id, texts)
            })
            .collect()
    }
}

/// Posts a reply through the LAN API as a good client does (waiting when
/// asked to, 429); the answer's status.
pub(crate) async fn send(port: u16, token: &str, conversation: i64, text: &str, key: &str) -> u16 {
    let http = reqwest::Client::new();
    loop {
        let answer = http
            .post(format!("http://127.0.0.1:{port}/api/v1/send"))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "conversationId": conversation,
                "text": text,
                "idempotencyKey": key,
            }))
            .send()
            .await;
        match answer.map(|a| a.status().as_u16()).unwrap_or(0) {
            429 => tokio::time::sleep(Duration::from_millis(100)).await,
            status => return status,
        }
    }
}

pub(crate) const INBOUND: &str = "SELECT count(*) FROM messages WHERE direction = 'in'";

async fn conversations(pool: &SqlitePool) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT id, external_thread_id FROM conversations WHERE external_thread_id IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Waits until `n` customer messages are stored, then checks a moment later
/// that none came twice.
async fn until_stored_once(pool: &SqlitePool, n: i64, what: &str) {
    until(what, Duration::from_secs(120), async || {
        count(pool, INBOUND).await >= n
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(count(pool, INBOUND).await, n, "{what}: each message once");
}

impl Shop {
    /// Starts serve; the first message of each customer is stored.
    async fn serving(&self) -> (Child, SqlitePool) {
        let dir = self.dir.path();
        let server = serve(dir);
        let pool = store(dir).await;
        for i in 0..CUSTOMERS {
            Shop::customer_writes(&self.fake, i);
        }
        until_stored_once(&pool, CUSTOMERS, "the first messages").await;
        (server, pool)
    }
}

pub(crate) const SENT: &str =
    "SELECT count(*) FROM messages WHERE direction = 'out' AND delivery IN ('sent', 'delivered')";

/// Telegram out of reach with replies waiting, longer than the replies'
/// attempts would last (two, 200 ms apart: a loss of minutes with the
/// usual eight, compressed), then another
/// process holding the database's write lock longer than Tuberry waits for
/// it while customers write: nothing crashes, every reply goes in order once
/// Telegram is back, every message is stored once the database is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_loss_and_a_busy_database_lose_nothing() {
    let shop = Shop::new(
        FakeTelegram::start(Limits::default()).await,
        "\n[queue]\nmax_attempts = 2\nbackoff_base_ms = 200\nbackoff_max_ms = 1000\n",
    );
    let dir = shop.dir.path();
    let (mut server, pool) = shop.serving().await;
    let conversations = conversations(&pool).await;

    // Telegram is unreachable (a proxy in front of it answers 502).
    shop.fake.set_offline(true);
    for n in 1..=3 {
        for (conversation, _) in &conversations[..5] {
            let text = format!("answer {n} to {conversation}");
            let key = format!("lost-{conversation}-{n}");
            assert_eq!(shop.send(*conversation, &text, &key).await, 202);
        }
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        count(&pool, SENT).await,
        0,
        "nothing went while Telegram was away"
    );
    shop.fake.set_offline(false);
    until(
        "every reply went once Telegram was back",
        Duration::from_secs(60),
        async || count(&pool, SENT).await >= 15,
    )
    .await;
    let replies = shop.replies(&conversations[..5]);
    for (conversation, texts) in &replies {
        let wanted: Vec<String> = (1..=3)
            .map(|n| format!("answer {n} to {conversation}"))
            .collect();
        assert_eq!(texts, &wanted, "in order, once each");
    }

    // Another process holds the write lock for longer than the busy timeout.
    let options = SqliteConnectOptions::new().filename(dir.join("tuberry.sqlite3"));
    let mut blocker = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .unwrap();
    let before = count(&pool, INBOUND).await;
    for i in CUSTOMERS..CUSTOMERS * 2 {
        Shop::customer_writes(&shop.fake, i);
    }
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert!(
        server.try_wait().unwrap().is_none(),
        "serve is still running"
    );
    assert_eq!(
        count(&pool, INBOUND).await,
        before,
        "nothing written meanwhile"
    );
    sqlx::query("COMMIT").execute(&mut blocker).await.unwrap();
    drop(blocker);
    until_stored_once(
        &pool,
        CUSTOMERS * 2,
        "every message once the database is free",
    )
    .await;
    kill(&mut server, "-INT");
}

/// A small file system mounted for a test, unmounted when dropped.
struct Mounted(PathBuf);

impl Mounted {
    fn tmpfs(at: &Path, size: &str) -> Mounted {
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .unwrap();
        assert!(mounted.success(), "mount a tmpfs (the tests run as root)");
        Mounted(at.to_path_buf())
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ignored = Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the file system of `dir` to the last byte.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 64 * 1024];
    while file.write_all(&block).is_ok() {}
    while file.write_all(&[0u8]).is_ok() {}
    let _ignored = file.sync_all();
    path
}

/// The data directory on a small file system that fills up: customers'
/// messages are not acknowledged (Telegram keeps them), serve keeps running
/// and says why, nothing is corrupted, and everything is stored once there
/// is room again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_acknowledges_nothing_and_resumes_when_there_is_room() {
    let dir = tempfile::tempdir().unwrap();
    let mounted = Mounted::tmpfs(dir.path(), "48m");
    let shop = Shop::in_dir(FakeTelegram::start(Limits::default()).await, "", dir);
    let dir = shop.dir.path();
    let (mut server, pool) = shop.serving().await;

    let filler = fill(dir);
    for i in CUSTOMERS..CUSTOMERS * 4 {
        Shop::customer_writes(&shop.fake, i);
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        server.try_wait().unwrap().is_none(),
        "serve is still running"
    );
    let stored = count(&pool, INBOUND).await;
    let waiting = shop.fake.pending_updates(TOKEN);
    assert!(
        waiting > 0,
        "messages not stored stay with Telegram ({stored} stored)"
    );
    // What the window's Health shows, from the running server.
    let health = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/api/v1/health", shop.port))
        .bearer_auth(&shop.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let why = health
        .split('"')
        .find(|part| part.contains("disk is full"))
        .unwrap_or_else(|| panic!("the bot says why: {health}"))
        .to_owned();
    println!(
        "disk full: {stored} of {} stored, {waiting} left with Telegram; the bot says: {why}",
        CUSTOMERS * 4
    );

    std::fs::remove_file(filler).unwrap();
    until_stored_once(&pool, CUSTOMERS * 4, "every message once there is room").await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    kill(&mut server, "-INT");
    pool.close().await;
    drop(shop);
    drop(mounted);
}
