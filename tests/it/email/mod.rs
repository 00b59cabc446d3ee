//! The e-mail channel against real mail servers: Dovecot (IMAP) and Postfix
//! (SMTP) delivering into it, started per test on loopback (see
//! `tuberry_fakes::mail`). A customer writes from ivan@customer.test to
//! shop@shop.test; the engine imports it, replies through SMTP, and the test
//! reads the reply from the customer's mailbox over IMAP.

use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;
use tuberry::channels::email::model::{
    MailProblem, MailSecurity, MailServer, Mailbox, MailboxInput, MailboxState,
};
use tuberry::channels::email::parse;
use tuberry::clock::SystemClock;
use tuberry::keyring::Keyring;
use tuberry::model::{ConversationFilter, ConversationSummary, Delivery, Direction, Message};
use tuberry::settings::{EmailSettings, QueueSettings, Settings};
use tuberry::{Engine, EngineOptions, api};
use tuberry_fakes::mail::{MailServer as Servers, Options};

use crate::helpers::TEST_KEYRING;

mod connecting;
mod import;
mod messages;

/// The command line's arguments naming the shop's mailbox on `servers`:
/// IMAP and SMTP submission on loopback, without TLS.
pub(crate) fn shop_mailbox_args(servers: &Servers) -> Vec<String> {
    let ports = servers.ports();
    [
        "--address",
        tuberry_fakes::mail::SHOP,
        "--imap",
        &format!("127.0.0.1:{}", ports.imap),
        "--imap-security",
        "none",
        "--smtp",
        &format!("127.0.0.1:{}", ports.submission_plain),
        "--smtp-security",
        "none",
    ]
    .map(str::to_owned)
    .into()
}

const SHOP: &str = "shop@shop.test";
const IVAN: &str = "ivan@customer.test";
const WAIT: Duration = Duration::from_secs(30);

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A plain mail from the customer with a fresh Message-ID.
fn customer_mail(id: &str, subject: &str, body: &str, extra_headers: &str) -> Vec<u8> {
    format!(
        "From: Ivan Petrov <{IVAN}>\r\nTo: Shop <{SHOP}>\r\nSubject: {subject}\r\n\
         Message-ID: <{id}@customer.test>\r\nDate: Mon, 3 Nov 2025 10:00:00 +0300\r\n{extra_headers}\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

struct Mail {
    engine: Option<Engine>,
    dir: TempDir,
    settings: Settings,
    servers: Servers,
}

impl Mail {
    async fn start() -> Mail {
        Mail::start_with(|_| {}).await
    }

    async fn start_with(tune: impl FnOnce(&mut Settings)) -> Mail {
        Mail::start_on(Servers::start().await, tune).await
    }

    async fn start_on(servers: Servers, tune: impl FnOnce(&mut Settings)) -> Mail {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("test-ca.pem");
        std::fs::write(&ca, servers.ca_pem()).unwrap();
        let mut settings = Settings {
            queue: QueueSettings {
                workers: 2,
                max_attempts: 4,
                lease_ms: 30_000,
                backoff_base_ms: 100,
                backoff_max_ms: 1_000,
            },
            email: EmailSettings {
                extra_ca_file: Some(ca),
                timeout_s: 5,
                reconnect_min_ms: 100,
                reconnect_max_ms: 500,
                ..EmailSettings::default()
            },
            ..Settings::default()
        };
        tune(&mut settings);
        let engine = Mail::open(&dir, &settings).await;
        Mail {
            engine: Some(engine),
            dir,
            settings,
            servers,
        }
    }

    async fn open(dir: &TempDir, settings: &Settings) -> Engine {
        let engine = Engine::open(EngineOptions {
            data_dir: dir.path().to_path_buf(),
            clock: Arc::new(SystemClock),
            settings: Some(settings.clone()),
            keyring: Keyring::new(TEST_KEYRING),
            telegram_connector: None,
            whatsapp_connector: None,
        })
        .await
        .expect("engine opens");
        engine.start().await.expect("engine starts");
        engine
    }

    fn engine(&self) -> &Engine {
        self.engine.as_ref().expect("engine is running")
    }

    async fn restart_engine(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown(Duration::from_secs(5)).await;
        }
        self.engine = Some(Mail::open(&self.dir, &self.settings).await);
    }

    /// The shop's mailbox over plain IMAP and plain SMTP with login.
    fn input(&self) -> MailboxInput {
        let ports = self.servers.ports();
        MailboxInput {
            name: "Flower shop".into(),
            address: SHOP.into(),
            login: None,
            password: Some(self.servers.password(SHOP).to_owned()),
            imap: MailServer {
                host: "127.0.0.1".into(),
                port: ports.imap,
                security: MailSecurity::None,
                trusted_cert: None,
            },
            smtp: MailServer {
                host: "127.0.0.1".into(),
                port: ports.submission_plain,
                security: MailSecurity::None,
                trusted_cert: None,
            },
            folder: None,
            move_to: None,
            poll_interval_s: None,
            import_days: None,
            project_id: None,
        }
    }

    async fn add(&self, input: MailboxInput) -> Mailbox {
        let mailbox = api::add_mailbox(self.engine(), input).await.unwrap();
        self.until_mailbox(mailbox.account_id, "connected", |m| {
            matches!(m.state, MailboxState::Listening | MailboxState::Polling)
        })
        .await
    }

    /// Polls `probe` until it gives a value; on time-out, fails with what it
    /// last saw and the mail servers' log.
    async fn until<T>(&self, mut probe: impl AsyncFnMut() -> Result<T, String>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match probe().await {
                Ok(value) => return value,
                Err(seen) => assert!(
                    tokio::time::Instant::now() < deadline,
                    "{seen}\n{}",
                    self.servers.maillog()
                ),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn until_mailbox(&self, id: i64, what: &str, ok: impl Fn(&Mailbox) -> bool) -> Mailbox {
        self.until(async || {
            let mailboxes = api::list_mailboxes(self.engine()).await.unwrap();
            match mailboxes.iter().find(|m| m.account_id == id) {
                Some(m) if ok(m) => Ok(m.clone()),
                _ => Err(format!("mailbox never {what}: {mailboxes:?}")),
            }
        })
        .await
    }

    async fn conversations(&self) -> Vec<ConversationSummary> {
        let all = ConversationFilter {
            limit: 500,
            ..ConversationFilter::default()
        };
        api::list_conversations(self.engine(), all)
            .await
            .unwrap()
            .items
    }

    async fn messages(&self, conversation: i64) -> Vec<Message> {
        api::get_conversation(self.engine(), conversation)
            .await
            .unwrap()
            .messages
    }

    /// Waits until the inbox holds `n` customer messages in all.
    async fn until_inbound(&self, n: usize) -> Vec<Message> {
        self.until(async || {
            let mut all = Vec::new();
            for c in self.conversations().await {
                all.extend(
                    self.messages(c.id)
                        .await
                        .into_iter()
                        .filter(|m| m.direction == Direction::In),
                );
            }
            if all.len() < n {
                return Err(format!("only {} of {n} mails imported", all.len()));
            }
            all.sort_by_key(|m| m.id);
            Ok(all)
        })
        .await
    }

    async fn until_delivery(&self, conversation: i64, message: i64) -> Message {
        self.until(async || {
            let m = self
                .messages(conversation)
                .await
                .into_iter()
                .find(|m| m.id == message)
                .unwrap();
            if m.delivery == Some(Delivery::Pending) {
                return Err(format!("the reply stayed pending: {m:?}"));
            }
            Ok(m)
        })
        .await
    }
}

fn header(raw: &[u8], name: &str) -> String {
    let text = String::from_utf8_lossy(raw);
    let head = text
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .replace("\r\n ", " ");
    head.lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn tuberry(dir: &std::path::Path, args: &[&str], password: &str) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tuberry"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("TUBERRY_DATA_DIR")
        .env("TUBERRY_MAIL_PASSWORD", password)
        .output()
        .expect("run tuberry");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}
