//! The shop's other systems: `tuberry api-token create|list|revoke` (the LAN
//! API's bearer tokens), `tuberry webhook add|list|remove` (the events they
//! follow), `tuberry provider add|list|remove` (systems posting customers' messages).

use clap::Subcommand;

use super::Output;
use crate::api_tokens::{ApiToken, Scope};
use crate::{ApiError, Engine, api};

#[derive(Subcommand)]
pub enum Integration {
    /// Tokens of the LAN API: create (shown once), list, revoke.
    #[command(subcommand)]
    ApiToken(ApiTokenCommand),
    /// Webhooks: another system follows events by signed POSTs.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Providers: the shop's own systems posting their customers' messages.
    #[command(subcommand)]
    Provider(ProviderCommand),
}

pub async fn run(engine: &Engine, command: Integration, out: &Output) -> Result<(), ApiError> {
    match command {
        Integration::ApiToken(command) => api_token(engine, command, out).await,
        Integration::Webhook(command) => webhook(engine, command, out).await,
        Integration::Provider(command) => provider(engine, command, out).await,
    }
}

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

async fn api_token(
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

async fn webhook(engine: &Engine, command: WebhookCommand, out: &Output) -> Result<(), ApiError> {
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

#[derive(Subcommand)]
pub enum ProviderCommand {
    /// Create a provider; its token is printed once.
    Add {
        /// What it is, e.g. "Website chat".
        name: String,
        /// The project its conversations belong to.
        #[arg(long)]
        project: Option<i64>,
        /// Where replies to its customers are POSTed (none: it takes no replies).
        #[arg(long)]
        reply_url: Option<String>,
    },
    /// List the providers (never their tokens).
    List,
    /// Remove a provider: its token stops working; its conversations stay.
    Remove { id: i64 },
}

fn provider_line(p: &crate::channels::custom::Provider) -> String {
    format!(
        "{:>4}  {:<24}  /api/v1/webhook/{:<6}  {}\n",
        p.id,
        p.name,
        p.id,
        p.reply_url.as_deref().unwrap_or("(takes no replies)")
    )
}

async fn provider(engine: &Engine, command: ProviderCommand, out: &Output) -> Result<(), ApiError> {
    match command {
        ProviderCommand::Add {
            name,
            project,
            reply_url,
        } => {
            let created = api::create_provider(engine, name, project, reply_url).await?;
            out.print(&created, || {
                format!(
                    "{}\nIts token (shown once; it posts to {} with Authorization: Bearer and checks replies' X-Tuberry-Signature with it):\n{}\n",
                    provider_line(&created.provider).trim_end(),
                    created.webhook_path,
                    created.token
                )
            });
        }
        ProviderCommand::List => {
            let all = api::list_providers(engine).await?;
            out.print(&all, || {
                if all.is_empty() {
                    "No providers\n".to_owned()
                } else {
                    all.iter().map(provider_line).collect()
                }
            });
        }
        ProviderCommand::Remove { id } => {
            api::delete_provider(engine, id).await?;
            out.print(&serde_json::json!({"removed": id}), || {
                format!("Removed provider {id}\n")
            });
        }
    }
    Ok(())
}
