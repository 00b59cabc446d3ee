//! Staying on: closing the window hides it while the engine keeps relaying;
//! a tray icon (the menu bar on macOS) opens it again, pauses auto-replies or
//! quits, and says how many conversations wait; a second launch shows the
//! running window. Quit is the one way out, and it stops the engine cleanly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, WindowEvent, Wry};
use tauri_specta::Event;
use tuberry::Engine;
use tuberry::events::EngineEvent;
use tuberry::model::{Language, StatusCounts};

const MAIN: &str = "main";

/// Started at login: the window stays in the tray until opened.
pub const HIDDEN_ARG: &str = "--hidden";

/// The tray menu's words, in the window's language.
struct Words {
    open: &'static str,
    settings: &'static str,
    pause: &'static str,
    notifications: &'static str,
    login: &'static str,
    quit: &'static str,
}

fn words(language: Language) -> Words {
    match language {
        Language::Ru => Words {
            open: "Открыть Tuberry",
            settings: "Настройки…",
            pause: "Приостановить автоответы",
            notifications: "Уведомления",
            login: "Запускать при входе в систему",
            quit: "Выйти",
        },
        Language::En => Words {
            open: "Open Tuberry",
            settings: "Settings…",
            pause: "Pause auto-replies",
            notifications: "Notifications",
            login: "Start at login",
            quit: "Quit",
        },
    }
}

fn autostart_error(e: impl std::fmt::Display) -> tuberry::ApiError {
    tuberry::ApiError {
        code: tuberry::ErrorCode::Unavailable,
        message: format!("starting at login cannot be changed here: {e}"),
    }
}

/// Whether Tuberry starts, hidden in the tray, when the user logs in.
pub fn start_at_login(app: &AppHandle) -> tuberry::api::ApiResult<bool> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch().is_enabled().map_err(autostart_error)
}

pub fn set_start_at_login(app: &AppHandle, enabled: bool) -> tuberry::api::ApiResult<bool> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let changed = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    changed.map_err(autostart_error)?;
    tracing::info!(enabled, "starting at login turned on or off");
    if let Some(tray) = app.try_state::<Arc<Tray>>()
        && let Err(e) = tray.login.set_checked(enabled)
    {
        tracing::warn!(error = %e, "could not tick the tray's start at login");
    }
    // The Settings screen shows it too.
    if let Err(e) = crate::notify::ShellEvent::SettingsChanged.emit(app) {
        tracing::warn!(error = %e, "could not tell the window that a setting changed");
    }
    Ok(enabled)
}

/// The window shows at start, unless Tuberry was started at login.
pub fn first_show(app: &tauri::App) {
    if std::env::args().any(|a| a == HIDDEN_ARG) {
        tracing::info!("started at login: the window waits in the tray");
        return;
    }
    show(app.handle());
}

/// How many conversations wait (and accounts do not work), as the first
/// line of the tray's menu says it.
fn waiting(language: Language, counts: &StatusCounts, broken: usize, crossed: usize) -> String {
    let (awaiting, human) = (counts.awaiting_response, counts.needs_human);
    let mut text = match language {
        Language::Ru => format!("Ждут ответа: {awaiting} · нужен человек: {human}"),
        Language::En => format!("Awaiting an answer: {awaiting} · need a person: {human}"),
    };
    if broken > 0 {
        text.push_str(&match language {
            Language::Ru => format!(" · не работают подключения: {broken}"),
            Language::En => format!(" · accounts not working: {broken}"),
        });
    }
    if crossed > 0 {
        text.push_str(&match language {
            Language::Ru => format!(" · превышены пороги (Состояние): {crossed}"),
            Language::En => format!(" · guardrails crossed (Health): {crossed}"),
        });
    }
    text
}

/// The window's language, which the tray and the notifications speak (the
/// system's until the window says).
pub fn language(app: &AppHandle) -> Language {
    app.try_state::<Arc<Tray>>()
        .map_or_else(system_language, |tray| tray.language())
}

/// The language before the window says which it shows: the system's.
fn system_language() -> Language {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_default();
    if locale.starts_with("ru") {
        Language::Ru
    } else {
        Language::En
    }
}

/// What the tray keeps: its menu items (to change their words) and the
/// counts it last showed.
pub struct Tray {
    icon: TrayIcon<Wry>,
    /// The counts, as the menu's first (inactive) line.
    status: MenuItem<Wry>,
    open: MenuItem<Wry>,
    settings: MenuItem<Wry>,
    pause: CheckMenuItem<Wry>,
    notifications: CheckMenuItem<Wry>,
    login: CheckMenuItem<Wry>,
    quit: MenuItem<Wry>,
    badge: Arc<crate::badge::Badge>,
    language: Mutex<Language>,
    counts: Mutex<StatusCounts>,
    broken: Mutex<usize>,
    /// How many guardrails of the last 24 hours are crossed.
    crossed: Mutex<usize>,
    quitting: AtomicBool,
}

impl Tray {
    fn language(&self) -> Language {
        *self.language.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts the tray's words and the window's title in `language`.
    pub fn set_language(&self, app: &AppHandle, language: Language) {
        *self.language.lock().unwrap_or_else(PoisonError::into_inner) = language;
        let words = words(language);
        let named = self
            .open
            .set_text(words.open)
            .and_then(|()| self.settings.set_text(words.settings))
            .and_then(|()| self.pause.set_text(words.pause))
            .and_then(|()| self.notifications.set_text(words.notifications))
            .and_then(|()| self.login.set_text(words.login))
            .and_then(|()| self.quit.set_text(words.quit));
        if let Err(e) = named {
            tracing::warn!(error = %e, "could not name the tray menu's items");
        }
        self.show_counts(app);
    }

    fn set_counts(&self, app: &AppHandle, counts: StatusCounts) {
        *self.counts.lock().unwrap_or_else(PoisonError::into_inner) = counts;
        self.show_counts(app);
    }

    /// How many channel accounts do not work (shown in the tooltip).
    pub fn set_broken(&self, app: &AppHandle, broken: usize) {
        *self.broken.lock().unwrap_or_else(PoisonError::into_inner) = broken;
        self.show_counts(app);
    }

    /// How many guardrails are crossed (the tooltip says; the icon's dot shows).
    fn set_crossed(&self, app: &AppHandle, crossed: usize) {
        *self.crossed.lock().unwrap_or_else(PoisonError::into_inner) = crossed;
        self.show_counts(app);
    }

    fn show_counts(&self, app: &AppHandle) {
        let counts = self
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let broken = *self.broken.lock().unwrap_or_else(PoisonError::into_inner);
        let crossed = *self.crossed.lock().unwrap_or_else(PoisonError::into_inner);
        let line = waiting(self.language(), &counts, broken, crossed);
        let shown = self
            .status
            .set_text(&line)
            .and_then(|()| self.icon.set_tooltip(Some(format!("Tuberry\n{line}"))));
        if let Err(e) = shown {
            tracing::warn!(error = %e, "could not show the counts in the tray");
        }
        let waiting = counts.awaiting_response + counts.needs_human;
        let title = match waiting {
            0 => "Tuberry".to_owned(),
            n => format!("Tuberry ({n})"),
        };
        if let Some(window) = app.get_webview_window(MAIN)
            && let Err(e) = window.set_title(&title)
        {
            tracing::warn!(error = %e, "could not set the window's title");
        }
        // A dot on the tray icon while someone waits or something is broken.
        self.badge.show(
            app,
            &self.icon,
            waiting,
            waiting > 0 || broken > 0 || crossed > 0,
        );
    }
}

/// Shows the window again, in front.
pub fn show(app: &AppHandle) {
    let Some(window) = app.get_webview_window(MAIN) else {
        return;
    };
    let shown = window
        .show()
        .and_then(|()| window.unminimize())
        .and_then(|()| window.set_focus());
    if let Err(e) = shown {
        tracing::warn!(error = %e, "could not show the window");
    }
}

/// Quits (or starts again): the engine stops first, from a task, while the
/// main thread still turns the event loop — the tray and the notifications
/// it updates as accounts go offline need that thread — then the app exits.
pub fn quit(app: &tauri::AppHandle, restart: bool) {
    // The windows close for good now, not into the tray.
    if let Some(tray) = app.try_state::<Arc<Tray>>() {
        tray.quitting.store(true, Ordering::SeqCst);
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(engine) = app.try_state::<Arc<Engine>>() {
            let engine = engine.inner().clone();
            engine.shutdown(std::time::Duration::from_secs(5)).await;
        }
        if restart {
            app.request_restart();
        } else {
            app.exit(0);
        }
    });
}

/// Closing the window hides it (the engine goes on); only Quit ends the app.
pub fn on_window_event(window: &tauri::Window, event: &WindowEvent) {
    if let WindowEvent::Focused(focused) = event
        && let Some(notifier) = window
            .app_handle()
            .try_state::<Arc<crate::notify::Notifier>>()
    {
        notifier.set_focused(*focused);
    }
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let quitting = window
        .app_handle()
        .try_state::<Arc<Tray>>()
        .is_some_and(|tray| tray.quitting.load(Ordering::SeqCst));
    if quitting {
        return;
    }
    api.prevent_close();
    if let Err(e) = window.hide() {
        tracing::warn!(error = %e, "could not hide the window");
    } else {
        tracing::info!("window hidden; Tuberry keeps relaying");
        if let Some(notifier) = window
            .app_handle()
            .try_state::<Arc<crate::notify::Notifier>>()
        {
            notifier.set_focused(false);
        }
        crate::notify::close_hint(window.app_handle());
    }
}

/// The state a check item of the tray's menu was just clicked into
/// (`otherwise` when it cannot be read).
fn ticked(
    app: &AppHandle,
    item: fn(&Tray) -> &CheckMenuItem<Wry>,
    otherwise: bool,
) -> Option<bool> {
    let tray = app.try_state::<Arc<Tray>>()?;
    Some(item(&tray).is_checked().unwrap_or(otherwise))
}

/// Makes the tray icon and keeps its counts current.
pub fn setup(app: &tauri::App, engine: Arc<Engine>) -> tauri::Result<()> {
    // The language chosen in the window, also when it starts hidden.
    let language = tauri::async_runtime::block_on(tuberry::api::language(&engine))
        .ok()
        .flatten()
        .unwrap_or_else(system_language);
    let texts = words(language);
    let status = MenuItem::with_id(app, "status", "Tuberry", false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", texts.open, true, None::<&str>)?;
    let settings = MenuItem::with_id(app, "settings", texts.settings, true, None::<&str>)?;
    let paused =
        tauri::async_runtime::block_on(tuberry::api::auto_replies_paused(&engine)).unwrap_or(false);
    let pause = CheckMenuItem::with_id(app, "pause", texts.pause, true, paused, None::<&str>)?;
    let notifying = tauri::async_runtime::block_on(tuberry::api::notifications_enabled(&engine))
        .unwrap_or(true);
    let notifications = CheckMenuItem::with_id(
        app,
        "notifications",
        texts.notifications,
        true,
        notifying,
        None::<&str>,
    )?;
    let at_login = start_at_login(app.handle()).unwrap_or(false);
    let login = CheckMenuItem::with_id(app, "login", texts.login, true, at_login, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", texts.quit, true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &settings,
            &PredefinedMenuItem::separator(app)?,
            &pause,
            &notifications,
            &login,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("Tuberry")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show(app),
            "settings" => {
                show(app);
                if let Err(e) = crate::notify::ShellEvent::OpenSettings.emit(app) {
                    tracing::warn!(error = %e, "could not open the settings in the window");
                }
            }
            "pause" => {
                let Some(paused) = ticked(app, |tray| &tray.pause, false) else {
                    return;
                };
                let engine = app.state::<Arc<Engine>>().inner().clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = tuberry::api::pause_auto_replies(&engine, paused).await {
                        tracing::warn!(error = %e.message, "could not pause the auto-replies");
                    }
                });
            }
            "notifications" => {
                let Some(on) = ticked(app, |tray| &tray.notifications, true) else {
                    return;
                };
                let engine = app.state::<Arc<Engine>>().inner().clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = tuberry::api::set_notifications_enabled(&engine, on).await {
                        tracing::warn!(error = %e.message, "could not turn notifications on or off");
                    }
                });
            }
            "login" => {
                let Some(on) = ticked(app, |tray| &tray.login, false) else {
                    return;
                };
                if let Err(e) = set_start_at_login(app, on) {
                    tracing::warn!(error = %e.message, "could not change starting at login");
                }
            }
            "quit" => self::quit(app, false),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let tray = Arc::new(Tray {
        icon: builder.build(app)?,
        status,
        open,
        settings,
        pause,
        notifications,
        login,
        quit,
        badge: Arc::default(),
        language: Mutex::new(language),
        counts: Mutex::new(StatusCounts::default()),
        broken: Mutex::new(0),
        crossed: Mutex::new(0),
        quitting: AtomicBool::new(false),
    });
    app.manage(tray.clone());

    // The guardrails move slowly: looked at once and then every five minutes.
    let (watched, handle) = (tray.clone(), app.handle().clone());
    let guarded = engine.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match tuberry::api::guardrails(&guarded).await {
                Ok(all) => watched.set_crossed(&handle, all.iter().filter(|g| g.crossed).count()),
                Err(e) => tracing::warn!(error = %e.message, "could not read the guardrails"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(300)).await;
        }
    });

    let handle = app.handle().clone();
    let mut events = engine.events().subscribe();
    tauri::async_runtime::spawn(async move {
        let mut first = true;
        loop {
            if !first {
                match events.next().await {
                    Some(EngineEvent::ConversationChanged { .. } | EngineEvent::Resync) => {}
                    Some(EngineEvent::AutoRepliesPaused { paused }) => {
                        if let Err(e) = tray.pause.set_checked(paused) {
                            tracing::warn!(error = %e, "could not tick the tray's pause");
                        }
                        continue;
                    }
                    Some(EngineEvent::SettingsChanged) => {
                        let on = tuberry::api::notifications_enabled(&engine).await;
                        if let Err(e) = tray.notifications.set_checked(on.unwrap_or(true)) {
                            tracing::warn!(error = %e, "could not tick the tray's notifications");
                        }
                        continue;
                    }
                    Some(_) => continue,
                    None => break,
                }
            }
            first = false;
            match tuberry::api::status_counts(&engine).await {
                Ok(counts) => tray.set_counts(&handle, counts),
                Err(e) => tracing::warn!(error = %e.message, "could not count the conversations"),
            }
        }
    });
    Ok(())
}
