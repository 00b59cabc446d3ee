//! How many conversations wait, on the app's icon: the dock's badge on
//! macOS, a red dot over the taskbar button on Windows, and on Linux the
//! launcher entry signal (`com.canonical.Unity.LauncherEntry`) that docks and
//! panels read to draw a count on the app's launcher (KDE Plasma, Dash to
//! Dock, Plank…). The tray icon gets a dot of its own.

use std::sync::{Arc, Mutex, PoisonError};

use tauri::image::Image;
use tauri::tray::TrayIcon;
use tauri::{AppHandle, Manager, Wry};

/// The badge's red.
const RED: [u8; 4] = [0xe0, 0x2d, 0x3c, 0xff];

/// `icon` with a red dot in its top right corner (the tray's "something
/// waits").
pub fn with_dot(icon: &Image<'_>) -> Image<'static> {
    let (width, height) = (icon.width(), icon.height());
    let mut rgba = icon.rgba().to_vec();
    let radius = f64::from(width.min(height)) * 0.22;
    let (cx, cy) = (f64::from(width) - radius - 0.5, radius + 0.5);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = (f64::from(x) + 0.5 - cx, f64::from(y) + 0.5 - cy);
            if dx * dx + dy * dy <= radius * radius {
                let at = ((y * width + x) * 4) as usize;
                rgba[at..at + 4].copy_from_slice(&RED);
            }
        }
    }
    Image::new_owned(rgba, width, height)
}

/// What the icons show now, so that only a change is drawn and sent.
#[derive(Default)]
pub struct Badge {
    shown: Mutex<Option<(u32, bool)>>,
    #[cfg(target_os = "linux")]
    bus: tauri::async_runtime::Mutex<Option<zbus::Connection>>,
}

impl Badge {
    /// Shows `count` on the app's icon (nothing for 0), and a dot on the
    /// tray icon while `attention` is asked (something waits or is broken).
    pub fn show(
        self: &Arc<Self>,
        app: &AppHandle,
        tray: &TrayIcon<Wry>,
        count: u32,
        attention: bool,
    ) {
        {
            let mut shown = self.shown.lock().unwrap_or_else(PoisonError::into_inner);
            if *shown == Some((count, attention)) {
                return;
            }
            *shown = Some((count, attention));
        }
        if let Some(icon) = app.default_window_icon() {
            let image = if attention {
                with_dot(icon)
            } else {
                icon.clone().to_owned()
            };
            if let Err(e) = tray.set_icon(Some(image)) {
                tracing::warn!(error = %e, "could not change the tray icon");
            }
        }
        let Some(window) = app.get_webview_window("main") else {
            return;
        };
        #[cfg(target_os = "macos")]
        {
            let count = (count > 0).then(|| i64::from(count));
            if let Err(e) = window.set_badge_count(count) {
                tracing::warn!(error = %e, "could not set the dock's badge");
            }
        }
        #[cfg(windows)]
        {
            let dot =
                (count > 0).then(|| with_dot(&Image::new_owned(vec![0; 16 * 16 * 4], 16, 16)));
            if let Err(e) = window.set_overlay_icon(dot) {
                tracing::warn!(error = %e, "could not mark the taskbar button");
            }
        }
        #[cfg(target_os = "linux")]
        {
            drop(window);
            let desktop = format!("{}.desktop", app.package_info().name);
            let badge = self.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = badge.launcher_entry(&desktop, count).await {
                    tracing::debug!(error = %e, "could not tell the launcher the count");
                }
            });
        }
    }

    /// Sends the launcher entry signal for the app's `.desktop` file.
    #[cfg(target_os = "linux")]
    async fn launcher_entry(&self, desktop: &str, count: u32) -> zbus::Result<()> {
        use std::collections::HashMap;
        use zbus::zvariant::Value;

        let mut bus = self.bus.lock().await;
        let bus = match &mut *bus {
            Some(bus) => bus,
            empty => empty.insert(zbus::Connection::session().await?),
        };
        let count = i64::from(count);
        let properties: HashMap<&str, Value<'_>> = HashMap::from([
            ("count", Value::from(count)),
            ("count-visible", Value::from(count > 0)),
        ]);
        bus.emit_signal(
            None::<&str>,
            "/app/tuberry/desktop/LauncherEntry",
            "com.canonical.Unity.LauncherEntry",
            "Update",
            &(format!("application://{desktop}"), properties),
        )
        .await
    }
}
