use std::process::Command;

/// Runs the `tuberry` command on `dir`: (succeeded, stdout, stderr).
pub(crate) fn tuberry(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tuberry"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("TUBERRY_DATA_DIR")
        .output()
        .expect("run tuberry");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn the_command_line_simulates_lists_replies_and_shows() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = tuberry(
        dir.path(),
        &["simulate", "--from", "Анна", "Есть доставка?"],
    );
    assert!(ok, "{err}");
    assert!(out.contains("conversation 1"), "{out}");

    let (ok, out, _) = tuberry(
        dir.path(),
        &["--json", "conversations", "--status", "awaiting_response"],
    );
    assert!(ok);
    let page: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["contactName"], "Анна");

    let (ok, out, err) = tuberry(dir.path(), &["reply", "1", "Да, по всему городу"]);
    assert!(ok, "{err}");
    assert!(out.contains("[sent]"), "the reply is delivered: {out}");

    let (ok, out, _) = tuberry(dir.path(), &["show", "1"]);
    assert!(ok);
    assert!(
        out.contains("Есть доставка?") && out.contains("Да, по всему городу"),
        "{out}"
    );
    assert!(out.contains("closed"), "{out}");

    let (ok, out, _) = tuberry(dir.path(), &["transcript", "--customer", "Анна"]);
    assert!(ok);
    assert!(out.contains("shop: Да, по всему городу"), "{out}");
}

#[test]
fn the_command_line_explains_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = tuberry(dir.path(), &["conversations", "--status", "open"]);
    assert!(!ok);
    assert!(
        err.contains("awaiting_response"),
        "lists the valid statuses: {err}"
    );
    let (ok, _, err) = tuberry(dir.path(), &["reply", "77", "hi"]);
    assert!(!ok);
    assert!(err.contains("conversation 77 not found"), "{err}");
}

#[test]
fn serve_runs_until_interrupted_and_stops_cleanly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuberry"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("serve")
        .env("TUBERRY_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("Tuberry is running"), "{line}");

    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "serve exits cleanly on Ctrl-C: {status:?}"
    );
    assert!(
        dir.path().join("logs").is_dir(),
        "serve writes its log into the data directory"
    );
}

#[test]
fn invites_are_created_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = tuberry(
        dir.path(),
        &[
            "invite",
            "create",
            "--role",
            "manager",
            "--uses",
            "2",
            "--hours",
            "24",
            "--label",
            "Evening shift",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("code: inv_"), "{out}");
    assert!(out.contains("connect a project's bot"), "{out}");
    let (ok, out, _) = tuberry(dir.path(), &["--json", "invite", "list"]);
    assert!(ok);
    let invites: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(invites[0]["role"], "manager");
    assert_eq!(invites[0]["maxUses"], 2);
    assert_eq!(invites[0]["state"], "active");
    assert!(
        !out.contains("inv_"),
        "a listed invite never shows its code: {out}"
    );
    let (ok, out, _) = tuberry(dir.path(), &["invite", "revoke", "1"]);
    assert!(ok);
    assert!(out.contains("revoked"), "{out}");
    let (ok, _, err) = tuberry(dir.path(), &["invite", "create", "--role", "owner"]);
    assert!(!ok);
    assert!(err.contains("one owner"), "{err}");
    let (ok, _, err) = tuberry(dir.path(), &["team", "owner-link"]);
    assert!(!ok);
    assert!(err.contains("connect a project's bot first"), "{err}");

    // The alert threshold, and a conversation's assignee.
    let (ok, out, _) = tuberry(dir.path(), &["team", "alerts"]);
    assert!(ok);
    assert!(out.contains("longer than 30 minutes"), "{out}");
    let (ok, _, _) = tuberry(dir.path(), &["team", "alerts", "--waiting-minutes", "0"]);
    assert!(ok);
    let (ok, out, _) = tuberry(dir.path(), &["team", "alerts"]);
    assert!(ok && out.contains("No alert"), "{out}");
    let (ok, _, err) = tuberry(
        dir.path(),
        &["team", "alerts", "--waiting-minutes", "20000"],
    );
    assert!(!ok && err.contains("at most a week"), "{err}");
    let (ok, _, _) = tuberry(dir.path(), &["simulate", "--from", "Anna", "Hello"]);
    assert!(ok);
    let (ok, out, _) = tuberry(dir.path(), &["conversations", "--assigned", "unassigned"]);
    assert!(ok && out.contains("Anna"), "{out}");
    let (ok, out, _) = tuberry(dir.path(), &["conversations", "--assigned", "mine"]);
    assert!(ok && !out.contains("Anna"), "{out}");
    let (ok, _, err) = tuberry(dir.path(), &["team", "assign", "1", "--to", "5"]);
    assert!(!ok && err.contains("person 5"), "{err}");
    let (ok, out, _) = tuberry(dir.path(), &["team", "assign", "1"]);
    assert!(ok && out.contains("assigned to nobody"), "{out}");
}

#[test]
fn backups_are_taken_listed_and_restored_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = tuberry(dir.path(), &["simulate", "--from", "Anna", "Hello"]);
    assert!(ok, "{err}");
    let (ok, out, err) = tuberry(dir.path(), &["backup", "now"]);
    assert!(ok, "{err}");
    assert!(out.contains("Backed up and checked"), "{out}");
    let (ok, out, _) = tuberry(dir.path(), &["--json", "backup", "list"]);
    assert!(ok);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["kind"], "manual");
    let file = list[0]["path"].as_str().unwrap().to_owned();
    let (ok, _, _) = tuberry(dir.path(), &["simulate", "--from", "Boris", "Later"]);
    assert!(ok);
    let (ok, out, err) = tuberry(dir.path(), &["restore", &file]);
    assert!(ok, "{err}");
    assert!(out.contains("kept as"), "{out}");
    let (ok, out, _) = tuberry(dir.path(), &["conversations"]);
    assert!(
        ok && out.contains("Anna") && !out.contains("Boris"),
        "{out}"
    );
    let (ok, _, err) = tuberry(dir.path(), &["restore", "/no/such/backup.sqlite3"]);
    assert!(!ok && err.contains("is not a file"), "{err}");
}

#[test]
fn the_figures_of_a_period_are_printed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    assert!(tuberry(dir.path(), &["simulate", "--from", "Anna", "Peonies?"]).0);
    assert!(tuberry(dir.path(), &["simulate", "--from", "Boris", "Roses?"]).0);
    let (ok, _, err) = tuberry(dir.path(), &["reply", "1", "Yes"]);
    assert!(ok, "{err}");
    let (ok, out, err) = tuberry(dir.path(), &["stats", "--period", "today"]);
    assert!(ok, "{err}");
    assert!(out.contains("New conversations: 2, answered: 1"), "{out}");
    assert!(
        out.contains("Replies: people 1, assistant 0, auto-reply 0"),
        "{out}"
    );
    let (ok, out, _) = tuberry(dir.path(), &["--json", "stats", "--period", "30d"]);
    assert!(ok);
    let dashboard: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(dashboard["figures"]["newConversations"], 2);
    assert_eq!(dashboard["figures"]["repliesByPeople"], 1);
    assert_eq!(dashboard["days"].as_array().unwrap().len(), 30);
    let today = dashboard["days"][29].clone();
    assert_eq!(today["messagesIn"], 2, "{today}");
    assert_eq!(today["messagesOut"], 1, "{today}");
    // Boris waits; Anna was answered.
    assert_eq!(dashboard["waiting"][0]["conversations"], 1, "{out}");
    let (ok, out, err) = tuberry(dir.path(), &["stats", "--period", "7d", "--csv"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("section,key,value\n"), "{out}");
    assert!(out.contains("figures,new_conversations,2\n"), "{out}");
    // The simulator is a channel of its own: e-mail has no conversation.
    let (ok, out, err) = tuberry(dir.path(), &["stats", "--channel", "email", "--csv"]);
    assert!(ok, "{err}");
    assert!(out.contains("figures,new_conversations,0\n"), "{out}");
    let (ok, _, err) = tuberry(dir.path(), &["stats", "--channel", "fax"]);
    assert!(!ok && err.contains("fax"), "{err}");
    let (ok, _, err) = tuberry(dir.path(), &["stats", "--period", "week"]);
    assert!(!ok && err.contains("`7d`"), "{err}");
    let (ok, _, err) = tuberry(dir.path(), &["stats", "--period", "0d"]);
    assert!(!ok && err.contains("1 to 366"), "{err}");
}

#[test]
fn the_doctor_says_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = tuberry(dir.path(), &["doctor"]);
    assert!(ok, "{err}");
    assert!(out.contains("ok  keyring"), "{out}");
    assert!(
        out.contains("FIX no backup yet — take a backup: tuberry backup now"),
        "{out}"
    );
    assert!(out.contains("LAN endpoint off"), "{out}");
    assert!(tuberry(dir.path(), &["backup", "now"]).0);
    let (ok, out, _) = tuberry(dir.path(), &["--json", "doctor"]);
    assert!(ok);
    let health: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(health["database"]["intact"], true);
    assert!(health["backupFix"].is_null(), "{out}");
    assert!(health["lastBackup"]["path"].is_string(), "{out}");
    let (ok, _, err) = tuberry(dir.path(), &["retry", "999"]);
    assert!(!ok && err.contains("999"), "{err}");
}

#[test]
fn the_shops_other_systems_are_set_up_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let json = |args: &[&str]| {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let (ok, out, err) = tuberry(dir.path(), &all);
        assert!(ok, "{args:?}: {err}");
        serde_json::from_str::<serde_json::Value>(&out).expect("JSON output")
    };
    let token = json(&["api-token", "create", "CRM", "--scope", "send"]);
    assert!(token["secret"].as_str().unwrap().starts_with("tby_"));
    let hook = json(&[
        "webhook",
        "add",
        "https://crm.example/tuberry",
        "--event",
        "message.received",
    ]);
    assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"));
    let provider = json(&[
        "provider",
        "add",
        "Website chat",
        "--reply-url",
        "https://shop.example/replies",
    ]);
    assert!(provider["token"].as_str().unwrap().starts_with("tbp_"));
    let id = provider["provider"]["id"].as_i64().unwrap();
    assert_eq!(provider["webhookPath"], format!("/api/v1/webhook/{id}"));

    let (ok, out, _) = tuberry(dir.path(), &["provider", "list"]);
    assert!(
        ok && out.contains("Website chat") && !out.contains("tbp_"),
        "{out}"
    );
    let (ok, out, _) = tuberry(dir.path(), &["webhook", "list"]);
    assert!(
        ok && out.contains("crm.example") && !out.contains("whsec_"),
        "{out}"
    );

    let (ok, _, err) = tuberry(
        dir.path(),
        &[
            "webhook",
            "add",
            "crm.example",
            "--event",
            "message.received",
        ],
    );
    assert!(!ok && err.contains("not a URL"), "{err}");
    let (ok, _, err) = tuberry(
        dir.path(),
        &["webhook", "add", "https://crm.example", "--event", "nope"],
    );
    assert!(!ok && err.contains("unknown event"), "{err}");

    json(&["provider", "remove", &id.to_string()]);
    json(&["webhook", "remove", &hook["webhook"]["id"].to_string()]);
    assert_eq!(json(&["provider", "list"]), serde_json::json!([]));
    assert_eq!(json(&["webhook", "list"]), serde_json::json!([]));
}
