//! `tuberry contact …`: finding contacts and merging two that are one person
//! (a buyer who wrote on Avito and later on Telegram).

use crate::{ApiError, Engine, api};
use clap::Subcommand;

use super::Output;

#[derive(Subcommand)]
pub enum ContactCommand {
    /// Contacts whose name, phone, e-mail or channel identity contains TEXT.
    Search {
        #[arg(default_value = "")]
        text: String,
    },
    /// Merge contact OTHER into KEEP: its conversations and identities move.
    Merge { keep: i64, other: i64 },
}

pub async fn run(engine: &Engine, command: ContactCommand, out: &Output) -> Result<(), ApiError> {
    match command {
        ContactCommand::Search { text } => {
            let found = api::search_contacts(engine, text).await?;
            out.print(&found, || {
                found
                    .iter()
                    .map(|c| {
                        let reach = [c.phone.as_deref(), c.email.as_deref()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(", ");
                        format!(
                            "{:>6}  {}  {reach}  ({} conversations)\n",
                            c.id, c.display_name, c.conversation_count
                        )
                    })
                    .collect()
            });
        }
        ContactCommand::Merge { keep, other } => {
            let contact = api::merge_contacts(engine, keep, other).await?;
            out.print(&contact, || {
                let ids: Vec<String> = contact
                    .identities
                    .iter()
                    .map(|i| format!("{} {}", i.kind, i.value))
                    .collect();
                format!(
                    "{} ({}): {}\n",
                    contact.display_name,
                    contact.id,
                    ids.join(", ")
                )
            });
        }
    }
    Ok(())
}
