//! The accounts' rows: the channel account, its `telegram_accounts` row with
//! the sealed session, and the application's identity (`telegram_app`).

use sqlx::FromRow;

use super::Core;
use super::model::{
    AppSource, DeliveryFlags, LoginStart, TelegramAccount, TelegramApp, TelegramAppInput,
};
use super::mtproto::{Connection, Me};
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::sealed::Vault;
use crate::secret::Secret;
use crate::store::Store;

#[derive(FromRow)]
struct Row {
    id: i64,
    project_id: Option<i64>,
    name: String,
    user_id: i64,
    username: Option<String>,
    phone: Option<String>,
    accepts_private: bool,
    accepts_groups: bool,
    accepts_channels: bool,
    proxy_ref: Option<String>,
    created_at: Millis,
}

impl Row {
    fn into_model(self) -> TelegramAccount {
        TelegramAccount {
            id: self.id,
            project_id: self.project_id,
            name: self.name,
            user_id: self.user_id,
            username: self.username,
            phone: self.phone,
            flags: DeliveryFlags {
                private_chats: self.accepts_private,
                groups: self.accepts_groups,
                channels: self.accepts_channels,
            },
            proxied: self.proxy_ref.is_some(),
            created_at: self.created_at,
        }
    }
}

macro_rules! select {
    () => {
        "SELECT a.id, a.project_id, a.name, t.user_id, t.username, t.phone,
        t.accepts_private, t.accepts_groups, t.accepts_channels, t.proxy_ref, a.created_at
     FROM channel_accounts a JOIN telegram_accounts t ON t.channel_account_id = a.id
     WHERE a.kind = 'telegram_account' AND a.enabled = 1 "
    };
}

pub async fn list(store: &Store) -> Result<Vec<TelegramAccount>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(select!(), "ORDER BY a.name, a.id"))
        .fetch_all(store.pool())
        .await?;
    Ok(rows.into_iter().map(Row::into_model).collect())
}

pub async fn get(store: &Store, account_id: i64) -> Result<TelegramAccount> {
    let row: Option<Row> = sqlx::query_as(concat!(select!(), "AND a.id = ?1"))
        .bind(account_id)
        .fetch_optional(store.pool())
        .await?;
    row.map(Row::into_model)
        .ok_or_else(|| Error::not_found("Telegram account", account_id))
}

pub async fn set_flags(
    store: &Store,
    account_id: i64,
    flags: DeliveryFlags,
    now: Millis,
) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE telegram_accounts SET accepts_private = ?2, accepts_groups = ?3, accepts_channels = ?4,
                updated_at = ?5 WHERE channel_account_id = ?1",
    )
    .bind(account_id)
    .bind(flags.private_chats)
    .bind(flags.groups)
    .bind(flags.channels)
    .bind(now)
    .execute(store.pool())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::not_found("Telegram account", account_id));
    }
    Ok(())
}

/// The account's flags, read by the runner for each message.
pub async fn flags(store: &Store, account_id: i64) -> Result<DeliveryFlags> {
    Ok(get(store, account_id).await?.flags)
}

/// What the runner needs to connect: the sealed session, its key's entry and
/// the proxy's entry.
pub struct Sealed {
    pub session: Option<Vec<u8>>,
    pub key_ref: String,
    pub proxy_ref: Option<String>,
}

pub async fn sealed(store: &Store, account_id: i64) -> Result<Sealed> {
    let row: Option<(Option<Vec<u8>>, String, Option<String>)> = sqlx::query_as(
        "SELECT session, key_ref, proxy_ref FROM telegram_accounts WHERE channel_account_id = ?1",
    )
    .bind(account_id)
    .fetch_optional(store.pool())
    .await?;
    let (session, key_ref, proxy_ref) =
        row.ok_or_else(|| Error::not_found("Telegram account", account_id))?;
    Ok(Sealed {
        session,
        key_ref,
        proxy_ref,
    })
}

/// Seals and keeps the connection's session (its update state moved on).
pub async fn save_session(
    core: &Core,
    account_id: i64,
    key_ref: &str,
    conn: &dyn Connection,
) -> Result<()> {
    let session = conn
        .session()
        .await
        .map_err(|e| Error::invalid(format!("the session could not be read: {e}")))?;
    let sealed = Vault::new(core.keyring.clone(), key_ref)
        .seal(&session)
        .await?;
    sqlx::query(
        "UPDATE telegram_accounts SET session = ?2, updated_at = ?3 WHERE channel_account_id = ?1",
    )
    .bind(account_id)
    .bind(sealed)
    .bind(core.clock.now_ms())
    .execute(core.store.pool())
    .await?;
    Ok(())
}

/// A login succeeded: the account is stored (or, when this user was
/// connected before, taken up again) with its sealed session.
pub async fn connected(
    core: &Core,
    conn: &dyn Connection,
    start: &LoginStart,
    me: &Me,
) -> Result<i64> {
    let now = core.clock.now_ms();
    let session = conn
        .session()
        .await
        .map_err(|e| Error::invalid(format!("the session could not be read: {e}")))?;
    let previous: Option<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT a.id, t.key_ref, t.proxy_ref FROM channel_accounts a
         LEFT JOIN telegram_accounts t ON t.channel_account_id = a.id
         WHERE a.kind = 'telegram_account' AND a.external_id = ?1",
    )
    .bind(me.user_id.to_string())
    .fetch_optional(core.store.pool())
    .await?
    .map(|(id, key, proxy): (i64, Option<String>, Option<String>)| {
        (
            id,
            key.unwrap_or_else(|| Keyring::new_entry_name("tgacc")),
            proxy,
        )
    });
    let key_ref = previous.as_ref().map_or_else(
        || Keyring::new_entry_name("tgacc"),
        |(_, key, _)| key.clone(),
    );
    let sealed = Vault::new(core.keyring.clone(), &key_ref)
        .seal(&session)
        .await?;
    let proxy_ref = match &start.proxy {
        Some(proxy) if !proxy.trim().is_empty() => {
            let name = previous
                .as_ref()
                .and_then(|(_, _, p)| p.clone())
                .unwrap_or_else(|| Keyring::new_entry_name("tgacc-proxy"));
            core.keyring
                .set(&name, &Secret::new(proxy.trim().to_owned()))
                .await?;
            Some(name)
        }
        _ => {
            if let Some(old) = previous.as_ref().and_then(|(_, _, p)| p.clone()) {
                core.keyring.delete(&old).await?;
            }
            None
        }
    };
    let mut tx = core.store.write().await?;
    let account_id: i64 = sqlx::query_scalar(
        "INSERT INTO channel_accounts (project_id, kind, name, external_id, enabled, created_at)
         VALUES (?1, 'telegram_account', ?2, ?3, 1, ?4)
         ON CONFLICT (kind, external_id) DO UPDATE SET project_id = excluded.project_id,
             name = excluded.name, enabled = 1
         RETURNING id",
    )
    .bind(start.project_id)
    .bind(me.display_name())
    .bind(me.user_id.to_string())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO telegram_accounts (channel_account_id, user_id, username, phone, session, key_ref,
                                        proxy_ref, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (channel_account_id) DO UPDATE SET username = excluded.username,
             phone = excluded.phone, session = excluded.session, key_ref = excluded.key_ref,
             proxy_ref = excluded.proxy_ref, updated_at = excluded.updated_at",
    )
    .bind(account_id)
    .bind(me.user_id)
    .bind(&me.username)
    .bind(&me.phone)
    .bind(sealed)
    .bind(&key_ref)
    .bind(&proxy_ref)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(
        account_id,
        user_id = me.user_id,
        "Telegram account connected"
    );
    Ok(account_id)
}

/// Forgets an account's session and keys; the channel account is disabled
/// (its conversations stay).
pub async fn remove(core: &Core, account_id: i64) -> Result<()> {
    let sealed = sealed(&core.store, account_id).await?;
    let mut tx = core.store.write().await?;
    sqlx::query("UPDATE channel_accounts SET enabled = 0 WHERE id = ?1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE telegram_accounts SET session = NULL, proxy_ref = NULL WHERE channel_account_id = ?1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Vault::new(core.keyring.clone(), &sealed.key_ref)
        .destroy()
        .await?;
    if let Some(proxy) = sealed.proxy_ref {
        core.keyring.delete(&proxy).await?;
    }
    Ok(())
}

#[derive(FromRow)]
struct AppRow {
    api_id: Option<i32>,
    hash_ref: Option<String>,
    device_model: String,
    system_version: String,
    app_version: String,
    lang_code: String,
}

/// What the app says of itself unless told otherwise: honestly, Tuberry on
/// this system.
fn default_device() -> (String, String, String, String) {
    let system = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "macOS",
        "windows" => "Windows",
        other => other,
    };
    (
        "Tuberry Desktop".to_owned(),
        format!("{system} {}", std::env::consts::ARCH),
        env!("CARGO_PKG_VERSION").to_owned(),
        "en".to_owned(),
    )
}

pub async fn app(store: &Store, built: bool) -> Result<TelegramApp> {
    let row: AppRow = sqlx::query_as(
        "SELECT api_id, hash_ref, device_model, system_version, app_version, lang_code
         FROM telegram_app WHERE id = 1",
    )
    .fetch_one(store.pool())
    .await?;
    let (model, system, version, lang) = default_device();
    let or = |value: String, default: String| {
        if value.trim().is_empty() {
            default
        } else {
            value
        }
    };
    let source = match (row.api_id, &row.hash_ref) {
        (Some(_), Some(_)) => AppSource::Own,
        _ if built => AppSource::Built,
        _ => AppSource::Missing,
    };
    Ok(TelegramApp {
        source,
        api_id: row.api_id,
        device_model: or(row.device_model, model),
        system_version: or(row.system_version, system),
        app_version: or(row.app_version, version),
        lang_code: or(row.lang_code, lang),
    })
}

/// The owner's api_hash, from the keyring.
pub async fn app_hash(core: &Core) -> Result<Option<Secret<String>>> {
    let hash_ref: Option<String> =
        sqlx::query_scalar("SELECT hash_ref FROM telegram_app WHERE id = 1")
            .fetch_one(core.store.pool())
            .await?;
    match hash_ref {
        Some(name) => core.keyring.get(&name).await,
        None => Ok(None),
    }
}

pub async fn save_app(core: &Core, input: TelegramAppInput) -> Result<()> {
    if let Some(id) = input.api_id
        && id <= 0
    {
        return Err(Error::invalid("the api_id is a positive number"));
    }
    let hash = input
        .api_hash
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty());
    if let Some(hash) = &hash
        && (hash.len() != 32 || !hash.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(Error::invalid("the api_hash is 32 hexadecimal characters"));
    }
    for (what, value, max) in [
        ("device model", &input.device_model, 64),
        ("system version", &input.system_version, 64),
        ("app version", &input.app_version, 32),
        ("language code", &input.lang_code, 8),
    ] {
        if value.chars().count() > max {
            return Err(Error::invalid(format!(
                "the {what} is longer than {max} characters"
            )));
        }
    }
    let current: Option<String> =
        sqlx::query_scalar("SELECT hash_ref FROM telegram_app WHERE id = 1")
            .fetch_one(core.store.pool())
            .await?;
    let hash_ref = match (input.api_id, hash, current) {
        (None, _, old) => {
            if let Some(old) = old {
                core.keyring.delete(&old).await?;
            }
            None
        }
        (Some(_), Some(hash), old) => {
            let name = old.unwrap_or_else(|| Keyring::new_entry_name("tgapp"));
            core.keyring.set(&name, &Secret::new(hash)).await?;
            Some(name)
        }
        (Some(_), None, Some(old)) => Some(old),
        (Some(_), None, None) => return Err(Error::invalid("enter the api_hash with the api_id")),
    };
    sqlx::query(
        "UPDATE telegram_app SET api_id = ?1, hash_ref = ?2, device_model = ?3, system_version = ?4,
                app_version = ?5, lang_code = ?6, updated_at = ?7 WHERE id = 1",
    )
    .bind(input.api_id)
    .bind(hash_ref)
    .bind(input.device_model.trim())
    .bind(input.system_version.trim())
    .bind(input.app_version.trim())
    .bind(input.lang_code.trim())
    .bind(core.clock.now_ms())
    .execute(core.store.pool())
    .await?;
    Ok(())
}
