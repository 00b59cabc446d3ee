//! Avito's HTTP API as the adapter uses it: personal authorization
//! (`client_credentials`), the account, chats, messages, images, voice files,
//! reading and webhook subscriptions. Every request carries the access token;
//! the token lives 24 hours, is kept in the OS keyring, renewed ten minutes
//! before it expires and once more when Avito answers 401 or 403 (an expired
//! token answers 403). A 403 with a fresh token is Avito refusing the
//! Messenger API to the account: it needs the top tariff.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::Mutex;

use super::wire::{Chat, Chats, UserInfo, WireMessage};
use crate::clock::{Millis, SharedClock};
use crate::keyring::Keyring;
use crate::secret::Secret;

/// Renew the access token this long before it expires.
const RENEW_BEFORE_MS: Millis = 10 * 60 * 1000;
/// Avito lists at most this many chats or messages per request.
pub const PAGE: u32 = 100;
/// Avito pages no further than this offset.
pub const MAX_OFFSET: u32 = 1000;
/// Images and voice messages larger than this are not downloaded.
const MAX_DOWNLOAD: usize = crate::files::MAX_SIZE;

/// Why a call to Avito failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Avito could not be reached, or took too long.
    #[error("Avito cannot be reached: {0}")]
    Network(String),
    /// Avito refused the client id and secret.
    #[error("Avito refused the client ID and secret: {0}")]
    Credentials(String),
    /// Avito refuses the Messenger API to this account (its tariff).
    #[error("Avito refuses the Messenger API to this account: {0}")]
    Messenger(String),
    /// Too many requests: wait this long.
    #[error("Avito asks to slow down")]
    RateLimited { after_ms: Millis },
    /// Avito answered with an error status; its own words.
    #[error("Avito answered {status}: {message}")]
    Status { status: u16, message: String },
    /// The answer was not what the API documents.
    #[error("Avito's answer is not understood: {0}")]
    Decode(String),
}

impl ApiError {
    /// Avito cannot be reached: no connection, or a gateway or Avito saying
    /// it is out (502, 503, 504).
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Network(_) => true,
            Self::Status { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }

    /// Worth trying again later (network, rate limit, Avito's own trouble).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network(_) | Self::RateLimited { .. } => true,
            Self::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// The access token cached in the keyring.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CachedToken {
    access_token: String,
    expires_at: Millis,
}

struct Token {
    access: Secret<String>,
    expires_at: Millis,
}

/// The account's credentials and where its token is cached.
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret<String>,
    /// The keyring entry of the cached access token.
    pub token_ref: String,
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    credentials: Credentials,
    keyring: Keyring,
    clock: SharedClock,
    token: Mutex<Option<Token>>,
}

/// Avito's words from an error answer, in any of the shapes it uses.
fn error_message(status: StatusCode, body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let from_json = parsed.as_ref().and_then(|v| {
        let error = v.get("error");
        error
            .and_then(|e| e.get("message"))
            .and_then(|m| m.as_str())
            .or_else(|| v.get("error_description").and_then(|m| m.as_str()))
            .or_else(|| error.and_then(|e| e.as_str()))
            .or_else(|| v.get("message").and_then(|m| m.as_str()))
            .map(str::to_owned)
    });
    from_json
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("unknown error")
                .to_owned()
        })
}

fn network(e: &reqwest::Error) -> ApiError {
    // reqwest's errors name the URL, never a header or a form field.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        message = format!("{message}: {inner}");
        source = inner.source();
    }
    ApiError::Network(message)
}

fn retry_after(response: &Response) -> Millis {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map_or(5_000, |s| s.clamp(1, 3600) * 1000)
}

impl Client {
    pub fn new(
        base: &str,
        timeout: Duration,
        credentials: Credentials,
        keyring: Keyring,
        clock: SharedClock,
    ) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("Tuberry/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| network(&e))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            credentials,
            keyring,
            clock,
            token: Mutex::new(None),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new access token from Avito, cached in memory and in the keyring.
    async fn fetch_token(&self) -> Result<Token, ApiError> {
        let response = self
            .http
            .post(self.url("/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.credentials.client_id.as_str()),
                ("client_secret", self.credentials.client_secret.expose()),
            ])
            .send()
            .await
            .map_err(|e| network(&e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| network(&e))?;
        if status.is_server_error() {
            return Err(ApiError::Status {
                status: status.as_u16(),
                message: error_message(status, &body),
            });
        }
        if !status.is_success() {
            return Err(ApiError::Credentials(error_message(status, &body)));
        }
        #[derive(Deserialize)]
        struct Answer {
            access_token: String,
            expires_in: Option<f64>,
        }
        let answer: Answer =
            serde_json::from_str(&body).map_err(|e| ApiError::Decode(format!("token: {e}")))?;
        if answer.access_token.is_empty() {
            return Err(ApiError::Decode("token: empty access token".into()));
        }
        // Avito documents 24 hours.
        let lifetime_ms = answer
            .expires_in
            .map_or(86_400_000, |s| (s * 1000.0) as Millis);
        let token = Token {
            access: Secret::new(answer.access_token),
            expires_at: self.clock.now_ms() + lifetime_ms,
        };
        let cached = CachedToken {
            access_token: token.access.expose().clone(),
            expires_at: token.expires_at,
        };
        let cached = Secret::new(serde_json::to_string(&cached).unwrap_or_default());
        if let Err(e) = self.keyring.set(&self.credentials.token_ref, &cached).await {
            tracing::warn!(error = %e, "could not keep Avito's access token in the keyring");
        }
        tracing::debug!("new Avito access token");
        Ok(token)
    }

    /// The access token to use: the cached one while it has more than ten
    /// minutes left, else a new one.
    async fn token(&self, renew: bool) -> Result<Secret<String>, ApiError> {
        let mut slot = self.token.lock().await;
        let now = self.clock.now_ms();
        if slot.is_none() && !renew {
            // The token of an earlier run, if the keyring still has it.
            if let Ok(Some(cached)) = self.keyring.get(&self.credentials.token_ref).await
                && let Ok(cached) = serde_json::from_str::<CachedToken>(cached.expose())
            {
                *slot = Some(Token {
                    access: Secret::new(cached.access_token),
                    expires_at: cached.expires_at,
                });
            }
        }
        let fresh = slot
            .as_ref()
            .filter(|t| !renew && t.expires_at - RENEW_BEFORE_MS > now);
        if let Some(token) = fresh {
            return Ok(token.access.clone());
        }
        let token = self.fetch_token().await?;
        let access = token.access.clone();
        *slot = Some(token);
        Ok(access)
    }

    /// Checks the client id and secret by getting a token.
    pub async fn authorize(&self) -> Result<(), ApiError> {
        self.token(true).await.map(|_| ())
    }

    /// Sends a request with the access token; on 401 or 403 renews the token
    /// and tries once more.
    async fn send(
        &self,
        method: Method,
        path: &str,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<String, ApiError> {
        let mut renewed = false;
        loop {
            let token = self.token(renewed).await?;
            let request = self
                .http
                .request(method.clone(), self.url(path))
                .bearer_auth(token.expose());
            let response = build(request).send().await.map_err(|e| network(&e))?;
            let status = response.status();
            if status.is_success() {
                return response.text().await.map_err(|e| network(&e));
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                return Err(ApiError::RateLimited {
                    after_ms: retry_after(&response),
                });
            }
            let body = response.text().await.unwrap_or_default();
            let message = error_message(status, &body);
            let auth = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
            if auth && !renewed {
                tracing::debug!(
                    status = status.as_u16(),
                    "Avito refused the token; renewing it"
                );
                renewed = true;
                continue;
            }
            if status == StatusCode::FORBIDDEN && path.starts_with("/messenger/") {
                return Err(ApiError::Messenger(message));
            }
            return Err(ApiError::Status {
                status: status.as_u16(),
                message,
            });
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<T, ApiError> {
        let body = self.send(method, path, build).await?;
        serde_json::from_str(&body).map_err(|e| ApiError::Decode(format!("{path}: {e}")))
    }

    /// The account the credentials belong to.
    pub async fn me(&self) -> Result<UserInfo, ApiError> {
        self.call(Method::GET, "/core/v1/accounts/self", |r| r)
            .await
    }

    /// A page of the account's chats, the most recently updated first.
    pub async fn chats(&self, user_id: i64, offset: u32) -> Result<Vec<Chat>, ApiError> {
        let path = format!("/messenger/v2/accounts/{user_id}/chats");
        let chats: Chats = self
            .call(Method::GET, &path, |r| {
                r.query(&[
                    ("chat_types", "u2i,u2u".to_owned()),
                    ("limit", PAGE.to_string()),
                    ("offset", offset.to_string()),
                ])
            })
            .await?;
        Ok(chats.chats)
    }

    pub async fn chat(&self, user_id: i64, chat_id: &str) -> Result<Chat, ApiError> {
        let path = format!(
            "/messenger/v2/accounts/{user_id}/chats/{}",
            segment(chat_id)
        );
        self.call(Method::GET, &path, |r| r).await
    }

    /// A page of a chat's messages, the newest first. Reading does not mark
    /// the chat read.
    pub async fn messages(
        &self,
        user_id: i64,
        chat_id: &str,
        offset: u32,
    ) -> Result<Vec<WireMessage>, ApiError> {
        let path = format!(
            "/messenger/v3/accounts/{user_id}/chats/{}/messages/",
            segment(chat_id)
        );
        self.call(Method::GET, &path, |r| {
            r.query(&[("limit", PAGE.to_string()), ("offset", offset.to_string())])
        })
        .await
    }

    /// Sends a text (at most [`super::send::MAX_TEXT`] characters); the
    /// message's id at Avito.
    pub async fn send_text(
        &self,
        user_id: i64,
        chat_id: &str,
        text: &str,
    ) -> Result<String, ApiError> {
        let path = format!(
            "/messenger/v1/accounts/{user_id}/chats/{}/messages",
            segment(chat_id)
        );
        let body = json!({ "message": { "text": text }, "type": "text" });
        let sent: Posted = self.call(Method::POST, &path, |r| r.json(&body)).await?;
        Ok(sent.id)
    }

    /// Uploads an image; its id for [`Client::send_image`].
    pub async fn upload_image(
        &self,
        user_id: i64,
        bytes: Vec<u8>,
        name: &str,
        mime: &str,
    ) -> Result<String, ApiError> {
        let path = format!("/messenger/v1/accounts/{user_id}/uploadImages");
        let answer: HashMap<String, serde_json::Value> = self
            .call(Method::POST, &path, |r| {
                let part = reqwest::multipart::Part::bytes(bytes.clone())
                    .file_name(name.to_owned())
                    .mime_str(mime)
                    .unwrap_or_else(|_| reqwest::multipart::Part::bytes(bytes.clone()));
                r.multipart(reqwest::multipart::Form::new().part("uploadfile[]", part))
            })
            .await?;
        answer
            .into_keys()
            .next()
            .ok_or_else(|| ApiError::Decode("uploadImages: no image id".into()))
    }

    pub async fn send_image(
        &self,
        user_id: i64,
        chat_id: &str,
        image_id: &str,
    ) -> Result<String, ApiError> {
        let path = format!(
            "/messenger/v1/accounts/{user_id}/chats/{}/messages/image",
            segment(chat_id)
        );
        let body = json!({ "image_id": image_id });
        let sent: Posted = self.call(Method::POST, &path, |r| r.json(&body)).await?;
        Ok(sent.id)
    }

    /// Marks the chat read on Avito.
    pub async fn read(&self, user_id: i64, chat_id: &str) -> Result<(), ApiError> {
        let path = format!(
            "/messenger/v1/accounts/{user_id}/chats/{}/read",
            segment(chat_id)
        );
        self.send(Method::POST, &path, |r| r).await.map(|_| ())
    }

    /// Where the voice messages can be downloaded (for an hour).
    pub async fn voice_urls(
        &self,
        user_id: i64,
        voice_ids: &[String],
    ) -> Result<HashMap<String, String>, ApiError> {
        #[derive(Deserialize)]
        struct VoiceFiles {
            #[serde(default)]
            voices_urls: HashMap<String, String>,
        }
        let path = format!("/messenger/v1/accounts/{user_id}/getVoiceFiles");
        let ids = voice_ids.join(",");
        let files: VoiceFiles = self
            .call(Method::GET, &path, |r| {
                r.query(&[("voice_ids", ids.as_str())])
            })
            .await?;
        Ok(files.voices_urls)
    }

    /// Downloads a file Avito links to (an image, a voice message). No token
    /// goes along: these links work without it.
    pub async fn download(&self, url: &str) -> Result<(Vec<u8>, Option<String>), ApiError> {
        let mut response = self.http.get(url).send().await.map_err(|e| network(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ApiError::Status {
                status: status.as_u16(),
                message: format!(
                    "downloading a file: {}",
                    status.canonical_reason().unwrap_or("")
                ),
            });
        }
        let mime = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_owned());
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| network(&e))? {
            if bytes.len() + chunk.len() > MAX_DOWNLOAD {
                return Err(ApiError::Status {
                    status: 413,
                    message: "the file is larger than 25 MB".into(),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((bytes, mime))
    }

    /// Asks Avito to post new messages to `url`.
    pub async fn subscribe(&self, url: &str) -> Result<(), ApiError> {
        let body = json!({ "url": url });
        self.send(Method::POST, "/messenger/v3/webhook", |r| r.json(&body))
            .await
            .map(|_| ())
    }

    pub async fn unsubscribe(&self, url: &str) -> Result<(), ApiError> {
        let body = json!({ "url": url });
        self.send(Method::POST, "/messenger/v1/webhook/unsubscribe", |r| {
            r.json(&body)
        })
        .await
        .map(|_| ())
    }

    /// The addresses Avito posts this account's messages to.
    pub async fn subscriptions(&self) -> Result<Vec<String>, ApiError> {
        #[derive(Deserialize)]
        struct Subscription {
            url: String,
        }
        #[derive(Deserialize)]
        struct Subscriptions {
            #[serde(default)]
            subscriptions: Vec<Subscription>,
        }
        let list: Subscriptions = self
            .call(Method::POST, "/messenger/v1/subscriptions", |r| r)
            .await?;
        Ok(list.subscriptions.into_iter().map(|s| s.url).collect())
    }
}

/// What Avito answers to a sent message.
#[derive(Deserialize)]
struct Posted {
    id: String,
}

/// A chat id as one path segment.
fn segment(chat_id: &str) -> String {
    url::form_urlencoded::byte_serialize(chat_id.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_in_every_shape() {
        let s = StatusCode::BAD_REQUEST;
        assert_eq!(
            error_message(s, r#"{"error":{"code":400,"message":"chat not found"}}"#),
            "chat not found"
        );
        assert_eq!(
            error_message(
                s,
                r#"{"error":"invalid_client","error_description":"bad secret"}"#
            ),
            "bad secret"
        );
        assert_eq!(
            error_message(s, r#"{"error":"invalid_client"}"#),
            "invalid_client"
        );
        assert_eq!(error_message(s, "<html>"), "Bad Request");
    }

    #[test]
    fn transient_errors() {
        assert!(ApiError::Network("x".into()).is_transient());
        assert!(
            ApiError::Status {
                status: 503,
                message: String::new()
            }
            .is_transient()
        );
        assert!(
            !ApiError::Status {
                status: 400,
                message: String::new()
            }
            .is_transient()
        );
        assert!(!ApiError::Messenger("tariff".into()).is_transient());
    }

    #[test]
    fn chat_ids_stay_one_segment() {
        assert_eq!(segment("u2i-abc_12"), "u2i-abc_12");
        assert_eq!(segment("a/b"), "a%2Fb");
    }
}
