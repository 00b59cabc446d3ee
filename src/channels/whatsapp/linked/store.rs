//! Linked numbers' rows: the channel account (kind `whatsapp`, known by the
//! number in +E.164) and its `whatsapp_devices` row with the sealed keys.

use sqlx::FromRow;

use super::Core;
use super::device::Me;
use super::model::{WhatsAppFlags, WhatsAppNumber};
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::sealed::Vault;
use crate::store::Store;

const WHAT: &str = "WhatsApp number";

#[derive(FromRow)]
struct Row {
    id: i64,
    project_id: Option<i64>,
    name: String,
    phone: String,
    push_name: Option<String>,
    accepts_private: bool,
    accepts_groups: bool,
    unlinked_reason: Option<String>,
    created_at: Millis,
}

impl Row {
    fn into_model(self) -> WhatsAppNumber {
        WhatsAppNumber {
            id: self.id,
            project_id: self.project_id,
            name: self.name,
            phone: self.phone,
            push_name: self.push_name,
            flags: WhatsAppFlags {
                private_chats: self.accepts_private,
                groups: self.accepts_groups,
            },
            unlinked_reason: self.unlinked_reason,
            created_at: self.created_at,
        }
    }
}

macro_rules! select {
    () => {
        "SELECT a.id, a.project_id, a.name, d.phone, d.push_name, d.accepts_private,
                d.accepts_groups, d.unlinked_reason, a.created_at
         FROM channel_accounts a JOIN whatsapp_devices d ON d.channel_account_id = a.id
         WHERE a.kind = 'whatsapp' AND a.enabled = 1 "
    };
}

pub async fn list(store: &Store) -> Result<Vec<WhatsAppNumber>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(select!(), "ORDER BY a.name, a.id"))
        .fetch_all(store.pool())
        .await?;
    Ok(rows.into_iter().map(Row::into_model).collect())
}

pub async fn get(store: &Store, account_id: i64) -> Result<WhatsAppNumber> {
    let row: Option<Row> = sqlx::query_as(concat!(select!(), "AND a.id = ?1"))
        .bind(account_id)
        .fetch_optional(store.pool())
        .await?;
    row.map(Row::into_model)
        .ok_or_else(|| Error::not_found(WHAT, account_id))
}

/// The linked numbers whose keys are kept (their runners start with the engine).
pub async fn runnable(store: &Store) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT a.id FROM channel_accounts a JOIN whatsapp_devices d ON d.channel_account_id = a.id
         WHERE a.kind = 'whatsapp' AND a.enabled = 1 AND d.keys IS NOT NULL ORDER BY a.id",
    )
    .fetch_all(store.pool())
    .await?)
}

pub async fn set_flags(
    store: &Store,
    account_id: i64,
    flags: WhatsAppFlags,
    now: Millis,
) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE whatsapp_devices SET accepts_private = ?2, accepts_groups = ?3, updated_at = ?4
         WHERE channel_account_id = ?1",
    )
    .bind(account_id)
    .bind(flags.private_chats)
    .bind(flags.groups)
    .bind(now)
    .execute(store.pool())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::not_found(WHAT, account_id));
    }
    Ok(())
}

pub async fn flags(store: &Store, account_id: i64) -> Result<WhatsAppFlags> {
    Ok(get(store, account_id).await?.flags)
}

/// What the runner needs to connect: the sealed keys and their key's entry.
pub struct Sealed {
    pub keys: Option<Vec<u8>>,
    pub key_ref: String,
}

pub async fn sealed(store: &Store, account_id: i64) -> Result<Sealed> {
    let row: Option<(Option<Vec<u8>>, String)> =
        sqlx::query_as("SELECT keys, key_ref FROM whatsapp_devices WHERE channel_account_id = ?1")
            .bind(account_id)
            .fetch_optional(store.pool())
            .await?;
    let (keys, key_ref) = row.ok_or_else(|| Error::not_found(WHAT, account_id))?;
    Ok(Sealed { keys, key_ref })
}

/// Seals and keeps the device's keys (its sessions moved on).
pub async fn save_keys(core: &Core, account_id: i64, key_ref: &str, keys: &[u8]) -> Result<()> {
    let sealed = Vault::new(core.keyring.clone(), key_ref).seal(keys).await?;
    sqlx::query(
        "UPDATE whatsapp_devices SET keys = ?2, updated_at = ?3
         WHERE channel_account_id = ?1 AND keys IS NOT NULL",
    )
    .bind(account_id)
    .bind(sealed)
    .bind(core.clock.now_ms())
    .execute(core.store.pool())
    .await?;
    Ok(())
}

/// A device was linked: the number is stored (or, when it was linked
/// before, taken up again) with its sealed keys.
pub async fn linked(core: &Core, project_id: i64, me: &Me, keys: &[u8]) -> Result<i64> {
    let now = core.clock.now_ms();
    let previous: Option<Option<String>> = sqlx::query_scalar(
        "SELECT d.key_ref FROM channel_accounts a
         LEFT JOIN whatsapp_devices d ON d.channel_account_id = a.id
         WHERE a.kind = 'whatsapp' AND a.external_id = ?1",
    )
    .bind(&me.phone)
    .fetch_optional(core.store.pool())
    .await?;
    let key_ref = previous
        .flatten()
        .unwrap_or_else(|| Keyring::new_entry_name("wa"));
    let sealed = Vault::new(core.keyring.clone(), &key_ref)
        .seal(keys)
        .await?;
    let name = me
        .push_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| me.phone.clone());
    let mut tx = core.store.write().await?;
    let account_id: i64 = sqlx::query_scalar(
        "INSERT INTO channel_accounts (project_id, kind, name, external_id, enabled, created_at)
         VALUES (?1, 'whatsapp', ?2, ?3, 1, ?4)
         ON CONFLICT (kind, external_id) DO UPDATE SET project_id = excluded.project_id,
             name = excluded.name, enabled = 1
         RETURNING id",
    )
    .bind(project_id)
    .bind(&name)
    .bind(&me.phone)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO whatsapp_devices (channel_account_id, phone, jid, push_name, keys, key_ref,
                                       created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (channel_account_id) DO UPDATE SET jid = excluded.jid,
             push_name = excluded.push_name, keys = excluded.keys, key_ref = excluded.key_ref,
             unlinked_reason = NULL, updated_at = excluded.updated_at",
    )
    .bind(account_id)
    .bind(&me.phone)
    .bind(&me.jid)
    .bind(&me.push_name)
    .bind(sealed)
    .bind(&key_ref)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(account_id)
}

/// WhatsApp ended the link: the keys are useless now and are deleted; the
/// number stays listed with the reason until it is linked again or removed.
pub async fn unlinked(core: &Core, account_id: i64, reason: &str) -> Result<()> {
    let sealed = sealed(&core.store, account_id).await?;
    sqlx::query(
        "UPDATE whatsapp_devices SET keys = NULL, unlinked_reason = ?2, updated_at = ?3
         WHERE channel_account_id = ?1",
    )
    .bind(account_id)
    .bind(reason)
    .bind(core.clock.now_ms())
    .execute(core.store.pool())
    .await?;
    Vault::new(core.keyring.clone(), &sealed.key_ref)
        .destroy()
        .await
}

/// Forgets a number's keys; the channel account is disabled (its
/// conversations stay).
pub async fn remove(core: &Core, account_id: i64) -> Result<()> {
    let sealed = sealed(&core.store, account_id).await?;
    let mut tx = core.store.write().await?;
    sqlx::query("UPDATE channel_accounts SET enabled = 0 WHERE id = ?1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE whatsapp_devices SET keys = NULL WHERE channel_account_id = ?1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Vault::new(core.keyring.clone(), &sealed.key_ref)
        .destroy()
        .await
}
