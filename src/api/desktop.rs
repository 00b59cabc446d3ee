//! The desktop's own choices: notifications on or off, the hints shown once.

use crate::engine::Engine;
use crate::model::ConversationSummary;
use crate::{inbox, preferences};

use super::ApiResult;

/// Whether desktop notifications are shown (on until turned off).
pub async fn notifications_enabled(engine: &Engine) -> ApiResult<bool> {
    Ok(preferences::flag(engine.store().pool(), preferences::NOTIFICATIONS, true).await?)
}

/// Turns desktop notifications on or off; answers the new state.
pub async fn set_notifications_enabled(engine: &Engine, enabled: bool) -> ApiResult<bool> {
    let value = if enabled { "true" } else { "false" };
    let now = engine.clock().now_ms();
    preferences::set(
        engine.store().pool(),
        preferences::NOTIFICATIONS,
        value,
        now,
    )
    .await?;
    tracing::info!(enabled, "desktop notifications turned on or off");
    Ok(enabled)
}

/// True the first time it is asked (and never again): whether to say, on
/// the first close of the window, that Tuberry keeps running in the tray.
pub async fn take_close_hint(engine: &Engine) -> ApiResult<bool> {
    let pool = engine.store().pool();
    let mut tx = pool.begin().await.map_err(crate::error::Error::from)?;
    let shown = preferences::flag(&mut *tx, preferences::CLOSE_HINT_SHOWN, false).await?;
    if !shown {
        let now = engine.clock().now_ms();
        preferences::set(&mut *tx, preferences::CLOSE_HINT_SHOWN, "true", now).await?;
    }
    tx.commit().await.map_err(crate::error::Error::from)?;
    Ok(!shown)
}

/// One conversation's line in the list (what a notification names).
pub async fn conversation_summary(
    engine: &Engine,
    conversation_id: i64,
) -> ApiResult<ConversationSummary> {
    Ok(inbox::conversation_summary(engine.store().pool(), conversation_id).await?)
}
