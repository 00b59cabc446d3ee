//! `tuberry mailbox …`: connecting business mailboxes from the command line.
//! The password is read from standard input (or TUBERRY_MAIL_PASSWORD), never
//! from the command line, and kept in the OS keyring.

use crate::channels::email::model::{MailSecurity, MailServer, MailServers, Mailbox, MailboxInput};
use crate::{ApiError, Engine, ErrorCode, api};
use clap::{Args, Subcommand};

use super::Output;

#[derive(Subcommand)]
pub enum MailboxCommand {
    /// List mailboxes with their state.
    List,
    /// Check the servers, then add the mailbox and start reading it.
    Add(MailboxArgs),
    /// Check the servers and the login without adding anything.
    Test(MailboxArgs),
    /// Change a mailbox; only the options given change. --password asks for a new one.
    Edit {
        account: i64,
        #[command(flatten)]
        args: EditArgs,
    },
    /// Disconnect a mailbox; its conversations stay in the inbox.
    Remove { account: i64 },
}

#[derive(Args)]
pub struct MailboxArgs {
    /// The address customers write to.
    #[arg(long)]
    address: String,
    /// What the inbox calls it (the address when not given).
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    servers: ServerArgs,
}

#[derive(Args)]
pub struct EditArgs {
    #[arg(long)]
    name: Option<String>,
    /// Ask for a new password.
    #[arg(long)]
    password: bool,
    #[command(flatten)]
    servers: ServerArgs,
}

#[derive(Args)]
pub struct ServerArgs {
    /// The login (the address when not given).
    #[arg(long)]
    login: Option<String>,
    /// IMAP server as host or host:port (the usual one for the address when not given).
    #[arg(long)]
    imap: Option<String>,
    /// tls, starttls or none.
    #[arg(long)]
    imap_security: Option<MailSecurity>,
    /// Trust the IMAP server's certificate with this SHA-256 fingerprint
    /// (a self-signed one; `mailbox test` shows it).
    #[arg(long, value_name = "FINGERPRINT")]
    imap_trust_cert: Option<String>,
    /// SMTP server as host or host:port.
    #[arg(long)]
    smtp: Option<String>,
    /// tls, starttls or none.
    #[arg(long)]
    smtp_security: Option<MailSecurity>,
    /// Trust the SMTP server's certificate with this SHA-256 fingerprint.
    #[arg(long, value_name = "FINGERPRINT")]
    smtp_trust_cert: Option<String>,
    /// The folder new mail arrives in.
    #[arg(long)]
    folder: Option<String>,
    /// Move processed mail to this folder.
    #[arg(long)]
    move_to: Option<String>,
    /// Seconds between checks when the server has no IMAP IDLE.
    #[arg(long)]
    poll_interval: Option<u32>,
    /// Days of existing mail to import on the first connection (all when not given).
    #[arg(long)]
    import_days: Option<u32>,
    /// The project the mailbox's conversations belong to.
    #[arg(long)]
    project: Option<i64>,
}

fn default_port(imap: bool, security: MailSecurity) -> u16 {
    match (imap, security) {
        (true, MailSecurity::Tls) => 993,
        (true, _) => 143,
        (false, MailSecurity::Tls) => 465,
        (false, MailSecurity::Starttls) => 587,
        (false, MailSecurity::None) => 25,
    }
}

/// `host[:port]` with the security given (or the current/guessed one).
fn server(
    given: Option<&str>,
    security: Option<MailSecurity>,
    current: MailServer,
    imap: bool,
) -> Result<MailServer, ApiError> {
    let security = security.unwrap_or(current.security);
    let Some(given) = given else {
        let port = if security == current.security {
            current.port
        } else {
            default_port(imap, security)
        };
        return Ok(MailServer {
            port,
            security,
            ..current
        });
    };
    let (host, port) = match given.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse().map_err(|_| ApiError {
                code: ErrorCode::InvalidInput,
                message: format!("`{given}`: the port must be a number"),
            })?,
        ),
        None => (given, default_port(imap, security)),
    };
    // A certificate trusted for the server stays trusted while the server stays.
    let trusted_cert = current.trusted_cert.filter(|_| current.host == host);
    Ok(MailServer {
        host: host.to_owned(),
        port,
        security,
        trusted_cert,
    })
}

/// The server with the certificate the owner trusts for it, when given.
fn trusting(server: MailServer, fingerprint: Option<&str>) -> MailServer {
    match fingerprint {
        Some(f) => MailServer {
            trusted_cert: Some(f.to_owned()),
            ..server
        },
        None => server,
    }
}

fn read_password() -> Result<String, ApiError> {
    if let Ok(password) = std::env::var("TUBERRY_MAIL_PASSWORD") {
        return Ok(password);
    }
    eprintln!("Type the mailbox password (or an app password) and press Enter:");
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .map_err(|e| ApiError {
            code: ErrorCode::InvalidInput,
            message: format!("cannot read the password: {e}"),
        })?;
    Ok(password.trim_end_matches(['\r', '\n']).to_owned())
}

fn input(
    name: String,
    address: String,
    password: Option<String>,
    s: &ServerArgs,
    current: MailServers,
    keep: Option<&Mailbox>,
) -> Result<MailboxInput, ApiError> {
    Ok(MailboxInput {
        name,
        address,
        login: s.login.clone().or_else(|| keep.map(|m| m.login.clone())),
        password,
        imap: trusting(
            server(s.imap.as_deref(), s.imap_security, current.imap, true)?,
            s.imap_trust_cert.as_deref(),
        ),
        smtp: trusting(
            server(s.smtp.as_deref(), s.smtp_security, current.smtp, false)?,
            s.smtp_trust_cert.as_deref(),
        ),
        folder: s.folder.clone().or_else(|| keep.map(|m| m.folder.clone())),
        move_to: s
            .move_to
            .clone()
            .or_else(|| keep.and_then(|m| m.move_to.clone())),
        poll_interval_s: s.poll_interval.or(keep.map(|m| m.poll_interval_s)),
        import_days: s.import_days.or(keep.and_then(|m| m.import_days)),
        project_id: s.project.or(keep.and_then(|m| m.project_id)),
    })
}

fn mailbox_text(m: &Mailbox) -> String {
    let mut s = format!(
        "{:>4}  {} <{}> — {:?}\n      IMAP {}:{} ({})  SMTP {}:{} ({})  folder {}\n",
        m.account_id,
        m.name,
        m.address,
        m.state,
        m.imap.host,
        m.imap.port,
        m.imap.security.as_str(),
        m.smtp.host,
        m.smtp.port,
        m.smtp.security.as_str(),
        m.folder
    );
    if let Some(import) = &m.import {
        s.push_str(&format!(
            "      importing {}/{}\n",
            import.done, import.total
        ));
    }
    if let Some(e) = &m.last_error {
        s.push_str(&format!("      {:?}: {}\n", e.problem, e.message));
    }
    s
}

pub async fn run(engine: &Engine, command: MailboxCommand, out: &Output) -> Result<(), ApiError> {
    let mailbox = match command {
        MailboxCommand::List => {
            let mailboxes = api::list_mailboxes(engine).await?;
            out.print(&mailboxes, || {
                if mailboxes.is_empty() {
                    "No mailboxes yet: tuberry mailbox add --address you@example.com\n".to_owned()
                } else {
                    mailboxes.iter().map(mailbox_text).collect()
                }
            });
            return Ok(());
        }
        MailboxCommand::Test(args) => {
            let guessed = api::guess_mail_servers(&args.address);
            let name = args.name.clone().unwrap_or_else(|| args.address.clone());
            let input = input(
                name,
                args.address.clone(),
                Some(read_password()?),
                &args.servers,
                guessed,
                None,
            )?;
            let report = api::test_mailbox(engine, input, None).await?;
            out.print(&report, || {
                let line =
                    |what: &str, e: &Option<crate::channels::email::model::MailError>| match e {
                        None => format!("{what}: OK\n"),
                        Some(e) => format!("{what}: {:?} — {}\n", e.problem, e.message),
                    };
                format!(
                    "{}{}",
                    line("IMAP", &report.imap),
                    line("SMTP", &report.smtp)
                )
            });
            if report.ok() {
                return Ok(());
            }
            return Err(ApiError {
                code: ErrorCode::Unavailable,
                message: "the mailbox cannot be used with these settings".into(),
            });
        }
        MailboxCommand::Add(args) => {
            let guessed = api::guess_mail_servers(&args.address);
            let name = args.name.clone().unwrap_or_else(|| args.address.clone());
            let input = input(
                name,
                args.address.clone(),
                Some(read_password()?),
                &args.servers,
                guessed,
                None,
            )?;
            api::add_mailbox(engine, input).await?
        }
        MailboxCommand::Edit { account, args } => {
            let current = api::list_mailboxes(engine)
                .await?
                .into_iter()
                .find(|m| m.account_id == account)
                .ok_or_else(|| ApiError {
                    code: ErrorCode::NotFound,
                    message: format!("mailbox {account} not found"),
                })?;
            let password = if args.password {
                Some(read_password()?)
            } else {
                None
            };
            let input = input(
                args.name.clone().unwrap_or_else(|| current.name.clone()),
                current.address.clone(),
                password,
                &args.servers,
                MailServers {
                    imap: current.imap.clone(),
                    smtp: current.smtp.clone(),
                },
                Some(&current),
            )?;
            api::update_mailbox(engine, account, input).await?
        }
        MailboxCommand::Remove { account } => {
            api::remove_mailbox(engine, account).await?;
            out.print(&serde_json::json!({ "removed": account }), || {
                format!("Mailbox {account} removed\n")
            });
            return Ok(());
        }
    };
    out.print(&mailbox, || mailbox_text(&mailbox));
    Ok(())
}
