//! `tuberry api-token create|list|revoke`: the LAN API's bearer tokens;
//! `tuberry webhook add|list|remove`: the events other systems follow.

use clap::Subcommand;

use super::Output;
use crate::api_tokens::{ApiToken, Scope};
use crate::{ApiError, Engine, api};

#[derive(Subcommand)]
pub enum ApiTokenCommand {
    /// Create a token; it is printed once (only its hash is kept).
    Create {
        /// What it is for, e.g. "Website chat".
        name: String,
        /// What it may do: send, read, admin (may be given more than once).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
    /// List the tokens (never the tokens themselves).
    List,
    /// Revoke a token: requests with it are refused from now on.
    Revoke { id: i64 },
}

fn line(t: &ApiToken) -> String {
    let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
    format!(
        "{:>4}  {:<24}  {:<16}  {:<18}  {}\n",
        t.id,
        t.name,
        scopes.join(","),
        t.prefix,
        if t.revoked_at.is_some() {
            "revoked"
        } else {
            "live"
        }
    )
}

pub async fn api_token(
    engine: &Engine,
    command: ApiTokenCommand,
    out: &Output,
) -> Result<(), ApiError> {
    match command {
        ApiTokenCommand::Create { name, scopes } => {
            let scopes = scopes
                .iter()
                .map(|s| s.parse::<Scope>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(crate::error::Error::from)?;
            let created = api::create_api_token(engine, name, scopes).await?;
            out.print(&created, || {
                format!(
                    "{}\nThe token (shown once; keep it in the other system's settings):\n{}\n",
                    line(&created.token).trim_end(),
                    created.secret
                )
            });
        }
        ApiTokenCommand::List => {
            let all = api::list_api_tokens(engine).await?;
            out.print(&all, || {
                if all.is_empty() {
                    "No API tokens\n".to_owned()
                } else {
                    all.iter().map(line).collect()
                }
            });
        }
        ApiTokenCommand::Revoke { id } => {
            let token = api::revoke_api_token(engine, id).await?;
            out.print(&token, || format!("Revoked: {}", line(&token)));
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum WebhookCommand {
    /// Subscribe a URL to events; its signing secret is printed once.
    Add {
        /// Where the events are POSTed, e.g. https://crm.example/tuberry.
        url: String,
        /// message.received, message.sent, message.delivered, message.failed,
        /// conversation.status_changed (may be given more than once).
        #[arg(long = "event", required = true)]
        events: Vec<String>,
    },
    /// List the subscriptions (never their secrets).
    List,
    /// End a subscription; its events not yet delivered are dropped.
    Remove { id: i64 },
}

fn hook_line(w: &crate::webhooks::Webhook) -> String {
    format!("{:>4}  {:<40}  {}\n", w.id, w.url, w.events.join(","))
}

pub async fn webhook(
    engine: &Engine,
    command: WebhookCommand,
    out: &Output,
) -> Result<(), ApiError> {
    match command {
        WebhookCommand::Add { url, events } => {
            let created = api::create_webhook(engine, url, events).await?;
            out.print(&created, || {
                format!(
                    "{}\nThe signing secret (shown once; the receiver checks X-Tuberry-Signature with it):\n{}\n",
                    hook_line(&created.webhook).trim_end(),
                    created.secret
                )
            });
        }
        WebhookCommand::List => {
            let all = api::list_webhooks(engine).await?;
            out.print(&all, || {
                if all.is_empty() {
                    "No webhooks\n".to_owned()
                } else {
                    all.iter().map(hook_line).collect()
                }
            });
        }
        WebhookCommand::Remove { id } => {
            api::delete_webhook(engine, id).await?;
            out.print(&serde_json::json!({"removed": id}), || {
                format!("Removed webhook {id}\n")
            });
        }
    }
    Ok(())
}
