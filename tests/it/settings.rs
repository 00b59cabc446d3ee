//! The Settings screen over a real engine: the LAN endpoint turned on, moved
//! and off while the engine relays, a refused or taken address changing
//! nothing, the log level checked like the file, and every choice still
//! there after a restart (read back from `settings.toml` and the store).

use std::sync::Arc;

use tokio::net::TcpStream;
use tuberry::api;
use tuberry::events::EngineEvent;
use tuberry::model::Language;
use tuberry::settings::{FILE_NAME, Settings};
use tuberry::{Engine, EngineOptions, ErrorCode};

use crate::helpers::{T0, TEST_KEYRING};

/// An engine that reads `settings.toml` from its data directory, as the app does.
async fn open(dir: &tempfile::TempDir) -> Engine {
    Engine::open(EngineOptions {
        data_dir: dir.path().to_path_buf(),
        clock: Arc::new(tuberry::clock::ManualClock::new(T0)),
        settings: None,
        keyring: tuberry::keyring::Keyring::new(TEST_KEYRING),
        telegram_connector: None,
        whatsapp_connector: None,
    })
    .await
    .expect("engine opens")
}

fn file(dir: &tempfile::TempDir) -> String {
    std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap_or_default()
}

async fn answers(addr: &str) -> bool {
    TcpStream::connect(addr).await.is_ok()
}

#[tokio::test]
async fn the_lan_endpoint_turns_on_moves_and_off_while_the_engine_relays() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(FILE_NAME),
        "# the shop's own notes\n[queue]\nworkers = 2\n",
    )
    .unwrap();
    let engine = open(&dir).await;
    engine.start().await.unwrap();
    let mut events = engine.events().subscribe();
    assert_eq!(api::app_settings(&engine).await.unwrap().lan.listen, None);

    let on = api::set_lan_endpoint(&engine, Some(" 127.0.0.1:0 ".into()))
        .await
        .expect("a free address is taken");
    assert_eq!(on.listen.as_deref(), Some("127.0.0.1:0"));
    let first = on.listening.expect("it listens at once");
    assert!(answers(&first).await, "the endpoint answers at {first}");
    let told = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(event) = events.next().await {
            if event == EngineEvent::SettingsChanged {
                return true;
            }
        }
        false
    });
    assert!(
        told.await.unwrap_or(false),
        "the window is told a setting changed"
    );
    assert!(
        file(&dir).contains("listen = \"127.0.0.1:0\"")
            && file(&dir).contains("# the shop's own notes"),
        "the file says it and keeps the rest: {}",
        file(&dir)
    );

    // Another address: the new one listens, the old one no longer.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let free = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().to_string()
    };
    let moved = api::set_lan_endpoint(&engine, Some(free.clone()))
        .await
        .unwrap();
    assert_eq!(moved.listening.as_deref(), Some(free.as_str()));
    assert!(answers(&free).await);
    assert!(!answers(&first).await, "the old address was let go");

    // A taken address and one without a port change nothing.
    let before = file(&dir);
    let busy = taken.local_addr().unwrap().to_string();
    let refused = api::set_lan_endpoint(&engine, Some(busy.clone()))
        .await
        .expect_err("a taken address is refused");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(refused.message.contains(&busy), "{}", refused.message);
    let refused = api::set_lan_endpoint(&engine, Some("localhost".into()))
        .await
        .expect_err("an address without a port is refused");
    assert!(
        refused.message.contains("http.listen"),
        "{}",
        refused.message
    );
    assert_eq!(file(&dir), before, "the file is as it was");
    let status = api::app_settings(&engine).await.unwrap().lan;
    assert_eq!(status.listening.as_deref(), Some(free.as_str()));
    assert!(answers(&free).await, "still listening where it was");

    let off = api::set_lan_endpoint(&engine, None).await.unwrap();
    assert_eq!((off.listen, off.listening), (None, None));
    assert!(!answers(&free).await, "off means closed");
    assert!(!file(&dir).contains("listen"), "{}", file(&dir));
    assert_eq!(Settings::load(dir.path()).unwrap().queue.workers, 2);
    engine.shutdown(std::time::Duration::from_secs(5)).await;
    drop(taken);
}

#[tokio::test]
async fn every_choice_outlives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(&dir).await;
    engine.start().await.unwrap();
    let fresh = api::app_settings(&engine).await.unwrap();
    assert_eq!(fresh.language, None, "the system's until chosen");
    assert!(fresh.notifications);
    assert_eq!(fresh.log_level, "info");

    let refused = api::set_log_level(&engine, "tuberry=loud".into())
        .await
        .expect_err("a filter that is not one is refused");
    assert!(refused.message.contains("log.level"), "{}", refused.message);
    assert_eq!(file(&dir), "", "nothing written");
    api::set_log_level(&engine, "debug".into()).await.unwrap();
    api::set_app_language(&engine, Language::Ru).await.unwrap();
    api::set_notifications_enabled(&engine, false)
        .await
        .unwrap();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let address = format!("127.0.0.1:{port}");
    api::set_lan_endpoint(&engine, Some(address.clone()))
        .await
        .unwrap();
    engine.shutdown(std::time::Duration::from_secs(5)).await;
    drop(engine);

    let engine = open(&dir).await;
    engine.start().await.unwrap();
    let again = api::app_settings(&engine).await.unwrap();
    assert_eq!(again.language, Some(Language::Ru));
    assert!(!again.notifications);
    assert_eq!(again.log_level, "debug");
    assert_eq!(again.lan.listen.as_deref(), Some(address.as_str()));
    assert_eq!(again.lan.listening.as_deref(), Some(address.as_str()));
    assert!(answers(&address).await, "listening again after the restart");
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}
