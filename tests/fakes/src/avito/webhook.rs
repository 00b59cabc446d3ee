//! Webhook deliveries: every new buyer message is POSTed to each URL the
//! account subscribed, one POST at a time and in order, over plain HTTP.
//! The receiver has 2 seconds to answer, as with Avito; the fake does not
//! try again.

use std::sync::Weak;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use super::spec::spec;
use super::{Shared, WebhookDelivery};

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
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| "the fake posts webhooks over plain HTTP only".to_owned())?;
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let address = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let body = body.to_string();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&address)
            .await
            .map_err(|e| e.to_string())?;
        stream
            .write_all(head.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        stream
            .write_all(body.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut received = Vec::new();
        let mut chunk = [0_u8; 512];
        while !received.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            received.extend_from_slice(&chunk[..n]);
        }
        let status_line = String::from_utf8_lossy(&received);
        status_line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| "not an HTTP answer".to_owned())
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("no answer within {} s", TIMEOUT.as_secs()))?
}
