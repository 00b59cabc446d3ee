use tuberry::api;
use tuberry::store::{Store, known_schema_version};
use tuberry::{Engine, EngineOptions, Error};

use crate::helpers::{open_engine, spawn_app};

#[tokio::test]
async fn reopening_an_existing_database_keeps_its_data() {
    let app = spawn_app().await;
    let outcome = api::simulate_inbound(&app.engine, "Анна".into(), "Привет".into())
        .await
        .unwrap();
    app.engine.shutdown(std::time::Duration::from_secs(1)).await;

    let engine = open_engine(&app.dir, &app.clock).await;
    let detail = api::get_conversation(&engine, outcome.conversation_id)
        .await
        .unwrap();
    assert_eq!(detail.messages[0].text, "Привет");
    assert_eq!(
        engine.simulator().account_id(),
        app.engine.simulator().account_id(),
        "the simulator account is created once"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(tuberry::engine::DATABASE_FILE);
    let store = Store::open(&path).await.unwrap();
    let newer = known_schema_version() + 1;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (?1, 'from the future', 1, x'00', 0)",
    )
    .bind(newer)
    .execute(store.pool())
    .await
    .unwrap();
    store.close().await;

    let err = Engine::open(EngineOptions::new(dir.path()))
        .await
        .err()
        .expect("must refuse");
    assert!(
        matches!(err, Error::DatabaseNewer { found, .. } if found == newer),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("newer version of Tuberry"),
        "{err}"
    );
}

#[tokio::test]
async fn settings_with_an_unknown_key_stop_the_start_and_name_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("settings.toml"),
        "[queue]\nworkers = 2\nretries = 5\n",
    )
    .unwrap();
    let err = Engine::open(EngineOptions::new(dir.path()))
        .await
        .err()
        .expect("must refuse");
    assert!(
        err.to_string().contains("retries"),
        "the error names the bad key: {err}"
    );
}
