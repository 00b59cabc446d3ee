//! The LAN API's doors: `/health` open and saying nothing more, every other
//! route behind a bearer token with the right scope, stored only as its
//! hash, refused once revoked; errors as JSON with a code.

use std::sync::Arc;

use tuberry::api;
use tuberry::api_tokens::Scope;

use crate::helpers::{Lines, spawn_app};

/// An engine serving the LAN API on a free port of loopback: the engine, its
/// data directory and where it listens.
pub(crate) async fn serving() -> (Arc<tuberry::Engine>, tempfile::TempDir, String) {
    let (engine, _clock, dir, listening) = serving_app().await;
    (engine, dir, listening)
}

/// [`serving`], and the engine's clock (for the queue's retries).
pub(crate) async fn serving_app() -> (
    Arc<tuberry::Engine>,
    tuberry::clock::ManualClock,
    tempfile::TempDir,
    String,
) {
    let app = spawn_app().await;
    let engine = Arc::new(app.engine);
    tuberry::lan_api::attach(&engine);
    engine.start().await.unwrap();
    let listening = api::set_lan_endpoint(&engine, Some("127.0.0.1:0".into()))
        .await
        .unwrap()
        .listening
        .unwrap();
    (engine, app.clock, app.dir, listening)
}

pub(crate) async fn get(
    url: &str,
    token: Option<&str>,
) -> (u16, Option<String>, serde_json::Value) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, challenge, response.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_but_health_needs_a_live_token_with_its_scope() {
    let (engine, dir, listening) = serving().await;
    let base = format!("http://{listening}");

    // Up, and nothing more.
    let (status, _, body) = get(&format!("{base}/health"), None).await;
    assert_eq!((status, body), (200, serde_json::json!({"status": "ok"})));

    let details = format!("{base}/api/v1/health");
    let (status, challenge, body) = get(&details, None).await;
    assert_eq!(status, 401);
    assert_eq!(challenge.as_deref(), Some("Bearer"));
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _, _) = get(&details, Some("tby_not-a-token")).await;
    assert_eq!(status, 401);

    let sender = api::create_api_token(&engine, "Website chat".into(), vec![Scope::Send])
        .await
        .unwrap();
    let reader = api::create_api_token(&engine, "CRM".into(), vec![Scope::Read, Scope::Read])
        .await
        .unwrap();
    assert_eq!(reader.token.scopes, [Scope::Read]);
    assert!(reader.secret.starts_with("tby_") && reader.secret.len() > 60);
    assert!(
        reader
            .secret
            .starts_with(reader.token.prefix.trim_end_matches('…'))
    );
    assert!(
        api::create_api_token(&engine, " ".into(), vec![Scope::Read])
            .await
            .is_err()
    );
    assert!(
        api::create_api_token(&engine, "No scope".into(), vec![])
            .await
            .is_err()
    );

    // A token that may only send may not read.
    let (status, _, body) = get(&details, Some(&sender.secret)).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "forbidden");
    let (status, _, body) = get(&details, Some(&reader.secret)).await;
    assert_eq!(status, 200);
    assert!(body["database"]["intact"].as_bool().unwrap(), "{body}");
    let listed = api::list_api_tokens(&engine).await.unwrap();
    let used = listed.iter().find(|t| t.id == reader.token.id).unwrap();
    assert!(used.last_used_at.is_some());

    // Only the hash is kept: the token is nowhere in the store.
    let db = std::fs::read(dir.path().join(tuberry::engine::DATABASE_FILE)).unwrap();
    let wal = std::fs::read(
        dir.path()
            .join(format!("{}-wal", tuberry::engine::DATABASE_FILE)),
    )
    .unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes
                .windows(reader.secret.len())
                .any(|w| w == reader.secret.as_bytes()),
            "the token itself is not stored"
        );
    }

    // Revoked: refused at once.
    let revoked = api::revoke_api_token(&engine, reader.token.id)
        .await
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    let (status, _, _) = get(&details, Some(&reader.secret)).await;
    assert_eq!(status, 401);
    assert!(api::revoke_api_token(&engine, 999).await.is_err());

    let (status, _, body) = get(&format!("{base}/api/v1/nothing-here"), None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}

pub(crate) async fn post(
    url: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

pub(crate) async fn messages(engine: &tuberry::Engine) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(engine.store().pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_system_sends_a_reply_once_per_key_and_follows_its_delivery() {
    let (engine, _dir, listening) = serving().await;
    let base = format!("http://{listening}/api/v1");
    let asked = api::simulate_inbound(&engine, "Anna".into(), "Is the blue vase in stock?".into())
        .await
        .unwrap();
    let conversation = asked.conversation_id;
    let site = api::create_api_token(
        &engine,
        "Website chat".into(),
        vec![Scope::Send, Scope::Read],
    )
    .await
    .unwrap()
    .secret;
    let reader = api::create_api_token(&engine, "CRM".into(), vec![Scope::Read])
        .await
        .unwrap()
        .secret;
    let body = serde_json::json!({
        "conversationId": conversation,
        "text": "Yes, two are left.",
        "idempotencyKey": "order-42-answer",
    });

    // Refused before anything is written.
    let before = messages(&engine).await;
    let (status, _) = post(&format!("{base}/send"), &reader, body.clone()).await;
    assert_eq!(status, 403, "a read token does not send");
    for (bad, code) in [
        (
            serde_json::json!({"conversationId": conversation, "idempotencyKey": "k"}),
            422,
        ),
        (
            serde_json::json!({"conversationId": conversation, "text": " ", "idempotencyKey": "k"}),
            422,
        ),
        (
            serde_json::json!({"conversationId": conversation, "text": "Hi", "idempotencyKey": ""}),
            422,
        ),
        (
            serde_json::json!({"conversationId": conversation, "text": "Hi", "idempotencyKey": "k", "extra": 1}),
            422,
        ),
        (
            serde_json::json!({"conversationId": 999_999, "text": "Hi", "idempotencyKey": "k"}),
            404,
        ),
    ] {
        let (status, answer) = post(&format!("{base}/send"), &site, bad.clone()).await;
        assert_eq!(status, code, "{bad} → {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
    }
    assert_eq!(
        messages(&engine).await,
        before,
        "nothing written for refused requests"
    );

    // Queued once; the same key again answers the same message.
    let (status, first) = post(&format!("{base}/send"), &site, body.clone()).await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["conversationId"], conversation);
    assert_eq!(first["direction"], "out");
    let (status, again) = post(&format!("{base}/send"), &site, body.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(messages(&engine).await, before + 1);
    // The key that failed (the unknown conversation) is free again.
    let (status, _) = post(
        &format!("{base}/send"),
        &site,
        serde_json::json!({"conversationId": conversation, "text": "And one more.", "idempotencyKey": "k"}),
    )
    .await;
    assert_eq!(status, 202);

    // The customer gets it; its delivery is read back.
    let id = first["id"].as_i64().unwrap();
    let delivered = crate::helpers::eventually("the reply is sent", async || {
        let (status, _, view) = get(&format!("{base}/messages/{id}"), Some(&reader)).await;
        assert_eq!(status, 200);
        (view["delivery"] != "pending").then_some(view)
    })
    .await;
    assert_eq!(delivered["delivery"], "sent", "{delivered}");
    let transcript = api::simulator_transcript(&engine, Some("Anna".into()))
        .await
        .unwrap();
    let told = transcript
        .iter()
        .filter(|e| e.text == "Yes, two are left.")
        .count();
    assert_eq!(told, 1, "sent once");
    let (status, _, _) = get(&format!("{base}/messages/abc"), Some(&reader)).await;
    assert_eq!(status, 422);
    let (status, _, _) = get(&format!("{base}/messages/999999"), Some(&reader)).await;
    assert_eq!(status, 404);
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}

/// Tokens, good, revoked and made up, used on every route: none of them is
/// in any log line (every level) or any answer.
#[tokio::test]
async fn a_token_reaches_no_log_line_and_no_answer() {
    let (lines, _capture) = Lines::capture();

    let (engine, _dir, listening) = serving().await;
    let base = format!("http://{listening}");
    let asked = api::simulate_inbound(&engine, "Anna".into(), "Hello".into())
        .await
        .unwrap();
    let good = api::create_api_token(&engine, "Site".into(), vec![Scope::Send])
        .await
        .unwrap()
        .secret;
    let revoked = api::create_api_token(&engine, "Old".into(), vec![Scope::Admin])
        .await
        .unwrap();
    api::revoke_api_token(&engine, revoked.token.id)
        .await
        .unwrap();
    let made_up = "tby_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
    let mut answers = String::new();
    for token in [good.as_str(), revoked.secret.as_str(), made_up] {
        for path in [
            "/health",
            "/api/v1/health",
            "/api/v1/messages/1",
            "/nowhere",
        ] {
            let (_, _, body) = get(&format!("{base}{path}"), Some(token)).await;
            answers.push_str(&body.to_string());
        }
        let (_, body) = post(
            &format!("{base}/api/v1/send"),
            token,
            serde_json::json!({"conversationId": asked.conversation_id, "text": "Hi", "idempotencyKey": "hello-1"}),
        )
        .await;
        answers.push_str(&body.to_string());
    }
    // A provider's token and a webhook's secret, used as they are meant to be.
    let provider = api::create_provider(
        &engine,
        "Site".into(),
        None,
        Some(format!("{base}/nowhere")),
    )
    .await
    .unwrap();
    let hook = api::create_webhook(
        &engine,
        format!("{base}/nowhere"),
        vec!["message.received".into()],
    )
    .await
    .unwrap();
    for token in [provider.token.as_str(), "tbp_0123456789abcdef"] {
        let (_, body) = post(
            &format!("{base}{}", provider.webhook_path),
            token,
            serde_json::json!({"id": format!("m-{token}"), "from": {"id": "v-1"}, "text": "Hi"}),
        )
        .await;
        answers.push_str(&body.to_string());
    }
    crate::helpers::eventually("the provider's customer is answered and the event posted", async || {
        let jobs: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE kind IN ('webhook.post', 'outbox.send') AND attempts > 0",
        )
        .fetch_one(engine.store().pool())
        .await
        .unwrap();
        (jobs > 0).then_some(())
    })
    .await;
    engine.shutdown(std::time::Duration::from_secs(5)).await;
    let logged = lines.text();
    assert!(
        logged.contains("API request") && logged.contains("provider message stored"),
        "the requests were logged: {logged}"
    );
    for token in [
        good.as_str(),
        revoked.secret.as_str(),
        made_up,
        provider.token.as_str(),
        hook.secret.as_str(),
    ] {
        let hex = token
            .trim_start_matches("tby_")
            .trim_start_matches("tbp_")
            .trim_start_matches("whsec_");
        assert!(!logged.contains(hex), "a token in the logs");
        assert!(!answers.contains(hex), "a token in an answer: {answers}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_rate_is_told_when_to_come_back() {
    let (engine, _dir, listening) = serving().await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    let mut refused = None;
    for _ in 0..80 {
        let response = client
            .get(format!("http://{listening}/health"))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 && refused.is_none() {
            let after: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let body: serde_json::Value = response.json().await.unwrap();
            refused = Some((after, body));
        }
    }
    // A burst of 40 goes through, then the client waits.
    assert!(statuses[..40].iter().all(|s| *s == 200), "{statuses:?}");
    let (after, body) = refused.expect("a client over its rate is refused");
    assert!(after >= 1, "Retry-After: {after}");
    assert_eq!(body["error"]["code"], "rate_limited");
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}
