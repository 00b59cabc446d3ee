//! A project's bot: connecting it (the token checked with Telegram and kept
//! in the OS keyring, through a proxy when given), its connection mode (long polling, or webhooks through
//! the LAN endpoint), and disconnecting it. The bots' runners are the
//! Telegram bot channel's.

use teloxide_core::payloads::SetWebhookSetters;
use teloxide_core::requests::Requester;

use super::model::Project;
use super::projects::{Projects, forget_work_group, move_account};
use crate::channels::telegram_bot::{
    self as tg, BotHandle, BotInput, DEFAULT_API_URL, TelegramBots, check_token, client, remote,
};
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::secret::Secret;

/// A bot's entries in the keyring: its token's and its proxy's.
type KeyringNames = (String, Option<String>);

fn webhook_ref(secret_ref: &str) -> String {
    TelegramBots::webhook_ref(secret_ref)
}

impl Projects {
    /// Checks the token with Telegram, keeps it in the keyring and starts the bot.
    pub async fn connect_bot(&self, project_id: i64, input: BotInput) -> Result<Project> {
        let token = Secret::new(input.token.trim().to_owned());
        check_token(token.expose())?;
        let api_url = input
            .api_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(DEFAULT_API_URL)
            .trim_end_matches('/')
            .to_owned();
        let proxy = input
            .proxy
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| Secret::new(p.to_owned()));
        let bot = client(self.shared.tg.http(), &token, &api_url, proxy.as_ref())?;
        let previous = self.project(project_id).await?;
        let me = bot.get_me().await.map_err(|e| match (&e, &proxy) {
            (teloxide_core::RequestError::Network(_), Some(_)) => Error::Remote {
                service: "Telegram",
                message: format!("cannot reach the Bot API through the proxy: {e}"),
            },
            _ => remote(&e),
        })?;
        let username = me.username.clone().unwrap_or_else(|| me.first_name.clone());
        let bot_user_id = i64::try_from(me.id.0).unwrap_or_default();
        let now = self.shared.clock.now_ms();

        {
            let mut conn = self.shared.store.conn().await?;
            let elsewhere: Option<String> = sqlx::query_scalar(
                "SELECT p.name FROM channel_accounts a JOIN projects p ON p.bot_account_id = a.id
                 WHERE a.kind = 'telegram_bot' AND a.external_id = ?1 AND p.id != ?2",
            )
            .bind(bot_user_id.to_string())
            .bind(project_id)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(other) = elsewhere {
                return Err(Error::invalid(format!(
                    "@{username} is already the bot of project “{other}”"
                )));
            }
        }
        if let Some(old) = &previous.bot {
            self.shared.tg.stop(old.account_id).await;
        }
        // Webhooks set by another tool would make getUpdates fail.
        if let Err(e) = bot.delete_webhook().await {
            tracing::warn!(error = %e, "could not remove the bot's webhook");
        }

        let secret_ref = Keyring::new_entry_name("telegram-bot");
        self.shared.tg.keyring().set(&secret_ref, &token).await?;
        let proxy_ref = match &proxy {
            Some(proxy) => {
                let name = Keyring::new_entry_name("telegram-bot-proxy");
                if let Err(e) = self.shared.tg.keyring().set(&name, proxy).await {
                    let _ignored = self.shared.tg.keyring().delete(&secret_ref).await;
                    return Err(e);
                }
                Some(name)
            }
            None => None,
        };
        let stored: Result<(i64, Option<KeyringNames>)> = async {
            let mut tx = self.shared.store.write().await?;
            let account_id: i64 = sqlx::query_scalar(
                "INSERT INTO channel_accounts (project_id, kind, name, external_id, created_at, enabled)
                 VALUES (?1, 'telegram_bot', ?2, ?3, ?4, 1)
                 ON CONFLICT (kind, external_id) DO UPDATE SET project_id = excluded.project_id,
                     name = excluded.name, enabled = 1
                 RETURNING id",
            )
            .bind(project_id)
            .bind(format!("@{username}"))
            .bind(bot_user_id.to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let old_refs: Option<KeyringNames> = sqlx::query_as(
                "SELECT secret_ref, proxy_ref FROM telegram_bots WHERE channel_account_id = ?1",
            )
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO telegram_bots (channel_account_id, username, api_url, secret_ref, proxy_ref, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?6, 'connecting', ?5)
                 ON CONFLICT (channel_account_id) DO UPDATE SET username = excluded.username,
                     api_url = excluded.api_url, secret_ref = excluded.secret_ref, proxy_ref = excluded.proxy_ref,
                     state = 'connecting', last_error = NULL, webhook_url = NULL, updated_at = excluded.updated_at",
            )
            .bind(account_id)
            .bind(&username)
            .bind(&api_url)
            .bind(&secret_ref)
            .bind(now)
            .bind(&proxy_ref)
            .execute(&mut *tx)
            .await?;
            if previous.bot.as_ref().is_some_and(|b| b.account_id != account_id) {
                // Another bot cannot post into the old bot's topics.
                forget_work_group(&mut tx, project_id, previous.work_group.as_ref(), now).await?;
            }
            sqlx::query("UPDATE projects SET bot_account_id = ?2, updated_at = ?3 WHERE id = ?1")
                .bind(project_id)
                .bind(account_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            move_account(&mut tx, account_id, Some(project_id)).await?;
            tx.commit().await?;
            Ok((account_id, old_refs))
        }
        .await;
        let ours = [Some(secret_ref.clone()), proxy_ref.clone()];
        let (account_id, old_refs) = match stored {
            Ok(done) => done,
            Err(e) => {
                // Leave nothing behind in the keyring for a bot that is not stored.
                for name in ours.iter().flatten() {
                    if let Err(cleanup) = self.shared.tg.keyring().delete(name).await {
                        tracing::warn!(error = %cleanup, "could not remove an unused keyring entry");
                    }
                }
                return Err(e);
            }
        };
        let replaced = old_refs
            .into_iter()
            .flat_map(|(token, proxy)| [Some(token), proxy]);
        for name in replaced
            .flatten()
            .filter(|r| !ours.contains(&Some(r.clone())))
        {
            if let Err(e) = self.shared.tg.keyring().delete(&name).await {
                tracing::warn!(error = %e, "could not remove the replaced token or proxy from the keyring");
            }
        }
        tracing::info!(project_id, account_id, bot = %username, "bot connected");
        self.shared
            .tg
            .run(
                account_id,
                BotHandle {
                    bot,
                    user_id: bot_user_id,
                    username,
                },
                true,
            )
            .await;
        self.publish(project_id);
        self.project(project_id).await
    }

    /// Stops the project's bot and removes its token from the keyring. Its
    /// conversations stay in the inbox.
    pub async fn disconnect_bot(&self, project_id: i64) -> Result<Project> {
        let project = self.project(project_id).await?;
        let Some(bot) = project.bot else {
            return Ok(project);
        };
        self.shared.tg.stop(bot.account_id).await;
        let mut tx = self.shared.store.write().await?;
        let refs: Option<KeyringNames> = sqlx::query_as(
            "DELETE FROM telegram_bots WHERE channel_account_id = ?1 RETURNING secret_ref, proxy_ref",
        )
        .bind(bot.account_id)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("UPDATE channel_accounts SET enabled = 0 WHERE id = ?1")
            .bind(bot.account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE projects SET bot_account_id = NULL, updated_at = ?2 WHERE id = ?1")
            .bind(project_id)
            .bind(self.shared.clock.now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if let Some((secret_ref, proxy_ref)) = refs {
            let keyring = self.shared.tg.keyring();
            keyring.delete(&secret_ref).await?;
            keyring.delete(&webhook_ref(&secret_ref)).await?;
            if let Some(proxy_ref) = proxy_ref {
                keyring.delete(&proxy_ref).await?;
            }
        }
        self.shared.tg.set_webhook_secret(bot.account_id, None);
        tracing::info!(project_id, "bot disconnected");
        self.publish(project_id);
        self.project(project_id).await
    }

    /// Switches the project's bot to webhook mode (Telegram posts updates to
    /// `public_url` + `/telegram/<bot>`, which must lead to the LAN endpoint)
    /// or, with `None`, back to long polling.
    pub async fn set_bot_webhook(
        &self,
        project_id: i64,
        public_url: Option<String>,
    ) -> Result<Project> {
        let project = self.project(project_id).await?;
        let bot = project
            .bot
            .ok_or_else(|| Error::invalid("connect the project's bot first"))?;
        let handle = self
            .shared
            .tg
            .bots()
            .get(bot.account_id)
            .ok_or_else(|| Error::invalid("the project's bot is not running"))?;
        let secret_ref: String = sqlx::query_scalar(
            "SELECT secret_ref FROM telegram_bots WHERE channel_account_id = ?1",
        )
        .bind(bot.account_id)
        .fetch_one(self.shared.store.pool())
        .await?;
        let public_url = public_url
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty());
        let now = self.shared.clock.now_ms();
        match &public_url {
            Some(base) => {
                if !self.shared.tg.lan_listening() {
                    return Err(Error::invalid(
                        "webhook mode needs the LAN endpoint: set [http] listen in settings.toml and restart",
                    ));
                }
                let url =
                    tg::check_api_url(&format!("{base}{}", tg::webhook::path(bot.account_id)))?;
                let secret = Secret::new(
                    (0..48)
                        .map(|_| fastrand::alphanumeric())
                        .collect::<String>(),
                );
                self.shared
                    .tg
                    .keyring()
                    .set(&webhook_ref(&secret_ref), &secret)
                    .await?;
                // Accept the bot's updates before Telegram starts sending them.
                self.shared
                    .tg
                    .set_webhook_secret(bot.account_id, Some(secret.clone()));
                let set = handle
                    .bot
                    .set_webhook(url)
                    .secret_token(secret.expose().clone())
                    .max_connections(1)
                    .allowed_updates(crate::channels::telegram_bot::UPDATES)
                    .await;
                if let Err(e) = set {
                    self.shared.tg.set_webhook_secret(bot.account_id, None);
                    if let Err(cleanup) = self
                        .shared
                        .tg
                        .keyring()
                        .delete(&webhook_ref(&secret_ref))
                        .await
                    {
                        tracing::warn!(error = %cleanup, "could not remove an unused webhook secret");
                    }
                    return Err(remote(&e));
                }
                self.shared.tg.run(bot.account_id, handle, false).await;
            }
            None => {
                handle.bot.delete_webhook().await.map_err(|e| remote(&e))?;
                self.shared.tg.set_webhook_secret(bot.account_id, None);
                self.shared
                    .tg
                    .keyring()
                    .delete(&webhook_ref(&secret_ref))
                    .await?;
                self.shared.tg.run(bot.account_id, handle, true).await;
            }
        }
        sqlx::query(
            "UPDATE telegram_bots SET webhook_url = ?2, state = 'online', last_error = NULL, updated_at = ?3
             WHERE channel_account_id = ?1",
        )
        .bind(bot.account_id)
        .bind(&public_url)
        .bind(now)
        .execute(self.shared.store.pool())
        .await?;
        tracing::info!(
            project_id,
            webhook = public_url.is_some(),
            "bot connection mode set"
        );
        self.publish(project_id);
        self.project(project_id).await
    }
}
