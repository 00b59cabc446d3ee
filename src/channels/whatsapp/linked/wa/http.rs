//! WhatsApp's HTTP requests (the app version check, media up- and
//! downloads) over the engine's own HTTP client.

use std::time::Duration;

use async_trait::async_trait;
use whatsapp_rust::anyhow;
use whatsapp_rust::http::{HttpClient, HttpRequest, HttpResponse};

/// Every answered request is an answer, whatever its status: the library
/// reads the status itself to renew media links.
pub struct ReqwestHttp {
    client: reqwest::Client,
}

impl ReqwestHttp {
    pub fn new() -> reqwest::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(20))
            // Large videos on a slow line.
            .timeout(Duration::from_secs(600))
            .build()?;
        Ok(Self { client })
    }
}

#[async_trait]
impl HttpClient for ReqwestHttp {
    async fn execute(&self, request: HttpRequest) -> anyhow::Result<HttpResponse> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| anyhow::Error::msg(format!("HTTP method: {e}")))?;
        let mut builder = self.client.request(method, &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        // The URL carries media tokens: keep it out of the error.
        let response = builder
            .send()
            .await
            .map_err(|e| anyhow::Error::msg(e.without_url().to_string()))?;
        let status_code = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| anyhow::Error::msg(e.without_url().to_string()))?;
        Ok(HttpResponse {
            status_code,
            body: body.to_vec(),
        })
    }
}
