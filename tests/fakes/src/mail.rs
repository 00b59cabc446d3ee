//! Real mail servers on loopback for the e-mail channel's tests, the
//! desktop end-to-end run and the benchmarks: Dovecot (IMAP, plus LMTP and
//! SASL for Postfix) and Postfix (SMTP) delivering into it. Every
//! [`MailServer`] is a private pair of instances in its own temporary
//! directory, on ports the kernel handed out, with TLS from a private CA
//! made at start; nothing of the system-wide configuration or services is
//! used. Needs root and the packages `scripts/install-deps.sh` installs
//! (dovecot-imapd, dovecot-lmtpd, postfix, openssl).
//!
//! Differences from a production set-up, all for fast and deterministic
//! tests: failed logins are answered at once (no delay, no penalty), deferred
//! mail is retried every second, and mail for any domain but the test
//! domains is refused at RCPT (there is no outside world to relay to).
//!
//! [`control`] offers a running server's operations over HTTP, for tests in
//! another process.

pub mod control;
mod instance;
mod process;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use async_imap::types::Flag;
use futures_util::TryStreamExt;
use lettre::address::Envelope;
use lettre::transport::smtp::client::Tls;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tempfile::TempDir;
use tokio::net::TcpStream;

use instance::*;
use process::*;

/// The shop's mailbox, password `shop-pw`.
pub const SHOP: &str = "shop@shop.test";
/// A customer's mailbox at their own provider, password `ivan-pw`.
pub const IVAN: &str = "ivan@customer.test";

/// The domains every server serves; users may add more.
const DOMAINS: [&str; 2] = ["shop.test", "customer.test"];
/// How often a start is tried on fresh ports when a port was taken meanwhile.
const START_ATTEMPTS: usize = 5;
/// How long a restart keeps trying when one of its ports is taken meanwhile.
const RESTART_PATIENCE: Duration = Duration::from_secs(5);
const DELIVERY_WAIT: Duration = Duration::from_secs(10);
const MESSAGES_WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(50);
/// What Dovecot 2.3 advertises after login (its `CAPABILITY_STRING`, as
/// configured here) without IDLE, for [`Options::idle`] off. Before login it
/// then advertises the same, plus STARTTLS and the AUTH= mechanisms.
const CAPABILITY_WITHOUT_IDLE: &str = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT \
    SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL \
    CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC \
    ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY \
    PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY";

/// The ports of one [`MailServer`], all on 127.0.0.1. They stay the same
/// across [`MailServer::stop`] and [`MailServer::restart`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    /// IMAP, plain with STARTTLS offered (login allowed without TLS).
    pub imap: u16,
    /// IMAP over implicit TLS.
    pub imaps: u16,
    /// Port-25-like SMTP: no login, accepts mail from loopback for the
    /// served domains only (what a customer's provider delivers through).
    pub smtp: u16,
    /// Submission: STARTTLS required, then AUTH (PLAIN/LOGIN) required.
    pub submission: u16,
    /// Submission over implicit TLS (`smtpd_tls_wrappermode`), AUTH required.
    pub submissions: u16,
    /// Submission without TLS, AUTH (PLAIN/LOGIN) over plaintext required,
    /// for tests that do not care about TLS.
    pub submission_plain: u16,
}

/// How a [`MailServer`] is set up beyond what every one has.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    /// Whether Dovecot offers IMAP IDLE; without it, clients must poll.
    pub idle: bool,
    /// More `(address, password)` users besides [`SHOP`] and [`IVAN`]; an
    /// address's domain is served even when it is neither shop.test nor
    /// customer.test.
    pub extra_users: &'a [(&'a str, &'a str)],
}

impl Default for Options<'_> {
    /// IDLE offered, no extra users: what [`MailServer::start`] starts.
    fn default() -> Self {
        Options {
            idle: true,
            extra_users: &[],
        }
    }
}

/// A private Dovecot + Postfix pair; stopped (and its directory removed)
/// when dropped.
pub struct MailServer {
    /// Removed after the servers have stopped (fields drop after `drop`).
    _dir: TempDir,
    instance: Instance,
    ca_pem: String,
    /// The master processes while the servers run.
    running: Option<Masters>,
}

impl MailServer {
    /// Starts Dovecot and Postfix with the users [`SHOP`] (`shop-pw`) and
    /// [`IVAN`] (`ivan-pw`), TLS certified for `localhost` and `127.0.0.1`
    /// by a private CA ([`Self::ca_pem`]). Panics when they cannot start.
    pub async fn start() -> MailServer {
        Self::start_with(Options::default()).await
    }

    /// [`Self::start`] with more `(address, password)` users; an address's
    /// domain is served even when it is neither shop.test nor customer.test.
    pub async fn start_with_users(extra: &[(&str, &str)]) -> MailServer {
        Self::start_with(Options {
            extra_users: extra,
            ..Options::default()
        })
        .await
    }

    /// [`Self::start`] set up as `options` say.
    pub async fn start_with(options: Options<'_>) -> MailServer {
        let mut users = BTreeMap::from([
            (SHOP.to_owned(), "shop-pw".to_owned()),
            (IVAN.to_owned(), "ivan-pw".to_owned()),
        ]);
        for &(user, password) in options.extra_users {
            assert!(
                user.contains('@') && user == user.to_lowercase(),
                "`{user}`: users are lower-case addresses"
            );
            assert!(
                !password.contains([':', '\n']) && !password.is_empty(),
                "password of {user}: not empty, no colon or newline"
            );
            users.insert(user.to_owned(), password.to_owned());
        }
        let idle = options.idle;
        let dir = tempfile::Builder::new()
            .prefix("tuberry-mail-")
            .tempdir()
            .expect("temp dir for the mail servers");
        let root = dir.path().to_path_buf();
        let (instance, masters) = blocking(move || {
            prepare(&root, &users);
            let mut failure = String::new();
            for _ in 0..START_ATTEMPTS {
                let instance = Instance::new(&root, &users, idle);
                match instance.launch() {
                    Ok(masters) => return (instance, masters),
                    Err(e) if e.port_taken => failure = e.detail,
                    Err(e) => panic!("the mail servers do not start:\n{}", e.detail),
                }
            }
            panic!("the mail servers found no free ports:\n{failure}");
        })
        .await;
        let ca_pem = fs::read_to_string(instance.ca_file()).expect("CA certificate");
        MailServer {
            _dir: dir,
            instance,
            ca_pem,
            running: Some(masters),
        }
    }

    /// The servers' ports.
    pub fn ports(&self) -> &Ports {
        &self.instance.ports
    }

    /// The PEM certificate of the CA that certified both servers: what a
    /// client must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The servers' own certificate (signed by the test CA), as PEM.
    pub fn server_cert_pem(&self) -> String {
        std::fs::read_to_string(self.instance.server_cert_file()).expect("the server certificate")
    }

    /// The file holding [`Self::ca_pem`], for settings that take a path.
    pub fn ca_file(&self) -> PathBuf {
        self.instance.ca_file()
    }

    /// Stops both servers; connections to any of [`Self::ports`] are refused
    /// when this returns. Mail and queues stay for [`Self::restart`].
    pub async fn stop(&mut self) {
        if let Some(masters) = self.running.take() {
            let instance = self.instance.clone();
            let stopped = blocking(move || instance.shutdown(masters)).await;
            assert!(
                stopped,
                "the mail servers did not stop:\n{}",
                self.log_tail()
            );
        }
    }

    /// Starts both servers again on the same ports (stopping them first if
    /// they run), for "server down, then up" tests.
    pub async fn restart(&mut self) {
        self.stop().await;
        let instance = self.instance.clone();
        let masters = blocking(move || {
            let deadline = Instant::now() + RESTART_PATIENCE;
            loop {
                match instance.launch() {
                    Ok(masters) => return masters,
                    Err(e) if e.port_taken && Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(200));
                    }
                    Err(e) => panic!("the mail servers do not restart:\n{}", e.detail),
                }
            }
        })
        .await;
        self.running = Some(masters);
    }

    /// Sends the raw RFC 5322 message `raw` (CRLF line ends) from `from` to
    /// `to` over the plain SMTP port (no login, as another provider would)
    /// and waits until Dovecot has stored it in the recipient's INBOX. Read
    /// back, the message is `raw` behind the headers the servers add.
    /// Panics when the message is refused, bounced or not delivered within
    /// 10 s.
    pub async fn deliver(&self, from: &str, to: &str, raw: &[u8]) {
        // lettre ends the data with CRLF "." CRLF even after a final CRLF,
        // which would add an empty line.
        let raw = raw.strip_suffix(b"\r\n").unwrap_or(raw);
        let envelope = Envelope::new(
            Some(from.parse().expect("sender address")),
            vec![to.parse().expect("recipient address")],
        )
        .expect("envelope");
        let response = self
            .smtp_transport()
            .send_raw(&envelope, raw)
            .await
            .unwrap_or_else(|e| panic!("{from} → {to} refused: {e}\n{}", self.log_tail()));
        let queue_id = response
            .message()
            .find_map(|line| line.split("queued as ").nth(1))
            .map(|id| id.trim().to_owned())
            .unwrap_or_else(|| panic!("no queue id in the SMTP reply {response:?}"));
        self.wait_delivered(&queue_id, to).await;
    }

    /// The messages in `user`'s `folder` as `(uid, raw message, flags)`,
    /// in UID order, read over IMAP without changing them (EXAMINE and
    /// `BODY.PEEK[]`). Flags are IMAP's spelling (`\Seen`, keywords as they
    /// are) without the session-dependent `\Recent`. A folder that does not
    /// exist has no messages.
    pub async fn messages(&self, user: &str, folder: &str) -> Vec<(u32, Vec<u8>, Vec<String>)> {
        let mut session = self.imap(user).await;
        let messages = match examine(&mut session, user, folder).await {
            0 => Vec::new(),
            _ => fetch_all(&mut session).await,
        };
        session.logout().await.expect("IMAP LOGOUT");
        messages
    }

    /// Waits until `user`'s `folder` holds at least `n` messages and returns
    /// them raw, in UID order; panics with the servers' logs after 15 s.
    pub async fn wait_messages(&self, user: &str, folder: &str, n: usize) -> Vec<Vec<u8>> {
        let mut session = self.imap(user).await;
        let deadline = Instant::now() + MESSAGES_WAIT;
        loop {
            let exists = examine(&mut session, user, folder).await;
            if usize::try_from(exists).is_ok_and(|exists| exists >= n) {
                let messages = fetch_all(&mut session).await;
                session.logout().await.expect("IMAP LOGOUT");
                return messages.into_iter().map(|(_, raw, _)| raw).collect();
            }
            assert!(
                Instant::now() < deadline,
                "{user}'s {folder} has {exists} of {n} messages after {} s\n{}",
                MESSAGES_WAIT.as_secs(),
                self.log_tail()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// The UIDVALIDITY that SELECT reports for `user`'s `folder`.
    pub async fn uid_validity(&self, user: &str, folder: &str) -> u32 {
        let mut session = self.imap(user).await;
        let mailbox = session
            .select(folder)
            .await
            .unwrap_or_else(|e| panic!("SELECT {folder} as {user}: {e}"));
        session.logout().await.expect("IMAP LOGOUT");
        mailbox
            .uid_validity
            .expect("UIDVALIDITY in the SELECT response")
    }

    /// Gives `user`'s `folder` a new UIDVALIDITY, as restoring the server
    /// from a backup does; the messages stay. Returns the new value.
    pub fn change_uid_validity(&self, user: &str, folder: &str) -> u32 {
        let status = self.instance.doveadm(&[
            "-f",
            "flow",
            "mailbox",
            "status",
            "-u",
            user,
            "uidvalidity",
            folder,
        ]);
        let current: u32 = status
            .split_whitespace()
            .find_map(|field| field.strip_prefix("uidvalidity="))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no UIDVALIDITY in `{status}`"));
        let changed = current.checked_add(1).unwrap_or(1);
        self.instance.doveadm(&[
            "mailbox",
            "update",
            "--uid-validity",
            &changed.to_string(),
            "-u",
            user,
            folder,
        ]);
        changed
    }

    /// Gives `user` a new password, as a provider does when it is changed
    /// there, and restarts both servers so that every open session ends:
    /// the next login needs the new one. Panics for an unknown user.
    pub async fn change_password(&mut self, user: &str, password: &str) {
        assert!(
            self.instance.users.contains_key(user),
            "{user} is no user of the mail server"
        );
        self.instance
            .users
            .insert(user.to_owned(), password.to_owned());
        let (root, users) = (self.instance.root.clone(), self.instance.users.clone());
        blocking(move || instance::write_users(&root, &users)).await;
        self.restart().await;
    }

    /// The password of `user`; panics for an unknown user.
    pub fn password(&self, user: &str) -> &str {
        self.instance
            .users
            .get(user)
            .unwrap_or_else(|| panic!("{user} is no user of the mail server"))
    }

    /// Everything Postfix and Dovecot logged, for panic messages.
    pub fn maillog(&self) -> String {
        self.instance.log(usize::MAX)
    }

    /// The end of the logs, for this harness's own panic messages.
    fn log_tail(&self) -> String {
        self.instance.log(40)
    }

    /// A plain connection to the SMTP port (lettre, no TLS, no login).
    fn smtp_transport(&self) -> AsyncSmtpTransport<Tokio1Executor> {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(self.instance.ports.smtp)
            .tls(Tls::None)
            .timeout(Some(DELIVERY_WAIT))
            .build()
    }

    /// Follows Postfix's log until the message `queue_id` was handed to
    /// Dovecot, which logs it only after storing it.
    async fn wait_delivered(&self, queue_id: &str, to: &str) {
        let log = self.instance.root.join("log/postfix.log");
        let marker = format!("{queue_id}: to=<");
        let deadline = Instant::now() + DELIVERY_WAIT;
        loop {
            let text = tokio::fs::read_to_string(&log).await.unwrap_or_default();
            let outcome = text.lines().rev().find(|line| line.contains(&marker));
            match outcome {
                Some(line) if line.contains("status=sent") => return,
                Some(line) if line.contains("status=bounced") => {
                    panic!("the message to {to} bounced: {line}\n{}", self.log_tail())
                }
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "the message to {to} ({queue_id}) was not delivered within {} s\n{}",
                DELIVERY_WAIT.as_secs(),
                self.log_tail()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// A session logged in as `user` over plain IMAP.
    async fn imap(&self, user: &str) -> ImapSession {
        let tcp = TcpStream::connect(("127.0.0.1", self.instance.ports.imap))
            .await
            .unwrap_or_else(|e| panic!("connecting to IMAP: {e}\n{}", self.log_tail()));
        let mut client = async_imap::Client::new(tcp);
        client
            .read_response()
            .await
            .expect("IMAP greeting")
            .expect("IMAP greeting");
        client
            .login(user, self.password(user))
            .await
            .unwrap_or_else(|(e, _)| panic!("IMAP login as {user}: {e}\n{}", self.log_tail()))
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        if let Some(masters) = self.running.take() {
            self.instance.shutdown(masters);
        }
    }
}

type ImapSession = async_imap::Session<TcpStream>;

/// Opens `folder` read-only, returning how many messages it holds (none when
/// it does not exist).
async fn examine(session: &mut ImapSession, user: &str, folder: &str) -> u32 {
    match session.examine(folder).await {
        Ok(mailbox) => mailbox.exists,
        Err(async_imap::error::Error::No(_)) => 0,
        Err(e) => panic!("EXAMINE {folder} as {user}: {e}"),
    }
}

/// Every message of the open folder as `(uid, raw message, flags)`, in UID
/// order, without marking them seen.
async fn fetch_all(session: &mut ImapSession) -> Vec<(u32, Vec<u8>, Vec<String>)> {
    let fetches: Vec<_> = session
        .uid_fetch("1:*", "(UID FLAGS BODY.PEEK[])")
        .await
        .expect("UID FETCH")
        .try_collect()
        .await
        .expect("UID FETCH responses");
    let mut messages: Vec<_> = fetches
        .iter()
        .map(|fetch| {
            let uid = fetch.uid.expect("UID in the FETCH response");
            let raw = fetch.body().expect("BODY[] in the FETCH response");
            let flags = fetch.flags().filter_map(|f| flag_name(&f)).collect();
            (uid, raw.to_vec(), flags)
        })
        .collect();
    messages.sort_by_key(|(uid, _, _)| *uid);
    messages
}

/// IMAP's spelling of a message flag; `None` for `\Recent`, which depends on
/// the session rather than the message.
fn flag_name(flag: &Flag<'_>) -> Option<String> {
    let name = match flag {
        Flag::Seen => "\\Seen",
        Flag::Answered => "\\Answered",
        Flag::Flagged => "\\Flagged",
        Flag::Deleted => "\\Deleted",
        Flag::Draft => "\\Draft",
        Flag::MayCreate => "\\*",
        Flag::Recent => return None,
        Flag::Custom(name) => name.as_ref(),
    };
    Some(name.to_owned())
}

/// Runs blocking work (processes, files, waits) off the async runtime,
/// passing its panic on.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("mail server task: {e}"),
    }
}
