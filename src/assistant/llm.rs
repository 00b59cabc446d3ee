//! The language model, through the OpenAI-compatible chat API that Ollama,
//! OpenAI, LM Studio, vLLM and others all serve: `GET {base}/models` and
//! `POST {base}/chat/completions`. Two requests with small JSON bodies, so
//! they are written with the HTTP client the engine already has.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::model::LlmProblem;
use crate::secret::Secret;

/// Sampling as the seed setup tuned it for sales chat (see the persona).
const TOP_P: f64 = 0.9;
const FREQUENCY_PENALTY: f64 = 0.2;
const PRESENCE_PENALTY: f64 = 0.05;

/// Where the model is and who may use it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// e.g. `http://127.0.0.1:11434/v1`, without a trailing slash.
    pub base_url: String,
    pub key: Option<Secret<String>>,
    pub model: String,
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Sampling {
    pub max_tokens: u32,
    pub temperature: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: String,
    pub model: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("nothing answers at {0} (is the model server running?)")]
    NotRunning(String),
    #[error("the model server refused the API key")]
    Unauthorized,
    #[error("the model server has no model “{0}”")]
    ModelMissing(String),
    #[error("no model is chosen")]
    NoModel,
    #[error("the model server did not answer in time")]
    Timeout,
    #[error("the model server is busy: {0}")]
    RateLimited(String),
    #[error("the model server answered {0}")]
    BadAnswer(String),
}

impl LlmError {
    pub fn problem(&self) -> LlmProblem {
        match self {
            LlmError::NotRunning(_) => LlmProblem::NotRunning,
            LlmError::Unauthorized => LlmProblem::Unauthorized,
            LlmError::ModelMissing(_) => LlmProblem::ModelMissing,
            LlmError::NoModel => LlmProblem::NoModel,
            LlmError::Timeout => LlmProblem::Timeout,
            LlmError::RateLimited(_) => LlmProblem::RateLimited,
            LlmError::BadAnswer(_) => LlmProblem::BadAnswer,
        }
    }

    /// Worth asking again a little later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            LlmError::NotRunning(_) | LlmError::Timeout | LlmError::RateLimited(_)
        )
    }
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    temperature: f64,
    top_p: f64,
    frequency_penalty: f64,
    presence_penalty: f64,
    max_tokens: u32,
    stream: bool,
}

#[derive(Deserialize)]
struct ChatResponse {
    #[serde(default)]
    model: String,
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: AnswerMessage,
}

#[derive(Deserialize)]
struct AnswerMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
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
    code: Option<serde_json::Value>,
}

#[derive(Clone, Default)]
pub struct LlmClient {
    http: reqwest::Client,
}

fn url(endpoint: &Endpoint, path: &str) -> String {
    format!("{}/{path}", endpoint.base_url.trim_end_matches('/'))
}

impl LlmClient {
    fn request(
        &self,
        endpoint: &Endpoint,
        builder: reqwest::RequestBuilder,
    ) -> reqwest::RequestBuilder {
        let builder = builder.timeout(endpoint.timeout);
        match &endpoint.key {
            Some(key) => builder.bearer_auth(key.expose()),
            None => builder,
        }
    }

    /// The models the server offers, sorted.
    pub async fn models(&self, endpoint: &Endpoint) -> Result<Vec<String>, LlmError> {
        let response = self
            .request(endpoint, self.http.get(url(endpoint, "models")))
            .send()
            .await
            .map_err(|e| network(endpoint, &e))?;
        let list: ModelList = read(endpoint, response).await?;
        let mut models: Vec<String> = list.data.into_iter().map(|m| m.id).collect();
        models.sort();
        models.dedup();
        Ok(models)
    }

    /// One answer to `messages`.
    pub async fn complete(
        &self,
        endpoint: &Endpoint,
        messages: &[ChatMessage],
        sampling: Sampling,
    ) -> Result<Completion, LlmError> {
        if endpoint.model.trim().is_empty() {
            return Err(LlmError::NoModel);
        }
        let body = ChatRequest {
            model: &endpoint.model,
            messages,
            temperature: sampling.temperature,
            top_p: TOP_P,
            frequency_penalty: FREQUENCY_PENALTY,
            presence_penalty: PRESENCE_PENALTY,
            max_tokens: sampling.max_tokens,
            stream: false,
        };
        let response = self
            .request(endpoint, self.http.post(url(endpoint, "chat/completions")))
            .json(&body)
            .send()
            .await
            .map_err(|e| network(endpoint, &e))?;
        let answer: ChatResponse = read(endpoint, response).await?;
        let text = answer
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| LlmError::BadAnswer("an empty answer".into()))?;
        Ok(Completion {
            text,
            model: if answer.model.is_empty() {
                endpoint.model.clone()
            } else {
                answer.model
            },
        })
    }
}

fn network(endpoint: &Endpoint, e: &reqwest::Error) -> LlmError {
    if e.is_timeout() {
        LlmError::Timeout
    } else if e.is_connect() {
        LlmError::NotRunning(endpoint.base_url.clone())
    } else {
        LlmError::BadAnswer(format!(
            "with a broken connection ({})",
            crate::error::display_chain(e)
        ))
    }
}

async fn read<T: serde::de::DeserializeOwned>(
    endpoint: &Endpoint,
    response: reqwest::Response,
) -> Result<T, LlmError> {
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| network(endpoint, &e))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|e| LlmError::BadAnswer(format!("something unreadable ({e})")));
    }
    let detail = serde_json::from_slice::<ErrorBody>(&bytes)
        .ok()
        .map(|b| b.error);
    let message = detail
        .as_ref()
        .map(|d| d.message.clone())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect());
    let code = detail
        .and_then(|d| d.code)
        .and_then(|c| c.as_str().map(str::to_owned))
        .unwrap_or_default();
    Err(match status.as_u16() {
        401 | 403 => LlmError::Unauthorized,
        404 if code == "model_not_found" || message.contains("model") => {
            LlmError::ModelMissing(endpoint.model.clone())
        }
        408 | 504 => LlmError::Timeout,
        429 | 502 | 503 => LlmError::RateLimited(format!("{status}: {message}")),
        _ => LlmError::BadAnswer(format!("{status}: {message}")),
    })
}
