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
        })
        .await
        .expect("engine opens");
        engine.start().await;
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
            },
            smtp: MailServer {
                host: "127.0.0.1".into(),
                port: ports.submission_plain,
                security: MailSecurity::None,
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

#[tokio::test]
async fn test_connection_names_the_problem() {
    let mail = Mail::start().await;
    let e = mail.engine();
    let good = mail.input();

    let report = api::test_mailbox(e, good.clone(), None).await.unwrap();
    assert!(report.ok(), "{report:?}");

    let mut wrong = good.clone();
    wrong.password = Some("not-the-password".into());
    let report = api::test_mailbox(e, wrong, None).await.unwrap();
    assert_eq!(report.imap.unwrap().problem, MailProblem::Auth);
    assert_eq!(report.smtp.unwrap().problem, MailProblem::Auth);

    let mut wrong = good.clone();
    wrong.imap.host = "imap.nowhere.invalid".into();
    let report = api::test_mailbox(e, wrong, None).await.unwrap();
    assert_eq!(report.imap.unwrap().problem, MailProblem::Dns);
    assert!(report.smtp.is_none());

    let mut wrong = good.clone();
    wrong.folder = Some("No such folder".into());
    let report = api::test_mailbox(e, wrong, None).await.unwrap();
    let problem = report.imap.unwrap();
    assert_eq!(problem.problem, MailProblem::Folder, "{problem:?}");
    assert!(problem.message.contains("No such folder"), "{problem:?}");

    // TLS spoken to a plain port, and a port where nothing listens.
    let mut wrong = good.clone();
    wrong.imap.security = MailSecurity::Tls;
    let report = api::test_mailbox(e, wrong, None).await.unwrap();
    assert_eq!(report.imap.unwrap().problem, MailProblem::Tls);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut wrong = good.clone();
    wrong.smtp.port = closed;
    let report = api::test_mailbox(e, wrong, None).await.unwrap();
    assert_eq!(report.smtp.unwrap().problem, MailProblem::Connect);

    // Both encrypted modes against the test CA: STARTTLS and implicit TLS.
    let ports = mail.servers.ports();
    let mut starttls = good.clone();
    starttls.imap.security = MailSecurity::Starttls;
    starttls.smtp = MailServer {
        host: "localhost".into(),
        port: ports.submission,
        security: MailSecurity::Starttls,
    };
    starttls.imap.host = "localhost".into();
    let report = api::test_mailbox(e, starttls, None).await.unwrap();
    assert!(report.ok(), "STARTTLS: {report:?}");
    let mut tls = good.clone();
    tls.imap = MailServer {
        host: "localhost".into(),
        port: ports.imaps,
        security: MailSecurity::Tls,
    };
    tls.smtp = MailServer {
        host: "localhost".into(),
        port: ports.submissions,
        security: MailSecurity::Tls,
    };
    let report = api::test_mailbox(e, tls.clone(), None).await.unwrap();
    assert!(report.ok(), "implicit TLS: {report:?}");

    // Adding refuses a wrong password and keeps nothing.
    let mut wrong = good.clone();
    wrong.password = Some("nope".into());
    let err = api::add_mailbox(e, wrong).await.unwrap_err();
    assert!(err.message.contains("refused the login"), "{err:?}");
    assert!(api::list_mailboxes(e).await.unwrap().is_empty());

    // Added over TLS; the password is in the keyring, not in the data folder.
    let mailbox = mail.add(tls).await;
    assert_eq!(mailbox.address, SHOP);
    let password = mail.servers.password(SHOP).as_bytes().to_vec();
    for entry in walk(mail.dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes
                .windows(password.len())
                .any(|w| w == password.as_slice()),
            "the password is in {}",
            entry.display()
        );
    }
    api::remove_mailbox(e, mailbox.account_id).await.unwrap();
    assert!(api::list_mailboxes(e).await.unwrap().is_empty());
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

#[tokio::test]
async fn a_customer_mail_is_answered_as_a_threaded_reply() {
    let mail = Mail::start().await;
    let e = mail.engine();
    mail.add(mail.input()).await;

    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail(
                "q1",
                "Delivery to Kazan?",
                "Hello! Do you deliver to Kazan?",
                "",
            ),
        )
        .await;
    let inbound = mail.until_inbound(1).await;
    assert_eq!(inbound[0].text, "Hello! Do you deliver to Kazan?");
    let conversation = mail.conversations().await.remove(0);
    assert_eq!(conversation.subject.as_deref(), Some("Delivery to Kazan?"));
    assert_eq!(conversation.contact_name, "Ivan Petrov");

    // The reply, with a file from the composer.
    let pdf = api::upload_attachment(
        e,
        "price list.pdf".into(),
        Some("application/pdf".into()),
        b"%PDF-1.4 price".to_vec(),
    )
    .await
    .unwrap();
    let reply =
        api::send_reply_with_files(e, conversation.id, "Yes, in two days.".into(), vec![pdf])
            .await
            .unwrap();
    let sent = mail.until_delivery(conversation.id, reply.id).await;
    assert_eq!(sent.delivery, Some(Delivery::Sent), "{sent:?}");

    let received = mail.servers.wait_messages(IVAN, "INBOX", 1).await;
    let raw = &received[0];
    let got = parse::parse(raw).unwrap();
    assert_eq!(got.from_address, SHOP);
    assert_eq!(got.to, vec![IVAN.to_owned()]);
    assert_eq!(got.subject, "Re: Delivery to Kazan?");
    assert_eq!(got.in_reply_to, vec!["q1@customer.test".to_owned()]);
    assert_eq!(got.references, vec!["q1@customer.test".to_owned()]);
    assert!(got.message_id.ends_with("@shop.test"), "{}", got.message_id);
    assert_eq!(got.text, "Yes, in two days.");
    assert_eq!(got.attachments.len(), 1);
    assert_eq!(got.attachments[0].name, "price list.pdf");
    assert_eq!(got.attachments[0].bytes, b"%PDF-1.4 price");
    assert!(
        header(raw, "From").contains("Flower shop"),
        "{}",
        header(raw, "From")
    );

    // A copy is kept in the shop's Sent folder, once.
    let copies = mail.servers.wait_messages(SHOP, "Sent", 1).await;
    assert_eq!(parse::parse(&copies[0]).unwrap().message_id, got.message_id);

    // The customer answers the reply, quoting it: same conversation, quote folded.
    let answer = customer_mail(
        "q2",
        "Re: Delivery to Kazan?",
        "Great, I'll order today.\r\n\r\nOn Mon, 3 Nov 2025 at 11:00, Flower shop <shop@shop.test> wrote:\r\n> Yes, in two days.",
        &format!(
            "In-Reply-To: <{}>\r\nReferences: <q1@customer.test> <{}>\r\n",
            got.message_id, got.message_id
        ),
    );
    mail.servers.deliver(IVAN, SHOP, &answer).await;
    let inbound = mail.until_inbound(2).await;
    assert_eq!(mail.conversations().await.len(), 1);
    assert_eq!(inbound[1].conversation_id, conversation.id);
    assert_eq!(inbound[1].text, "Great, I'll order today.");
    assert!(
        inbound[1]
            .quoted
            .as_deref()
            .unwrap_or_default()
            .contains("> Yes, in two days.")
    );

    // A new mail with the same subject but no headers still threads; another subject does not.
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("q3", "RE: Delivery to Kazan?", "And to Samara?", ""),
        )
        .await;
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("q4", "Wholesale", "Do you sell wholesale?", ""),
        )
        .await;
    let inbound = mail.until_inbound(4).await;
    assert_eq!(inbound[2].conversation_id, conversation.id);
    assert_ne!(inbound[3].conversation_id, conversation.id);
    // The shop's INBOX mail is marked read once stored.
    let flags = mail.servers.messages(SHOP, "INBOX").await;
    assert!(
        flags
            .iter()
            .all(|(_, _, f)| f.iter().any(|f| f.contains("Seen"))),
        "{flags:?}"
    );
}

#[tokio::test]
async fn charsets_html_and_attachments_are_read() {
    let mail = Mail::start().await;
    mail.add(mail.input()).await;
    let fixtures = [
        "utf8-plain.eml",
        "cp1251-base64.eml",
        "koi8r-qp.eml",
        "latin1-qp.eml",
        "iso8859-5.eml",
        "html-only.eml",
        "attachments.eml",
        "bounce.eml",
    ];
    for name in fixtures {
        mail.servers.deliver(IVAN, SHOP, &fixture(name)).await;
    }
    // The bounce is not a customer message.
    let inbound = mail.until_inbound(fixtures.len() - 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mail.until_inbound(0).await.len(), fixtures.len() - 1);
    for (name, message) in fixtures.iter().zip(&inbound) {
        let expected = parse::parse(&fixture(name)).unwrap();
        assert_eq!(message.text, expected.text, "{name}");
        assert!(!message.text.contains('�'), "{name}: {}", message.text);
        assert_eq!(message.has_html, expected.html.is_some(), "{name}");
        assert_eq!(
            message.attachments.len(),
            expected.attachments.len(),
            "{name}"
        );
    }
    let e = mail.engine();
    let cp1251 = &inbound[1];
    assert!(
        cp1251.text.chars().any(|c| ('а'..='я').contains(&c)),
        "{}",
        cp1251.text
    );

    let html = &inbound[5];
    let page = api::message_html(e, html.id).await.unwrap().unwrap();
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("onclick"), "{page}");
    assert!(!html.text.contains('<'), "{}", html.text);

    let with_files = &inbound[6];
    let expected = parse::parse(&fixture("attachments.eml")).unwrap();
    for (a, want) in with_files.attachments.iter().zip(&expected.attachments) {
        assert_eq!(a.name, want.name);
        let bytes = api::read_attachment(e, a.url.as_deref().unwrap())
            .await
            .unwrap();
        assert_eq!(bytes, want.bytes);
    }
    let saved_dir = mail.dir.path().join("saved");
    let first = &with_files.attachments[0];
    let path = api::save_attachment(e, first.url.as_deref().unwrap(), &first.name, &saved_dir)
        .await
        .unwrap();
    let again = api::save_attachment(e, first.url.as_deref().unwrap(), &first.name, &saved_dir)
        .await
        .unwrap();
    assert_ne!(path, again);
    assert_eq!(std::fs::read(&path).unwrap(), expected.attachments[0].bytes);
}

#[tokio::test]
async fn restart_and_uidvalidity_change_import_nothing_twice() {
    let mut mail = Mail::start().await;
    let mut input = mail.input();
    input.move_to = None;
    mail.add(input).await;
    for i in 0..3 {
        mail.servers
            .deliver(
                IVAN,
                SHOP,
                &customer_mail(&format!("r{i}"), &format!("Order {i}"), "Hi", ""),
            )
            .await;
    }
    mail.until_inbound(3).await;

    mail.restart_engine().await;
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("r3", "Order 3", "After the restart", ""),
        )
        .await;
    let inbound = mail.until_inbound(4).await;
    assert_eq!(inbound.len(), 4);

    // The server renumbers the folder: it is read again, nothing doubles.
    mail.restart_engine().await;
    mail.servers.change_uid_validity(SHOP, "INBOX");
    let account = api::list_mailboxes(mail.engine()).await.unwrap()[0].account_id;
    mail.restart_engine().await;
    mail.until_mailbox(account, "listening", |m| m.state == MailboxState::Listening)
        .await;
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("r4", "Order 4", "After the resync", ""),
        )
        .await;
    let inbound = mail.until_inbound(5).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let inbound_again = mail.until_inbound(0).await;
    assert_eq!(inbound.len(), 5);
    assert_eq!(inbound_again.len(), 5);
    assert_eq!(mail.conversations().await.len(), 5);
}

#[tokio::test]
async fn server_down_then_up() {
    // Enough attempts to outlast the outage.
    let mut mail = Mail::start_with(|s| s.queue.max_attempts = 50).await;
    let mailbox = mail.add(mail.input()).await;
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("d1", "Question", "Are you open?", ""),
        )
        .await;
    mail.until_inbound(1).await;
    let conversation = mail.conversations().await.remove(0);

    mail.servers.stop().await;
    let offline = mail
        .until_mailbox(mailbox.account_id, "offline", |m| {
            m.state == MailboxState::Offline
        })
        .await;
    assert_eq!(offline.last_error.unwrap().problem, MailProblem::Connect);
    // A reply written meanwhile waits in the queue.
    let reply = api::send_reply(mail.engine(), conversation.id, "Yes, until 8 pm.".into())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pending = mail.messages(conversation.id).await;
    assert_eq!(pending.last().unwrap().delivery, Some(Delivery::Pending));

    mail.servers.restart().await;
    let sent = mail.until_delivery(conversation.id, reply.id).await;
    assert_eq!(sent.delivery, Some(Delivery::Sent), "{sent:?}");
    mail.until_mailbox(mailbox.account_id, "back", |m| {
        m.state == MailboxState::Listening
    })
    .await;
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("d2", "Re: Question", "Thanks!", ""),
        )
        .await;
    mail.until_inbound(2).await;
    let received = mail.servers.wait_messages(IVAN, "INBOX", 1).await;
    assert_eq!(received.len(), 1, "the reply arrived once");
}

#[tokio::test]
async fn an_unknown_recipient_fails_the_reply_with_the_servers_reason() {
    let mail = Mail::start().await;
    mail.add(mail.input()).await;
    let from_nobody = customer_mail("n1", "Hello", "Write me back", "")
        .into_iter()
        .collect::<Vec<u8>>();
    let raw = String::from_utf8(from_nobody)
        .unwrap()
        .replace(IVAN, "nobody@customer.test");
    mail.servers
        .deliver("nobody@customer.test", SHOP, raw.as_bytes())
        .await;
    mail.until_inbound(1).await;
    let conversation = mail.conversations().await.remove(0);
    let reply = api::send_reply(mail.engine(), conversation.id, "Hello!".into())
        .await
        .unwrap();
    let failed = mail.until_delivery(conversation.id, reply.id).await;
    assert_eq!(failed.delivery, Some(Delivery::Failed));
    let reason = failed.delivery_error.unwrap();
    assert!(reason.contains("550"), "{reason}");
}

#[tokio::test]
async fn importing_a_full_mailbox_shows_progress_and_moves_mail() {
    let mail = Mail::start_with(|s| s.email.batch = 20).await;
    const N: usize = 120;
    let mails: Vec<Vec<u8>> = (0..N)
        .map(|i| customer_mail(&format!("m{i}"), &format!("Order {i}"), "Hello", ""))
        .collect();
    for chunk in mails.chunks(12) {
        futures_util::future::join_all(
            chunk
                .iter()
                .map(|raw| mail.servers.deliver(IVAN, SHOP, raw)),
        )
        .await;
    }
    let mut events = mail.engine().events().subscribe();
    let mut input = mail.input();
    input.move_to = Some("Обработанные".into());
    let mailbox = api::add_mailbox(mail.engine(), input).await.unwrap();
    let mut progress = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let event = tokio::time::timeout_at(deadline, events.next())
            .await
            .unwrap()
            .unwrap();
        if let tuberry::events::EngineEvent::AccountChanged { account_id } = event
            && account_id == mailbox.account_id
        {
            let m = api::list_mailboxes(mail.engine()).await.unwrap().remove(0);
            if let Some(p) = m.import
                && progress.last() != Some(&(p.done, p.total))
            {
                progress.push((p.done, p.total));
            }
            if m.state == MailboxState::Listening {
                break;
            }
        }
    }
    assert!(
        progress.iter().all(|(_, total)| *total == N as u32),
        "{progress:?}"
    );
    assert!(
        progress.len() >= 3,
        "progress was shown in steps: {progress:?}"
    );
    mail.until_inbound(N).await;
    let processed = tuberry::channels::email::net::folder_name("Обработанные");
    assert!(
        processed.starts_with('&') && processed.is_ascii(),
        "{processed}"
    );
    assert_eq!(mail.servers.messages(SHOP, &processed).await.len(), N);
    assert!(mail.servers.messages(SHOP, "INBOX").await.is_empty());
}

#[tokio::test]
async fn without_idle_the_mailbox_polls() {
    let servers = Servers::start_with(Options {
        idle: false,
        ..Options::default()
    })
    .await;
    let mail = Mail::start_on(servers, |_| {}).await;
    let mut input = mail.input();
    input.poll_interval_s = Some(10);
    let mailbox = mail.add(input).await;
    assert_eq!(mailbox.state, MailboxState::Polling);
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("p1", "Polling", "Found by polling", ""),
        )
        .await;
    let inbound = mail.until_inbound(1).await;
    assert_eq!(inbound[0].text, "Found by polling");
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

#[tokio::test]
async fn the_command_line_tests_adds_edits_and_removes_a_mailbox() {
    let servers = Servers::start().await;
    let ports = *servers.ports();
    let dir = tempfile::tempdir().unwrap();
    let imap = format!("127.0.0.1:{}", ports.imap);
    let smtp = format!("127.0.0.1:{}", ports.submission_plain);
    let servers_args = [
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
    ];
    let run = |args: &[&str], password: &str| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(servers_args);
        tuberry(dir.path(), &all, password)
    };

    let (ok, out, err) = run(&["mailbox", "test"], "wrong");
    assert!(!ok);
    assert!(
        out.contains("IMAP: Auth") && out.contains("SMTP: Auth"),
        "{out}{err}"
    );
    let (ok, out, err) = run(&["mailbox", "test"], servers.password(SHOP));
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("IMAP: OK") && out.contains("SMTP: OK"),
        "{out}"
    );

    let (ok, out, err) = run(
        &["mailbox", "add", "--name", "Shop mail"],
        servers.password(SHOP),
    );
    assert!(ok, "{err}");
    assert!(out.contains("Shop mail <shop@shop.test>"), "{out}");
    let (ok, out, err) = tuberry(dir.path(), &["--json", "mailbox", "list"], "");
    assert!(ok, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["address"], SHOP);
    assert_eq!(list[0]["imap"]["port"], ports.imap);
    let id = list[0]["accountId"].to_string();

    let (ok, out, err) = tuberry(
        dir.path(),
        &[
            "mailbox",
            "edit",
            &id,
            "--name",
            "Orders",
            "--poll-interval",
            "120",
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("Orders <shop@shop.test>"), "{out}");
    let (ok, _, err) = tuberry(dir.path(), &["mailbox", "remove", &id], "");
    assert!(ok, "{err}");
    let (_, out, _) = tuberry(dir.path(), &["mailbox", "list"], "");
    assert!(out.contains("No mailboxes yet"), "{out}");
}
