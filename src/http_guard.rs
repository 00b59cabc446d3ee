//! What every request to the shop's integration routes (the LAN API, a
//! provider's webhook) goes through: a rate per client address (governor:
//! 20 a second, 40 at once; 429 with `Retry-After` beyond it) and an answer
//! within 30 s (503 `timeout`), refusals as JSON with a code and a message.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::views::Failure;

/// Requests a client (an address) may make a second, and at once.
const PER_SECOND: u32 = 20;
const BURST: u32 = 40;
/// How long a request may take before it is answered 503.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

type Limiter = governor::DefaultKeyedRateLimiter<std::net::IpAddr>;

/// The bearer token a request presents (`Authorization: Bearer …`).
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// `router` behind the guard, with a budget per client of its own.
pub fn guarded(router: axum::Router) -> axum::Router {
    let quota = governor::Quota::per_second(std::num::NonZeroU32::new(PER_SECOND).expect("a rate"))
        .allow_burst(std::num::NonZeroU32::new(BURST).expect("a burst"));
    let limiter: Arc<Limiter> = Arc::new(governor::RateLimiter::keyed(quota));
    router.layer(axum::middleware::from_fn_with_state(limiter, guard))
}

async fn guard(
    State(limiter): State<Arc<Limiter>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let client = request
        .extensions()
        .get::<axum::extract::ConnectInfo<crate::http_tls::Peer>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.0.ip());
    if let Err(not_until) = limiter.check_key(&client) {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        tracing::info!(%client, "API request over the client's rate refused");
        let mut response = Failure::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests; try again in {seconds} s"),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        return response;
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long; try again",
        )
        .into_response(),
    }
}
