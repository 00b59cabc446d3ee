//! `tuberry serve` killed with SIGKILL during a burst of 10,000 customer
//! messages spread over a bot (the Telegram fake), an Avito account (the
//! Avito fake) and a mailbox (a real Dovecot), and again while replies go
//! out on all three. Every message ends in the inbox once and every reply
//! reaches its customer; how many replies in flight at the kill went twice
//! is printed per channel. Avito lets a chat be read back, so a reply Avito
//! took just before the kill is found there and never sent twice; Telegram
//! and SMTP cannot be asked.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use sqlx::SqlitePool;
use tuberry_fakes::avito::{Account, Buyer, BuyerMessage, FakeAvito, Item, Outage};
use tuberry_fakes::mail::{MailServer, Options, SHOP};
use tuberry_fakes::telegram::{FakeTelegram, Limits, User};

use crate::faults::{
    INBOUND, SENT, count, kill, lan_token, send, serve, shop_settings, store, until,
};

const TOKEN: &str = "5550004455:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const SELLER: i64 = 6001;
const BOT_MESSAGES: i64 = 5_000;
const AVITO_MESSAGES: i64 = 3_000;
const MAIL_MESSAGES: i64 = 2_000;
const TOTAL: i64 = BOT_MESSAGES + AVITO_MESSAGES + MAIL_MESSAGES;
const BOT_CUSTOMERS: i64 = 30;
const BUYERS: i64 = 30;
const MAIL_CUSTOMERS: i64 = 10;
const MAIL_PASSWORD: &str = "customer-pw";

fn mail_customer(k: i64) -> String {
    format!("c{k}@customer.test")
}

/// Runs the command line on the shop's data directory with `env` set.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tuberry"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("TUBERRY_DATA_DIR")
        .envs(env.iter().copied())
        .output()
        .expect("run tuberry");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Shop {
    telegram: FakeTelegram,
    avito: FakeAvito,
    mail: MailServer,
    dir: tempfile::TempDir,
    port: u16,
    token: String,
}

impl Shop {
    async fn start() -> Shop {
        let telegram = FakeTelegram::start(Limits::default()).await;
        telegram.add_bot(TOKEN, "mixed_faults_bot");
        let avito = FakeAvito::start().await;
        avito.add_account(Account::new(SELLER, "Shop", "mixed-client", "mixed-secret"));
        let customers: Vec<String> = (0..MAIL_CUSTOMERS).map(mail_customer).collect();
        let users: Vec<(&str, &str)> = customers
            .iter()
            .map(|c| (c.as_str(), MAIL_PASSWORD))
            .collect();
        let mail = MailServer::start_with(Options {
            extra_users: &users,
            ..Options::default()
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let port = shop_settings(
            dir.path(),
            "reconnect_min_ms = 200\nreconnect_max_ms = 1000\n\n\
             [avito]\npoll_fast_s = 1\npoll_slow_s = 1\nreconnect_min_ms = 200\nreconnect_max_ms = 1000\n\n\
             [email]\nreconnect_min_ms = 200\nreconnect_max_ms = 1000\n\n\
             [queue]\nmax_attempts = 2\nbackoff_base_ms = 200\nbackoff_max_ms = 1000\n",
        );
        let d = dir.path();
        run(d, &["project", "create", "Shop"], &[]);
        run(
            d,
            &["project", "connect-bot", "1", "--api-url", &telegram.url()],
            &[("TUBERRY_BOT_TOKEN", TOKEN)],
        );
        let mut add = vec!["mailbox", "add"];
        let servers = crate::email::shop_mailbox_args(&mail);
        add.extend(servers.iter().map(String::as_str));
        run(d, &add, &[("TUBERRY_MAIL_PASSWORD", mail.password(SHOP))]);
        run(
            d,
            &[
                "avito",
                "connect",
                "--client-id",
                "mixed-client",
                "--api-url",
                &avito.url(),
            ],
            &[("TUBERRY_AVITO_SECRET", "mixed-secret")],
        );
        let token = lan_token(d);
        Shop {
            telegram,
            avito,
            mail,
            dir,
            port,
            token,
        }
    }

    /// Customers write on all three channels at once: the bot's and Avito's
    /// from threads, the mails appended to the shop's INBOX over IMAP.
    async fn customers_write(&self) {
        let telegram = self.telegram.clone();
        let bot = std::thread::spawn(move || {
            for i in 0..BOT_MESSAGES {
                let who = 7000 + i % BOT_CUSTOMERS;
                let user = User::new(who, format!("Customer {who}"));
                telegram.user_writes_to_bot(TOKEN, &user, &format!("bot message {i}"));
                if i % 50 == 0 {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        });
        let avito = self.avito.clone();
        let buyers = std::thread::spawn(move || {
            let item = Item::new(101, "Диван угловой");
            for i in 0..AVITO_MESSAGES {
                let who = 9000 + i % BUYERS;
                let buyer = Buyer::new(who, format!("Покупатель {who}"));
                let text = format!("avito message {i}");
                avito.buyer_writes(SELLER, BuyerMessage::text(buyer, Some(item.clone()), text));
                if i % 50 == 0 {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        });
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.mail.ports().imap))
            .await
            .unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap();
        let mut session = client
            .login(SHOP, self.mail.password(SHOP))
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        for i in 0..MAIL_MESSAGES {
            let k = i % MAIL_CUSTOMERS;
            let raw = format!(
                "From: Customer {k} <{}>\r\nTo: <{SHOP}>\r\nSubject: Order of customer {k}\r\n\
                 Message-ID: <mixed-{i}@customer.test>\r\nDate: Mon, 3 Nov 2025 10:00:00 +0300\r\n\
                 MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
                 mail message {i}\r\n",
                mail_customer(k)
            );
            session.append("INBOX", None, None, raw).await.unwrap();
        }
        session.logout().await.unwrap();
        bot.join().unwrap();
        buyers.join().unwrap();
    }

    /// How many times each reply's text reached a customer, per channel.
    async fn received(
        &self,
        kinds: &BTreeMap<i64, String>,
    ) -> BTreeMap<String, BTreeMap<String, usize>> {
        let mut received: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        let mut add = |channel: &str, text: String| {
            *received
                .entry(channel.to_owned())
                .or_default()
                .entry(text)
                .or_default() += 1;
        };
        for who in 0..BOT_CUSTOMERS {
            for text in self
                .telegram
                .messages(7000 + who, None)
                .into_iter()
                .filter_map(|m| m.text)
                .filter(|t| t.starts_with("answer "))
            {
                add("telegram_bot", text);
            }
        }
        for sent in self.avito.sent() {
            if let Some(text) = sent.text.filter(|t| t.starts_with("answer ")) {
                add("avito", text);
            }
        }
        let wanted: Vec<String> = kinds
            .iter()
            .filter(|(_, kind)| *kind == "email")
            .flat_map(|(id, _)| [1, 2].map(|n| format!("answer {n} to {id}")))
            .collect();
        for k in 0..MAIL_CUSTOMERS {
            for (_, raw, _) in self.mail.messages(&mail_customer(k), "INBOX").await {
                let raw = String::from_utf8_lossy(&raw);
                if let Some(text) = wanted.iter().find(|w| raw.contains(&format!("{w}\r\n"))) {
                    add("email", text.clone());
                }
            }
        }
        received
    }
}

async fn kinds(pool: &SqlitePool) -> BTreeMap<i64, String> {
    sqlx::query_as(
        "SELECT c.id, a.kind FROM conversations c JOIN channel_accounts a ON a.id = c.channel_account_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_killed_mid_burst_across_bot_avito_and_mail_loses_and_repeats_nothing() {
    let mut shop = Shop::start().await;
    let dir = shop.dir.path();
    let mut server = serve(dir);
    let pool = store(dir).await;

    // Customers write on every channel; the server is killed when a third
    // of their messages is stored.
    let writing = shop.customers_write();
    let killing = async {
        until("a third is stored", Duration::from_secs(180), async || {
            count(&pool, INBOUND).await >= TOTAL / 3
        })
        .await;
        kill(&mut server, "-KILL");
        count(&pool, INBOUND).await
    };
    let ((), at_kill) = tokio::join!(writing, killing);
    let mut server = serve(dir);
    until(
        "every message after the restart",
        Duration::from_secs(300),
        async || count(&pool, INBOUND).await >= TOTAL,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(count(&pool, INBOUND).await, TOTAL, "each message once");
    let texts = count(
        &pool,
        "SELECT count(DISTINCT text) FROM messages WHERE direction = 'in'",
    )
    .await;
    assert_eq!(texts, TOTAL, "every message is there");
    let per_kind = kinds(&pool).await;
    let conversations = |kind: &str| per_kind.values().filter(|k| *k == kind).count() as i64;
    assert_eq!(conversations("telegram_bot"), BOT_CUSTOMERS);
    assert_eq!(conversations("avito"), BUYERS);
    assert_eq!(conversations("email"), MAIL_CUSTOMERS);
    println!(
        "{at_kill} of {TOTAL} messages (bot {BOT_MESSAGES}, Avito {AVITO_MESSAGES}, mail {MAIL_MESSAGES}) stored when the server was killed; all {TOTAL} once after the restart"
    );

    // Two replies in every conversation, queued while every provider is
    // out of reach; once they are back the server is killed while the
    // replies go, a third of them gone.
    shop.telegram.set_offline(true);
    shop.avito.set_outage(Some(Outage::Unavailable));
    shop.mail.stop().await;
    let (port, token) = (shop.port, shop.token.clone());
    let reply = async |conversation: i64, n: usize| {
        let text = format!("answer {n} to {conversation}");
        let key = format!("mixed-{conversation}-{n}");
        send(port, &token, conversation, &text, &key).await
    };
    for n in [1, 2] {
        for conversation in per_kind.keys() {
            assert_eq!(reply(*conversation, n).await, 202);
        }
    }
    let wanted = per_kind.len() as i64 * 2;
    assert_eq!(count(&pool, SENT).await, 0, "nothing went meanwhile");
    shop.telegram.set_offline(false);
    shop.avito.set_outage(None);
    shop.mail.restart().await;
    until(
        "a third of the replies gone",
        Duration::from_secs(60),
        async || count(&pool, SENT).await >= wanted / 3,
    )
    .await;
    kill(&mut server, "-KILL");
    let gone_at_kill = count(&pool, SENT).await;
    let mut server = serve(dir);
    // The shop's other system sends the same requests again: nothing new.
    let first = *per_kind.keys().next().unwrap();
    until(
        "the LAN API answers again",
        Duration::from_secs(30),
        async || reply(first, 1).await == 200,
    )
    .await;
    for conversation in per_kind.keys() {
        assert_eq!(
            reply(*conversation, 2).await,
            200,
            "the same key, the same reply"
        );
    }
    let wanted = per_kind.len() as i64 * 2;
    until(
        "every reply is delivered",
        Duration::from_secs(180),
        async || count(&pool, SENT).await >= wanted,
    )
    .await;
    let received = shop.received(&per_kind).await;
    let mut reached = 0;
    let mut repeated_total = 0;
    let mut said = Vec::new();
    for (channel, texts) in &received {
        let repeated: usize = texts.values().map(|n| n - 1).sum();
        reached += texts.len() as i64;
        repeated_total += repeated;
        said.push(format!(
            "{channel}: {} reached, {repeated} twice",
            texts.len()
        ));
        if channel == "avito" {
            assert_eq!(repeated, 0, "Avito's chat is read back: {texts:?}");
        }
    }
    println!(
        "{gone_at_kill} of {wanted} replies gone when the server was killed; {}",
        said.join("; ")
    );
    assert_eq!(
        reached, wanted,
        "every reply reached its customer: {received:?}"
    );
    // Only a reply in flight at the kill may go twice: at most one per worker.
    assert!(repeated_total <= 4, "{received:?}");
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
