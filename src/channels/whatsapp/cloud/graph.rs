//! Meta's Graph API as a Cloud API number uses it: sending messages,
//! uploading media to send, and fetching the media customers sent (the
//! media id gives a short-lived URL, which is read with the same bearer
//! token). Every request carries the number's access token.

use std::time::Duration;

use reqwest::{RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::clock::Millis;
use crate::secret::Secret;

/// How long one call may take.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Media larger than this are not downloaded.
const MAX_DOWNLOAD: usize = crate::files::MAX_SIZE;
/// Graph's error codes that mean "slow down" (application, account and
/// pair rate limits).
const RATE_CODES: [i64; 5] = [4, 80007, 130429, 131048, 131056];
/// Graph's code for a reply outside the customer service window.
pub const WINDOW_CLOSED_CODE: i64 = 131047;
/// The most pages of templates read (Meta gives 25 a page).
const MAX_TEMPLATE_PAGES: usize = 20;
/// How long to wait after a rate limit when Graph does not say.
const RATE_WAIT_MS: Millis = 5_000;

/// Why a call to the Graph API failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// Meta could not be reached, or took too long.
    #[error("Meta's Graph API cannot be reached: {0}")]
    Network(String),
    /// The access token was refused (expired, revoked, wrong).
    #[error("Meta refused the access token: {0}")]
    Credentials(String),
    /// Too many requests: wait this long.
    #[error("Meta asks to slow down: {message}")]
    RateLimited { after_ms: Millis, message: String },
    /// More than 24 hours since the customer's last message.
    #[error(
        "more than 24 hours since the customer's last message: only an approved template can be sent"
    )]
    WindowClosed,
    /// Meta answered with an error; its own words.
    #[error("Meta answered {status} (code {code}): {message}")]
    Status {
        status: u16,
        code: i64,
        message: String,
    },
    /// The answer was not what the API documents.
    #[error("Meta's answer is not understood: {0}")]
    Decode(String),
}

impl GraphError {
    /// Worth trying again later (network, rate limit, Meta's own trouble).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network(_) | Self::RateLimited { .. } => true,
            Self::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
    #[serde(default)]
    error_data: Option<ErrorData>,
}

#[derive(Deserialize)]
struct ErrorData {
    #[serde(default)]
    details: Option<String>,
}

/// What a media id stands for.
#[derive(Debug, Clone, Deserialize)]
pub struct MediaInfo {
    pub url: String,
    #[serde(default)]
    pub mime_type: Option<String>,
}

/// One number's way into the Graph API.
#[derive(Clone)]
pub struct Graph {
    http: reqwest::Client,
    /// `https://graph.facebook.com/v23.0`.
    base: String,
    phone_number_id: String,
    token: Secret<String>,
}

impl Graph {
    pub fn new(
        api_url: &str,
        version: &str,
        phone_number_id: &str,
        token: Secret<String>,
    ) -> Result<Self, GraphError> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("Tuberry/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GraphError::Network(e.to_string()))?;
        Ok(Self {
            http,
            base: format!("{}/{version}", api_url.trim_end_matches('/')),
            phone_number_id: phone_number_id.to_owned(),
            token,
        })
    }

    fn authorized(&self, request: RequestBuilder) -> RequestBuilder {
        request.bearer_auth(self.token.expose())
    }

    async fn call(&self, request: RequestBuilder) -> Result<Response, GraphError> {
        let response = self
            .authorized(request)
            .send()
            .await
            .map_err(|e| GraphError::Network(without_url(&e)))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(error_of(response).await)
    }

    async fn json(&self, request: RequestBuilder) -> Result<Value, GraphError> {
        self.call(request)
            .await?
            .json::<Value>()
            .await
            .map_err(|e| GraphError::Decode(without_url(&e)))
    }

    /// Sends one message (`body` without `messaging_product`, which is
    /// added); answers the message's id (`wamid.…`).
    pub async fn send(&self, mut body: Value) -> Result<String, GraphError> {
        if let Value::Object(map) = &mut body {
            map.insert("messaging_product".into(), "whatsapp".into());
        }
        let url = format!("{}/{}/messages", self.base, self.phone_number_id);
        let answer = self.json(self.http.post(url).json(&body)).await?;
        answer
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| GraphError::Decode("no message id in the answer".into()))
    }

    /// Every message template of business account `waba_id`, as Meta
    /// lists them (following its pages on the same Graph API only, since
    /// each request carries the token).
    pub async fn templates(&self, waba_id: &str) -> Result<Vec<Value>, GraphError> {
        let mut url = format!("{}/{waba_id}/message_templates", self.base);
        let mut all = Vec::new();
        for _ in 0..MAX_TEMPLATE_PAGES {
            let answer = self.json(self.http.get(&url)).await?;
            let data = answer
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| GraphError::Decode("no template list in the answer".into()))?;
            all.extend(data.iter().cloned());
            match answer.pointer("/paging/next").and_then(Value::as_str) {
                Some(next) if next.starts_with(&format!("{}/", self.base)) => {
                    next.clone_into(&mut url)
                }
                _ => break,
            }
        }
        Ok(all)
    }

    /// Uploads a file to send; answers its media id.
    pub async fn upload(
        &self,
        bytes: Vec<u8>,
        name: &str,
        mime: &str,
    ) -> Result<String, GraphError> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(mime)
            .map_err(|e| GraphError::Decode(format!("media type `{mime}`: {e}")))?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime.to_owned())
            .part("file", part);
        let url = format!("{}/{}/media", self.base, self.phone_number_id);
        let answer = self.json(self.http.post(url).multipart(form)).await?;
        answer
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| GraphError::Decode("no media id in the answer".into()))
    }

    /// The short-lived address of a media file a customer sent.
    pub async fn media(&self, media_id: &str) -> Result<MediaInfo, GraphError> {
        let url = format!("{}/{media_id}", self.base);
        let request = self
            .http
            .get(url)
            .query(&[("phone_number_id", &self.phone_number_id)]);
        let answer = self.json(request).await?;
        serde_json::from_value(answer).map_err(|e| GraphError::Decode(e.to_string()))
    }

    /// Reads a media file from the address [`Graph::media`] gave.
    pub async fn download(&self, url: &str) -> Result<(Vec<u8>, Option<String>), GraphError> {
        let response = self.call(self.http.get(url)).await?;
        if response
            .content_length()
            .is_some_and(|n| n > MAX_DOWNLOAD as u64)
        {
            return Err(GraphError::Status {
                status: 413,
                code: 0,
                message: "the file is larger than Tuberry keeps".into(),
            });
        }
        let mime = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_owned());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| GraphError::Network(without_url(&e)))?;
        Ok((bytes.to_vec(), mime))
    }
}

/// A reqwest error without its URL (a media URL carries a signature).
fn without_url(e: &reqwest::Error) -> String {
    let mut words = e.to_string();
    if let Some(url) = e.url() {
        words = words.replace(url.as_str(), "<url>");
    }
    words
}

/// What an error answer means.
async fn error_of(response: Response) -> GraphError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(|s| s * 1000);
    let text = response.text().await.unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => {
            let detail = body
                .error
                .error_data
                .and_then(|d| d.details)
                .filter(|d| !d.trim().is_empty());
            let message = match detail {
                Some(detail) if !body.error.message.contains(&detail) => {
                    format!("{} ({detail})", body.error.message)
                }
                _ => body.error.message,
            };
            (body.error.code, message)
        }
        Err(_) => (0, status.canonical_reason().unwrap_or("error").to_owned()),
    };
    classify(status, code, message, retry_after)
}

fn classify(
    status: StatusCode,
    code: i64,
    message: String,
    retry_after: Option<Millis>,
) -> GraphError {
    if code == WINDOW_CLOSED_CODE {
        return GraphError::WindowClosed;
    }
    if status == StatusCode::TOO_MANY_REQUESTS || RATE_CODES.contains(&code) {
        return GraphError::RateLimited {
            after_ms: retry_after.unwrap_or(RATE_WAIT_MS).max(1),
            message,
        };
    }
    if status == StatusCode::UNAUTHORIZED || code == 190 {
        return GraphError::Credentials(message);
    }
    GraphError::Status {
        status: status.as_u16(),
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_codes_read_as_kinds() {
        let window = classify(
            StatusCode::BAD_REQUEST,
            131_047,
            "Re-engagement".into(),
            None,
        );
        assert_eq!(window, GraphError::WindowClosed);
        assert!(!window.is_transient());
        let rate = classify(StatusCode::BAD_REQUEST, 130_429, "rate".into(), None);
        assert!(matches!(
            rate,
            GraphError::RateLimited {
                after_ms: RATE_WAIT_MS,
                ..
            }
        ));
        let busy = classify(StatusCode::TOO_MANY_REQUESTS, 0, "busy".into(), Some(2_000));
        assert!(matches!(
            busy,
            GraphError::RateLimited {
                after_ms: 2_000,
                ..
            }
        ));
        let token = classify(StatusCode::UNAUTHORIZED, 190, "expired".into(), None);
        assert!(matches!(token, GraphError::Credentials(_)));
        let down = classify(StatusCode::BAD_GATEWAY, 0, "down".into(), None);
        assert!(down.is_transient());
        let bad = classify(StatusCode::BAD_REQUEST, 100, "bad".into(), None);
        assert!(!bad.is_transient());
    }
}
