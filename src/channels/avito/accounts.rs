//! The Avito accounts: connecting one with its client id and secret,
//! listing, webhooks on and off, removing, and running their pollers.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use super::client::ApiError;
use super::model::{AvitoAccount, AvitoConnect, AvitoError, AvitoInput, AvitoProblem, AvitoState};
use super::send::AvitoChannel;
use super::webhook::{self, Hooks};
use super::{Core, Stored, receive};
use crate::channels::Channels;
use crate::channels::runners::Runners;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::keyring::Keyring;
use crate::model::ChannelKind;
use crate::queue::Queue;
use crate::secret::Secret;

/// What a person typed, checked: the settings to keep and the secret.
fn checked(input: &AvitoInput) -> Result<(Stored, Secret<String>)> {
    let client_id = input.client_id.trim();
    if client_id.is_empty() || client_id.len() > 200 || client_id.contains(char::is_whitespace) {
        return Err(Error::invalid(
            "the client ID is the one from Avito's API settings (avito.ru/professionals/api), without spaces",
        ));
    }
    let secret = input.client_secret.trim();
    if secret.is_empty() || secret.len() > 500 || secret.contains(char::is_whitespace) {
        return Err(Error::invalid(
            "the client secret is the one from Avito's API settings, without spaces",
        ));
    }
    let api_url = match input
        .api_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(url) => {
            let parsed = url::Url::parse(url)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or_else(|| Error::invalid(format!("`{url}` is not an http(s) address")))?;
            Some(parsed.as_str().trim_end_matches('/').to_owned())
        }
        None => None,
    };
    Ok((
        Stored {
            client_id: client_id.to_owned(),
            api_url,
            secret_ref: Keyring::new_entry_name("avito"),
        },
        Secret::new(secret.to_owned()),
    ))
}

fn refused(e: &ApiError) -> AvitoConnect {
    tracing::warn!(error = %e, "Avito refused to connect the account");
    AvitoConnect::Refused {
        error: AvitoError::from(e),
    }
}

fn remote(e: &ApiError) -> Error {
    Error::Remote {
        service: "Avito",
        message: e.to_string(),
    }
}

/// The Avito accounts and their pollers.
pub struct Avito {
    pub(super) core: Arc<Core>,
    pub(super) queue: Arc<Queue>,
    pub(super) channels: Arc<Channels>,
    pub(super) runners: Runners,
}

impl Avito {
    pub(crate) fn new(core: Arc<Core>, queue: Arc<Queue>, channels: Arc<Channels>) -> Self {
        Self {
            core,
            queue,
            channels,
            runners: Runners::new("an Avito poller"),
        }
    }

    pub async fn list(&self) -> Result<Vec<AvitoAccount>> {
        let ids = self.enabled().await?;
        let mut accounts = Vec::with_capacity(ids.len());
        for id in ids {
            accounts.push(self.get(id).await?);
        }
        Ok(accounts)
    }

    pub async fn get(&self, account_id: i64) -> Result<AvitoAccount> {
        type Row = (
            String,
            Option<i64>,
            String,
            i64,
            i64,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT a.name, a.project_id, a.settings, a.created_at, v.user_id, v.profile_url, v.webhook_url
             FROM channel_accounts a JOIN avito_accounts v ON v.channel_account_id = a.id
             WHERE a.id = ?1 AND a.kind = 'avito' AND a.enabled = 1",
        )
        .bind(account_id)
        .fetch_optional(self.core.store.pool())
        .await?;
        let (name, project_id, settings, created_at, user_id, profile_url, webhook_url) =
            row.ok_or_else(|| Error::not_found("Avito account", account_id))?;
        let stored = Stored::read(account_id, &settings)?;
        let status = self.core.status(account_id);
        Ok(AvitoAccount {
            id: account_id,
            name,
            user_id,
            profile_url,
            client_id: stored.client_id,
            api_url: stored.api_url,
            project_id,
            state: status.state,
            last_error: status.last_error,
            last_poll_at: status.last_poll_at,
            webhook_url,
            connected_at: created_at,
        })
    }

    /// Connects an account: the client id and secret must get a token, the
    /// account's name is read, and the Messenger API is tried. An account
    /// whose tariff lacks the Messenger API is still connected, and shows
    /// why it cannot read chats until the tariff changes.
    pub async fn connect(&self, input: AvitoInput) -> Result<AvitoConnect> {
        let (stored, secret) = checked(&input)?;
        let client = self.core.client(&stored, secret.clone())?;
        let authorized = async {
            client.authorize().await?;
            client.me().await
        }
        .await;
        let me = match authorized {
            Ok(me) => me,
            Err(e) => {
                self.forget_secrets(&stored).await;
                return Ok(refused(&e));
            }
        };
        let probe = client.chats(me.id, 0).await.err();
        if let Some(e) = &probe
            && !matches!(e, ApiError::Messenger(_))
            && !e.is_transient()
        {
            self.forget_secrets(&stored).await;
            return Ok(refused(e));
        }
        let name = me
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("Avito {}", me.id));
        let saved = self
            .save(&stored, &secret, &name, me.id, me.profile_url.as_deref())
            .await;
        let account_id = match saved {
            Ok(Some(id)) => id,
            Ok(None) => {
                self.forget_secrets(&stored).await;
                return Ok(AvitoConnect::Refused {
                    error: AvitoError {
                        problem: AvitoProblem::Duplicate,
                        message: format!("the Avito account “{name}” is already connected"),
                    },
                });
            }
            Err(e) => {
                self.forget_secrets(&stored).await;
                return Err(e);
            }
        };
        tracing::info!(account_id, user_id = me.id, "Avito account connected");
        if let Some(e) = &probe {
            self.core.set_status(account_id, |s| {
                s.state = AvitoState::Offline;
                s.last_error = Some(AvitoError::from(e));
            });
        }
        // Someone who just connected an account is likely to try it: poll
        // quickly for a while.
        if let Ok(session) = self.core.session(account_id).await {
            session.active(self.core.clock.now_ms());
        }
        self.run(account_id).await;
        self.core
            .bus
            .publish(EngineEvent::AccountChanged { account_id });
        Ok(AvitoConnect::Connected {
            account: self.get(account_id).await?,
        })
    }

    /// Keeps the secret and the account; an account removed before comes back
    /// with its conversations. `None` when it is connected already.
    async fn save(
        &self,
        stored: &Stored,
        secret: &Secret<String>,
        name: &str,
        user_id: i64,
        profile_url: Option<&str>,
    ) -> Result<Option<i64>> {
        let existing: Option<(i64, bool)> = sqlx::query_as(
            "SELECT id, enabled FROM channel_accounts WHERE kind = 'avito' AND external_id = ?1",
        )
        .bind(user_id.to_string())
        .fetch_optional(self.core.store.pool())
        .await?;
        if let Some((_, true)) = existing {
            return Ok(None);
        }
        self.core.keyring.set(&stored.secret_ref, secret).await?;
        let settings = serde_json::to_string(stored)
            .map_err(|e| Error::invalid(format!("Avito settings: {e}")))?;
        let now = self.core.clock.now_ms();
        let since = now / 1000 - i64::try_from(self.core.settings.import_hours).unwrap_or(0) * 3600;
        let mut tx = self.core.store.write().await?;
        let account_id: i64 = match existing {
            Some((id, _)) => {
                sqlx::query(
                    "UPDATE channel_accounts SET name = ?2, settings = ?3, enabled = 1 WHERE id = ?1",
                )
                .bind(id)
                .bind(name)
                .bind(&settings)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                sqlx::query_scalar(
                    "INSERT INTO channel_accounts (kind, name, external_id, settings, created_at)
                     VALUES ('avito', ?1, ?2, ?3, ?4) RETURNING id",
                )
                .bind(name)
                .bind(user_id.to_string())
                .bind(&settings)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        // A returning account reads on from where it stopped.
        sqlx::query(
            "INSERT INTO avito_accounts (channel_account_id, user_id, profile_url, since, watermark, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)
             ON CONFLICT (channel_account_id) DO UPDATE SET
                profile_url = excluded.profile_url, webhook_url = NULL, updated_at = excluded.updated_at",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(profile_url)
        .bind(since)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(account_id))
    }

    async fn forget_secrets(&self, stored: &Stored) {
        for entry in [
            stored.secret_ref.clone(),
            stored.token_ref(),
            stored.webhook_ref(),
        ] {
            if let Err(e) = self.core.keyring.delete(&entry).await {
                tracing::warn!(error = %e, "could not remove an Avito keyring entry");
            }
        }
    }

    /// Disconnects an account: its conversations stay, its secrets leave
    /// the keyring, Avito stops posting to the webhook, and queued replies
    /// from it fail.
    pub async fn remove(&self, account_id: i64) -> Result<()> {
        let stored = self.core.stored(account_id).await?;
        if let Ok(account) = self.get(account_id).await
            && account.webhook_url.is_some()
            && let Err(e) = self.set_webhook(account_id, None).await
        {
            tracing::warn!(account_id, error = %e, "could not stop Avito's webhook");
        }
        self.stop(account_id).await;
        sqlx::query("UPDATE channel_accounts SET enabled = 0 WHERE id = ?1")
            .bind(account_id)
            .execute(self.core.store.pool())
            .await?;
        self.core.forget_session(account_id);
        self.forget_secrets(&stored).await;
        self.core.board.forget(account_id);
        tracing::info!(account_id, "Avito account removed");
        self.core
            .bus
            .publish(EngineEvent::AccountChanged { account_id });
        Ok(())
    }

    /// Turns webhooks on (Avito posts new messages to `public_url` +
    /// `/avito/<account>/<secret>`, which must lead to the LAN endpoint) or,
    /// with `None`, off. Polling goes on either way, slower with webhooks.
    pub async fn set_webhook(
        &self,
        account_id: i64,
        public_url: Option<String>,
    ) -> Result<AvitoAccount> {
        let stored = self.core.stored(account_id).await?;
        let session = self.core.session(account_id).await?;
        let current = self.get(account_id).await?;
        let public_url = public_url
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty());
        // The address Avito posts to now, if any.
        let old_secret = session
            .webhook_secret
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let (Some(base), Some(secret)) = (&current.webhook_url, &old_secret) {
            let old = format!("{base}{}", webhook::path(account_id, secret.expose()));
            session
                .client
                .unsubscribe(&old)
                .await
                .map_err(|e| remote(&e))?;
        }
        match &public_url {
            Some(base) => {
                if !self.core.lan_endpoint.load(Ordering::SeqCst) {
                    return Err(Error::invalid(
                        "webhooks need the LAN endpoint: set [http] listen in settings.toml and restart",
                    ));
                }
                let parsed = url::Url::parse(base)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                    .ok_or_else(|| Error::invalid(format!("`{base}` is not an http(s) address")))?;
                let base = parsed.as_str().trim_end_matches('/').to_owned();
                let secret = Secret::new(
                    (0..40)
                        .map(|_| fastrand::alphanumeric())
                        .collect::<String>(),
                );
                self.core
                    .keyring
                    .set(&stored.webhook_ref(), &secret)
                    .await?;
                // Accept Avito's posts before it starts sending them.
                *session
                    .webhook_secret
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = Some(secret.clone());
                let url = format!("{base}{}", webhook::path(account_id, secret.expose()));
                if let Err(e) = session.client.subscribe(&url).await {
                    *session
                        .webhook_secret
                        .write()
                        .unwrap_or_else(PoisonError::into_inner) = None;
                    self.core.keyring.delete(&stored.webhook_ref()).await?;
                    self.write_webhook(account_id, None).await?;
                    return Err(remote(&e));
                }
                self.write_webhook(account_id, Some(&base)).await?;
            }
            None => {
                *session
                    .webhook_secret
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = None;
                self.core.keyring.delete(&stored.webhook_ref()).await?;
                self.write_webhook(account_id, None).await?;
            }
        }
        tracing::info!(
            account_id,
            webhook = public_url.is_some(),
            "Avito webhook set"
        );
        session.wake.notify_one();
        self.core
            .bus
            .publish(EngineEvent::AccountChanged { account_id });
        self.get(account_id).await
    }

    async fn write_webhook(&self, account_id: i64, base: Option<&str>) -> Result<()> {
        sqlx::query(
            "UPDATE avito_accounts SET webhook_url = ?2, updated_at = ?3 WHERE channel_account_id = ?1",
        )
        .bind(account_id)
        .bind(base)
        .bind(self.core.clock.now_ms())
        .execute(self.core.store.pool())
        .await?;
        Ok(())
    }

    /// The addresses Avito posts the account's messages to, as Avito lists
    /// them (secrets included: for diagnostics only, never logged).
    pub async fn subscriptions(&self, account_id: i64) -> Result<Vec<String>> {
        let session = self.core.session(account_id).await?;
        session.client.subscriptions().await.map_err(|e| remote(&e))
    }

    /// Reads the account's chats now instead of at the next interval.
    pub async fn poll_now(&self, account_id: i64) -> Result<()> {
        self.core.stored(account_id).await?;
        if let Some(session) = self.core.live_session(account_id) {
            session.wake.notify_one();
        }
        Ok(())
    }

    pub(super) fn routes(&self) -> axum::Router {
        webhook::router(Arc::new(Hooks {
            core: self.core.clone(),
            queue: self.queue.clone(),
        }))
    }

    async fn enabled(&self) -> Result<Vec<i64>> {
        crate::channels::accounts::enabled(&self.core.store, ChannelKind::Avito).await
    }

    /// Lets the outbox send through every enabled account (a reply from the
    /// command line goes out without the pollers running).
    pub async fn connect_channels(&self) -> Result<()> {
        for id in self.enabled().await? {
            self.connect_channel(id);
        }
        Ok(())
    }

    fn connect_channel(&self, account_id: i64) {
        self.channels.connect(
            account_id,
            Arc::new(AvitoChannel::new(self.core.clone(), account_id)),
        );
    }

    /// Starts polling every enabled account.
    pub(super) async fn start_all(&self) {
        match self.enabled().await {
            Ok(ids) => {
                for id in ids {
                    self.run(id).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "could not list the Avito accounts"),
        }
    }

    async fn run(&self, account_id: i64) {
        self.connect_channel(account_id);
        let core = self.core.clone();
        self.runners
            .spawn(account_id, move |cancel| {
                receive::run(core.clone(), account_id, cancel)
            })
            .await;
    }

    async fn stop(&self, account_id: i64) {
        self.channels.disconnect(account_id);
        self.runners.stop(account_id).await;
        self.core
            .set_status(account_id, |s| s.state = AvitoState::Stopped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: &str, secret: &str, url: Option<&str>) -> AvitoInput {
        AvitoInput {
            client_id: id.into(),
            client_secret: secret.into(),
            api_url: url.map(Into::into),
        }
    }

    #[test]
    fn what_a_person_types_is_checked() {
        assert!(checked(&input("", "s", None)).is_err());
        assert!(checked(&input("id with space", "s", None)).is_err());
        assert!(checked(&input("id", " ", None)).is_err());
        assert!(checked(&input("id", "s", Some("ftp://x"))).is_err());
        let (stored, secret) = checked(&input(" id ", " s ", Some("http://127.0.0.1:9/"))).unwrap();
        assert_eq!(stored.client_id, "id");
        assert_eq!(secret.expose(), "s");
        assert_eq!(stored.api_url.as_deref(), Some("http://127.0.0.1:9"));
        assert!(stored.secret_ref.starts_with("avito-"));
    }

    #[test]
    fn problems_read_as_kinds() {
        let e = AvitoError::from(&ApiError::Messenger("no".into()));
        assert_eq!(e.problem, AvitoProblem::Tariff);
    }
}
