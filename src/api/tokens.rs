//! The LAN API's tokens and webhook subscriptions, as Settings,
//! `tuberry api-token` and `tuberry webhook` manage them.

use crate::api_tokens::{self, ApiToken, ApiTokenCreated, Scope};
use crate::engine::Engine;

use super::ApiResult;

/// Creates a token; the answer holds the token itself, shown this once.
pub async fn create_api_token(
    engine: &Engine,
    name: String,
    scopes: Vec<Scope>,
) -> ApiResult<ApiTokenCreated> {
    let now = engine.clock().now_ms();
    Ok(api_tokens::create(engine.store().pool(), &name, &scopes, now).await?)
}

/// The tokens, the newest first (never the tokens themselves).
pub async fn list_api_tokens(engine: &Engine) -> ApiResult<Vec<ApiToken>> {
    Ok(api_tokens::list(engine.store().pool()).await?)
}

/// Revokes a token: requests with it are refused from now on.
pub async fn revoke_api_token(engine: &Engine, token_id: i64) -> ApiResult<ApiToken> {
    let now = engine.clock().now_ms();
    Ok(api_tokens::revoke(engine.store().pool(), token_id, now).await?)
}

/// Subscribes a URL to events; the answer holds its signing secret, shown this once.
pub async fn create_webhook(
    engine: &Engine,
    url: String,
    events: Vec<String>,
) -> ApiResult<crate::webhooks::WebhookCreated> {
    let now = engine.clock().now_ms();
    Ok(crate::webhooks::create(engine.store(), engine.keyring(), &url, events, now).await?)
}

/// The webhook subscriptions (never their secrets).
pub async fn list_webhooks(engine: &Engine) -> ApiResult<Vec<crate::webhooks::Webhook>> {
    Ok(crate::webhooks::list(engine.store()).await?)
}

/// Ends a subscription; its events not yet delivered are dropped.
pub async fn delete_webhook(engine: &Engine, webhook_id: i64) -> ApiResult<()> {
    Ok(crate::webhooks::delete(engine.store(), engine.keyring(), webhook_id).await?)
}

/// Creates a provider (a channel of the shop's own system); the answer holds
/// its token, shown this once.
pub async fn create_provider(
    engine: &Engine,
    name: String,
    project_id: Option<i64>,
    reply_url: Option<String>,
) -> ApiResult<crate::channels::custom::ProviderCreated> {
    Ok(engine.custom().create(&name, project_id, reply_url).await?)
}

/// The providers (never their tokens).
pub async fn list_providers(engine: &Engine) -> ApiResult<Vec<crate::channels::custom::Provider>> {
    Ok(engine.custom().list().await?)
}

/// Removes a provider: its token stops working; its conversations stay.
pub async fn delete_provider(engine: &Engine, provider_id: i64) -> ApiResult<()> {
    Ok(engine.custom().delete(provider_id).await?)
}
