//! The support bundle carries the doctor's report, the settings and the last
//! logs — and none of the secrets, even when they leaked into a log line.

use std::io::Read;

use tuberry::api::{self, Health, SCRUBBED};
use tuberry::secret::Secret;

use crate::helpers::{Lines, spawn_app};

/// Secrets shaped like nothing a pattern would catch: only knowing them
/// blacks them out.
const PLANTED: [(&str, &str); 3] = [
    ("tuberry-test-planted-llm", "Quiet Harbour 4417"),
    ("tuberry-test-planted-mail", "mailbox-Zebra-Lantern-93"),
    (
        "tuberry-test-planted-mail-webhook",
        "oPEn-sesAme-webhook-58",
    ),
];

#[tokio::test]
async fn the_support_bundle_holds_the_report_and_no_planted_secret() {
    let app = spawn_app().await;
    let keyring = app.engine.keyring();
    for (name, secret) in PLANTED {
        keyring
            .set(name, &Secret::new(secret.to_owned()))
            .await
            .unwrap();
    }
    let pool = app.engine.store().pool();
    sqlx::query("UPDATE llm_settings SET secret_ref = ?1")
        .bind(PLANTED[0].0)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO channel_accounts (kind, name, external_id, settings, enabled, created_at)
         VALUES ('email', 'Shop mail', 'shop@example.com', json_object('secret_ref', ?1), 0, 0)",
    )
    .bind(PLANTED[1].0)
    .execute(pool)
    .await
    .unwrap();
    // Leaked where they should never be: a log line and the settings file.
    let logs = app.dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let leak = PLANTED.map(|(_, s)| s).join(" | ");
    std::fs::write(
        logs.join("tuberry.2026-01-01.log"),
        format!("INFO first line\nWARN connecting with {leak} failed\nINFO bot 123456789:AAHk2x9fVv0123456789abcdefghijklmno\n"),
    )
    .unwrap();
    std::fs::write(
        app.dir.path().join("settings.toml"),
        format!("# {}\n[log]\nlevel = \"info\"\n", PLANTED[2].1),
    )
    .unwrap();

    let folder = tempfile::tempdir().unwrap();
    let path = api::support_bundle(&app.engine, Some(folder.path().display().to_string()))
        .await
        .unwrap();
    assert!(
        path.starts_with(&folder.path().display().to_string()),
        "{path}"
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut entries = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        entries.insert(name, text);
    }
    assert_eq!(
        entries.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "about.txt",
            "doctor.json",
            "logs/tuberry.2026-01-01.log",
            "settings.toml"
        ]
    );
    for (name, text) in &entries {
        for (_, secret) in PLANTED {
            assert!(!text.contains(secret), "{secret} in {name}");
        }
        assert!(!text.contains("AAHk2x9fVv"), "a bot token in {name}");
    }
    let log = &entries["logs/tuberry.2026-01-01.log"];
    assert!(
        log.contains("INFO first line") && log.contains(SCRUBBED),
        "{log}"
    );
    assert!(entries["settings.toml"].contains("level = \"info\""));
    assert!(entries["about.txt"].contains("schema version"));
    let health: Health = serde_json::from_str(&entries["doctor.json"]).unwrap();
    assert_eq!(health.guardrails.len(), 4);

    // A second bundle the same minute does not overwrite the first.
    let again = api::support_bundle(&app.engine, Some(folder.path().display().to_string()))
        .await
        .unwrap();
    assert_ne!(again, path);
    for (name, _) in PLANTED {
        keyring.delete(name).await.unwrap();
    }
}

/// `[log] format = "json"`: one JSON object a line, and a message's id
/// (`corr`) on the line that stored it and on every line of the jobs about
/// it, so one grep follows it from ingest to delivery.
#[tokio::test]
async fn json_log_lines_carry_the_message_id_from_ingest_to_delivery() {
    let (lines, _capture) = Lines::capture();

    let app = spawn_app().await;
    let e = &app.engine;
    let inbound = api::simulate_inbound(e, "Anna".into(), "Hello".into())
        .await
        .unwrap();
    let reply = api::send_reply(e, inbound.conversation_id, "Hi Anna".into())
        .await
        .unwrap();
    e.queue().drain().await.unwrap();

    let text = lines.text();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let said = |message: &str| {
        lines
            .iter()
            .find(|l| l["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no “{message}” in {text}"))
    };
    assert_eq!(
        said("inbound message stored")["fields"]["corr"],
        inbound.message_id
    );
    assert_eq!(said("reply queued")["fields"]["corr"], reply.id);
    let sent = said("reply sent");
    assert_eq!(sent["span"]["name"], "job", "{sent}");
    assert_eq!(sent["span"]["kind"], "outbox.send");
    assert_eq!(sent["span"]["corr"], reply.id, "{sent}");
}
