//! Webhook deliveries: every new buyer message is POSTed to each URL the
//! account subscribed, one POST at a time and in order, over plain HTTP.
//! The receiver has 2 seconds to answer, as with Avito; the fake does not
//! try again.

use std::sync::Weak;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

use super::spec::spec;
use super::{Shared, WebhookDelivery};
use crate::webhook::PostFailure;

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(2);

/// A POST to make.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub url: String,
    pub chat_id: String,
    pub message_id: String,
    pub body: Value,
}

/// Delivers until the fake is gone.
pub(crate) async fn deliver_all(
    shared: Weak<Shared>,
    mut queue: mpsc::UnboundedReceiver<Delivery>,
) {
    while let Some(delivery) = queue.recv().await {
        if cfg!(debug_assertions) {
            let errors = spec().webhook_errors(&delivery.body);
            if !errors.is_empty()
                && let Some(shared) = shared.upgrade()
            {
                let lines = errors
                    .into_iter()
                    .map(|e| format!("webhook to {}: {e}", delivery.url));
                shared.update(|s| s.spec_errors.extend(lines));
            }
        }
        let outcome = post_json(&delivery.url, &delivery.body).await;
        if let Err(e) = &outcome {
            tracing::debug!("webhook delivery to {} failed: {e}", delivery.url);
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let (status, error) = match outcome {
            Ok(status) => (Some(status), None),
            Err(e) => (None, Some(e)),
        };
        shared.update(|s| {
            s.deliveries.push(WebhookDelivery {
                url: delivery.url,
                chat_id: delivery.chat_id,
                message_id: delivery.message_id,
                status,
                error,
            });
        });
    }
}

/// POSTs a JSON body over plain HTTP/1.1 and returns the status code.
async fn post_json(url: &str, body: &Value) -> Result<u16, String> {
    crate::webhook::post_json(url, &[], body, TIMEOUT)
        .await
        .map_err(|failure| match failure {
            PostFailure::NotPlainHttp => "the fake posts webhooks over plain HTTP only".to_owned(),
            PostFailure::Io(e) => e,
            PostFailure::NotHttp => "not an HTTP answer".to_owned(),
            PostFailure::Timeout => format!("no answer within {} s", TIMEOUT.as_secs()),
        })
}
