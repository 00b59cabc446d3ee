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

/// The master processes of a running pair.
#[derive(Clone, Copy, Debug)]
struct Masters {
    dovecot: u32,
    postfix: u32,
}

/// Why a start failed: the logs' words, and whether a port was taken (so
/// that trying again may help).
struct LaunchError {
    port_taken: bool,
    detail: String,
}

/// One pair's files and ports; all of its work blocks.
///
/// Layout under `root`: `tls/` (CA and server certificate), `dovecot/`
/// (configuration, users, runtime and state), `mail/` (the users' homes),
/// `postfix/etc`, `postfix/queue`, `postfix/data`, and `log/`.
#[derive(Clone)]
struct Instance {
    root: PathBuf,
    ports: Ports,
    /// Dovecot's LMTP, where Postfix delivers.
    lmtp: u16,
    /// Dovecot's authentication service, which Postfix asks for SASL.
    auth: u16,
    users: BTreeMap<String, String>,
    /// Whether Dovecot offers IDLE.
    idle: bool,
}

/// Creates the directories, the certificates and the user lists: everything
/// that does not depend on the ports.
fn prepare(root: &Path, users: &BTreeMap<String, String>) {
    // The servers' unprivileged users must reach their directories.
    fs::set_permissions(root, fs::Permissions::from_mode(0o755)).expect("chmod the mail dir");
    for sub in [
        "tls",
        "dovecot",
        "mail",
        "postfix/etc",
        "postfix/queue",
        "postfix/data",
        "log",
    ] {
        fs::create_dir_all(root.join(sub)).expect("mail server directory");
    }
    run("chown", &["mail:mail", path_str(&root.join("mail"))]);
    run("chown", &["postfix", path_str(&root.join("postfix/data"))]);

    let tls = root.join("tls");
    let key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -noenc -days 7";
    openssl(
        &tls,
        &format!(
            "req -x509 {key} -keyout ca.key -out ca.pem -subj /CN=tuberry-test-ca \
             -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign"
        ),
    );
    openssl(
        &tls,
        &format!(
            "req -x509 -CA ca.pem -CAkey ca.key {key} -keyout server.key -out server.pem \
             -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
             -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=serverAuth"
        ),
    );

    let passwd = root.join("dovecot/users");
    let lines: String = users
        .iter()
        .map(|(user, password)| format!("{user}:{{PLAIN}}{password}\n"))
        .collect();
    fs::write(&passwd, lines).expect("Dovecot's users");
    run("chgrp", &["dovecot", path_str(&passwd)]);
    fs::set_permissions(&passwd, fs::Permissions::from_mode(0o640)).expect("chmod users");

    let mailboxes: String = users.keys().map(|user| format!("{user} ok\n")).collect();
    write_postfix_file(&root.join("postfix/etc/mailboxes"), &mailboxes);
}

impl Instance {
    /// An instance on ports that were free a moment ago, its configuration
    /// written.
    fn new(root: &Path, users: &BTreeMap<String, String>, idle: bool) -> Instance {
        let [
            imap,
            imaps,
            smtp,
            submission,
            submissions,
            submission_plain,
            lmtp,
            auth,
        ] = free_ports();
        let instance = Instance {
            root: root.to_path_buf(),
            ports: Ports {
                imap,
                imaps,
                smtp,
                submission,
                submissions,
                submission_plain,
            },
            lmtp,
            auth,
            users: users.clone(),
            idle,
        };
        instance.write_config();
        instance
    }

    fn ca_file(&self) -> PathBuf {
        self.root.join("tls/ca.pem")
    }

    fn dovecot_conf(&self) -> PathBuf {
        self.root.join("dovecot/dovecot.conf")
    }

    fn postfix_etc(&self) -> PathBuf {
        self.root.join("postfix/etc")
    }

    fn write_config(&self) {
        let root = self.root.display();
        let Ports {
            imap,
            imaps,
            smtp,
            submission,
            submissions,
            submission_plain,
        } = self.ports;
        let (lmtp, auth) = (self.lmtp, self.auth);
        let mut domains: BTreeSet<&str> = DOMAINS.into();
        domains.extend(self.users.keys().filter_map(|user| user.split('@').nth(1)));
        let domains = domains.into_iter().collect::<Vec<_>>().join(" ");
        // Dovecot's own list when IDLE is offered, otherwise the same
        // without IDLE.
        let capability = if self.idle {
            String::new()
        } else {
            format!("imap_capability = {CAPABILITY_WITHOUT_IDLE}\n")
        };

        let dovecot = format!(
            r#"base_dir = {root}/dovecot/run
state_dir = {root}/dovecot/state
instance_name = tuberry-test
log_path = {root}/log/dovecot.log
info_log_path = {root}/log/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/tls/server.pem
ssl_key = <{root}/tls/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Lu
auth_failure_delay = 0
first_valid_uid = 8
mail_location = maildir:~/Maildir
{capability}passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/dovecot/users
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={root}/mail/%u
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    port = {lmtp}
  }}
}}
service auth {{
  inet_listener sasl {{
    port = {auth}
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"#
        );
        fs::write(self.dovecot_conf(), dovecot).expect("dovecot.conf");

        let main_cf = format!(
            r#"compatibility_level = 3.6
queue_directory = {root}/postfix/queue
data_directory = {root}/postfix/data
maillog_file_prefixes = {root}/log
maillog_file = {root}/log/postfix.log
myhostname = localhost
mydomain = localhost
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
virtual_mailbox_domains = {domains}
virtual_mailbox_maps = texthash:{root}/postfix/etc/mailboxes
virtual_transport = lmtp:inet:127.0.0.1:{lmtp}
smtpd_relay_restrictions = reject_unauth_destination
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{auth}
smtpd_tls_cert_file = {root}/tls/server.pem
smtpd_tls_key_file = {root}/tls/server.key
smtpd_tls_security_level = may
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
"#
        );
        write_postfix_file(&self.postfix_etc().join("main.cf"), &main_cf);

        let authenticated = "-o smtpd_sasl_auth_enable=yes \
                             -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject";
        let master_cf = format!(
            r#"127.0.0.1:{smtp} inet n - n - - smtpd
127.0.0.1:{submission} inet n - n - - smtpd -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes {authenticated}
127.0.0.1:{submissions} inet n - n - - smtpd -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes {authenticated}
127.0.0.1:{submission_plain} inet n - n - - smtpd -o syslog_name=postfix/submission-plain
  -o smtpd_tls_security_level=none -o smtpd_tls_auth_only=no {authenticated}
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
proxywrite unix - - n -     1 proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
local     unix  - n n -     - local
virtual   unix  - n n -     - virtual
lmtp      unix  - - n -     - lmtp
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
"#
        );
        write_postfix_file(&self.postfix_etc().join("master.cf"), &master_cf);
    }

    /// Starts Dovecot, then Postfix, and waits until both greet. On failure
    /// nothing is left running.
    fn launch(&self) -> Result<Masters, LaunchError> {
        let log_start = self.log_sizes();
        let output = self.root.join("log/start.out");

        let dovecot_pid = self.root.join("dovecot/run/master.pid");
        // A pid file left by a killed master would read as "already running".
        remove_if_present(&dovecot_pid);
        let conf = self.dovecot_conf();
        if let Err(e) = daemon("dovecot", &["-c", path_str(&conf)], &output) {
            return Err(self.launch_error(&e, &log_start));
        }
        let Some(dovecot) = read_pid(&dovecot_pid) else {
            return Err(self.launch_error("Dovecot wrote no master.pid", &log_start));
        };

        let etc = self.postfix_etc();
        if let Err(e) = daemon("postfix", &["-c", path_str(&etc), "start"], &output) {
            let error = self.launch_error(&e, &log_start);
            self.shutdown(Masters {
                dovecot,
                postfix: 0,
            });
            return Err(error);
        }
        let postfix = read_pid(&self.root.join("postfix/queue/pid/master.pid"));
        let masters = Masters {
            dovecot,
            postfix: postfix.unwrap_or(0),
        };
        let greeted = postfix.is_some()
            && greets(self.ports.imap, "* OK", "a LOGOUT\r\n")
            && greets(self.ports.smtp, "220 ", "QUIT\r\n");
        if !greeted {
            let error = self.launch_error("the servers do not greet", &log_start);
            self.shutdown(masters);
            return Err(error);
        }
        Ok(masters)
    }

    fn launch_error(&self, what: &str, log_start: &[u64; 3]) -> LaunchError {
        let detail = format!("{what}\n{}", self.log_since(log_start));
        LaunchError {
            port_taken: detail.contains("Address already in use"),
            detail,
        }
    }

    /// Stops both pairs' process families and waits until their ports are
    /// free; `false` when something would not go away.
    fn shutdown(&self, masters: Masters) -> bool {
        let masters: Vec<u32> = [masters.dovecot, masters.postfix]
            .into_iter()
            .filter(|&pid| pid != 0)
            .collect();
        let mut family: BTreeSet<u32> = masters.iter().copied().collect();
        family.extend(children(&masters));
        for &pid in &masters {
            signal("TERM", pid);
        }
        // Each master stops its children. Dovecot's log process then lasts
        // until its master exits, a second later: not worth waiting for.
        wait_until(Duration::from_secs(5), || {
            family.extend(children(&masters));
            family
                .iter()
                .all(|&pid| masters.contains(&pid) || !is_alive(pid) || is_dovecot_log(pid))
        });
        family.extend(children(&masters));
        for &pid in &family {
            if is_alive(pid) {
                signal("KILL", pid);
            }
        }
        let gone = wait_until(Duration::from_secs(2), || {
            family.iter().all(|&pid| !is_alive(pid))
        });
        remove_if_present(&self.root.join("dovecot/run/master.pid"));
        let ports = self.all_ports();
        let freed = wait_until(Duration::from_secs(2), || {
            ports
                .iter()
                .all(|&port| TcpListener::bind(("127.0.0.1", port)).is_ok())
        });
        gone && freed
    }

    fn all_ports(&self) -> [u16; 8] {
        let p = self.ports;
        [
            p.imap,
            p.imaps,
            p.smtp,
            p.submission,
            p.submissions,
            p.submission_plain,
            self.lmtp,
            self.auth,
        ]
    }

    /// Runs `doveadm` on this instance's configuration, returning its output.
    fn doveadm(&self, args: &[&str]) -> String {
        let conf = self.dovecot_conf();
        let output = Command::new("doveadm")
            .args(["-c", path_str(&conf)])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("doveadm runs");
        assert!(
            output.status.success(),
            "doveadm {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The log files: Postfix's, Dovecot's, and the start commands' output.
    fn log_files(&self) -> [PathBuf; 3] {
        ["postfix.log", "dovecot.log", "start.out"].map(|name| self.root.join("log").join(name))
    }

    fn log_sizes(&self) -> [u64; 3] {
        self.log_files()
            .map(|path| fs::metadata(path).map(|m| m.len()).unwrap_or(0))
    }

    /// What the logs gained since `sizes`.
    fn log_since(&self, sizes: &[u64; 3]) -> String {
        let mut text = String::new();
        for (path, &from) in self.log_files().iter().zip(sizes) {
            let content = fs::read(path).unwrap_or_default();
            let from = usize::try_from(from).unwrap_or(0).min(content.len());
            text.push_str(&String::from_utf8_lossy(&content[from..]));
        }
        text
    }

    /// The last `lines` lines of Postfix's and Dovecot's logs.
    fn log(&self, lines: usize) -> String {
        let mut text = String::new();
        for name in ["postfix", "dovecot"] {
            let path = self.root.join(format!("log/{name}.log"));
            let content = fs::read_to_string(path).unwrap_or_default();
            let all: Vec<&str> = content.lines().collect();
            let tail = &all[all.len().saturating_sub(lines)..];
            text.push_str(&format!("--- {name} log ---\n"));
            for line in tail {
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }
}

/// Ports the kernel hands out for loopback, all different; they are free
/// again when this returns.
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("local address").port())
}

/// Writes a Postfix configuration file dated a minute back: Postfix does not
/// read a file modified in the last second (it may still be written) and
/// waits instead.
fn write_postfix_file(path: &Path, content: &str) {
    fs::write(path, content).expect("Postfix configuration");
    File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(SystemTime::now() - Duration::from_secs(60)))
        .expect("date the Postfix configuration");
}

/// Runs a command that starts a daemon, its output appended to `output`
/// (a pipe would stay open in the daemon and never end).
fn daemon(program: &str, args: &[&str], output: &Path) -> Result<(), String> {
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
fn run(program: &str, args: &[&str]) {
    run_in(Path::new("/"), program, args);
}

/// Runs `openssl` in `dir` with whitespace-separated `args`.
fn openssl(dir: &Path, args: &str) {
    run_in(dir, "openssl", &args.split_whitespace().collect::<Vec<_>>());
}

fn run_in(dir: &Path, program: &str, args: &[&str]) {
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

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

fn remove_if_present(path: &Path) {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("removing {}: {e}", path.display()),
    }
}

/// The pid in a daemon's pid file, waiting briefly for the file to appear.
fn read_pid(path: &Path) -> Option<u32> {
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
fn greets(port: u16, greeting: &str, goodbye: &str) -> bool {
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
fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
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

fn signal(name: &str, pid: u32) {
    // A process that is already gone is fine.
    Command::new("kill")
        .args(["-s", name, &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok();
}

/// State and parent of a process from `/proc/PID/stat`.
fn process_info(pid: u32) -> Option<(char, u32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name in parentheses may hold spaces and parentheses.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}

/// Whether `pid` runs: a zombie nobody reaps (daemons are orphans) does not.
fn is_alive(pid: u32) -> bool {
    process_info(pid).is_some_and(|(state, _)| state != 'Z')
}

/// Whether `pid` is a Dovecot log process (titled `dovecot-INSTANCE/log`).
fn is_dovecot_log(pid: u32) -> bool {
    fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|title| {
        title
            .strip_suffix(b"\0")
            .unwrap_or(&title)
            .ends_with(b"/log")
    })
}

/// The live children of `parents`.
fn children(parents: &[u32]) -> Vec<u32> {
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
