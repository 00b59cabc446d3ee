//! What the desktop, the command line and the store exchange about mailboxes.

use serde::{Deserialize, Serialize};
use specta::Type;

/// How a connection to a mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Tls,
    /// A plain connection upgraded with STARTTLS (IMAP 143, SMTP 587).
    Starttls,
    /// No encryption: only for a server on the local network.
    None,
}

impl MailSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            MailSecurity::Tls => "tls",
            MailSecurity::Starttls => "starttls",
            MailSecurity::None => "none",
        }
    }
}

impl std::str::FromStr for MailSecurity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tls" => Ok(MailSecurity::Tls),
            "starttls" => Ok(MailSecurity::Starttls),
            "none" => Ok(MailSecurity::None),
            other => Err(format!(
                "unknown security `{other}` (expected tls, starttls or none)"
            )),
        }
    }
}

/// One server of a mailbox (IMAP or SMTP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MailServer {
    pub host: String,
    pub port: u16,
    pub security: MailSecurity,
    /// The SHA-256 fingerprint of the certificate the owner trusted for
    /// this server (a self-signed one), when the usual checks refuse it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub trusted_cert: Option<String>,
}

/// The usual IMAP and SMTP servers for an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MailServers {
    pub imap: MailServer,
    pub smtp: MailServer,
}

/// A mailbox as the person adding or editing it types it. The password is
/// only ever in transit to the keyring: `None` when editing keeps the stored one.
#[derive(Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MailboxInput {
    /// What the inbox calls it, e.g. "Shop mail".
    pub name: String,
    /// The address customers write to; replies are sent from it.
    pub address: String,
    /// The login for both servers; the address when empty.
    pub login: Option<String>,
    pub password: Option<String>,
    pub imap: MailServer,
    pub smtp: MailServer,
    /// The folder new mail arrives in ("INBOX" when empty).
    pub folder: Option<String>,
    /// Move mail to this folder once it is stored (created when missing).
    pub move_to: Option<String>,
    /// How often to look for new mail when the server has no IMAP IDLE.
    pub poll_interval_s: Option<u32>,
    /// How many days of existing mail the first connection imports (all when
    /// `None`, only new mail when 0).
    pub import_days: Option<u32>,
    pub project_id: Option<i64>,
}

impl std::fmt::Debug for MailboxInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxInput")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("login", &self.login)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("imap", &self.imap)
            .field("smtp", &self.smtp)
            .field("folder", &self.folder)
            .field("move_to", &self.move_to)
            .field("poll_interval_s", &self.poll_interval_s)
            .field("import_days", &self.import_days)
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// What a mailbox is doing right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum MailboxState {
    Connecting,
    /// Reading existing mail (see [`Mailbox::import`]).
    Importing,
    /// Connected; the server pushes new mail (IMAP IDLE).
    Listening,
    /// Connected; new mail is looked for every poll interval.
    Polling,
    /// Not connected; trying again (see [`Mailbox::last_error`]).
    Offline,
    Stopped,
}

/// Progress of reading a folder's existing mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub done: u32,
    pub total: u32,
}

/// A connected mailbox (a channel account of kind `email`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Mailbox {
    pub account_id: i64,
    pub project_id: Option<i64>,
    pub name: String,
    pub address: String,
    pub login: String,
    pub imap: MailServer,
    pub smtp: MailServer,
    pub folder: String,
    pub move_to: Option<String>,
    pub poll_interval_s: u32,
    pub import_days: Option<u32>,
    pub state: MailboxState,
    pub last_error: Option<MailError>,
    pub import: Option<ImportProgress>,
}

/// Which step of talking to a mail server failed: what a person checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum MailProblem {
    /// The host name does not resolve.
    Dns,
    /// Nothing answers at host:port (or it took too long).
    Connect,
    /// The TLS handshake failed: certificate, protocol, wrong security mode.
    Tls,
    /// The server refused the login or password.
    Auth,
    /// The folder does not exist.
    Folder,
    /// The server answered something unexpected or refused a command.
    Protocol,
    /// The server refused the message for good (e.g. 550 mailbox unknown).
    Rejected,
}

/// A failure talking to a mail server, with the server's own words when it
/// gave any. Never contains the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct MailError {
    pub problem: MailProblem,
    pub message: String,
    /// The certificate the server showed, when it is what was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub certificate: Option<ServerCertificate>,
}

impl MailError {
    pub fn new(problem: MailProblem, message: impl Into<String>) -> Self {
        Self {
            problem,
            message: message.into(),
            certificate: None,
        }
    }
}

/// A server's certificate that could not be trusted: what the owner checks
/// with the server's administrator before trusting it for that server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ServerCertificate {
    /// SHA-256, upper-case hex pairs joined by colons.
    pub fingerprint: String,
    /// The fingerprint trusted before, when the server now shows another.
    pub trusted: Option<String>,
}

/// The result of "Test connection": each server on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub imap: Option<MailError>,
    pub smtp: Option<MailError>,
}

impl ConnectionReport {
    pub fn ok(&self) -> bool {
        self.imap.is_none() && self.smtp.is_none()
    }
}
