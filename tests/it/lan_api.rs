//! The LAN API's doors: `/health` open and saying nothing more, every other
//! route behind a bearer token with the right scope, stored only as its
//! hash, refused once revoked; errors as JSON with a code.

use std::sync::Arc;

use tuberry::api;
use tuberry::api_tokens::Scope;

use crate::helpers::spawn_app;

async fn get(url: &str, token: Option<&str>) -> (u16, Option<String>, serde_json::Value) {
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
    let app = spawn_app().await;
    let engine = Arc::new(app.engine);
    tuberry::lan_api::attach(&engine);
    engine.start().await.unwrap();
    let listening = api::set_lan_endpoint(&engine, Some("127.0.0.1:0".into()))
        .await
        .unwrap()
        .listening
        .unwrap();
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
    let db = std::fs::read(app.dir.path().join(tuberry::engine::DATABASE_FILE)).unwrap();
    let wal = std::fs::read(
        app.dir
            .path()
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
