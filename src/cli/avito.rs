//! `tuberry avito …`: connecting Avito accounts from the command line. The
//! client secret is read from standard input (or TUBERRY_AVITO_SECRET), never
//! from the command line, and kept in the OS keyring.

use crate::channels::avito::model::{AvitoAccount, AvitoConnect, AvitoInput};
use crate::{ApiError, Engine, ErrorCode, api};
use clap::Subcommand;

use super::Output;

#[derive(Subcommand)]
pub enum AvitoCommand {
    /// List the Avito accounts with their state.
    List,
    /// Connect an account with its personal authorization's client ID (the
    /// secret is asked for) and start reading its chats.
    Connect {
        #[arg(long)]
        client_id: String,
        /// Avito's API address; only for a stand-in server of your own.
        #[arg(long)]
        api_url: Option<String>,
    },
    /// Have Avito post new messages to PUBLIC_URL/avito/… (which must lead to
    /// the LAN endpoint), or stop it with --off.
    Webhook {
        account: i64,
        #[arg(long, conflicts_with = "off", required_unless_present = "off")]
        url: Option<String>,
        #[arg(long)]
        off: bool,
    },
    /// Read the account's chats now.
    Poll { account: i64 },
    /// Disconnect an account; its conversations stay in the inbox.
    Remove { account: i64 },
}

fn read_secret() -> Result<String, ApiError> {
    if let Ok(secret) = std::env::var("TUBERRY_AVITO_SECRET") {
        return Ok(secret);
    }
    eprintln!("Type the client secret and press Enter:");
    let mut secret = String::new();
    std::io::stdin()
        .read_line(&mut secret)
        .map_err(|e| ApiError {
            code: ErrorCode::InvalidInput,
            message: format!("cannot read the client secret: {e}"),
        })?;
    Ok(secret.trim_end_matches(['\r', '\n']).to_owned())
}

fn account_text(a: &AvitoAccount) -> String {
    let mut s = format!(
        "{:>4}  {}  (Avito user {})  {:?}\n",
        a.id, a.name, a.user_id, a.state
    );
    if let Some(url) = &a.webhook_url {
        s.push_str(&format!("      webhook via {url}\n"));
    }
    if let Some(e) = &a.last_error {
        s.push_str(&format!("      {:?}: {}\n", e.problem, e.message));
    }
    s
}

pub async fn run(engine: &Engine, command: AvitoCommand, out: &Output) -> Result<(), ApiError> {
    let account = match command {
        AvitoCommand::List => {
            let accounts = api::list_avito_accounts(engine).await?;
            out.print(&accounts, || {
                if accounts.is_empty() {
                    "No Avito accounts yet: tuberry avito connect --client-id ID\n".to_owned()
                } else {
                    accounts.iter().map(account_text).collect()
                }
            });
            return Ok(());
        }
        AvitoCommand::Connect { client_id, api_url } => {
            let input = AvitoInput {
                client_id,
                client_secret: read_secret()?,
                api_url,
            };
            match api::connect_avito(engine, input).await? {
                AvitoConnect::Connected { account } => account,
                AvitoConnect::Refused { error } => {
                    return Err(ApiError {
                        code: ErrorCode::Unavailable,
                        message: format!("{:?}: {}", error.problem, error.message),
                    });
                }
            }
        }
        AvitoCommand::Webhook { account, url, off } => {
            api::set_avito_webhook(engine, account, if off { None } else { url }).await?
        }
        AvitoCommand::Poll { account } => {
            api::poll_avito(engine, account).await?;
            out.print(&serde_json::json!({ "polling": account }), || {
                format!("Reading the chats of Avito account {account}\n")
            });
            return Ok(());
        }
        AvitoCommand::Remove { account } => {
            api::remove_avito(engine, account).await?;
            out.print(&serde_json::json!({ "removed": account }), || {
                format!("Avito account {account} removed\n")
            });
            return Ok(());
        }
    };
    out.print(&account, || account_text(&account));
    Ok(())
}
