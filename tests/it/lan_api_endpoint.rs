//! The LAN API as served: `/metrics` read back by a Prometheus text parser
//! (its figures moving as messages flow), the OpenAPI document and docs
//! page, CORS, HTTPS.

use tuberry::api;
use tuberry::api_tokens::Scope;

use crate::lan_api::{post, serving};

async fn scrape(url: &str, token: &str) -> prometheus_parse::Scrape {
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

/// The value of `name` with the given labels.
fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(buckets) => {
                buckets.iter().map(|b| b.count).fold(0.0, f64::max)
            }
            prometheus_parse::Value::Summary(_) => f64::NAN,
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_read_by_prometheus_and_move_as_messages_flow() {
    let (engine, _dir, listening) = serving().await;
    let url = format!("http://{listening}/metrics");
    let unauthorized = reqwest::get(&url).await.unwrap();
    assert_eq!(unauthorized.status(), 401, "metrics need a token");
    let token = api::create_api_token(&engine, "Prometheus".into(), vec![Scope::Read, Scope::Send])
        .await
        .unwrap()
        .secret;

    let before = scrape(&url, &token).await;
    let simulator = [("channel", "simulator")];
    assert_eq!(value(&before, "tuberry_channel_up", &simulator), Some(1.0));
    let inbound = [("channel", "simulator"), ("direction", "in")];
    let outbound = [("channel", "simulator"), ("direction", "out")];
    let was_in = value(&before, "tuberry_messages_total", &inbound).unwrap_or(0.0);
    let was_out = value(&before, "tuberry_messages_total", &outbound).unwrap_or(0.0);

    let asked = api::simulate_inbound(&engine, "Gleb".into(), "Hello?".into())
        .await
        .unwrap();
    api::simulate_inbound(&engine, "Gleb".into(), "Anyone?".into())
        .await
        .unwrap();
    let (status, _) = post(
        &format!("http://{listening}/api/v1/send"),
        &token,
        serde_json::json!({"conversationId": asked.conversation_id, "text": "Yes, hello!", "idempotencyKey": "m-1"}),
    )
    .await;
    assert_eq!(status, 202);
    let after = crate::helpers::eventually("the reply's job is counted", async || {
        let after = scrape(&url, &token).await;
        let ran = value(
            &after,
            "tuberry_job_duration_seconds_count",
            &[("kind", "outbox.send")],
        )
        .or_else(|| {
            value(
                &after,
                "tuberry_job_duration_seconds",
                &[("kind", "outbox.send")],
            )
        });
        ran.is_some_and(|n| n >= 1.0).then_some(after)
    })
    .await;
    assert_eq!(
        value(&after, "tuberry_messages_total", &inbound),
        Some(was_in + 2.0)
    );
    assert_eq!(
        value(&after, "tuberry_messages_total", &outbound),
        Some(was_out + 1.0)
    );
    let oldest = value(&after, "tuberry_queue_oldest_seconds", &[]).unwrap();
    assert!(oldest >= 0.0);
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}

/// The document is made from the routes themselves: every route it names
/// is served, every one served is named, and the docs page shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_describes_itself_in_openapi_and_a_docs_page() {
    let (engine, _dir, listening) = serving().await;
    let base = format!("http://{listening}");
    let document: serde_json::Value = reqwest::get(format!("{base}/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let mut paths: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/api/v1/health",
            "/api/v1/messages/{id}",
            "/api/v1/send",
            "/api/v1/webhook/{provider}",
            "/health",
            "/metrics"
        ]
    );
    assert_eq!(
        document["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    let send = &document["paths"]["/api/v1/send"]["post"];
    assert_eq!(send["security"][0]["token"], serde_json::json!([]));
    let schema = &document["components"]["schemas"]["SendRequest"];
    assert_eq!(schema["additionalProperties"], false, "{schema}");
    assert_eq!(schema["properties"]["idempotencyKey"]["maxLength"], 200);
    assert_eq!(
        document,
        serde_json::to_value(tuberry::lan_api::openapi()).unwrap()
    );
    // Every documented path answers (a token asked for, not "no such route").
    for path in ["/api/v1/health", "/api/v1/messages/1", "/metrics"] {
        let status = reqwest::get(format!("{base}{path}"))
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401, "{path}");
    }

    let page = reqwest::get(format!("{base}/api/v1/docs/")).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    let config = reqwest::get(format!("{base}/api/v1/docs/swagger-initializer.js"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(config.contains("/api/v1/openapi.json"), "{config}");
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}

/// Browsers may call the API only from the pages the owner named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_headers_only_for_the_origins_configured() {
    let dir = tempfile::tempdir().unwrap();
    // As the owner writes it in settings.toml.
    let engine = engine_with(
        dir.path(),
        "[http]\ncors_origins = [\"https://shop.example\"]\n",
    )
    .await;
    let listening = api::set_lan_endpoint(&engine, Some("127.0.0.1:0".into()))
        .await
        .unwrap()
        .listening
        .unwrap();
    let client = reqwest::Client::new();
    let allowed = |response: &reqwest::Response| {
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let from = |origin: &'static str| {
        client
            .get(format!("http://{listening}/health"))
            .header("origin", origin)
            .send()
    };
    let shop = from("https://shop.example").await.unwrap();
    assert_eq!(allowed(&shop).as_deref(), Some("https://shop.example"));
    let other = from("https://elsewhere.example").await.unwrap();
    assert_eq!(allowed(&other), None);

    // A page's preflight before sending with a token.
    let preflight = client
        .request(
            reqwest::Method::OPTIONS,
            format!("http://{listening}/api/v1/send"),
        )
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(allowed(&preflight).as_deref(), Some("https://shop.example"));
    let methods = preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(methods.contains("POST"), "{methods}");
    engine.shutdown(std::time::Duration::from_secs(5)).await;

    // None configured: no CORS headers at all.
    let (engine, _dir, listening) = serving().await;
    let plain = reqwest::Client::new()
        .get(format!("http://{listening}/health"))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed(&plain), None);
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}

/// Runs openssl in `dir` (as the e-mail tests make their certificates).
fn openssl(dir: &std::path::Path, args: &str) {
    let status = std::process::Command::new("openssl")
        .args(args.split_whitespace())
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "openssl {args}");
}

async fn engine_with(dir: &std::path::Path, settings: &str) -> std::sync::Arc<tuberry::Engine> {
    std::fs::write(dir.join("settings.toml"), settings).unwrap();
    let engine = std::sync::Arc::new(
        tuberry::Engine::open(tuberry::EngineOptions {
            data_dir: dir.to_path_buf(),
            clock: std::sync::Arc::new(tuberry::clock::ManualClock::new(crate::helpers::T0)),
            settings: None,
            keyring: tuberry::keyring::Keyring::new(crate::helpers::TEST_KEYRING),
            telegram_connector: None,
            whatsapp_connector: None,
        })
        .await
        .unwrap(),
    );
    tuberry::lan_api::attach(&engine);
    engine.start().await.unwrap();
    engine
}

/// With the owner's certificate the endpoint speaks HTTPS only; a key that
/// is not the certificate's keeps it from listening at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_serves_https_with_the_owners_certificate() {
    let tls = tempfile::tempdir().unwrap();
    let key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -noenc -days 2";
    openssl(
        tls.path(),
        &format!(
            "req -x509 {key} -keyout ca.key -out ca.pem -subj /CN=shop-ca \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
        ),
    );
    openssl(
        tls.path(),
        &format!(
            "req -x509 -CA ca.pem -CAkey ca.key {key} -keyout server.key -out server.pem \
             -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
             -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=serverAuth"
        ),
    );
    let cert = tls.path().join("server.pem");
    let settings = |key: &str| {
        format!(
            "[http]\ntls_cert = {:?}\ntls_key = {:?}\n",
            cert.display().to_string(),
            tls.path().join(key).display().to_string()
        )
    };

    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with(dir.path(), &settings("server.key")).await;
    let status = api::set_lan_endpoint(&engine, Some("127.0.0.1:0".into()))
        .await
        .unwrap();
    assert!(status.https, "the window says https://");
    let listening = status.listening.unwrap();
    let port = listening.rsplit(':').next().unwrap();
    let ca = std::fs::read(tls.path().join("ca.pem")).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let up = client
        .get(format!("https://localhost:{port}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 200);
    assert!(
        reqwest::get(format!("http://127.0.0.1:{port}/health"))
            .await
            .is_err(),
        "no plain HTTP beside HTTPS"
    );
    // A client that does not trust the certificate stops, and the next one is served.
    assert!(
        reqwest::get(format!("https://localhost:{port}/health"))
            .await
            .is_err()
    );
    let again = client
        .get(format!("https://localhost:{port}/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401, "the API behind HTTPS as before");
    engine.shutdown(std::time::Duration::from_secs(5)).await;

    // The CA's key is not the certificate's: no HTTPS, and no HTTP either.
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with(dir.path(), &settings("ca.key")).await;
    let status = api::set_lan_endpoint(&engine, Some("127.0.0.1:0".into()))
        .await
        .unwrap();
    assert_eq!(status.listening, None);
    assert!(
        status
            .error
            .as_deref()
            .is_some_and(|e| e.contains("do not go together")),
        "{status:?}"
    );
    engine.shutdown(std::time::Duration::from_secs(5)).await;
}
