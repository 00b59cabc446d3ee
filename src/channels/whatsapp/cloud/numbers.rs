//! Adding, changing, listing and removing Cloud API numbers. The secrets go
//! to the OS keyring under random entry names; the store keeps the names.

use super::model::{CloudNumber, CloudNumberAdded, CloudNumberInput, CloudNumberUpdate};
use super::{Cloud, Row, webhook_path};
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::keyring::Keyring;
use crate::secret::Secret;

/// Meta's API unless a stand-in is named.
pub(super) const GRAPH_URL: &str = "https://graph.facebook.com";
/// The Graph API version the channel speaks.
const GRAPH_VERSION: &str = "v23.0";
/// The longest name, token or secret accepted.
const MAX_FIELD: usize = 4_096;

/// A secret as typed: trimmed, without spaces inside, not too long.
fn secret_field(value: &str, what: &str) -> Result<Secret<String>> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(format!("the {what} is empty")));
    }
    if value.len() > MAX_FIELD || value.contains(char::is_whitespace) {
        return Err(Error::invalid(format!(
            "the {what} is the one from Meta's app settings, without spaces"
        )));
    }
    Ok(Secret::new(value.to_owned()))
}

/// A WhatsApp Business Account ID as typed; empty means none.
fn business_account_id(value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.len() <= 32 && v.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(v.to_owned())),
        Some(_) => Err(Error::invalid(
            "the WhatsApp Business Account ID is the account's ID from Meta's WhatsApp settings: digits only",
        )),
    }
}

fn phone_number_id(value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() || value.len() > 32 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "the phone number ID is the number's ID from Meta's WhatsApp settings: digits only (not the phone number itself)",
        ));
    }
    Ok(value.to_owned())
}

/// The number's own address of the Graph API, or `default`.
fn api_url(value: Option<&str>, default: &str) -> Result<String> {
    match value.map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => {
            let parsed = url::Url::parse(url)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or_else(|| Error::invalid(format!("`{url}` is not an http(s) address")))?;
            Ok(parsed.as_str().trim_end_matches('/').to_owned())
        }
        None => Ok(default.trim_end_matches('/').to_owned()),
    }
}

/// A verify token made up for the owner to paste into Meta's settings.
fn new_verify_token() -> Secret<String> {
    Secret::new((0..32).map(|_| fastrand::alphanumeric()).collect())
}

fn name(value: Option<&str>, fallback: &str) -> Result<String> {
    let name = value.map(str::trim).filter(|n| !n.is_empty());
    match name {
        Some(n) if n.chars().count() > 200 => Err(Error::invalid("the name is too long")),
        Some(n) => Ok(n.to_owned()),
        None => Ok(fallback.to_owned()),
    }
}

impl Cloud {
    /// Adds a number. Its access token is not tried here: the API Tuberry
    /// speaks (v23.0 messages and media) has no call on a number that sends
    /// nothing, so a wrong token shows on the first reply (the number turns
    /// to bad credentials). A number removed before comes back with its
    /// conversations.
    pub async fn add(&self, input: CloudNumberInput) -> Result<CloudNumberAdded> {
        let phone_number_id = phone_number_id(&input.phone_number_id)?;
        let token = secret_field(&input.access_token, "access token")?;
        let app_secret = secret_field(&input.app_secret, "app secret")?;
        let verify_token = match input.verify_token.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => secret_field(t, "verify token")?,
            _ => new_verify_token(),
        };
        let api_url = api_url(input.api_url.as_deref(), &self.core.graph_url)?;
        let waba = business_account_id(input.business_account_id.as_deref())?;
        let name = name(
            input.name.as_deref(),
            &format!("WhatsApp {phone_number_id}"),
        )?;
        let core = &self.core;
        let external_id = format!("cloud:{phone_number_id}");
        let existing: Option<(i64, bool)> = sqlx::query_as(
            "SELECT id, enabled FROM channel_accounts WHERE kind = 'whatsapp' AND external_id = ?1",
        )
        .bind(&external_id)
        .fetch_optional(core.store.pool())
        .await?;
        if let Some((_, true)) = existing {
            return Err(Error::invalid(format!(
                "the WhatsApp number {phone_number_id} is already added"
            )));
        }
        let refs = [
            Keyring::new_entry_name("whatsapp-cloud-token"),
            Keyring::new_entry_name("whatsapp-cloud-app-secret"),
            Keyring::new_entry_name("whatsapp-cloud-verify"),
        ];
        let kept = async {
            for (entry, secret) in refs.iter().zip([&token, &app_secret, &verify_token]) {
                core.keyring.set(entry, secret).await?;
            }
            self.save(
                existing.map(|(id, _)| id),
                &name,
                &external_id,
                &phone_number_id,
                &refs,
                &api_url,
                waba.as_deref(),
            )
            .await
        }
        .await;
        let account_id = match kept {
            Ok(id) => id,
            Err(e) => {
                self.forget_entries(&refs).await;
                return Err(e);
            }
        };
        core.forget(account_id);
        core.own(account_id, true);
        core.connect_channel(account_id);
        core.working(account_id);
        tracing::info!(account_id, "WhatsApp Cloud API number added");
        core.bus.publish(EngineEvent::AccountChanged { account_id });
        Ok(CloudNumberAdded {
            number: self.get(account_id).await?,
            verify_token: verify_token.expose().clone(),
            webhook_url: None,
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn save(
        &self,
        existing: Option<i64>,
        name: &str,
        external_id: &str,
        phone_number_id: &str,
        refs: &[String; 3],
        api_url: &str,
        business_account_id: Option<&str>,
    ) -> Result<i64> {
        let core = &self.core;
        let now = core.clock.now_ms();
        let old: Option<Row> = match existing {
            Some(id) => sqlx::query_as(
                "SELECT channel_account_id, phone_number_id, display_phone, token_ref, app_secret_ref,
                        verify_token_ref, api_url, api_version, business_account_id, created_at
                 FROM whatsapp_cloud_numbers WHERE channel_account_id = ?1",
            )
            .bind(id)
            .fetch_optional(core.store.pool())
            .await?,
            None => None,
        };
        let mut tx = core.store.write().await?;
        let account_id: i64 = match existing {
            Some(id) => {
                sqlx::query("UPDATE channel_accounts SET name = ?2, enabled = 1 WHERE id = ?1")
                    .bind(id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                id
            }
            None => {
                sqlx::query_scalar(
                    "INSERT INTO channel_accounts (kind, name, external_id, created_at)
                     VALUES ('whatsapp', ?1, ?2, ?3) RETURNING id",
                )
                .bind(name)
                .bind(external_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        sqlx::query(
            "INSERT INTO whatsapp_cloud_numbers (channel_account_id, phone_number_id, token_ref,
                    app_secret_ref, verify_token_ref, api_url, api_version, business_account_id,
                    created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?8, ?8)
             ON CONFLICT (channel_account_id) DO UPDATE SET
                token_ref = excluded.token_ref, app_secret_ref = excluded.app_secret_ref,
                verify_token_ref = excluded.verify_token_ref, api_url = excluded.api_url,
                api_version = excluded.api_version,
                business_account_id = excluded.business_account_id,
                updated_at = excluded.updated_at",
        )
        .bind(account_id)
        .bind(phone_number_id)
        .bind(&refs[0])
        .bind(&refs[1])
        .bind(&refs[2])
        .bind(api_url)
        .bind(GRAPH_VERSION)
        .bind(now)
        .bind(business_account_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if let Some(old) = old {
            self.forget_entries(&[old.token_ref, old.app_secret_ref, old.verify_token_ref])
                .await;
        }
        Ok(account_id)
    }

    async fn forget_entries(&self, entries: &[String]) {
        for entry in entries {
            if let Err(e) = self.core.keyring.delete(entry).await {
                tracing::warn!(error = %e, "could not remove a WhatsApp Cloud API keyring entry");
            }
        }
    }

    /// Changes a number's name or secrets; a secret left out stays.
    pub async fn update(&self, account_id: i64, update: CloudNumberUpdate) -> Result<CloudNumber> {
        let core = &self.core;
        let row = core.row(account_id).await?;
        let name = match update.name.as_deref() {
            Some(n) if n.trim().is_empty() => return Err(Error::invalid("the name is empty")),
            Some(n) => Some(name(Some(n), "")?),
            None => None,
        };
        let waba = match update.business_account_id.as_deref() {
            Some(id) => Some(business_account_id(Some(id))?),
            None => None,
        };
        let changes = [
            (&update.access_token, &row.token_ref, "access token"),
            (&update.app_secret, &row.app_secret_ref, "app secret"),
            (&update.verify_token, &row.verify_token_ref, "verify token"),
        ];
        // Every value is checked before anything is written.
        let mut secrets = Vec::new();
        for (value, entry, what) in changes {
            if let Some(value) = value {
                secrets.push((entry, secret_field(value, what)?));
            }
        }
        for (entry, secret) in &secrets {
            core.keyring.set(entry, secret).await?;
        }
        if let Some(name) = &name {
            sqlx::query("UPDATE channel_accounts SET name = ?2 WHERE id = ?1")
                .bind(account_id)
                .bind(name)
                .execute(core.store.pool())
                .await?;
        }
        if let Some(waba) = &waba {
            sqlx::query(
                "UPDATE whatsapp_cloud_numbers SET business_account_id = ?2 WHERE channel_account_id = ?1",
            )
            .bind(account_id)
            .bind(waba)
            .execute(core.store.pool())
            .await?;
        }
        sqlx::query(
            "UPDATE whatsapp_cloud_numbers SET updated_at = ?2 WHERE channel_account_id = ?1",
        )
        .bind(account_id)
        .bind(core.clock.now_ms())
        .execute(core.store.pool())
        .await?;
        core.forget(account_id);
        if !secrets.is_empty() {
            // New credentials deserve a new try.
            core.board.set(account_id, |r| {
                r.state = crate::channels::AccountState::Connected;
                r.last_error = None;
            });
        }
        tracing::info!(
            account_id,
            secrets = secrets.len(),
            "WhatsApp Cloud API number changed"
        );
        core.bus.publish(EngineEvent::AccountChanged { account_id });
        self.get(account_id).await
    }

    /// Removes a number: its secrets leave the keyring, Meta's webhooks for
    /// it are refused, queued replies from it fail; its conversations stay.
    pub async fn remove(&self, account_id: i64) -> Result<()> {
        let core = &self.core;
        let row = core.row(account_id).await?;
        core.senders.disconnect(account_id);
        sqlx::query("UPDATE channel_accounts SET enabled = 0 WHERE id = ?1")
            .bind(account_id)
            .execute(core.store.pool())
            .await?;
        core.forget(account_id);
        core.own(account_id, false);
        self.forget_entries(&[row.token_ref, row.app_secret_ref, row.verify_token_ref])
            .await;
        core.board.forget(account_id);
        tracing::info!(account_id, "WhatsApp Cloud API number removed");
        core.bus.publish(EngineEvent::AccountChanged { account_id });
        Ok(())
    }

    pub async fn list(&self) -> Result<Vec<CloudNumber>> {
        let mut numbers = Vec::new();
        for id in self.core.owned() {
            numbers.push(self.get(id).await?);
        }
        Ok(numbers)
    }

    pub async fn get(&self, account_id: i64) -> Result<CloudNumber> {
        let row = self.core.row(account_id).await?;
        let (name, project_id): (String, Option<i64>) =
            sqlx::query_as("SELECT name, project_id FROM channel_accounts WHERE id = ?1")
                .bind(account_id)
                .fetch_one(self.core.store.pool())
                .await?;
        let (state, last_error) = self.core.report(account_id);
        Ok(CloudNumber {
            id: account_id,
            name,
            phone_number_id: row.phone_number_id,
            display_phone: row.display_phone,
            business_account_id: row.business_account_id,
            webhook_path: webhook_path(account_id),
            api_url: (row.api_url != GRAPH_URL).then_some(row.api_url),
            api_version: row.api_version,
            project_id,
            state,
            last_error,
            added_at: row.created_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_person_types_is_checked() {
        assert!(phone_number_id("").is_err());
        assert!(phone_number_id("+7 999").is_err());
        assert!(phone_number_id("10654035224292a").is_err());
        assert_eq!(
            phone_number_id(" 106540352242922 ").unwrap(),
            "106540352242922"
        );
        assert_eq!(business_account_id(Some("  ")).unwrap(), None);
        assert_eq!(
            business_account_id(Some(" 102290129340398 "))
                .unwrap()
                .as_deref(),
            Some("102290129340398")
        );
        assert!(business_account_id(Some("waba-1")).is_err());
        assert!(secret_field("  ", "app secret").is_err());
        assert!(secret_field("two words", "access token").is_err());
        assert_eq!(
            secret_field(" EAAB ", "access token").unwrap().expose(),
            "EAAB"
        );
        assert!(api_url(Some("ftp://x"), GRAPH_URL).is_err());
        assert_eq!(api_url(None, GRAPH_URL).unwrap(), GRAPH_URL);
        assert_eq!(
            api_url(None, "http://127.0.0.1:8/").unwrap(),
            "http://127.0.0.1:8"
        );
        assert_eq!(
            api_url(Some("http://127.0.0.1:9/"), GRAPH_URL).unwrap(),
            "http://127.0.0.1:9"
        );
        assert_eq!(new_verify_token().expose().len(), 32);
    }
}
