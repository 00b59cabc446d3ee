//! The account channel against a local stand-in of Telegram instead of
//! Telegram itself: the channel's narrow interface ([`super::mtproto`]) asked
//! over HTTP with JSON, one POST per call. Set `[telegram_account] stand_in`
//! to its address to use it; it exists for testing the whole app end to end
//! (MTProto cannot be reached from a test machine) and is never meant for
//! real accounts.
//!
//! ```text
//!  POST {stand_in}/connect          {"session": [bytes] | null, "apiId", "deviceModel"} → {"ok": "connection id"}
//!  POST {stand_in}/call/{method}    {"connection": id, …arguments}                      → {"ok": answer} | {"err": MtError}
//! ```

use std::time::Duration;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::mtproto::{
    AccountUpdate, CodeStep, ConnectParams, Connection, Connector, Me, Media, MtError, Peer,
    TokenStep, Upload,
};
use crate::secret::Secret;

/// How long one call may wait (a stand-in's next update waits for news).
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Answer<T> {
    Ok(T),
    Err(MtError),
}

pub struct StandIn {
    base: String,
    http: reqwest::Client,
}

impl StandIn {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(CALL_TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }
}

async fn post<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: String,
    body: Value,
) -> Result<T, MtError> {
    let answer = http
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| MtError::Network(e.to_string()))?
        .error_for_status()
        .map_err(|e| MtError::Network(e.to_string()))?
        .json::<Answer<T>>()
        .await
        .map_err(|e| MtError::Network(format!("the stand-in answered something else: {e}")))?;
    match answer {
        Answer::Ok(value) => Ok(value),
        Answer::Err(e) => Err(e),
    }
}

#[async_trait]
impl Connector for StandIn {
    async fn connect(
        &self,
        params: &ConnectParams,
        session: Option<&[u8]>,
    ) -> Result<Box<dyn Connection>, MtError> {
        let id: String = post(
            &self.http,
            format!("{}/connect", self.base),
            json!({
                "session": session,
                "apiId": params.api_id,
                "deviceModel": params.device_model,
            }),
        )
        .await?;
        Ok(Box::new(StandInConnection {
            base: self.base.clone(),
            http: self.http.clone(),
            id,
            waiting: tokio::sync::Mutex::new(None),
        }))
    }
}

type Waiting = tokio::task::JoinHandle<Result<Option<AccountUpdate>, MtError>>;

struct StandInConnection {
    base: String,
    http: reqwest::Client,
    id: String,
    /// The long poll for the next update, kept when the caller stops
    /// waiting so that what it brings is not lost.
    waiting: tokio::sync::Mutex<Option<Waiting>>,
}

impl StandInConnection {
    async fn call<T: DeserializeOwned>(&self, method: &str, mut args: Value) -> Result<T, MtError> {
        if let Value::Object(map) = &mut args {
            map.insert("connection".into(), Value::String(self.id.clone()));
        }
        post(&self.http, format!("{}/call/{method}", self.base), args).await
    }
}

#[async_trait]
impl Connection for StandInConnection {
    async fn export_login_token(&self) -> Result<TokenStep, MtError> {
        self.call("export_login_token", json!({})).await
    }

    async fn wait_scan(&self, wait: Duration) -> bool {
        let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        self.call("wait_scan", json!({ "waitMs": wait_ms }))
            .await
            .unwrap_or(false)
    }

    async fn import_login_token(&self, dc_id: i32, token: &[u8]) -> Result<TokenStep, MtError> {
        self.call(
            "import_login_token",
            json!({ "dcId": dc_id, "token": token }),
        )
        .await
    }

    async fn password_hint(&self) -> Result<Option<String>, MtError> {
        self.call("password_hint", json!({})).await
    }

    async fn check_password(&self, password: &Secret<String>) -> Result<Option<Me>, MtError> {
        self.call("check_password", json!({ "password": password.expose() }))
            .await
    }

    async fn request_code(&self, phone: &str) -> Result<(), MtError> {
        self.call("request_code", json!({ "phone": phone })).await
    }

    async fn sign_in(&self, code: &str) -> Result<CodeStep, MtError> {
        self.call("sign_in", json!({ "code": code })).await
    }

    async fn me(&self) -> Result<Option<Me>, MtError> {
        self.call("me", json!({})).await
    }

    async fn next_update(&self) -> Result<AccountUpdate, MtError> {
        loop {
            let mut waiting = self.waiting.lock().await;
            let poll = waiting.get_or_insert_with(|| {
                let (http, url) = (self.http.clone(), format!("{}/call/next_update", self.base));
                let body = json!({ "connection": self.id });
                tokio::spawn(async move { post(&http, url, body).await })
            });
            let answered = poll.await;
            *waiting = None;
            // The stand-in answers null after a while without news.
            match answered {
                Ok(Ok(Some(update))) => return Ok(update),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => return Err(e),
                Err(e) => return Err(MtError::Network(e.to_string())),
            }
        }
    }

    async fn send(
        &self,
        peer: &Peer,
        text: &str,
        files: &[Upload],
        reply_to: Option<i32>,
    ) -> Result<Vec<i32>, MtError> {
        self.call(
            "send",
            json!({ "peer": peer, "text": text, "files": files, "replyTo": reply_to }),
        )
        .await
    }

    async fn edit(&self, peer: &Peer, message_id: i32, text: &str) -> Result<(), MtError> {
        self.call(
            "edit",
            json!({ "peer": peer, "messageId": message_id, "text": text }),
        )
        .await
    }

    async fn react(&self, peer: &Peer, message_id: i32, emoji: &str) -> Result<(), MtError> {
        self.call(
            "react",
            json!({ "peer": peer, "messageId": message_id, "emoji": emoji }),
        )
        .await
    }

    async fn download(&self, media: &Media) -> Result<Vec<u8>, MtError> {
        self.call("download", json!({ "media": media })).await
    }

    async fn keep_alive(&self) -> Result<(), MtError> {
        self.call("keep_alive", json!({})).await
    }

    async fn log_out(&self) -> Result<(), MtError> {
        self.call("log_out", json!({})).await
    }

    async fn session(&self) -> Result<Vec<u8>, MtError> {
        self.call("session", json!({})).await
    }

    async fn close(&self) {
        if let Some(poll) = self.waiting.lock().await.take() {
            poll.abort();
        }
        let _closed: Result<(), MtError> = self.call("close", json!({})).await;
    }
}
