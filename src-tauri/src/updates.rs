//! Updates, for builds whose distributor publishes them: the build carries
//! the address of the update feed (`TUBERRY_UPDATE_URL`, a signed
//! `latest.json`) and the public key its packages are signed with
//! (`TUBERRY_UPDATE_PUBKEY`). Without both, the app never looks for updates
//! and says that its package manager brings them. With them it looks a
//! minute after the start and twice a day, says so in Settings, and installs
//! only a package whose signature matches the key.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};
use tauri_specta::Event;

use crate::notify::ShellEvent;

/// The feed and the key, as the build was given them.
const FEED: Option<&str> = option_env!("TUBERRY_UPDATE_URL");
const PUBKEY: Option<&str> = option_env!("TUBERRY_UPDATE_PUBKEY");

const FIRST_CHECK: Duration = Duration::from_secs(60);
const EVERY: Duration = Duration::from_secs(12 * 60 * 60);

/// A newer version the feed announces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AvailableUpdate {
    pub version: String,
    /// What is new, as the release says it.
    pub notes: Option<String>,
}

/// Where updating stands, as Settings shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStatus {
    /// This build looks for updates (its distributor publishes them).
    pub enabled: bool,
    pub current: String,
    pub checking: bool,
    /// When the feed was last read (ms since the epoch).
    pub checked_at: Option<i64>,
    pub available: Option<AvailableUpdate>,
    pub installing: bool,
    /// Why the last check or install failed.
    pub error: Option<String>,
}

#[derive(Default)]
pub struct Updates {
    status: Mutex<UpdateStatus>,
    found: Mutex<Option<Update>>,
}

fn feed() -> Option<(&'static str, &'static str)> {
    Some((
        FEED.filter(|f| !f.is_empty())?,
        PUBKEY.filter(|k| !k.is_empty())?,
    ))
}

/// The updater, for a build that has a feed and a key.
pub fn plugin<R: Runtime>() -> Option<tauri::plugin::TauriPlugin<R, tauri_plugin_updater::Config>> {
    let (_, pubkey) = feed()?;
    Some(tauri_plugin_updater::Builder::new().pubkey(pubkey).build())
}

fn unavailable(message: String) -> tuberry::ApiError {
    tuberry::ApiError {
        code: tuberry::ErrorCode::Unavailable,
        message,
    }
}

impl Updates {
    fn status(&self) -> UpdateStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn change(&self, app: &AppHandle, change: impl FnOnce(&mut UpdateStatus)) -> UpdateStatus {
        let status = {
            let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
            change(&mut status);
            status.clone()
        };
        if let Err(e) = ShellEvent::UpdateChanged.emit(app) {
            tracing::warn!(error = %e, "could not tell the window about updates");
        }
        status
    }

    /// Reads the feed once; a newer version is kept to be installed.
    async fn check(&self, app: &AppHandle) -> UpdateStatus {
        let Some((url, _)) = feed() else {
            return self.status();
        };
        self.change(app, |s| s.checking = true);
        let checked = async {
            let url = tauri::Url::parse(url).map_err(|e| e.to_string())?;
            let updater = app
                .updater_builder()
                .endpoints(vec![url])
                .and_then(tauri_plugin_updater::UpdaterBuilder::build)
                .map_err(|e| e.to_string())?;
            updater.check().await.map_err(|e| e.to_string())
        }
        .await;
        let now = tuberry::clock::Clock::now_ms(&tuberry::clock::SystemClock);
        match checked {
            Ok(found) => {
                let available = found.as_ref().map(|u| AvailableUpdate {
                    version: u.version.clone(),
                    notes: u.body.clone(),
                });
                if let Some(update) = &available {
                    tracing::info!(version = %update.version, "an update is available");
                }
                *self.found.lock().unwrap_or_else(PoisonError::into_inner) = found;
                self.change(app, |s| {
                    s.checking = false;
                    s.checked_at = Some(now);
                    s.available = available;
                    s.error = None;
                })
            }
            Err(error) => {
                tracing::warn!(%error, "could not look for updates");
                self.change(app, |s| {
                    s.checking = false;
                    s.checked_at = Some(now);
                    s.error = Some(error);
                })
            }
        }
    }

    /// Downloads the version found, checks its signature, installs it and
    /// starts the app again. A package whose signature does not match the
    /// build's key is refused and nothing changes.
    async fn install(&self, app: &AppHandle) -> tuberry::api::ApiResult<UpdateStatus> {
        let update = self
            .found
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| {
                unavailable("there is no update to install; look for one first".into())
            })?;
        self.change(app, |s| {
            s.installing = true;
            s.error = None;
        });
        tracing::info!(version = %update.version, "installing an update");
        match update.download_and_install(|_, _| {}, || {}).await {
            Ok(()) => {
                tracing::info!("update installed; starting again");
                crate::staying_on::quit(app, true);
                Ok(self.status())
            }
            Err(e) => {
                let message = format!("the update was not installed: {e}");
                tracing::warn!(error = %e, "the update was not installed");
                *self.found.lock().unwrap_or_else(PoisonError::into_inner) = Some(update);
                self.change(app, |s| {
                    s.installing = false;
                    s.error = Some(message.clone());
                });
                Err(unavailable(message))
            }
        }
    }
}

/// Keeps the state and, in a build with a feed, looks for updates a minute
/// after the start and then twice a day.
pub fn setup(app: &tauri::App) {
    let updates = Arc::new(Updates::default());
    *updates
        .status
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = UpdateStatus {
        enabled: feed().is_some(),
        current: app.package_info().version.to_string(),
        ..UpdateStatus::default()
    };
    app.manage(updates.clone());
    if feed().is_none() {
        return;
    }
    let app = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FIRST_CHECK).await;
        loop {
            updates.check(&app).await;
            tokio::time::sleep(EVERY).await;
        }
    });
}

fn state(app: &AppHandle) -> Arc<Updates> {
    app.state::<Arc<Updates>>().inner().clone()
}

/// Where updating stands.
pub fn status(app: &AppHandle) -> UpdateStatus {
    state(app).status()
}

/// Reads the update feed now.
pub async fn check(app: &AppHandle) -> tuberry::api::ApiResult<UpdateStatus> {
    if feed().is_none() {
        return Err(unavailable(
            "this copy of Tuberry is updated by its package manager".into(),
        ));
    }
    Ok(state(app).check(app).await)
}

/// Installs the version found and starts the app again.
pub async fn install(app: &AppHandle) -> tuberry::api::ApiResult<UpdateStatus> {
    state(app).install(app).await
}
