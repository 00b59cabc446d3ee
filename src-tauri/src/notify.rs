//! Desktop notifications: the engine's events, weighed by
//! [`tuberry::notices`] against what the person at the window is doing, shown
//! through the system's notifications (on Linux the session bus's
//! notification daemon). A conversation has one notification, updated
//! through a burst; clicking it opens that conversation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tuberry::Engine;
use tuberry::events::EngineEvent;
use tuberry::model::{ConversationFilter, ConversationStatus, Language};
use tuberry::notices::{Attention, Notice, Notices, Subject};

/// What the shell asks of the window.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShellEvent {
    /// A notification about this conversation was clicked.
    OpenConversation { conversation_id: i64 },
    /// A notification about a broken account was clicked.
    OpenAccounts,
    /// A setting kept by the shell changed (start at login, from the tray).
    SettingsChanged,
    /// "Settings…" in the tray's menu.
    OpenSettings,
    /// Looking for an update or installing one moved on.
    UpdateChanged,
}

/// What the notifications remember between events.
#[derive(Default)]
pub struct Notifier {
    attention: Mutex<Attention>,
    notices: Mutex<Notices>,
    /// The notification shown per subject (Linux: its id on the bus).
    shown: Mutex<HashMap<Subject, u32>>,
    /// The thread that shows them, once the first is shown.
    shower: Mutex<Option<std::sync::mpsc::Sender<Notice>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Notifier {
    /// The window came to the front or went away.
    pub fn set_focused(&self, focused: bool) {
        let open = {
            let mut attention = lock(&self.attention);
            attention.focused = focused;
            attention.open.filter(|_| focused)
        };
        if let Some(open) = open {
            lock(&self.notices).seen(open);
        }
    }

    /// The window says which conversation is open, and whether its composer
    /// was just typed in.
    pub fn set_attention(&self, open: Option<i64>, typing: bool, now: i64) {
        let focused = {
            let mut attention = lock(&self.attention);
            attention.open = open;
            if typing && let Some(id) = open {
                attention.typing = Some((id, now));
            }
            attention.focused
        };
        if let (true, Some(id)) = (focused, open) {
            lock(&self.notices).seen(id);
        }
    }
}

/// Shows (or updates) one notification.
fn show(app: &AppHandle, notifier: &Arc<Notifier>, notice: Notice) {
    let sender = {
        let mut shower = lock(&notifier.shower);
        shower
            .get_or_insert_with(|| start_shower(app.clone(), notifier.clone()))
            .clone()
    };
    if sender.send(notice).is_err() {
        tracing::warn!("the notifications' thread is gone");
    }
}

// One thread shows the notifications in turn (they talk to the bus, off the
// runtime), so that an update always finds the one it replaces.
#[cfg(target_os = "linux")]
fn start_shower(app: AppHandle, notifier: Arc<Notifier>) -> std::sync::mpsc::Sender<Notice> {
    let (sender, notices) = std::sync::mpsc::channel::<Notice>();
    std::thread::spawn(move || {
        let (on_action, on_closed) = (app.clone(), notifier.clone());
        let bus = xdg::Bus::connect(
            move |id, action| {
                let subject = forget(&on_action.state::<Arc<Notifier>>(), id);
                if let (Some(subject), "default") = (subject, action) {
                    clicked(&on_action, subject);
                }
            },
            move |id| {
                forget(&on_closed, id);
            },
        );
        let bus = match bus {
            Ok(bus) => bus,
            Err(e) => {
                tracing::warn!(error = %e, "no notifications: the session bus cannot be reached");
                return;
            }
        };
        for notice in notices {
            let open = match crate::staying_on::language(&app) {
                Language::Ru => "Открыть",
                Language::En => "Open",
            };
            let category = match notice.subject {
                Subject::Conversation(_) => "im.received",
                Subject::Account(_) => "network.error",
                Subject::App => "device",
            };
            let replaces = lock(&notifier.shown)
                .get(&notice.subject)
                .copied()
                .unwrap_or(0);
            match bus.notify(replaces, &notice.title, &notice.body, open, category) {
                Ok(id) => {
                    lock(&notifier.shown).insert(notice.subject, id);
                }
                Err(e) => tracing::warn!(error = %e, "could not show a notification"),
            }
        }
    });
    sender
}

/// A notification went (clicked or closed): what it was about.
fn forget(notifier: &Notifier, id: u32) -> Option<Subject> {
    let mut shown = lock(&notifier.shown);
    let subject = shown
        .iter()
        .find(|(_, shown)| **shown == id)
        .map(|(s, _)| *s)?;
    shown.remove(&subject);
    Some(subject)
}

#[cfg(not(target_os = "linux"))]
fn start_shower(_app: AppHandle, _notifier: Arc<Notifier>) -> std::sync::mpsc::Sender<Notice> {
    let (sender, notices) = std::sync::mpsc::channel::<Notice>();
    std::thread::spawn(move || {
        for notice in notices {
            let shown = notify_rust::Notification::new()
                .appname("Tuberry")
                .summary(&notice.title)
                .body(&notice.body)
                .show()
                .map(|_| ());
            if let Err(e) = shown {
                tracing::warn!(error = %e, "could not show a notification");
            }
        }
    });
    sender
}

/// The freedesktop.org notifications on the session bus, over one
/// connection that also hears the clicks and closes of each.
#[cfg(target_os = "linux")]
mod xdg {
    use std::collections::HashMap;

    use zbus::zvariant::Value;

    #[zbus::proxy(
        interface = "org.freedesktop.Notifications",
        default_service = "org.freedesktop.Notifications",
        default_path = "/org/freedesktop/Notifications"
    )]
    trait Notifications {
        #[allow(clippy::too_many_arguments)]
        fn notify(
            &self,
            app_name: &str,
            replaces_id: u32,
            app_icon: &str,
            summary: &str,
            body: &str,
            actions: &[&str],
            hints: HashMap<&str, Value<'_>>,
            expire_timeout: i32,
        ) -> zbus::Result<u32>;

        #[zbus(signal)]
        fn action_invoked(&self, id: u32, action_key: String) -> zbus::Result<()>;

        #[zbus(signal)]
        fn notification_closed(&self, id: u32, reason: u32) -> zbus::Result<()>;
    }

    pub struct Bus {
        proxy: NotificationsProxyBlocking<'static>,
    }

    impl Bus {
        pub fn connect(
            on_action: impl Fn(u32, &str) + Send + 'static,
            on_closed: impl Fn(u32) + Send + 'static,
        ) -> zbus::Result<Self> {
            let connection = zbus::blocking::Connection::session()?;
            let proxy = NotificationsProxyBlocking::new(&connection)?;
            let actions = proxy.receive_action_invoked()?;
            std::thread::spawn(move || {
                for signal in actions {
                    if let Ok(args) = signal.args() {
                        on_action(args.id, &args.action_key);
                    }
                }
            });
            let closes = proxy.receive_notification_closed()?;
            std::thread::spawn(move || {
                for signal in closes {
                    if let Ok(args) = signal.args() {
                        on_closed(args.id);
                    }
                }
            });
            Ok(Self { proxy })
        }

        pub fn notify(
            &self,
            replaces: u32,
            summary: &str,
            body: &str,
            open: &str,
            category: &str,
        ) -> zbus::Result<u32> {
            let hints = HashMap::from([
                ("category", Value::from(category)),
                ("desktop-entry", Value::from("tuberry-desktop")),
            ]);
            self.proxy.notify(
                "Tuberry",
                replaces,
                "app.tuberry.desktop",
                summary,
                body,
                &["default", open],
                hints,
                -1,
            )
        }
    }
}

/// A notification was clicked: the window shows what it was about.
fn clicked(app: &AppHandle, subject: Subject) {
    crate::staying_on::show(app);
    let event = match subject {
        Subject::Conversation(conversation_id) => ShellEvent::OpenConversation { conversation_id },
        Subject::Account(_) => ShellEvent::OpenAccounts,
        Subject::App => return,
    };
    if let Err(e) = event.emit(app) {
        tracing::warn!(error = %e, "could not tell the window what was clicked");
    }
}

/// Weighs one engine event; what deserves it is shown.
async fn weigh(app: &AppHandle, engine: &Engine, notifier: &Arc<Notifier>, event: EngineEvent) {
    let language = crate::staying_on::language(app);
    let now = engine.clock().now_ms();
    let attention = lock(&notifier.attention).clone();
    let notice = match event {
        EngineEvent::MessageAdded { message } => {
            let summary = tuberry::api::conversation_summary(engine, message.conversation_id);
            let summary = match summary.await {
                Ok(summary) => summary,
                Err(e) => {
                    tracing::warn!(error = %e.message, "could not read a conversation to notify");
                    return;
                }
            };
            lock(&notifier.notices).message(&summary, &message, &attention, language, now)
        }
        EngineEvent::ConversationChanged { conversation } => {
            lock(&notifier.notices).conversation(&conversation, &attention, language, now)
        }
        EngineEvent::AccountChanged { account_id } => {
            let accounts = match tuberry::api::list_accounts(engine).await {
                Ok(accounts) => accounts,
                Err(e) => {
                    // Not a removal: what is known broken stays so.
                    tracing::warn!(error = %e.message, "could not read the accounts to notify");
                    return;
                }
            };
            let notice = match accounts.iter().find(|a| a.id == account_id) {
                Some(account) => lock(&notifier.notices).account(account, language),
                None => {
                    lock(&notifier.notices).forget_account(account_id);
                    None
                }
            };
            let broken = lock(&notifier.notices).broken_accounts();
            if let Some(tray) = app.try_state::<Arc<crate::staying_on::Tray>>() {
                tray.set_broken(app, broken);
            }
            notice
        }
        _ => None,
    };
    let Some(notice) = notice else {
        return;
    };
    match tuberry::api::notifications_enabled(engine).await {
        Ok(true) => show(app, notifier, notice),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e.message, "could not read whether to notify"),
    }
}

/// Starts telling: learns what needs a person already, then weighs each
/// event as it comes.
pub fn setup(app: &tauri::App, engine: Arc<Engine>) {
    let notifier = Arc::new(Notifier::default());
    app.manage(notifier.clone());
    let handle = app.handle().clone();
    let mut events = engine.events().subscribe();
    tauri::async_runtime::spawn(async move {
        let filter = ConversationFilter {
            status: Some(ConversationStatus::NeedsHuman),
            limit: 10_000,
            ..ConversationFilter::default()
        };
        if let Ok(page) = tuberry::api::list_conversations(&engine, filter).await {
            lock(&notifier.notices).know_needing(&page.items);
        }
        while let Some(event) = events.next().await {
            weigh(&handle, &engine, &notifier, event).await;
        }
    });
}

/// Says once, on the first close, that Tuberry goes on in the tray.
pub fn close_hint(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let engine = app.state::<Arc<Engine>>().inner().clone();
        if !tuberry::api::take_close_hint(&engine)
            .await
            .unwrap_or(false)
        {
            return;
        }
        let Some(notifier) = app.try_state::<Arc<Notifier>>() else {
            return;
        };
        let notifier = notifier.inner().clone();
        let (title, body) = match crate::staying_on::language(&app) {
            Language::Ru => (
                "Tuberry работает дальше",
                "Окно закрыто, а сообщения по-прежнему пересылаются. Tuberry — в области уведомлений; «Выйти» в её меню останавливает всё.",
            ),
            Language::En => (
                "Tuberry keeps running",
                "The window is closed and messages are still relayed. Tuberry is in the tray; Quit in its menu stops everything.",
            ),
        };
        let notice = Notice {
            subject: Subject::App,
            title: title.into(),
            body: body.into(),
        };
        show(&app, &notifier, notice);
    });
}
