//! Backups: taken while messages arrive and still whole, the daily one,
//! before a schema change, and restored (never while an engine runs).

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tuberry::backup::{self, BackupKind};
use tuberry::error::Error;
use tuberry::{api, store::Store};

use crate::helpers::{eventually, spawn_app};

async fn read_only(path: &Path) -> sqlx::SqlitePool {
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(path).read_only(true))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_a_thousand_messages_arrive_is_whole() {
    let crate::helpers::TestApp { engine, dir, .. } = spawn_app().await;
    let engine = std::sync::Arc::new(engine);
    let writer = engine.clone();
    let ingest = tokio::spawn(async move {
        let engine = writer;
        for n in 0..1_000 {
            api::simulate_inbound(
                &engine,
                format!("Customer {}", n % 40),
                format!("Message {n}"),
            )
            .await
            .unwrap();
        }
    });
    // Somewhere in the middle of the stream.
    eventually("a few hundred messages are in", async || {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
            .fetch_one(engine.store().pool())
            .await
            .unwrap();
        (n >= 300).then_some(())
    })
    .await;
    let committed: i64 = sqlx::query_scalar("SELECT max(id) FROM messages")
        .fetch_one(engine.store().pool())
        .await
        .unwrap();
    let taken = api::back_up_now(&engine).await.unwrap();
    ingest.await.unwrap();
    assert_eq!(taken.kind, BackupKind::Manual);
    assert!(
        taken
            .path
            .starts_with(&dir.path().join("backups").display().to_string())
    );

    backup::check(Path::new(&taken.path), i64::MAX)
        .await
        .unwrap();
    let copy = read_only(Path::new(&taken.path)).await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE id <= ?1")
        .bind(committed)
        .fetch_one(&copy)
        .await
        .unwrap();
    assert_eq!(
        before, committed,
        "every message committed before the backup is in it"
    );
    let in_copy: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&copy)
        .await
        .unwrap();
    assert!(
        in_copy < 1_000,
        "the backup is a snapshot, not the end: {in_copy}"
    );
    // Each conversation's summary agrees with its messages in the copy.
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM conversations c
         WHERE c.last_message_at != (SELECT max(created_at) FROM messages m WHERE m.conversation_id = c.id)",
    )
    .fetch_one(&copy)
    .await
    .unwrap();
    assert_eq!(mismatched, 0);
    assert_eq!(api::list_backups(&engine).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_round_trips_and_is_refused_while_the_engine_runs() {
    let app = spawn_app().await;
    api::simulate_inbound(&app.engine, "Anna".into(), "Before the backup".into())
        .await
        .unwrap();
    let file = app.engine.files().put(b"a photo of peonies").await.unwrap();
    let taken = api::back_up_now(&app.engine).await.unwrap();
    api::simulate_inbound(&app.engine, "Anna".into(), "After the backup".into())
        .await
        .unwrap();
    // A damaged file is refused before anything changes.
    let junk = app.dir.path().join("junk.sqlite3");
    std::fs::write(&junk, b"not a database at all").unwrap();

    app.engine.start().await.unwrap();
    let refused = tuberry::restore::restore(app.dir.path(), Path::new(&taken.path))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, Error::AlreadyRunning { .. }),
        "{refused:?}"
    );
    app.engine.shutdown(Duration::from_secs(5)).await;
    drop(app.engine);

    let damaged = tuberry::restore::restore(app.dir.path(), &junk)
        .await
        .unwrap_err();
    assert!(damaged.to_string().contains("junk.sqlite3"), "{damaged}");
    // The attachments folder is lost with the disk; the backup brings it back.
    std::fs::remove_dir_all(app.dir.path().join("files")).unwrap();
    let restored = tuberry::restore::restore(app.dir.path(), Path::new(&taken.path))
        .await
        .unwrap();
    let aside = restored.kept_aside.expect("the replaced database is kept");
    assert!(Path::new(&aside).is_file());
    assert_eq!(restored.files_copied, 1);
    assert!(restored.accounts.is_empty(), "{:?}", restored.accounts);

    let store = Store::open(&app.dir.path().join(tuberry::engine::DATABASE_FILE))
        .await
        .unwrap();
    let texts: Vec<String> = sqlx::query_scalar("SELECT text FROM messages ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(texts, ["Before the backup"]);
    let hash = file.strip_prefix("file:").unwrap();
    assert_eq!(
        std::fs::read(app.dir.path().join("files").join(hash)).unwrap(),
        b"a photo of peonies"
    );
    // What was replaced is still whole.
    let old = read_only(Path::new(&aside)).await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&old)
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_backup_is_taken_once_a_day_into_the_chosen_folder() {
    let app = spawn_app().await;
    let synced = app.dir.path().join("synced drive");
    let dir = api::set_backup_dir(&app.engine, Some(synced.display().to_string()))
        .await
        .unwrap();
    assert_eq!(Path::new(&dir), synced);
    assert!(
        api::set_backup_dir(&app.engine, Some("relative/folder".into()))
            .await
            .is_err()
    );
    let cancel = tokio_util::sync::CancellationToken::new();
    let watch = tokio::spawn(app.engine.backups().clone().watch(
        Duration::from_millis(10),
        Duration::from_millis(20),
        cancel.clone(),
    ));
    let first = eventually("the first daily backup", async || {
        api::list_backups(&app.engine).await.unwrap().pop()
    })
    .await;
    assert_eq!(first.kind, BackupKind::Daily);
    assert!(first.path.starts_with(&synced.display().to_string()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        api::list_backups(&app.engine).await.unwrap().len(),
        1,
        "one a day"
    );
    app.clock.advance(24 * 3_600_000);
    eventually("the next day's backup", async || {
        (api::list_backups(&app.engine).await.unwrap().len() == 2).then_some(())
    })
    .await;
    cancel.cancel();
    watch.await.unwrap();
}

#[tokio::test]
async fn a_schema_change_is_preceded_by_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(tuberry::engine::DATABASE_FILE);
    // A database of the previous version.
    let known = tuberry::store::known_schema_version();
    let older = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(
            tuberry::store::MIGRATOR
                .iter()
                .filter(|m| m.version < known)
                .cloned()
                .collect(),
        ),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    let pool = SqlitePoolOptions::new()
        .connect_with(
            SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
    older.run(&pool).await.unwrap();
    pool.close().await;

    Store::open(&path).await.unwrap().close().await;
    let backups = backup::list(&dir.path().join("backups")).unwrap();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(backups[0].kind, BackupKind::BeforeMigration);
    assert!(
        backups[0]
            .name
            .ends_with(&format!("-before-v{known}.sqlite3"))
    );
    backup::check(Path::new(&backups[0].path), i64::MAX)
        .await
        .unwrap();
    // Opening again changes nothing and takes no backup.
    Store::open(&path).await.unwrap().close().await;
    assert_eq!(backup::list(&dir.path().join("backups")).unwrap().len(), 1);
}
