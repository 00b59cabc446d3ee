//! `tuberry-fakes mail` as the desktop end-to-end run uses it: the line it
//! prints, its control API, and nothing left behind when it is killed.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A customer's mail with bare line feeds, as a script writes it.
const MAIL: &str = "From: Ivan Petrov <ivan@customer.test>\nTo: shop@shop.test\n\
                    Subject: Delivery to Kazan?\nMessage-ID: <kazan-1@customer.test>\n\
                    Date: Mon, 3 Nov 2025 10:00:00 +0300\n\nDo you deliver to Kazan?\n";

/// The running fake, stopped with SIGTERM when dropped (a failed test must
/// not leave mail servers running).
struct Fake(Child);

impl Fake {
    /// Sends SIGTERM and waits until the process has ended.
    fn terminate(&mut self) -> ExitStatus {
        if let Some(status) = self.0.try_wait().unwrap() {
            return status;
        }
        let sent = Command::new("kill")
            .args(["-s", "TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "still running after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        // Without panicking: a second panic would abort before the cleanup.
        if let Ok(None) = self.0.try_wait() {
            let id = self.0.id().to_string();
            Command::new("kill").args(["-s", "TERM", &id]).status().ok();
            self.0.wait().ok();
        }
    }
}

#[tokio::test]
async fn mail_fake_serves_its_control_api_and_stops_the_servers_on_sigterm() {
    let mut fake = Fake(
        Command::new(env!("CARGO_BIN_EXE_tuberry-fakes"))
            .arg("mail")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(fake.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(line.strip_prefix("mail ").unwrap()).unwrap();
    let port = |name: &str| u16::try_from(ready[name].as_u64().unwrap()).unwrap();
    let ports = [
        "imap",
        "imaps",
        "smtp",
        "submission",
        "submissions",
        "submissionPlain",
    ]
    .map(port);
    let ca_file = PathBuf::from(ready["caFile"].as_str().unwrap());
    assert!(
        std::fs::read_to_string(&ca_file)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let control = ready["control"].as_str().unwrap();
    let http = reqwest::Client::new();

    let delivered = http
        .post(format!("{control}/_control/deliver"))
        .json(&json!({"from": "ivan@customer.test", "to": "shop@shop.test", "raw": MAIL}))
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status(), 200, "{:?}", delivered.text().await);

    let inbox: Value = http
        .get(format!("{control}/_control/messages?user=shop@shop.test"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages = inbox.as_array().unwrap();
    assert_eq!(messages.len(), 1, "{inbox}");
    assert_eq!(messages[0]["uid"], 1);
    assert_eq!(messages[0]["flags"], json!([]));
    let raw = messages[0]["raw"].as_str().unwrap();
    assert!(raw.ends_with(&MAIL.replace('\n', "\r\n")), "{raw}");

    let sent: Value = http
        .get(format!(
            "{control}/_control/messages?user=ivan@customer.test&folder=Sent"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent, json!([]));

    let unknown = http
        .get(format!("{control}/_control/messages?user=nobody@shop.test"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    let error: Value = unknown.json().await.unwrap();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("nobody@shop.test"),
        "{error}"
    );

    let refused = http
        .post(format!("{control}/_control/deliver"))
        .json(&json!({"from": "ivan@customer.test", "to": "x@elsewhere.test", "raw": MAIL}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);

    let log = http
        .get(format!("{control}/_control/maillog"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(log.contains("message-id=<kazan-1@customer.test>"), "{log}");

    let status = fake.terminate();
    assert!(status.success(), "{status}");
    for port in ports {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} still open"
        );
    }
    assert!(!ca_file.exists(), "the servers' files are removed");
}
