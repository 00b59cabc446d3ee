//! Outgoing webhooks: the owner subscribes a URL of another system (a CRM,
//! 1C, a website) to Tuberry's events, and each event is POSTed to it as
//! JSON, signed.
//!
//! ```text
//!  a message stored / its delivery changes / a conversation's status changes
//!    └─ trigger (migration 0019), same transaction ─► job webhook.post
//!         (destination webhook:{id}:{conversation}: in order per conversation)
//!  job ─► POST url   X-Tuberry-Event, X-Tuberry-Delivery (the event's id),
//!                    X-Tuberry-Signature: t={unix seconds},v1={hex HMAC-SHA256(secret, "{t}.{body}")}
//!      2xx done · 408/429/5xx/no answer: retried with backoff · other 4xx: failed (retry from Health)
//! ```
//!
//! A receiver checks the signature with the secret shown once when the
//! subscription was made, and refuses a timestamp older than a few minutes
//! (a replay).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::queue::{Job, JobError, JobHandler};
use crate::secret::Secret;
use crate::store::Store;
use crate::views::MessageView;

pub const POST_JOB: &str = "webhook.post";
pub const POST_JOB_VERSION: i64 = 1;

/// The events a subscription may follow.
pub const EVENTS: &[&str] = &[
    "message.received",
    "message.sent",
    "message.delivered",
    "message.failed",
    "conversation.status_changed",
];

const TIMEOUT: Duration = Duration::from_secs(10);

/// A subscription as the owner sees it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    #[sqlx(json)]
    pub events: Vec<String>,
    pub enabled: bool,
    pub created_at: Millis,
}

/// A new subscription and its signing secret, shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WebhookCreated {
    pub webhook: Webhook,
    pub secret: String,
}

/// A URL Tuberry POSTs to (a webhook's, a provider's reply URL): http or
/// https with a host, and no user or password in it (`because` says why).
pub fn outward_url(url: &str, what: &str, because: &str) -> Result<String> {
    let url = url.trim();
    let parsed = url::Url::parse(url)
        .map_err(|_| Error::invalid(format!("“{url}” is not a URL (http://… or https://…)")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::invalid(format!(
            "{what} starts with http:// or https:// and names a host"
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::invalid(format!(
            "{what} carries no user or password{because}"
        )));
    }
    Ok(parsed.to_string())
}

fn checked_events(events: Vec<String>) -> Result<Vec<String>> {
    let mut chosen: Vec<String> = Vec::new();
    for event in events {
        let event = event.trim().to_owned();
        if !EVENTS.contains(&event.as_str()) {
            return Err(Error::invalid(format!(
                "unknown event “{event}” (one of: {})",
                EVENTS.join(", ")
            )));
        }
        if !chosen.contains(&event) {
            chosen.push(event);
        }
    }
    if chosen.is_empty() {
        return Err(Error::invalid("a webhook follows at least one event"));
    }
    Ok(chosen)
}

/// Subscribes `url` to `events`: its secret goes to the keyring first, then
/// the subscription is stored (a failing keyring leaves nothing behind).
pub async fn create(
    store: &Store,
    keyring: &Keyring,
    url: &str,
    events: Vec<String>,
    now: Millis,
) -> Result<WebhookCreated> {
    let url = outward_url(url, "a webhook's URL", "; receivers check the signature")?;
    let events = checked_events(events)?;
    let secret = format!("whsec_{}", crate::secret::random_hex(32)?);
    let secret_ref = Keyring::new_entry_name("webhook");
    keyring
        .set(&secret_ref, &Secret::new(secret.clone()))
        .await?;
    let mut tx = store.write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (url, events, secret_ref, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
    )
    .bind(&url)
    .bind(serde_json::to_string(&events).unwrap_or_else(|_| "[]".into()))
    .bind(&secret_ref)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(webhook_id = id, "webhook subscribed");
    Ok(WebhookCreated {
        webhook: Webhook {
            id,
            url,
            events,
            enabled: true,
            created_at: now,
        },
        secret,
    })
}

pub async fn list(store: &Store) -> Result<Vec<Webhook>> {
    Ok(
        sqlx::query_as("SELECT id, url, events, enabled, created_at FROM webhooks ORDER BY id")
            .fetch_all(store.pool())
            .await?,
    )
}

/// Ends a subscription: its events not yet delivered are dropped, its secret forgotten.
pub async fn delete(store: &Store, keyring: &Keyring, id: i64) -> Result<()> {
    let mut tx = store.write().await?;
    let secret_ref: String =
        sqlx::query_scalar("DELETE FROM webhooks WHERE id = ?1 RETURNING secret_ref")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::not_found("webhook", id))?;
    sqlx::query(
        "UPDATE jobs SET status = 'done', finished_at = updated_at, last_error = 'the webhook was removed'
         WHERE kind = ?1 AND status IN ('queued', 'failed') AND json_extract(payload, '$.webhook_id') = ?2",
    )
    .bind(POST_JOB)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    keyring.delete(&secret_ref).await?;
    tracing::info!(webhook_id = id, "webhook removed");
    Ok(())
}

#[derive(Debug, Deserialize)]
struct Payload {
    webhook_id: i64,
    event: String,
    conversation_id: i64,
    message_id: Option<i64>,
    status: Option<String>,
    previous_status: Option<String>,
    at: Millis,
}

/// What a receiver gets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    /// The event's own id (also `X-Tuberry-Delivery`): the same on a retry.
    id: String,
    event: String,
    at: Millis,
    conversation: ConversationView,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<MessageView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_status: Option<String>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
struct ConversationView {
    id: i64,
    status: String,
    channel: String,
    channel_account_id: i64,
    project_id: Option<i64>,
    contact_id: i64,
    contact_name: String,
}

/// `t={seconds},v1={hex HMAC-SHA256(secret, "{t}.{body}")}`.
pub fn signature(secret: &str, seconds: i64, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("{seconds}.").into_bytes();
    signed.extend_from_slice(body);
    let tag = ring::hmac::sign(&key, &signed);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={seconds},v1={hex}")
}

/// The `webhook.post` job: one event to one subscriber.
pub struct PostHandler {
    store: Store,
    keyring: Keyring,
    clock: SharedClock,
    client: reqwest::Client,
}

impl PostHandler {
    pub fn new(store: Store, keyring: Keyring, clock: SharedClock) -> Arc<Self> {
        Arc::new(Self {
            store,
            keyring,
            clock,
            client: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("Tuberry-Webhooks/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default(),
        })
    }

    async fn body(&self, job: &Job, payload: Payload) -> Result<Body> {
        let pool = self.store.pool();
        let conversation: ConversationView = sqlx::query_as(
            "SELECT c.id, c.status, a.kind AS channel, c.channel_account_id, c.project_id, c.contact_id,
                    k.display_name AS contact_name
             FROM conversations c JOIN channel_accounts a ON a.id = c.channel_account_id
             JOIN contacts k ON k.id = c.contact_id WHERE c.id = ?1",
        )
        .bind(payload.conversation_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| Error::not_found("conversation", payload.conversation_id))?;
        let message = match payload.message_id {
            Some(id) => Some(crate::inbox::message(pool, id).await?.into()),
            None => None,
        };
        let conversation = ConversationView {
            status: payload.status.unwrap_or(conversation.status),
            ..conversation
        };
        Ok(Body {
            id: job
                .payload
                .get("event_id")
                .and_then(serde_json::Value::as_str)
                .map_or_else(|| format!("evt_{}", job.id), str::to_owned),
            event: payload.event,
            at: payload.at,
            conversation,
            message,
            previous_status: payload.previous_status,
        })
    }
}

#[async_trait]
impl JobHandler for PostHandler {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let payload: Payload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("a webhook event that cannot be read: {e}")))?;
        let webhook_id = payload.webhook_id;
        let found: Option<(String, String, bool)> =
            sqlx::query_as("SELECT url, secret_ref, enabled FROM webhooks WHERE id = ?1")
                .bind(webhook_id)
                .fetch_optional(self.store.pool())
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
        let Some((url, secret_ref, true)) = found else {
            // Removed or turned off since: nothing to deliver.
            return Ok(());
        };
        let secret = match self.keyring.get(&secret_ref).await {
            Ok(Some(secret)) => secret,
            Ok(None) => {
                return Err(JobError::Fatal(
                    "the webhook's secret is not in this computer's keyring: subscribe the URL again".into(),
                ));
            }
            Err(e) => return Err(JobError::Retry(e.to_string())),
        };
        let body = match self.body(job, payload).await {
            Ok(body) => body,
            // The conversation was deleted since (a Test chat cleared): nothing to tell.
            Err(Error::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(JobError::Retry(e.to_string())),
        };
        let bytes = serde_json::to_vec(&body).map_err(|e| JobError::Fatal(e.to_string()))?;
        let seconds = self.clock.now_ms() / 1000;
        let response = self
            .client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Tuberry-Event", &body.event)
            .header("X-Tuberry-Delivery", &body.id)
            .header(
                "X-Tuberry-Signature",
                signature(secret.expose(), seconds, &bytes),
            )
            .body(bytes)
            .send()
            .await;
        let status = match response {
            Ok(response) => response.status(),
            Err(e) => {
                let why = format!("the receiver did not answer: {}", e.without_url());
                tracing::info!(webhook_id, event = %body.event, "{why}");
                return Err(JobError::Retry(why));
            }
        };
        if status.is_success() {
            tracing::debug!(webhook_id, event = %body.event, "webhook delivered");
            return Ok(());
        }
        let why = format!("the receiver answered {status}");
        tracing::info!(webhook_id, event = %body.event, "{why}");
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(JobError::Retry(why))
        } else {
            Err(JobError::Fatal(why))
        }
    }
}

/// Wakes the queue's workers after changes made outside ingest and the
/// queue (a conversation closed from the window): the triggers queued their
/// events already; this only sends them now rather than at the workers' next look.
pub async fn wake_on_changes(
    bus: crate::events::EventBus,
    waker: crate::queue::Waker,
    cancel: tokio_util::sync::CancellationToken,
) {
    use crate::events::EngineEvent;
    let mut events = bus.subscribe();
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            event = events.next() => match event {
                None => return,
                Some(EngineEvent::ConversationChanged { .. } | EngineEvent::MessageUpdated { .. }) => waker.wake(),
                Some(_) => {}
            },
        }
    }
}
