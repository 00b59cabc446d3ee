//! Talking to mail servers: TLS (checked as [`Trust`] says),
//! the IMAP connection up to a logged-in session, the SMTP transport, and
//! what each failure means for a person ([`MailError`]).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_imap::Client;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::model::{MailError, MailProblem, MailSecurity, MailServer};
use super::trust::Trust;
use crate::error::Result;
use crate::secret::Secret;

/// Any stream an IMAP session runs over (plain TCP or TLS).
pub trait ImapIo: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> ImapIo for T {}

pub type Session = async_imap::Session<Box<dyn ImapIo>>;

/// The certificates mail servers are checked against ([`Trust`]).
#[derive(Clone)]
pub struct TlsRoots {
    trust: Arc<Trust>,
}

impl TlsRoots {
    /// The public web roots, plus the PEM file's certificates when given.
    pub fn new(extra_ca_file: Option<&std::path::Path>) -> Result<Self> {
        Ok(Self {
            trust: Arc::new(Trust::new(extra_ca_file)?),
        })
    }

    async fn wrap(
        &self,
        server: &MailServer,
        tcp: TcpStream,
    ) -> Result<Box<dyn ImapIo>, MailError> {
        let host = server.host.trim();
        let name = ServerName::try_from(host.to_owned()).map_err(|_| {
            MailError::new(MailProblem::Tls, format!("`{host}` is not a host name"))
        })?;
        let refusal = Arc::new(Mutex::new(None));
        let config = self
            .trust
            .client_config(server.trusted_cert.as_deref(), refusal.clone())?;
        match tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
        {
            Ok(tls) => Ok(Box::new(tls)),
            Err(e) => Err(refusal
                .lock()
                .ok()
                .and_then(|mut r| r.take())
                .unwrap_or_else(|| {
                    MailError::new(MailProblem::Tls, format!("TLS with {host}: {e}"))
                })),
        }
    }
}

async fn timed<T>(
    limit: Duration,
    what: &str,
    f: impl Future<Output = Result<T, MailError>>,
) -> Result<T, MailError> {
    tokio::time::timeout(limit, f).await.unwrap_or_else(|_| {
        Err(MailError::new(
            MailProblem::Connect,
            format!("{what}: no answer within {} s", limit.as_secs()),
        ))
    })
}

/// Resolves the server's name, so that a typo is told apart from a server
/// that does not answer.
async fn resolve(server: &MailServer) -> Result<Vec<SocketAddr>, MailError> {
    let host = server.host.trim();
    if host.is_empty() {
        return Err(MailError::new(MailProblem::Dns, "no server name"));
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, server.port))
        .await
        .map_err(|e| MailError::new(MailProblem::Dns, format!("cannot resolve {host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(MailError::new(
            MailProblem::Dns,
            format!("{host} has no address"),
        ));
    }
    Ok(addrs)
}

async fn tcp(server: &MailServer) -> Result<TcpStream, MailError> {
    let addrs = resolve(server).await?;
    TcpStream::connect(&addrs[..]).await.map_err(|e| {
        MailError::new(
            MailProblem::Connect,
            format!("cannot connect to {}:{}: {e}", server.host, server.port),
        )
    })
}

/// A server's NO or BAD in its own words: the IMAP library hands them over
/// as `code: …, info: Some("…")`.
fn server_words(text: &str) -> String {
    let text = text.trim();
    match text.split_once("info: Some(\"") {
        Some((_, info)) => info
            .strip_suffix("\")")
            .unwrap_or(info)
            .replace("\\\"", "\"")
            .trim()
            .to_owned(),
        None => text.to_owned(),
    }
}

fn imap_error(what: &str, e: async_imap::error::Error) -> MailError {
    use async_imap::error::Error as E;
    match e {
        E::Io(e) => MailError::new(MailProblem::Connect, format!("{what}: {e}")),
        E::ConnectionLost => {
            MailError::new(MailProblem::Connect, format!("{what}: connection lost"))
        }
        E::No(text) | E::Bad(text) => MailError::new(
            MailProblem::Protocol,
            format!("{what}: {}", server_words(&text)),
        ),
        other => MailError::new(MailProblem::Protocol, format!("{what}: {other}")),
    }
}

/// Reads the server's greeting: a server that speaks something else (or TLS
/// where plain was expected) shows here.
async fn greeting<T: ImapIo>(client: &mut Client<T>) -> Result<(), MailError> {
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(MailError::new(
            MailProblem::Protocol,
            "the server closed the connection without greeting (wrong port or security mode?)",
        )),
        Err(e) => Err(MailError::new(
            MailProblem::Protocol,
            format!("no IMAP greeting (wrong port or security mode?): {e}"),
        )),
    }
}

/// Connects and logs in; the folder is not selected yet.
pub async fn imap_session(
    server: &MailServer,
    login: &str,
    password: &Secret<String>,
    roots: &TlsRoots,
    limit: Duration,
) -> Result<Session, MailError> {
    timed(limit, "IMAP", async {
        let tcp = tcp(server).await?;
        let stream: Box<dyn ImapIo> = match server.security {
            MailSecurity::Tls => roots.wrap(server, tcp).await?,
            MailSecurity::None => Box::new(tcp),
            MailSecurity::Starttls => {
                let mut client = Client::new(tcp);
                greeting(&mut client).await?;
                client
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| {
                        MailError::new(
                            MailProblem::Tls,
                            format!("the server refused STARTTLS: {}", imap_error("STARTTLS", e)),
                        )
                    })?;
                roots.wrap(server, client.into_inner()).await?
            }
        };
        let mut client = Client::new(stream);
        if server.security != MailSecurity::Starttls {
            greeting(&mut client).await?;
        }
        client
            .login(login, password.expose())
            .await
            .map_err(|(e, _)| match e {
                async_imap::error::Error::No(text) => MailError::new(
                    MailProblem::Auth,
                    format!("the IMAP server refused the login: {}", server_words(&text)),
                ),
                other => imap_error("IMAP login", other),
            })
    })
    .await
}

/// A folder's name as IMAP spells it (modified UTF-7, RFC 3501 5.1.3), so
/// that «Обработанные» or «Отправленные» work.
pub fn folder_name(name: &str) -> String {
    utf7_imap::encode_utf7_imap(name.to_owned())
}

/// A folder's name from a LIST answer, as people read it.
pub fn folder_display_name(imap_name: &str) -> String {
    utf7_imap::decode_utf7_imap(imap_name.to_owned())
}

/// Selects `folder`, telling a missing folder apart from other refusals.
pub async fn select(
    session: &mut Session,
    folder: &str,
) -> Result<async_imap::types::Mailbox, MailError> {
    session
        .select(folder_name(folder))
        .await
        .map_err(|e| match e {
            async_imap::error::Error::No(text) => MailError::new(
                MailProblem::Folder,
                format!("folder “{folder}” cannot be opened: {}", text.trim()),
            ),
            other => imap_error("SELECT", other),
        })
}

pub fn imap_failure(what: &str, e: async_imap::error::Error) -> MailError {
    imap_error(what, e)
}

/// One IMAP command within `limit`: a server that falls silent and one that
/// refuses both come back as a [`MailError`] naming the command.
pub async fn call<T>(
    limit: Duration,
    what: &'static str,
    command: impl Future<Output = Result<T, async_imap::error::Error>>,
) -> Result<T, MailError> {
    tokio::time::timeout(limit, command)
        .await
        .map_err(|_| MailError::new(MailProblem::Connect, format!("{what}: no answer")))?
        .map_err(|e| imap_error(what, e))
}

/// An SMTP connection, logged in.
pub type Smtp = AsyncSmtpConnection;

/// Connects to the SMTP server (TLS or STARTTLS as set), checks its
/// certificate as [`Trust`] says before anything else is sent, and logs in.
pub async fn smtp_session(
    server: &MailServer,
    login: &str,
    password: &Secret<String>,
    roots: &TlsRoots,
    limit: Duration,
) -> Result<Smtp, MailError> {
    timed(limit, "SMTP", async {
        // lettre resolves names itself; resolving first tells a typo apart.
        resolve(server).await?;
        let host = server.host.trim();
        let hello = ClientId::default();
        // lettre makes the handshake (checking its signatures); the
        // certificate is checked below, before the login.
        let tls = || {
            TlsParameters::builder(host.to_owned())
                .dangerous_accept_invalid_certs(true)
                .dangerous_accept_invalid_hostnames(true)
                .build_rustls()
                .map_err(|e| MailError::new(MailProblem::Tls, format!("TLS set-up: {e}")))
        };
        let wrapped = match server.security {
            MailSecurity::Tls => Some(tls()?),
            _ => None,
        };
        let mut smtp = AsyncSmtpConnection::connect_tokio1(
            (host, server.port),
            Some(limit),
            &hello,
            wrapped,
            None,
        )
        .await
        .map_err(|e| smtp_error(&e))?;
        if server.security == MailSecurity::Starttls {
            if !smtp.can_starttls() {
                smtp.abort().await;
                return Err(MailError::new(
                    MailProblem::Tls,
                    "the SMTP server does not offer STARTTLS (wrong port or security mode?)",
                ));
            }
            smtp.starttls(tls()?, &hello)
                .await
                .map_err(|e| smtp_error(&e))?;
        }
        if server.security != MailSecurity::None {
            let chain: Vec<CertificateDer> = smtp
                .certificate_chain()
                .map_err(|e| smtp_error(&e))?
                .into_iter()
                .map(CertificateDer::from)
                .collect();
            if let Err(refused) = roots
                .trust
                .check(host, &chain, server.trusted_cert.as_deref())
            {
                smtp.abort().await;
                return Err(refused);
            }
        }
        let credentials = Credentials::new(login.to_owned(), password.expose().clone());
        if let Err(e) = smtp
            .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
            .await
        {
            smtp.abort().await;
            return Err(smtp_error(&e));
        }
        Ok(smtp)
    })
    .await
}

/// What an SMTP failure means for a person.
pub fn smtp_error(e: &lettre::transport::smtp::Error) -> MailError {
    use std::error::Error as _;
    let mut detail = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        detail = format!("{detail}: {s}");
        source = s.source();
    }
    let code = e.status().map(|c| c.to_string());
    let problem = match code.as_deref() {
        Some("535" | "534" | "530" | "454") => MailProblem::Auth,
        _ if e.is_permanent() => MailProblem::Rejected,
        _ if e.is_tls() => MailProblem::Tls,
        _ if e.is_transient() => MailProblem::Protocol,
        _ if e.is_client() && detail.contains("authentication") => MailProblem::Auth,
        _ if e.is_response() || e.is_client() => MailProblem::Protocol,
        _ => MailProblem::Connect,
    };
    let message = match problem {
        MailProblem::Auth => format!("the SMTP server refused the login: {detail}"),
        MailProblem::Connect => format!("cannot reach the SMTP server: {detail}"),
        MailProblem::Tls => format!("TLS with the SMTP server: {detail}"),
        _ => detail,
    };
    MailError::new(problem, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_in_modified_utf7() {
        assert_eq!(folder_name("INBOX"), "INBOX");
        assert_eq!(folder_name("Sent & Drafts"), "Sent &- Drafts");
        let russian = folder_name("Отправленные");
        assert!(russian.is_ascii() && russian.starts_with('&'), "{russian}");
        assert_eq!(folder_display_name(&russian), "Отправленные");
    }

    #[test]
    fn a_refusal_is_shown_in_the_servers_words() {
        assert_eq!(
            server_words(
                r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#
            ),
            "[AUTHENTICATIONFAILED] Authentication failed."
        );
        assert_eq!(
            server_words(r#"code: None, info: Some("Say \"hi\"")"#),
            "Say \"hi\""
        );
        assert_eq!(server_words(" Mailbox is full "), "Mailbox is full");
    }
}
