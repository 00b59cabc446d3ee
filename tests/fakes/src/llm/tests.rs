//! The fake driven over HTTP as the app's OpenAI-compatible client drives
//! it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;

const KEY: &str = "sk-shop-0123456789";

/// A request as the app sends it: a system prompt and the customer's
/// message.
fn ask(text: &str) -> Value {
    json!({
        "model": "qwen2.5:7b",
        "messages": [
            {"role": "system", "content": "You draft answers to a shop's customers."},
            {"role": "user", "content": text}
        ],
        "temperature": 0.2,
        "top_p": 0.9,
        "frequency_penalty": 0,
        "presence_penalty": 0,
        "max_tokens": 300,
        "stream": false
    })
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn chat_with(fake: &FakeLlm, key: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/chat/completions", fake.base_url()))
        .json(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    answer(request.send().await.unwrap()).await
}

async fn chat(fake: &FakeLlm, body: &Value) -> (u16, Value) {
    chat_with(fake, None, body).await
}

async fn models(fake: &FakeLlm, key: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(format!("{}/models", fake.base_url()));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    answer(request.send().await.unwrap()).await
}

fn reply_text(body: &Value) -> &str {
    body["choices"][0]["message"]["content"].as_str().unwrap()
}

/// Whether the request failed because nothing listens on the port.
fn refused(error: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        source = e.source();
    }
    false
}

#[tokio::test]
async fn scripted_replies_come_in_order_then_the_default() {
    let fake = FakeLlm::start().await;
    assert!(fake.base_url().starts_with("http://127.0.0.1:"));
    assert!(fake.base_url().ends_with("/v1"));
    fake.push_reply("Здравствуйте! Велосипед в наличии.");
    fake.push_reply("Доставка завтра.");

    let (status, first) = chat(&fake, &ask("Велосипед есть?")).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(reply_text(&first), "Здравствуйте! Велосипед в наличии.");
    assert_eq!(first["object"], "chat.completion");
    assert_eq!(first["model"], "qwen2.5:7b");
    assert_eq!(first["choices"][0]["message"]["role"], "assistant");
    assert_eq!(first["choices"][0]["finish_reason"], "stop");
    assert_eq!(first["usage"]["prompt_tokens"], 9);
    assert_eq!(first["usage"]["completion_tokens"], 4);
    assert_eq!(first["usage"]["total_tokens"], 13);

    let (_, second) = chat(&fake, &ask("Когда доставка?")).await;
    assert_eq!(reply_text(&second), "Доставка завтра.");
    assert_ne!(first["id"], second["id"]);
    let (_, third) = chat(&fake, &ask("Спасибо")).await;
    assert_eq!(reply_text(&third), DEFAULT_REPLY);
    fake.set_default_reply("Sure.");
    let (_, fourth) = chat(&fake, &ask("Thanks")).await;
    assert_eq!(reply_text(&fourth), "Sure.");

    let asked: Vec<Value> = fake
        .requests()
        .iter()
        .map(|body| body["messages"][1]["content"].clone())
        .collect();
    assert_eq!(
        asked,
        ["Велосипед есть?", "Когда доставка?", "Спасибо", "Thanks"]
    );
    assert_eq!(fake.requests()[0], ask("Велосипед есть?"));
    assert!(fake.chat_requests().iter().all(|r| r.status == 200));
    assert_eq!(fake.spec_errors(), Vec::<String>::new());
}

#[tokio::test]
async fn requests_outside_the_description_are_refused_and_recorded() {
    let fake = FakeLlm::start().await;
    fake.push_reply("kept for a valid request");

    let mut no_messages = ask("Hi");
    no_messages.as_object_mut().unwrap().remove("messages");
    let mut wizard = ask("Hi");
    wizard["messages"][0]["role"] = json!("wizard");
    let mut hot = ask("Hi");
    hot["temperature"] = json!("hot");
    let cases = [
        (no_messages, "messages", "missing_required_parameter"),
        (wizard, "messages[0]", "invalid_value"),
        (hot, "temperature", "invalid_type"),
    ];
    for (i, (body, param, code)) in cases.iter().enumerate() {
        let (status, refusal) = chat(&fake, body).await;
        assert_eq!(status, 400, "{body}: {refusal}");
        let error = &refusal["error"];
        assert_eq!(error["type"], "invalid_request_error", "{refusal}");
        assert_eq!(error["param"], *param, "{refusal}");
        assert_eq!(error["code"], *code, "{refusal}");
        assert!(
            error["message"].as_str().unwrap().contains(param),
            "{refusal}"
        );
        assert_eq!(fake.chat_requests()[i].status, 400);
    }

    let errors = fake.spec_errors();
    let about = |needle: &str| errors.iter().any(|e| e.contains(needle));
    assert!(
        about("request body: \"messages\" is a required property"),
        "{errors:#?}"
    );
    assert!(about("request body /messages/0: "), "{errors:#?}");
    assert!(about("\"wizard\" is not one of"), "{errors:#?}");
    assert!(about("request body /temperature: "), "{errors:#?}");
    assert!(
        errors
            .iter()
            .all(|e| e.starts_with("POST /v1/chat/completions: ")),
        "{errors:#?}"
    );

    let (status, ok) = chat(&fake, &ask("Hi")).await;
    assert_eq!((status, reply_text(&ok)), (200, "kept for a valid request"));
    assert_eq!(fake.requests().len(), 4);
}

#[tokio::test]
async fn bodies_that_are_not_json_or_ask_for_a_stream_are_refused() {
    let fake = FakeLlm::start().await;
    let response = reqwest::Client::new()
        .post(format!("{}/chat/completions", fake.base_url()))
        .header("Content-Type", "application/json")
        .body("{\"model\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = answer(response).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(fake.requests(), [json!("{\"model\": ")]);

    let mut streamed = ask("Hi");
    streamed["stream"] = json!(true);
    let (status, body) = chat(&fake, &streamed).await;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("stream"))
    );

    let errors = fake.spec_errors();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].contains("not JSON"), "{errors:#?}");
    assert!(errors[1].contains("\"stream\": true"), "{errors:#?}");
}

#[tokio::test]
async fn a_required_key_must_be_sent_as_a_bearer_token() {
    let fake = FakeLlm::start().await;
    assert_eq!(chat(&fake, &ask("Hi")).await.0, 200);
    fake.require_key(KEY);

    let (status, body) = chat(&fake, &ask("Hi")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], Value::Null);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("didn't provide an API key")
    );
    let (status, body) = chat_with(&fake, Some("sk-wrong-0000"), &ask("Hi")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_api_key"))
    );
    assert!(
        !body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sk-wrong-0000")
    );
    assert_eq!(models(&fake, None).await.0, 401);

    let (status, body) = chat_with(&fake, Some(KEY), &ask("Hi")).await;
    assert_eq!((status, reply_text(&body)), (200, DEFAULT_REPLY));
    assert_eq!(models(&fake, Some(KEY)).await.0, 200);

    let seen: Vec<(Option<String>, u16)> = fake
        .chat_requests()
        .into_iter()
        .map(|r| (r.authorization, r.status))
        .collect();
    let bearer = |key: &str| Some(format!("Bearer {key}"));
    assert_eq!(
        seen,
        [
            (None, 200),
            (None, 401),
            (bearer("sk-wrong-0000"), 401),
            (bearer(KEY), 200)
        ]
    );
    fake.accept_any_key();
    assert_eq!(chat(&fake, &ask("Hi")).await.0, 200);
    assert_eq!(fake.spec_errors(), Vec::<String>::new());
}

#[tokio::test]
async fn models_are_listed_and_only_listed_ones_answer() {
    let fake = FakeLlm::start().await;
    let (status, list) = models(&fake, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["object"], "list");
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, DEFAULT_MODELS);
    assert_eq!(list["data"][0]["object"], "model");
    assert_eq!(list["data"][0]["owned_by"], "library");

    let mut other = ask("Hi");
    other["model"] = json!("gpt-4o-mini");
    let (status, body) = chat(&fake, &other).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "model_not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`gpt-4o-mini`")
    );

    fake.set_models(["gpt-4o-mini"]);
    assert_eq!(chat(&fake, &other).await.0, 200);
    assert_eq!(chat(&fake, &ask("Hi")).await.0, 404);
    let (_, list) = models(&fake, None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["id"], "gpt-4o-mini");
    assert_eq!(fake.spec_errors(), Vec::<String>::new());
}

#[tokio::test]
async fn a_server_that_is_down_refuses_connections_until_it_is_back() {
    let fake = FakeLlm::start().await;
    let client = reqwest::Client::new();
    let url = format!("{}/models", fake.base_url());
    // A pooled connection to the server, open when it goes down.
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);

    fake.set_down(true).await;
    assert!(fake.is_down());
    let error = client.get(&url).send().await.unwrap_err();
    assert!(error.is_connect() && refused(&error), "{error:?}");
    let error = reqwest::Client::new().get(&url).send().await.unwrap_err();
    assert!(refused(&error), "{error:?}");
    let direct = tokio::net::TcpStream::connect(fake.addr())
        .await
        .unwrap_err();
    assert_eq!(direct.kind(), std::io::ErrorKind::ConnectionRefused);

    fake.push_reply("back again");
    fake.set_down(false).await;
    assert!(!fake.is_down());
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    let (status, body) = chat(&fake, &ask("Hi")).await;
    assert_eq!((status, reply_text(&body)), (200, "back again"));

    fake.shutdown().await;
    let error = client.get(&url).send().await.unwrap_err();
    assert!(refused(&error), "{error:?}");
}

#[tokio::test]
async fn going_down_cuts_an_answer_that_is_still_delayed() {
    let fake = FakeLlm::start().await;
    fake.set_delay(Duration::from_secs(30));
    fake.push_reply("never sent");
    let url = format!("{}/chat/completions", fake.base_url());
    let waiting = tokio::spawn(async move {
        let client = reqwest::Client::new();
        client.post(url).json(&ask("Hi")).send().await
    });
    assert!(
        fake.wait_until(Duration::from_secs(5), |f| f.requests().len() == 1)
            .await
    );
    let started = Instant::now();
    fake.set_down(true).await;
    let outcome = waiting.await.unwrap();
    assert!(outcome.is_err(), "the request got an answer: {outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.chat_requests()[0].status, 0);
    fake.set_down(false).await;
    fake.set_delay(Duration::ZERO);
    assert_eq!(reply_text(&chat(&fake, &ask("Hi")).await.1), "never sent");
}

#[tokio::test]
async fn scripted_failures_come_first_and_keep_the_replies() {
    let fake = FakeLlm::start().await;
    fake.push_reply("after the failures");
    fake.push_failure(503);
    fake.push_failure(429);
    fake.push_failure_retry_after(500, Duration::from_secs(7));

    let client = reqwest::Client::new();
    let url = format!("{}/chat/completions", fake.base_url());
    let mut seen = Vec::new();
    for _ in 0..4 {
        let response = client.post(&url).json(&ask("Hi")).send().await.unwrap();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let (status, body) = answer(response).await;
        seen.push((status, retry_after, body["error"]["type"].clone()));
        if status == 200 {
            assert_eq!(reply_text(&body), "after the failures");
        }
    }
    assert_eq!(
        seen,
        [
            (503, None, json!("server_error")),
            (429, Some("1".to_owned()), json!("requests")),
            (500, Some("7".to_owned()), json!("server_error")),
            (200, None, Value::Null),
        ]
    );
    assert_eq!(fake.spec_errors(), Vec::<String>::new());
}

#[tokio::test]
async fn a_delay_slows_the_answer_and_a_client_giving_up_keeps_the_reply() {
    let fake = FakeLlm::start().await;
    fake.push_reply("slow");
    fake.set_delay(Duration::from_millis(400));
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let url = format!("{}/chat/completions", fake.base_url());
    let error = impatient
        .post(&url)
        .json(&ask("Hi"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");

    let started = Instant::now();
    let (status, body) = chat(&fake, &ask("Hi")).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!((status, reply_text(&body)), (200, "slow"));
    let statuses: Vec<u16> = fake.chat_requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [0, 200]);
}

#[tokio::test]
async fn the_control_api_scripts_and_reports_over_http() {
    let fake = FakeLlm::start().await;
    let client = reqwest::Client::new();
    let control = |path: &str| format!("{}/_control/{path}", fake.url());
    let post = |path: &str, body: Value| client.post(control(path)).json(&body).send();

    assert_eq!(
        post("replies", json!({"text": "Из контроля"}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        post("models", json!({"models": ["mistral:7b"]}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        post("key", json!({"key": KEY})).await.unwrap().status(),
        200
    );
    assert_eq!(
        post("failures", json!({"status": 200}))
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        post("failures", json!({"status": 502}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(fake.models(), ["mistral:7b"]);

    let mut body = ask("Hi");
    body["model"] = json!("mistral:7b");
    assert_eq!(chat_with(&fake, Some(KEY), &body).await.0, 502);
    let (status, answered) = chat_with(&fake, Some(KEY), &body).await;
    assert_eq!((status, reply_text(&answered)), (200, "Из контроля"));
    let mut wrong = body.clone();
    wrong["temperature"] = json!("hot");
    assert_eq!(chat_with(&fake, Some(KEY), &wrong).await.0, 400);

    let requests: Value = client
        .get(control("requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(requests.as_array().unwrap().len(), 3);
    assert_eq!(requests[1]["body"], body);
    assert_eq!(requests[1]["authorization"], format!("Bearer {KEY}"));
    assert_eq!(requests[1]["status"], 200);
    let errors: Value = client
        .get(control("spec-errors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(errors, json!(fake.spec_errors()));
    assert_eq!(errors.as_array().unwrap().len(), 1, "{errors:#}");
    assert!(errors[0].as_str().unwrap().contains("/temperature"));
}

#[tokio::test]
async fn paths_outside_the_api_are_answered_404_and_recorded() {
    let fake = FakeLlm::start().await;
    let response = reqwest::Client::new()
        .post(format!("{}/chat/completions", fake.url()))
        .json(&ask("Hi"))
        .send()
        .await
        .unwrap();
    let (status, body) = answer(response).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["error"]["message"],
        "Invalid URL (POST /chat/completions)"
    );
    let response = reqwest::Client::new()
        .get(format!("{}/chat/completions", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(
        fake.spec_errors(),
        [
            "POST /chat/completions: no operation of the API has this method and path",
            "GET /v1/chat/completions: no operation of the API has this method and path",
        ]
    );
    assert!(fake.requests().is_empty());
}
