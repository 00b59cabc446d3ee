//! The desktop shell: a window over the engine. Each command is a thin
//! wrapper over one `tuberry::api` function, declared once in [`commands`];
//! engine events are forwarded to the window as one typed event. The
//! TypeScript for both is generated from these definitions into
//! `ui/src/bindings.ts`.

mod badge;
mod commands;
mod notify;
mod staying_on;
mod updates;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tauri::{Manager, RunEvent, State};
use tauri_specta::{Builder, Event, collect_events};
use tuberry::api::{self, ApiResult};
use tuberry::assistant::model::CatalogueImport;
use tuberry::channels::email::model::MailServers;
use tuberry::model::{AppInfo, Attachment};
use tuberry::{Engine, EngineOptions};

type EngineState<'a> = State<'a, Arc<Engine>>;

/// When the program started (the beginning of [`run`]).
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Everything the engine tells the window, as one event.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct EngineEvent(tuberry::events::EngineEvent);

fn bad_base64(e: base64::DecodeError) -> tuberry::ApiError {
    tuberry::ApiError {
        code: tuberry::ErrorCode::InvalidInput,
        message: format!("the file's content is not base64: {e}"),
    }
}

fn decode_base64(text: &str) -> ApiResult<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(bad_base64)
}

/// A file chosen in the composer, as base64.
#[tauri::command]
#[specta::specta]
async fn upload_attachment(
    engine: EngineState<'_>,
    name: String,
    mime: Option<String>,
    base64: String,
) -> ApiResult<Attachment> {
    let bytes = decode_base64(&base64)?;
    api::upload_attachment(&engine, name, mime, bytes).await
}

/// A stored attachment's content as base64 (to show an image).
#[tauri::command]
#[specta::specta]
async fn read_attachment(engine: EngineState<'_>, url: String) -> ApiResult<String> {
    use base64::Engine as _;
    let bytes = api::read_attachment(&engine, &url).await?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Saves a stored attachment in the Downloads folder; answers its path.
#[tauri::command]
#[specta::specta]
async fn save_attachment(engine: EngineState<'_>, url: String, name: String) -> ApiResult<String> {
    let dir = directories::UserDirs::new()
        .and_then(|d| d.download_dir().map(std::path::Path::to_path_buf))
        .or_else(|| directories::UserDirs::new().map(|d| d.home_dir().join("Downloads")))
        .ok_or_else(|| tuberry::ApiError {
            code: tuberry::ErrorCode::InvalidInput,
            message: "there is no Downloads folder".into(),
        })?;
    api::save_attachment(&engine, &url, &name, &dir).await
}

/// Opens a web page (a listing on Avito, a profile) in the system browser;
/// nothing but an http(s) address is opened.
#[tauri::command]
#[specta::specta]
fn open_external(url: String) -> ApiResult<()> {
    let web = (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !web {
        return Err(tuberry::ApiError {
            code: tuberry::ErrorCode::InvalidInput,
            message: "only web addresses are opened".into(),
        });
    }
    open::that_detached(&url).map_err(|e| tuberry::ApiError {
        code: tuberry::ErrorCode::Unavailable,
        message: format!("no browser to open the page with: {e}"),
    })
}

/// A folder of Tuberry's that the Settings screen opens.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Folder {
    /// The data directory (the database, settings.toml, files).
    Data,
    Logs,
}

/// Opens one of Tuberry's folders in the system's file manager.
#[tauri::command]
#[specta::specta]
fn open_folder(engine: EngineState<'_>, folder: Folder) -> ApiResult<()> {
    let path = match folder {
        Folder::Data => engine.data_dir().to_path_buf(),
        Folder::Logs => engine.data_dir().join("logs"),
    };
    open::that_detached(&path).map_err(|e| tuberry::ApiError {
        code: tuberry::ErrorCode::Unavailable,
        message: format!("no file manager to open {} with: {e}", path.display()),
    })
}

/// Restores the backup at `path`: it is copied and checked beside the
/// running engine (the window follows its progress), then the app starts
/// again and puts it in place of the database before the engine opens it.
/// A backup that fails its check is refused and nothing changes.
#[tauri::command]
#[specta::specta]
async fn restore_backup(
    app: tauri::AppHandle,
    engine: EngineState<'_>,
    path: String,
) -> ApiResult<()> {
    api::prepare_restore(&engine, path).await?;
    tracing::info!("starting again to restore");
    staying_on::quit(&app, true);
    Ok(())
}

/// Opens the folder holding a file Tuberry saved (a Dashboard export, a
/// support bundle), for "Show in folder": only an existing file named
/// `tuberry-…`, and only its folder is opened, never the file.
#[tauri::command]
#[specta::specta]
fn show_saved_file(path: String) -> ApiResult<()> {
    let folder = api::folder_of_saved_file(&path)?;
    open::that_detached(&folder).map_err(|e| tuberry::ApiError {
        code: tuberry::ErrorCode::Unavailable,
        message: format!("no file manager to open {} with: {e}", folder.display()),
    })
}

#[tauri::command]
#[specta::specta]
fn guess_mail_servers(address: String) -> MailServers {
    api::guess_mail_servers(&address)
}

#[tauri::command]
#[specta::specta]
async fn app_info(engine: EngineState<'_>) -> ApiResult<AppInfo> {
    Ok(api::app_info(&engine))
}

/// The window says which language it shows; the tray, the title and the
/// notifications follow.
#[tauri::command]
#[specta::specta]
fn set_language(app: tauri::AppHandle, language: tuberry::model::Language) {
    if let Some(tray) = app.try_state::<Arc<staying_on::Tray>>() {
        tray.set_language(&app, language);
    }
}

/// The window says which conversation is open and whether its composer was
/// just typed in: notifications about it stay quiet meanwhile.
#[tauri::command]
#[specta::specta]
fn set_attention(
    app: tauri::AppHandle,
    engine: EngineState<'_>,
    conversation_id: Option<i64>,
    typing: bool,
) {
    if let Some(notifier) = app.try_state::<Arc<notify::Notifier>>() {
        notifier.set_attention(conversation_id, typing, engine.clock().now_ms());
    }
}

/// The window drew the inbox for the first time (its first rows, or that it
/// has none): logged once, with the milliseconds since the program started.
#[tauri::command]
#[specta::specta]
fn inbox_shown() {
    static TOLD: AtomicBool = AtomicBool::new(false);
    if TOLD.swap(true, Ordering::SeqCst) {
        return;
    }
    let ms = STARTED
        .get()
        .map_or(0, |started| started.elapsed().as_millis());
    tracing::info!(ms = u64::try_from(ms).unwrap_or(u64::MAX), "inbox shown");
}

/// Whether Tuberry starts (hidden in the tray) when the user logs in.
#[tauri::command]
#[specta::specta]
fn start_at_login(app: tauri::AppHandle) -> ApiResult<bool> {
    staying_on::start_at_login(&app)
}

/// Turns starting at login on or off; answers the new state.
#[tauri::command]
#[specta::specta]
fn set_start_at_login(app: tauri::AppHandle, enabled: bool) -> ApiResult<bool> {
    staying_on::set_start_at_login(&app, enabled)
}

/// Where updating stands (a build without an update feed never looks).
#[tauri::command]
#[specta::specta]
fn update_status(app: tauri::AppHandle) -> updates::UpdateStatus {
    updates::status(&app)
}

/// Reads the update feed now.
#[tauri::command]
#[specta::specta]
async fn check_for_update(app: tauri::AppHandle) -> ApiResult<updates::UpdateStatus> {
    updates::check(&app).await
}

/// Installs the version found (its signature checked) and starts again.
#[tauri::command]
#[specta::specta]
async fn install_update(app: tauri::AppHandle) -> ApiResult<updates::UpdateStatus> {
    updates::install(&app).await
}

/// A catalogue file chosen in the window, as base64.
#[tauri::command]
#[specta::specta]
async fn import_catalogue(
    engine: EngineState<'_>,
    project_id: i64,
    file_name: String,
    base64: String,
) -> ApiResult<CatalogueImport> {
    let bytes = decode_base64(&base64)?;
    api::import_catalogue(&engine, project_id, file_name, bytes).await
}

/// The commands and events the window may use.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(commands::all())
        .events(collect_events![EngineEvent, notify::ShellEvent])
        // Ids and timestamps stay far below 2^53.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type, not separate read and write shapes.
        .disable_serde_phases()
}

/// Writes the TypeScript bindings for the window.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from the Rust commands and events. Do not edit.\n"),
            path,
        )
        .map_err(|e| e.to_string())
}

fn data_dir() -> Result<PathBuf, tuberry::Error> {
    match std::env::var_os("TUBERRY_DATA_DIR") {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => tuberry::engine::default_data_dir(),
    }
}

/// Forwards engine events to the window until the engine's bus closes.
fn forward_events(app: tauri::AppHandle, engine: &Engine) {
    let mut events = engine.events().subscribe();
    tauri::async_runtime::spawn(async move {
        while let Some(event) = events.next().await {
            if let Err(e) = EngineEvent(event).emit(&app) {
                tracing::warn!(error = %e, "could not send an event to the window");
            }
        }
    });
}

/// The first argument that makes the desktop binary the command line.
pub const CLI_ARG: &str = "cli";

pub fn run() -> ExitCode {
    STARTED.get_or_init(Instant::now);
    // `tuberry-desktop cli …` is the `tuberry` command (the Linux packages
    // install `tuberry` as a script that runs this), so one program is both.
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|first| first == CLI_ARG) {
        return tuberry::cli::main(std::iter::once("tuberry".into()).chain(args));
    }
    let opened = data_dir().and_then(|dir| {
        // A restore the window prepared is put in place before the engine
        // opens the database.
        let restored = tauri::async_runtime::block_on(tuberry::restore::finish_pending(&dir));
        let engine = tauri::async_runtime::block_on(Engine::open(EngineOptions::new(&dir)))?;
        let log = tuberry::logging::init(&dir, &engine.settings().log)?;
        engine.attach_log(log.control.clone());
        tuberry::restore::log_finished(&restored);
        let engine = Arc::new(engine);
        // The LAN API beside the channels' webhooks, when the endpoint is on.
        tuberry::lan_api::attach(&engine);
        Ok((engine, log))
    });
    let (engine, _log) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!(
                "Tuberry cannot start: {}",
                tuberry::error::display_chain(&e)
            );
            return ExitCode::FAILURE;
        }
    };
    let builder = specta_builder();
    let mut app = tauri::Builder::default();
    if let Some(updater) = updates::plugin() {
        app = app.plugin(updater);
    }
    let app = app
        // First: a second launch hands over to the running app (which shows
        // its window) and ends before it starts an engine of its own.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            staying_on::show(app);
        }))
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg(staying_on::HIDDEN_ARG)
                .app_name("Tuberry")
                .build(),
        )
        .invoke_handler(builder.invoke_handler())
        .manage(engine.clone())
        .on_window_event(staying_on::on_window_event)
        .setup(move |app| {
            builder.mount_events(app);
            let engine = app.state::<Arc<Engine>>().inner().clone();
            // Relaying starts here, once this is the only instance; another
            // engine on the same data (`tuberry serve`) refuses this one.
            tauri::async_runtime::block_on(engine.start())?;
            forward_events(app.handle().clone(), &engine);
            notify::setup(app, engine.clone());
            staying_on::setup(app, engine)?;
            updates::setup(app);
            staying_on::first_show(app);
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Tuberry cannot start: {e}");
            tauri::async_runtime::block_on(engine.shutdown(Duration::from_secs(1)));
            return ExitCode::FAILURE;
        }
    };
    app.run(move |_, event| {
        if let RunEvent::Exit = event {
            tauri::async_runtime::block_on(engine.shutdown(Duration::from_secs(5)));
        }
    });
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The committed bindings match the Rust definitions. Run with
    /// `TUBERRY_WRITE_BINDINGS=1` to regenerate them.
    #[test]
    fn typescript_bindings_are_current() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let fresh =
            std::env::temp_dir().join(format!("tuberry-bindings-{}.ts", std::process::id()));
        super::export_bindings(&fresh).expect("bindings export");
        let fresh_text = std::fs::read_to_string(&fresh).expect("read exported bindings");
        std::fs::remove_file(&fresh).ok();
        if std::env::var_os("TUBERRY_WRITE_BINDINGS").is_some() {
            std::fs::write(&committed, &fresh_text).expect("write bindings");
            return;
        }
        let current = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            current == fresh_text,
            "ui/src/bindings.ts is stale: run `TUBERRY_WRITE_BINDINGS=1 cargo nextest run --workspace typescript_bindings` and commit it"
        );
    }
}
