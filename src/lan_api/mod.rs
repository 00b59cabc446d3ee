//! The LAN API: the integration point for a shop's other systems (its
//! website's chat, a CRM, 1C), served by the LAN endpoint beside the
//! channels' webhooks. Every route but `/health` needs a bearer token with
//! the right scope ([`crate::api_tokens`]); errors are JSON with a code and a message,
//! never a stack or a secret.
//!
//! ```text
//!  GET /health            no token; "ok" and nothing more
//!  GET /api/v1/health     read: the Health screen's report
//!  POST /api/v1/send      send: a reply into a conversation, once per key
//!  GET /api/v1/messages/{id}   read: a message and its delivery
//!  GET /metrics           read: Prometheus's text format (see crate::metrics)
//! ```

mod send;

use std::sync::{Arc, Weak};

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::api_tokens::{self as tokens, Refusal, Scope};
use crate::engine::Engine;
use crate::secret::Secret;
pub use crate::views::{Failure, FailureBody};

/// The largest request body a route of the API reads, and `/send`'s (files inline, in base64).
const BODY_LIMIT: usize = 64 * 1024;
const SEND_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The engine a request is served by, while it runs.
#[derive(Clone)]
struct Api {
    engine: Weak<Engine>,
    /// Fetches the files a message is sent with by URL.
    client: reqwest::Client,
}

impl Api {
    fn engine(&self) -> Result<Arc<Engine>, Failure> {
        self.engine.upgrade().ok_or_else(|| {
            Failure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Tuberry is stopping",
            )
        })
    }

    /// The engine and the token, once the request's bearer token may do `scope`.
    async fn authorize(
        &self,
        headers: &HeaderMap,
        scope: Scope,
    ) -> Result<(Arc<Engine>, tokens::ApiToken), Failure> {
        let engine = self.engine()?;
        let presented = crate::http_guard::bearer(headers).map(|v| Secret::new(v.to_owned()));
        let Some(presented) = presented else {
            return Err(Failure::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this route needs a token: Authorization: Bearer tby_…",
            ));
        };
        let now = engine.clock().now_ms();
        match tokens::check(engine.store().pool(), &presented, scope, now).await? {
            Ok(token) => {
                tracing::debug!(token_id = token.id, %scope, "API request authorized");
                Ok((engine, token))
            }
            Err(Refusal::Unknown) => {
                tracing::info!(%scope, "API request with an unknown or revoked token refused");
                Err(Failure::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "the token is not valid (unknown or revoked)",
                ))
            }
            Err(Refusal::Scope) => Err(Failure::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("the token may not do this: it needs the “{scope}” scope"),
            )),
        }
    }
}

/// The API as its OpenAPI document describes it: one source for the
/// routes served and the document (`/api/v1/openapi.json`, read at
/// `/api/v1/docs`).
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Tuberry LAN API",
        description = "Send messages through Tuberry and follow them from a shop's other systems (its website's chat, a CRM, 1C). Create a token in Settings → LAN API (or `tuberry api-token create`) and send it as `Authorization: Bearer tby_…`."
    ),
    paths(crate::channels::custom::receive::message_in),
    components(responses(FailureBody)),
    modifiers(&BearerToken),
    tags(
        (name = "messages", description = "Sending and following messages"),
        (name = "status", description = "Health and figures"),
        (name = "providers", description = "The shop's own systems posting their customers' messages")
    )
)]
struct ApiDoc;

/// The bearer token every route but `/health` asks for.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "token",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("tby_ and 64 hex digits")
                        .build(),
                ),
            );
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "provider",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("a provider's tbp_ token")
                        .build(),
                ),
            );
    }
}

/// The routes and their document.
fn documented(api: Api) -> (axum::Router, utoipa::openapi::OpenApi) {
    use utoipa_axum::routes;
    let (schemas, paths, send) = routes!(send::send);
    let send = (
        schemas,
        paths,
        send.layer(DefaultBodyLimit::max(SEND_BODY_LIMIT)),
    );
    let (router, openapi) =
        utoipa_axum::router::OpenApiRouter::with_openapi(<ApiDoc as utoipa::OpenApi>::openapi())
            .routes(routes!(health))
            .routes(routes!(health_details))
            .routes(send)
            .routes(routes!(send::message))
            .routes(routes!(metrics))
            .with_state(api)
            .split_for_parts();
    (router, openapi)
}

/// The API's document, as `/api/v1/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented(Api {
        engine: Weak::new(),
        client: reqwest::Client::new(),
    })
    .1
}

/// The API's routes for the LAN endpoint, serving `engine` while it lives.
pub fn routes(engine: Weak<Engine>) -> axum::Router {
    let api = Api {
        engine,
        client: crate::intake::client(),
    };
    let (router, openapi) = documented(api.clone());
    let router = router
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", openapi),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(cors(api.engine));
    crate::http_guard::guarded(router)
}

/// Browsers may call the API from the pages `[http] cors_origins` names
/// (the engine's settings, read at each request); from no page by default.
fn cors(engine: Weak<Engine>) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            let Some(engine) = engine.upgrade() else {
                return false;
            };
            let origin = origin.to_str().unwrap_or_default();
            engine
                .settings()
                .http
                .cors_origins
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(origin))
        }))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Up {
    /// Always "ok".
    status: &'static str,
}

/// Up or not, and nothing more (load balancers, uptime checks). No token.
#[utoipa::path(get, path = "/health", tag = "status",
    responses(
        (status = 200, description = "Tuberry is running", body = Up),
        (status = 429, response = FailureBody),
        (status = 503, response = FailureBody),
    ))]
async fn health(State(api): State<Api>) -> Result<Json<Up>, Failure> {
    api.engine()?;
    Ok(Json(Up { status: "ok" }))
}

/// The Health screen's report: accounts, queue, keyring, database, backups.
#[utoipa::path(get, path = "/api/v1/health", tag = "status", security(("token" = [])),
    responses(
        (status = 200, description = "The report", body = Object),
        (status = 401, response = FailureBody),
        (status = 403, response = FailureBody),
        (status = 429, response = FailureBody),
        (status = 503, response = FailureBody),
    ))]
async fn health_details(
    State(api): State<Api>,
    headers: HeaderMap,
) -> Result<Json<crate::api::Health>, Failure> {
    let (engine, _) = api.authorize(&headers, Scope::Read).await?;
    Ok(Json(crate::api::health(&engine).await?))
}

/// The figures in the OpenMetrics text format that Prometheus reads
/// (read scope: a scraper's `authorization: {credentials: tby_…}`).
#[utoipa::path(get, path = "/metrics", tag = "status", security(("token" = [])),
    responses(
        (status = 200, description = "Messages per channel, the queue, job durations, channels up", body = String, content_type = "application/openmetrics-text"),
        (status = 401, response = FailureBody),
        (status = 403, response = FailureBody),
        (status = 429, response = FailureBody),
        (status = 503, response = FailureBody),
    ))]
async fn metrics(State(api): State<Api>, headers: HeaderMap) -> Result<Response, Failure> {
    let (engine, _) = api.authorize(&headers, Scope::Read).await?;
    let text = crate::metrics::render(&engine).await?;
    Ok(([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response())
}

async fn not_found() -> Failure {
    Failure::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// Serves the API on `engine`'s LAN endpoint (when it listens), beside the
/// channels' webhooks.
pub fn attach(engine: &Arc<Engine>) {
    engine.lan().add_routes(routes(Arc::downgrade(engine)));
}
