//! The desktop's own choices, kept in the store: small named values such as
//! whether notifications are on or which hints were already shown.

use crate::clock::Millis;
use crate::error::Result;

/// Desktop notifications are shown ("true" / "false"; on when not set).
pub const NOTIFICATIONS: &str = "notifications";
/// The language chosen for the window, the tray and the notifications.
pub const LANGUAGE: &str = "language";
/// The hint that closing the window keeps Tuberry running was shown.
pub const CLOSE_HINT_SHOWN: &str = "close_hint_shown";

pub async fn get(db: impl sqlx::SqliteExecutor<'_>, key: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM preferences WHERE key = ?1")
            .bind(key)
            .fetch_optional(db)
            .await?,
    )
}

pub async fn set(
    db: impl sqlx::SqliteExecutor<'_>,
    key: &str,
    value: &str,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO preferences (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// A yes/no preference, `default` when not set.
pub async fn flag(db: impl sqlx::SqliteExecutor<'_>, key: &str, default: bool) -> Result<bool> {
    Ok(get(db, key).await?.map_or(default, |v| v == "true"))
}
