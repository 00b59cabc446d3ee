//! The LAN API's bearer tokens: created with scopes and shown once, kept as
//! their SHA-256 (a token is 32 random bytes, so a fast hash is enough),
//! checked in constant time, revoked at once.

use serde::{Deserialize, Serialize};
use specta::Type;
use sqlx::SqlitePool;

use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::model::text_enum;
use crate::secret::Secret;

/// Every token starts so: a scanner (or a person) knows it for Tuberry's.
pub const TOKEN_PREFIX: &str = "tby_";
/// How many characters of a token its list shows.
const SHOWN: usize = 8;

text_enum! {
    /// What a token may do.
    Scope {
        /// Send messages (`POST /api/v1/send`).
        Send => "send",
        /// Read messages, their delivery and the detailed health.
        Read => "read",
        /// Everything, including the metrics.
        Admin => "admin",
    }
}

/// A token as its list shows it (never the token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// Its first characters (`tby_ab12…`).
    pub prefix: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

/// A token just created: the only time the token itself is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ApiTokenCreated {
    pub token: ApiToken,
    /// Shown once; only its hash is kept.
    pub secret: String,
}

type Row = (
    i64,
    String,
    String,
    String,
    Millis,
    Option<Millis>,
    Option<Millis>,
);

fn from_row(
    (id, name, scopes, prefix, created_at, last_used_at, revoked_at): Row,
) -> Result<ApiToken> {
    let scopes: Vec<Scope> = serde_json::from_str(&scopes)
        .map_err(|e| Error::invalid(format!("api_tokens.scopes: {e}")))?;
    Ok(ApiToken {
        id,
        name,
        scopes,
        prefix,
        created_at,
        last_used_at,
        revoked_at,
    })
}

/// Creates a token named `name` that may do `scopes`.
pub async fn create(
    pool: &SqlitePool,
    name: &str,
    scopes: &[Scope],
    now: Millis,
) -> Result<ApiTokenCreated> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::invalid("a token needs a name of 1 to 80 characters"));
    }
    if scopes.is_empty() {
        return Err(Error::invalid(
            "a token needs at least one scope: send, read or admin",
        ));
    }
    let mut scopes = scopes.to_vec();
    scopes.sort_by_key(|s| s.as_str());
    scopes.dedup();
    let secret = format!("{TOKEN_PREFIX}{}", crate::secret::random_hex(32)?);
    let prefix = format!("{}…", &secret[..TOKEN_PREFIX.len() + SHOWN]);
    let scopes_json = serde_json::to_string(&scopes).expect("scopes serialize");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (name, scopes, hash, prefix, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
    )
    .bind(name)
    .bind(&scopes_json)
    .bind(crate::secret::digest(&secret))
    .bind(&prefix)
    .bind(now)
    .fetch_one(pool)
    .await?;
    tracing::info!(token_id = id, scopes = %scopes_json, "API token created");
    Ok(ApiTokenCreated {
        token: ApiToken {
            id,
            name: name.to_owned(),
            scopes,
            prefix,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        },
        secret,
    })
}

/// Every token, the newest first (revoked ones too, marked).
pub async fn list(pool: &SqlitePool) -> Result<Vec<ApiToken>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, scopes, prefix, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(from_row).collect()
}

/// Revokes a token: it is refused from now on.
pub async fn revoke(pool: &SqlitePool, id: i64, now: Millis) -> Result<ApiToken> {
    let row: Option<Row> = sqlx::query_as(
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1
         RETURNING id, name, scopes, prefix, created_at, last_used_at, revoked_at",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let token = from_row(row.ok_or_else(|| Error::not_found("API token", id))?)?;
    tracing::info!(token_id = id, "API token revoked");
    Ok(token)
}

/// Why a request's token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No token, or not one of ours (or revoked).
    Unknown,
    /// A good token without the scope asked for.
    Scope,
}

/// The token `presented` if it is live and may do `needed` (admin may do
/// everything); its last use is noted.
pub async fn check(
    pool: &SqlitePool,
    presented: &Secret<String>,
    needed: Scope,
    now: Millis,
) -> Result<std::result::Result<ApiToken, Refusal>> {
    let presented = presented.expose();
    if !presented.starts_with(TOKEN_PREFIX) {
        return Ok(Err(Refusal::Unknown));
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, name, scopes, prefix, created_at, last_used_at, revoked_at
         FROM api_tokens WHERE hash = ?1 AND revoked_at IS NULL",
    )
    .bind(crate::secret::digest(presented))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(Err(Refusal::Unknown));
    };
    let token = from_row(row)?;
    if !token.scopes.contains(&needed) && !token.scopes.contains(&Scope::Admin) {
        return Ok(Err(Refusal::Scope));
    }
    // When it was last used is for the owner's eyes: a store that cannot be
    // written (the disk full) does not refuse the request for it.
    let used = sqlx::query("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")
        .bind(token.id)
        .bind(now)
        .execute(pool)
        .await;
    if let Err(e) = used {
        tracing::warn!(token = token.id, error = %e, "the token's last use could not be recorded");
    }
    Ok(Ok(token))
}
