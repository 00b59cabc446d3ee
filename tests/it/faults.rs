//! Faults with real processes: `tuberry serve` is started as a child process
//! with a bot talking to the Telegram fake, and killed with SIGKILL while
//! customers write and while replies go out. After a restart every message is
//! in the inbox once, and every reply reached its customer; how many replies
//! in flight at the kill went twice is printed (Telegram cannot be asked
//! whether a message went).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnectOptions;
use tuberry_fakes::telegram::{FakeTelegram, Limits, User};

use crate::cli::tuberry;

const TOKEN: &str = "5550004321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const CUSTOMERS: i64 = 30;
const MESSAGES: i64 = 600;

fn serve(dir: &Path) -> Child {
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

fn kill(child: &mut Child, signal: &str) {
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    child.wait().unwrap();
}

/// A reader of the server's store, beside it.
async fn store(dir: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(dir.join("tuberry.sqlite3"))
        .read_only(true);
    SqlitePool::connect_with(options).await.unwrap()
}

async fn count(pool: &SqlitePool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn until(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_killed_mid_burst_and_mid_replies_loses_and_repeats_nothing() {
    let fake = FakeTelegram::start(Limits::default()).await;
    fake.add_bot(TOKEN, "faults_bot");
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.path().join("settings.toml"),
        format!("[http]\nlisten = \"127.0.0.1:{port}\"\n\n[telegram]\npoll_timeout_s = 1\n"),
    )
    .unwrap();
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
    let (ok, out, err) = tuberry(
        dir.path(),
        &["--json", "api-token", "create", "Faults", "--scope", "send"],
    );
    assert!(ok, "{err}");
    let token = serde_json::from_str::<serde_json::Value>(&out).unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();

    // Customers write; the server is killed when a third is stored.
    let mut server = serve(dir.path());
    let pool = store(dir.path()).await;
    let writer = {
        let fake = fake.clone();
        std::thread::spawn(move || {
            for i in 0..MESSAGES {
                let who = 7000 + i % CUSTOMERS;
                let user = User::new(who, format!("Customer {who}"));
                fake.user_writes_to_bot(TOKEN, &user, &format!("message {i}"));
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    until("a third is stored", Duration::from_secs(60), async || {
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE direction = 'in'",
        )
        .await
            >= MESSAGES / 3
    })
    .await;
    kill(&mut server, "-KILL");
    let at_kill = count(
        &pool,
        "SELECT count(*) FROM messages WHERE direction = 'in'",
    )
    .await;
    writer.join().unwrap();
    let mut server = serve(dir.path());
    until(
        "every message is stored",
        Duration::from_secs(120),
        async || {
            count(
                &pool,
                "SELECT count(*) FROM messages WHERE direction = 'in'",
            )
            .await
                >= MESSAGES
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE direction = 'in'"
        )
        .await,
        MESSAGES,
        "each message once"
    );
    let texts: i64 = count(
        &pool,
        "SELECT count(DISTINCT text) FROM messages WHERE direction = 'in'",
    )
    .await;
    assert_eq!(texts, MESSAGES);
    println!(
        "{at_kill} of {MESSAGES} messages stored when the server was killed; all {MESSAGES} once after the restart"
    );

    // Two replies to each customer; the server is killed while they go.
    let conversations: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, external_thread_id FROM conversations WHERE external_thread_id IS NOT NULL",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(conversations.len() as i64, CUSTOMERS);
    let http = reqwest::Client::new();
    // As a good client: waits when asked to (429, the rate per client).
    let send = async |conversation: i64, n: usize| loop {
        let answer = http
            .post(format!("http://127.0.0.1:{port}/api/v1/send"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "conversationId": conversation,
                "text": format!("answer {n} to {conversation}"),
                "idempotencyKey": format!("reply-{conversation}-{n}"),
            }))
            .send()
            .await;
        match answer.map(|a| a.status().as_u16()).unwrap_or(0) {
            429 => tokio::time::sleep(Duration::from_millis(100)).await,
            status => break status,
        }
    };
    for (conversation, _) in &conversations {
        assert_eq!(send(*conversation, 1).await, 202);
    }
    for (conversation, _) in &conversations {
        assert_eq!(send(*conversation, 2).await, 202);
    }
    kill(&mut server, "-KILL");
    let delivered_at_kill = count(
        &pool,
        "SELECT count(*) FROM messages WHERE direction = 'out' AND delivery != 'pending'",
    )
    .await;
    let mut server = serve(dir.path());
    // The shop's other system sends the same requests again: nothing new.
    until(
        "the LAN API answers again",
        Duration::from_secs(30),
        async || send(conversations[0].0, 1).await == 200,
    )
    .await;
    for (conversation, _) in &conversations {
        assert_eq!(
            send(*conversation, 2).await,
            200,
            "the same key, the same reply"
        );
    }
    let wanted = CUSTOMERS * 2;
    until("every reply is delivered", Duration::from_secs(120), async || {
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE direction = 'out' AND delivery IN ('sent', 'delivered')",
        )
        .await
            >= wanted
    })
    .await;
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    for (_, chat) in &conversations {
        // The chat holds the customer's messages too.
        let replies = fake.messages(chat.parse().unwrap(), None);
        for text in replies.into_iter().filter_map(|m| m.text) {
            if text.starts_with("answer ") {
                *received.entry(text).or_default() += 1;
            }
        }
    }
    let distinct = received.len() as i64;
    let repeated: usize = received.values().map(|n| n - 1).sum();
    println!(
        "{delivered_at_kill} of {wanted} replies gone when the server was killed; {distinct} reached their customers, {repeated} of them twice"
    );
    assert_eq!(distinct, wanted, "every reply reached its customer");
    // Only a reply in flight at the kill may go twice: at most one per worker.
    assert!(repeated <= 4, "{received:?}");
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE direction = 'out'"
        )
        .await,
        wanted,
        "each reply stored once"
    );
    kill(&mut server, "-INT");
}
