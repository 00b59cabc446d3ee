//! Mailboxes as a channel kind.

use async_trait::async_trait;

use super::Email;
use super::model::{MailProblem, MailboxState};
use crate::channels::{AccountState, AccountStatus, Adapter, JobKind};
use crate::error::Result;
use crate::model::ChannelKind;

#[async_trait]
impl Adapter for Email {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    async fn start(&self) {
        self.start_all().await;
    }

    async fn shutdown(&self) {
        self.runners.shutdown().await;
    }

    fn status(&self, account_id: i64) -> AccountStatus {
        let status = self.core.status(account_id);
        let problem = status.last_error.as_ref().map(|e| e.problem);
        let state = match status.state {
            MailboxState::Connecting => AccountState::Connecting,
            MailboxState::Importing | MailboxState::Listening | MailboxState::Polling => {
                AccountState::Connected
            }
            MailboxState::Offline if problem == Some(MailProblem::Auth) => {
                AccountState::BadCredentials
            }
            MailboxState::Offline => AccountState::Offline,
            MailboxState::Stopped => AccountState::Stopped,
        };
        AccountStatus::new(state)
            .detail(status.state)
            .error(status.last_error.map(|e| e.message))
            .connected_at(self.core.board.connected_at(account_id))
    }

    /// An e-mail address; a first mail opens a thread of its own.
    fn address(&self, _account_id: i64, to: &str) -> Result<crate::channels::Address> {
        let address: lettre::Address = to.trim().parse().map_err(|_| {
            crate::error::Error::invalid(format!("“{}” is not an e-mail address", to.trim()))
        })?;
        let address = address.to_string().to_lowercase();
        Ok(crate::channels::Address {
            thread: Some(format!("to:{address}:{:016x}", fastrand::u64(..))),
            identity: crate::model::ContactIdentity {
                kind: crate::model::IdentityKind::Email,
                value: address,
            },
        })
    }

    fn jobs(&self) -> Vec<JobKind> {
        vec![JobKind {
            kind: super::send::APPEND_JOB,
            version: super::send::APPEND_JOB_VERSION,
            handler: std::sync::Arc::new(super::send::AppendSentHandler::new(self.core.clone())),
        }]
    }
}

impl Email {
    /// The mailboxes, with senders for every enabled one.
    pub async fn open(cx: &crate::channels::Context) -> Result<std::sync::Arc<Self>> {
        let core = super::Core::new(
            cx.store.clone(),
            cx.clock.clone(),
            cx.bus.clone(),
            cx.keyring.clone(),
            cx.settings.email.clone(),
            cx.files.clone(),
        )?;
        let email = Self::new(core, cx.relay.clone(), cx.queue.clone(), cx.senders.clone());
        email.connect_channels().await?;
        Ok(std::sync::Arc::new(email))
    }
}

impl Email {
    /// The HTML of an e-mail message, sanitized when it was received; `None`
    /// for messages that had none.
    pub async fn message_html(&self, id: i64) -> Result<Option<String>> {
        let pool = self.core.store.pool();
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE id = ?1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
        exists.ok_or_else(|| crate::error::Error::not_found("message", id))?;
        Ok(
            sqlx::query_scalar("SELECT html FROM email_messages WHERE message_id = ?1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .flatten(),
        )
    }
}
