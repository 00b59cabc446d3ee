//! The mailboxes: checking what a person typed, adding, testing, editing and
//! removing a mailbox, and starting and stopping its reader and sender.

use std::sync::Arc;

use super::model::{
    ConnectionReport, MailError, MailProblem, MailSecurity, MailServer, MailServers, Mailbox,
    MailboxInput, MailboxState,
};
use super::{Core, Stored, net, receive, send};
use crate::channels::Channels;
use crate::channels::runners::Runners;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::keyring::Keyring;
use crate::model::ChannelKind;
use crate::queue::Queue;
use crate::relay::Relay;
use crate::secret::Secret;

const DEFAULT_FOLDER: &str = "INBOX";
const DEFAULT_POLL_S: u32 = 60;

/// Checks what a person typed; returns the settings to keep (without the
/// secret reference) and the password, if one was given.
fn checked(input: &MailboxInput) -> Result<(String, Stored, Option<Secret<String>>)> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::invalid(
            "a mailbox needs a name of 1 to 80 characters",
        ));
    }
    let address = input.address.trim().to_lowercase();
    if address.parse::<lettre::Address>().is_err() {
        return Err(Error::invalid(format!(
            "`{}` is not an e-mail address",
            input.address.trim()
        )));
    }
    for (what, server) in [("IMAP", &input.imap), ("SMTP", &input.smtp)] {
        let host = server.host.trim();
        if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
            return Err(Error::invalid(format!(
                "the {what} server needs a host name"
            )));
        }
        if server.port == 0 {
            return Err(Error::invalid(format!("the {what} server needs a port")));
        }
    }
    let poll_interval_s = input.poll_interval_s.unwrap_or(DEFAULT_POLL_S);
    if !(10..=3600).contains(&poll_interval_s) {
        return Err(Error::invalid(
            "the polling interval must be between 10 and 3600 seconds",
        ));
    }
    let folder = non_empty(input.folder.as_deref()).unwrap_or(DEFAULT_FOLDER.to_owned());
    let move_to = non_empty(input.move_to.as_deref());
    if move_to.as_deref() == Some(folder.as_str()) {
        return Err(Error::invalid(
            "processed mail cannot be moved to the folder it is read from",
        ));
    }
    let login = non_empty(input.login.as_deref()).unwrap_or_else(|| address.clone());
    let password = input
        .password
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(|p| Secret::new(p.to_owned()));
    let trimmed = |s: &MailServer| -> Result<MailServer> {
        Ok(MailServer {
            host: s.host.trim().to_owned(),
            port: s.port,
            security: s.security,
            trusted_cert: non_empty(s.trusted_cert.as_deref())
                .map(|t| super::trust::parse_fingerprint(&t))
                .transpose()?,
        })
    };
    Ok((
        name.to_owned(),
        Stored {
            address,
            login,
            imap: trimmed(&input.imap)?,
            smtp: trimmed(&input.smtp)?,
            folder,
            move_to,
            poll_interval_s,
            import_days: input.import_days,
            secret_ref: String::new(),
        },
        password,
    ))
}

async fn require_project(db: &mut sqlx::SqliteConnection, id: i64) -> Result<()> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE id = ?1")
        .bind(id)
        .fetch_optional(&mut *db)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| Error::not_found("project", id))
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The usual servers for an address's domain: what the form proposes.
pub fn guess_servers(address: &str) -> MailServers {
    let domain = address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_lowercase())
        .unwrap_or_default();
    let known = |imap: &str, smtp: &str| MailServers {
        imap: MailServer {
            host: imap.to_owned(),
            port: 993,
            security: MailSecurity::Tls,
            trusted_cert: None,
        },
        smtp: MailServer {
            host: smtp.to_owned(),
            port: 465,
            security: MailSecurity::Tls,
            trusted_cert: None,
        },
    };
    match domain.as_str() {
        "gmail.com" | "googlemail.com" => known("imap.gmail.com", "smtp.gmail.com"),
        "yandex.ru" | "ya.ru" | "yandex.com" => known("imap.yandex.ru", "smtp.yandex.ru"),
        "mail.ru" | "bk.ru" | "inbox.ru" | "list.ru" => known("imap.mail.ru", "smtp.mail.ru"),
        "outlook.com" | "hotmail.com" | "live.com" => MailServers {
            imap: MailServer {
                host: "outlook.office365.com".into(),
                port: 993,
                security: MailSecurity::Tls,
                trusted_cert: None,
            },
            smtp: MailServer {
                host: "smtp.office365.com".into(),
                port: 587,
                security: MailSecurity::Starttls,
                trusted_cert: None,
            },
        },
        _ => known(&format!("imap.{domain}"), &format!("smtp.{domain}")),
    }
}

/// The mailboxes: adding, checking, editing, removing, and running them.
pub struct Email {
    pub(super) core: Arc<Core>,
    relay: Relay,
    queue: Arc<Queue>,
    channels: Arc<Channels>,
    pub(super) runners: Runners,
}

impl Email {
    pub(crate) fn new(
        core: Arc<Core>,
        relay: Relay,
        queue: Arc<Queue>,
        channels: Arc<Channels>,
    ) -> Self {
        Self {
            core,
            relay,
            queue,
            channels,
            runners: Runners::new("a mailbox reader"),
        }
    }

    pub async fn list(&self) -> Result<Vec<Mailbox>> {
        let ids = self.enabled().await?;
        let mut mailboxes = Vec::with_capacity(ids.len());
        for id in ids {
            mailboxes.push(self.get(id).await?);
        }
        Ok(mailboxes)
    }

    pub async fn get(&self, account_id: i64) -> Result<Mailbox> {
        let row: Option<(String, Option<i64>, String)> = sqlx::query_as(
            "SELECT name, project_id, settings FROM channel_accounts
             WHERE id = ?1 AND kind = 'email' AND enabled = 1",
        )
        .bind(account_id)
        .fetch_optional(self.core.store.pool())
        .await?;
        let (name, project_id, settings) =
            row.ok_or_else(|| Error::not_found("mailbox", account_id))?;
        let s = Stored::read(account_id, &settings)?;
        let status = self.core.status(account_id);
        Ok(Mailbox {
            account_id,
            project_id,
            name,
            address: s.address,
            login: s.login,
            imap: s.imap,
            smtp: s.smtp,
            folder: s.folder,
            move_to: s.move_to,
            poll_interval_s: s.poll_interval_s,
            import_days: s.import_days,
            state: status.state,
            last_error: status.last_error,
            import: status.import,
        })
    }

    /// Checks both servers with what was typed. When editing, a missing
    /// password means the stored one.
    pub async fn test(
        &self,
        input: &MailboxInput,
        account_id: Option<i64>,
    ) -> Result<ConnectionReport> {
        let (_, stored, password) = checked(input)?;
        let password = match (password, account_id) {
            (Some(p), _) => p,
            (None, Some(id)) => self.core.account(id).await?.password,
            (None, None) => return Err(Error::invalid("the mailbox needs a password")),
        };
        Ok(self.probe(&stored, &password).await)
    }

    async fn probe(&self, stored: &Stored, password: &Secret<String>) -> ConnectionReport {
        let core = &self.core;
        let imap = async {
            let mut session = net::imap_session(
                &stored.imap,
                &stored.login,
                password,
                &core.roots,
                core.timeout(),
            )
            .await?;
            let selected = net::select(&mut session, &stored.folder).await.map(|_| ());
            // Logging out politely is not part of the verdict.
            let _ignored = session.logout().await;
            selected
        };
        let smtp = async {
            let mut smtp = net::smtp_session(
                &stored.smtp,
                &stored.login,
                password,
                &core.roots,
                core.timeout(),
            )
            .await?;
            let answered = smtp.test_connected().await;
            // Saying goodbye politely is not part of the verdict.
            let _ignored = smtp.quit().await;
            match answered {
                true => Ok(()),
                false => Err(MailError::new(
                    MailProblem::Protocol,
                    "the SMTP server did not answer NOOP",
                )),
            }
        };
        let (imap, smtp) = tokio::join!(imap, smtp);
        ConnectionReport {
            imap: imap.err(),
            smtp: smtp.err(),
        }
    }

    async fn refuse_unless_ok(&self, stored: &Stored, password: &Secret<String>) -> Result<()> {
        let report = self.probe(stored, password).await;
        if let Some(e) = report.imap {
            return Err(Error::Remote {
                service: "IMAP",
                message: e.message,
            });
        }
        if let Some(e) = report.smtp {
            return Err(Error::Remote {
                service: "SMTP",
                message: e.message,
            });
        }
        Ok(())
    }

    /// Adds a mailbox once both servers accept the login, keeps the password
    /// in the keyring and starts reading it.
    pub async fn add(&self, input: MailboxInput) -> Result<Mailbox> {
        let (name, mut stored, password) = checked(&input)?;
        let password = password.ok_or_else(|| Error::invalid("the mailbox needs a password"))?;
        let existing: Option<bool> = sqlx::query_scalar(
            "SELECT enabled FROM channel_accounts WHERE kind = 'email' AND external_id = ?1",
        )
        .bind(&stored.address)
        .fetch_optional(self.core.store.pool())
        .await?;
        if existing == Some(true) {
            return Err(Error::invalid(format!(
                "{} is already connected",
                stored.address
            )));
        }
        self.refuse_unless_ok(&stored, &password).await?;
        stored.secret_ref = Keyring::new_entry_name("email");
        self.core.keyring.set(&stored.secret_ref, &password).await?;
        let settings = serde_json::to_string(&stored)
            .map_err(|e| Error::invalid(format!("mailbox settings: {e}")))?;
        let saved: Result<i64> = async {
            let mut tx = self.core.store.write().await?;
            if let Some(project_id) = input.project_id {
                require_project(&mut tx, project_id).await?;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO channel_accounts (project_id, kind, name, external_id, settings, enabled, created_at)
                 VALUES (?1, 'email', ?2, ?3, ?4, 1, ?5)
                 ON CONFLICT (kind, external_id) DO UPDATE SET project_id = excluded.project_id,
                     name = excluded.name, settings = excluded.settings, enabled = 1
                 RETURNING id",
            )
            .bind(input.project_id)
            .bind(&name)
            .bind(&stored.address)
            .bind(&settings)
            .bind(self.core.clock.now_ms())
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        }
        .await;
        let id = match saved {
            Ok(id) => id,
            Err(e) => {
                // Nothing refers to the new entry: take it back out.
                if let Err(del) = self.core.keyring.delete(&stored.secret_ref).await {
                    tracing::warn!(error = %del, "could not remove an unused keyring entry");
                }
                return Err(e);
            }
        };
        tracing::info!(account_id = id, "mailbox added");
        self.run(id).await;
        self.core
            .bus
            .publish(EngineEvent::AccountChanged { account_id: id });
        self.get(id).await
    }

    /// Changes a mailbox's settings (a new password only when one is typed);
    /// changed servers or login are checked first.
    pub async fn update(&self, account_id: i64, input: MailboxInput) -> Result<Mailbox> {
        let current = self.core.account(account_id).await?;
        let (name, mut stored, password) = checked(&input)?;
        if stored.address != current.stored.address {
            return Err(Error::invalid(
                "the address of a mailbox cannot change; add the other address as a new mailbox",
            ));
        }
        let servers_changed = stored.imap != current.stored.imap
            || stored.smtp != current.stored.smtp
            || stored.login != current.stored.login
            || stored.folder != current.stored.folder;
        if servers_changed || password.is_some() {
            let check = password.as_ref().unwrap_or(&current.password);
            self.refuse_unless_ok(&stored, check).await?;
        }
        stored.secret_ref = current.stored.secret_ref.clone();
        if let Some(password) = &password {
            self.core.keyring.set(&stored.secret_ref, password).await?;
        }
        let settings = serde_json::to_string(&stored)
            .map_err(|e| Error::invalid(format!("mailbox settings: {e}")))?;
        let mut tx = self.core.store.write().await?;
        if let Some(project_id) = input.project_id {
            require_project(&mut tx, project_id).await?;
        }
        sqlx::query(
            "UPDATE channel_accounts SET name = ?2, settings = ?3, project_id = ?4 WHERE id = ?1",
        )
        .bind(account_id)
        .bind(&name)
        .bind(&settings)
        .bind(input.project_id)
        .execute(&mut *tx)
        .await?;
        if stored.folder != current.stored.folder {
            sqlx::query("DELETE FROM email_folders WHERE channel_account_id = ?1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.stop(account_id).await;
        self.run(account_id).await;
        self.core
            .bus
            .publish(EngineEvent::AccountChanged { account_id });
        self.get(account_id).await
    }

    /// Disconnects a mailbox: its conversations stay, its password leaves the
    /// keyring, and queued replies from it fail.
    pub async fn remove(&self, account_id: i64) -> Result<()> {
        let current = self.core.account(account_id).await;
        self.stop(account_id).await;
        let mut tx = self.core.store.write().await?;
        let done = sqlx::query(
            "UPDATE channel_accounts SET enabled = 0 WHERE id = ?1 AND kind = 'email' AND enabled = 1",
        )
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found("mailbox", account_id));
        }
        sqlx::query("DELETE FROM email_folders WHERE channel_account_id = ?1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if let Ok(account) = current {
            self.core.keyring.delete(&account.stored.secret_ref).await?;
        }
        self.core.board.forget(account_id);
        tracing::info!(account_id, "mailbox removed");
        self.core
            .bus
            .publish(EngineEvent::AccountChanged { account_id });
        Ok(())
    }

    async fn enabled(&self) -> Result<Vec<i64>> {
        crate::channels::accounts::enabled(&self.core.store, ChannelKind::Email).await
    }

    /// Lets the outbox send through every enabled mailbox (a reply from the
    /// command line goes out at once, without the readers running).
    pub async fn connect_channels(&self) -> Result<()> {
        for id in self.enabled().await? {
            self.connect_channel(id);
        }
        Ok(())
    }

    fn connect_channel(&self, account_id: i64) {
        self.channels.connect(
            account_id,
            Arc::new(send::MailChannel::new(
                self.core.clone(),
                self.queue.clone(),
                account_id,
            )),
        );
    }

    /// Starts reading every enabled mailbox.
    pub(super) async fn start_all(&self) {
        match self.enabled().await {
            Ok(ids) => {
                for id in ids {
                    self.run(id).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "could not list the mailboxes"),
        }
    }

    async fn run(&self, account_id: i64) {
        self.connect_channel(account_id);
        let (core, relay) = (self.core.clone(), self.relay.clone());
        self.runners
            .spawn(account_id, move |cancel| {
                receive::run(core.clone(), relay.clone(), account_id, cancel)
            })
            .await;
    }

    async fn stop(&self, account_id: i64) {
        self.channels.disconnect(account_id);
        self.runners.stop(account_id).await;
        self.core.set_status(account_id, |s| {
            s.state = MailboxState::Stopped;
            s.import = None;
        });
    }
}
