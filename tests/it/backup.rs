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

/// Every restore step the bus told, until it has been quiet a moment.
async fn restore_steps(
    events: &mut tuberry::events::Subscription,
) -> Vec<tuberry::restore::RestoreStep> {
    let mut steps = Vec::new();
    while let Ok(Some(event)) =
        tokio::time::timeout(Duration::from_millis(100), events.next()).await
    {
        if let tuberry::events::EngineEvent::RestoreProgress { step } = event {
            steps.push(step);
        }
    }
    steps
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_prepared_in_the_running_app_is_put_in_place_at_the_next_start() {
    use tuberry::restore::{self, RestoreStage};
    let crate::helpers::TestApp { engine, clock, dir } = spawn_app().await;
    api::simulate_inbound(&engine, "Anna".into(), "Before the backup".into())
        .await
        .unwrap();
    let file = engine.files().put(b"a price list").await.unwrap();
    // Two mailboxes: this computer's keyring holds the password of one only.
    let kept = tuberry::keyring::Keyring::new_entry_name("email");
    let lost = tuberry::keyring::Keyring::new_entry_name("email");
    for (name, secret_ref) in [("Shop mail", &kept), ("Old mail", &lost)] {
        sqlx::query(
            "INSERT INTO channel_accounts (kind, name, external_id, settings, enabled, created_at)
             VALUES ('email', ?1, ?1, json_object('secret_ref', ?2), 0, 0)",
        )
        .bind(name)
        .bind(secret_ref)
        .execute(engine.store().pool())
        .await
        .unwrap();
    }
    engine
        .keyring()
        .set(&kept, &tuberry::secret::Secret::new("mail password".into()))
        .await
        .unwrap();
    let taken = api::back_up_now(&engine).await.unwrap();
    sqlx::query("UPDATE channel_accounts SET enabled = 1 WHERE kind = 'email'")
        .execute(engine.store().pool())
        .await
        .unwrap();
    api::simulate_inbound(&engine, "Anna".into(), "After the backup".into())
        .await
        .unwrap();
    engine.start().await.unwrap();
    std::fs::remove_dir_all(dir.path().join("files")).unwrap();

    // A file that is no backup is refused, and nothing is left behind.
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let refused = api::prepare_restore(&engine, junk.display().to_string())
        .await
        .unwrap_err();
    assert!(refused.message.contains("junk.sqlite3"), "{refused:?}");
    assert!(!restore::is_pending(dir.path()));
    assert!(!dir.path().join("tuberry.sqlite3.restoring").exists());
    let relative = api::prepare_restore(&engine, "backups/x.sqlite3".into()).await;
    assert!(relative.is_err());

    // Prepared beside the running engine, with its progress told.
    let mut events = engine.events().subscribe();
    api::prepare_restore(&engine, taken.path.clone())
        .await
        .unwrap();
    let steps = restore_steps(&mut events).await;
    let stages: Vec<RestoreStage> = steps.iter().map(|s| s.stage).collect();
    let mut seen = stages.clone();
    seen.dedup();
    assert_eq!(
        seen,
        [
            RestoreStage::Copying,
            RestoreStage::Checking,
            RestoreStage::Files,
            RestoreStage::Ready
        ]
    );
    let copied = steps
        .iter()
        .rfind(|s| s.stage == RestoreStage::Copying)
        .unwrap();
    assert_eq!((copied.done, copied.total), (taken.size, taken.size));
    assert!(restore::is_pending(dir.path()));
    // The running engine still has today's database.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(engine.store().pool())
        .await
        .unwrap();
    assert_eq!(n, 2);

    // Not while the engine runs: the next start waits for it, then gives up
    // and leaves the restore prepared.
    let busy = restore::finish_pending_within(dir.path(), Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(matches!(busy, Error::AlreadyRunning { .. }), "{busy:?}");
    assert!(restore::is_pending(dir.path()));
    engine.shutdown(Duration::from_secs(5)).await;
    drop(engine);

    // The next start.
    let restored = restore::finish_pending(dir.path())
        .await
        .unwrap()
        .expect("a restore was prepared");
    assert_eq!(restored.error, None);
    assert_eq!(restored.source, taken.path);
    assert_eq!(restored.files_copied, 1);
    assert!(Path::new(restored.kept_aside.as_deref().unwrap()).is_file());
    assert!(!restore::is_pending(dir.path()));
    assert_eq!(restore::finish_pending(dir.path()).await.unwrap(), None);
    let engine = crate::helpers::open_engine(&dir, &clock).await;
    let texts: Vec<String> = sqlx::query_scalar("SELECT text FROM messages ORDER BY id")
        .fetch_all(engine.store().pool())
        .await
        .unwrap();
    assert_eq!(texts, ["Before the backup"]);
    let hash = file.strip_prefix("file:").unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("files").join(hash)).unwrap(),
        b"a price list"
    );
    // The accounts were disabled in the backup: none needs anything.
    let outcome = api::restore_outcome(&engine)
        .await
        .unwrap()
        .expect("told once");
    assert_eq!(outcome.restored, restored);
    assert!(
        outcome.needs_secrets.is_empty(),
        "{:?}",
        outcome.needs_secrets
    );
    sqlx::query("UPDATE channel_accounts SET enabled = 1 WHERE kind = 'email'")
        .execute(engine.store().pool())
        .await
        .unwrap();
    let outcome = api::restore_outcome(&engine).await.unwrap().unwrap();
    let names: Vec<&str> = outcome
        .needs_secrets
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["Old mail"],
        "only the one whose password is not in this keyring"
    );
    api::dismiss_restore_outcome(&engine).await.unwrap();
    assert_eq!(api::restore_outcome(&engine).await.unwrap(), None);
    engine.keyring().delete(&kept).await.unwrap();
}
