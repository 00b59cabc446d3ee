//! The desktop's own choices: the Settings screen (language, notifications,
//! the LAN endpoint, the log level), the hints shown once.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::engine::Engine;
use crate::events::EngineEvent;
use crate::http::LanStatus;
use crate::model::{ConversationSummary, Language};
use crate::settings::Change;
use crate::{inbox, preferences};

use super::ApiResult;

/// What the Settings screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppSettings {
    pub version: String,
    pub data_dir: String,
    /// `settings.toml`, where the rest of the settings are.
    pub settings_file: String,
    pub log_dir: String,
    /// The language chosen for the window, the tray and the notifications;
    /// none until chosen (the system's).
    pub language: Option<Language>,
    pub notifications: bool,
    pub lan: LanStatus,
    /// The log filter (`info`, `debug`, `tuberry=debug`…).
    pub log_level: String,
    /// `TUBERRY_LOG` sets the filter while this program runs.
    pub log_level_overridden: bool,
}

pub async fn app_settings(engine: &Engine) -> ApiResult<AppSettings> {
    let language = language(engine).await?;
    let settings = engine.settings();
    Ok(AppSettings {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: engine.data_dir().display().to_string(),
        settings_file: engine
            .data_dir()
            .join(crate::settings::FILE_NAME)
            .display()
            .to_string(),
        log_dir: engine.data_dir().join("logs").display().to_string(),
        language,
        notifications: notifications_enabled(engine).await?,
        lan: engine.lan().status().await,
        log_level: settings.log.level,
        log_level_overridden: engine.log_overridden(),
    })
}

/// The language chosen for the window, the tray and the notifications
/// (none until chosen).
pub async fn language(engine: &Engine) -> ApiResult<Option<Language>> {
    Ok(
        preferences::get(engine.store().pool(), preferences::LANGUAGE)
            .await?
            .and_then(|l| l.parse().ok()),
    )
}

/// Keeps the language chosen in the window; answers it.
pub async fn set_app_language(engine: &Engine, language: Language) -> ApiResult<Language> {
    let now = engine.clock().now_ms();
    preferences::set(
        engine.store().pool(),
        preferences::LANGUAGE,
        language.as_str(),
        now,
    )
    .await?;
    engine.events().publish(EngineEvent::SettingsChanged);
    Ok(language)
}

/// Turns the LAN endpoint on at `listen` (an address with a port, such as
/// `0.0.0.0:8787`) or off (`None`), now and in `settings.toml`. An address
/// that is refused or taken changes nothing and says why.
pub async fn set_lan_endpoint(engine: &Engine, listen: Option<String>) -> ApiResult<LanStatus> {
    let listen = listen
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    engine.change_settings(Change::HttpListen(listen)).await?;
    engine.events().publish(EngineEvent::SettingsChanged);
    Ok(engine.lan().status().await)
}

/// Filters the logs with `level` from now on, and in `settings.toml`.
pub async fn set_log_level(engine: &Engine, level: String) -> ApiResult<String> {
    let settings = engine
        .change_settings(Change::LogLevel(level.trim().to_owned()))
        .await?;
    engine.events().publish(EngineEvent::SettingsChanged);
    Ok(settings.log.level)
}

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
    engine.events().publish(EngineEvent::SettingsChanged);
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
