//! Posting a webhook as a provider does: one JSON POST over plain HTTP/1.1,
//! the receiver's status code read from its answer. Shared by the fakes that
//! deliver webhooks (Telegram, Avito, WhatsApp); each words the failures as its
//! provider reports them.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Why a POST got no status code.
#[derive(Debug)]
pub(crate) enum PostFailure {
    /// The address is not `http://…` (the fakes post over plain HTTP only).
    NotPlainHttp,
    /// Connecting, writing or reading failed.
    Io(String),
    /// What came back is not an HTTP answer.
    NotHttp,
    /// No answer within the time limit.
    Timeout,
}

/// POSTs `body` to `url` with the extra `headers` and returns the status code.
pub(crate) async fn post_json(
    url: &str,
    headers: &[(&str, &str)],
    body: &Value,
    timeout: Duration,
) -> Result<u16, PostFailure> {
    post_bytes(url, headers, body.to_string().as_bytes(), timeout).await
}

/// POSTs the JSON text `body` as it is (a signature covers these bytes).
pub(crate) async fn post_bytes(
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> Result<u16, PostFailure> {
    let rest = url
        .strip_prefix("http://")
        .ok_or(PostFailure::NotPlainHttp)?;
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let address = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let io = |e: std::io::Error| PostFailure::Io(e.to_string());
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&address).await.map_err(io)?;
        stream.write_all(head.as_bytes()).await.map_err(io)?;
        stream.write_all(body).await.map_err(io)?;
        let mut received = Vec::new();
        let mut chunk = [0_u8; 512];
        while !received.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut chunk).await.map_err(io)?;
            if n == 0 {
                break;
            }
            received.extend_from_slice(&chunk[..n]);
        }
        String::from_utf8_lossy(&received)
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or(PostFailure::NotHttp)
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| PostFailure::Timeout)?
}
