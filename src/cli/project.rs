//! `tuberry project …`: projects, their bot (through a proxy when
//! TUBERRY_BOT_PROXY names one) and work group.

use clap::Subcommand;

use super::Output;
use crate::channels::telegram_bot::BotInput;
use crate::model::Language;
use crate::operators::model::{Project, ProjectInput};
use crate::{ApiError, Engine, api};

#[derive(Subcommand)]
pub enum ProjectCommand {
    /// List projects with their bot, work group and sources.
    List,
    /// Create a project.
    Create {
        name: String,
        /// The language the bot uses with operators: ru or en.
        #[arg(long, default_value = "ru")]
        language: Language,
    },
    /// Rename a project or change its language.
    Edit {
        project: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        language: Option<Language>,
    },
    /// Delete a project; its conversations stay in the inbox.
    Delete { project: i64 },
    /// Connect the project's bot. The token is read from standard input (or
    /// TUBERRY_BOT_TOKEN), never from the command line, and kept in the OS
    /// keyring; so is the proxy TUBERRY_BOT_PROXY names (socks5://… or
    /// http://…), which the bot's traffic to Telegram then goes through.
    ConnectBot {
        project: i64,
        /// A Bot API server of your own instead of api.telegram.org.
        #[arg(long)]
        api_url: Option<String>,
    },
    /// Webhook mode: Telegram posts updates to URL (which must lead to the LAN
    /// endpoint, see [http] listen); --off goes back to long polling.
    Webhook {
        project: i64,
        #[arg(long, conflicts_with = "off", required_unless_present = "off")]
        url: Option<String>,
        #[arg(long)]
        off: bool,
    },
    /// Disconnect the project's bot and remove its token from the keyring.
    DisconnectBot { project: i64 },
    /// Check the bot's rights in the work group again.
    Check { project: i64 },
    /// Forget the work group (add the bot to another group to bind that one).
    Unbind { project: i64 },
    /// Set the channel accounts whose conversations belong to the project.
    Sources { project: i64, accounts: Vec<i64> },
}

fn project_text(p: &Project) -> String {
    let mut s = format!("{:>4}  {} [{}]\n", p.id, p.name, p.language);
    match &p.bot {
        Some(bot) => s.push_str(&format!(
            "      bot: @{} ({}){}{}\n",
            bot.username,
            bot.state,
            if bot.proxied { ", through a proxy" } else { "" },
            bot.last_error
                .as_deref()
                .map(|e| format!(" — {e}"))
                .unwrap_or_default()
        )),
        None => s.push_str("      bot: not connected\n"),
    }
    match &p.work_group {
        Some(group) => {
            let state = match &group.check {
                Some(check) if check.missing.is_empty() => "ready".to_owned(),
                Some(check) => format!(
                    "missing: {}",
                    check
                        .missing
                        .iter()
                        .map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "not checked".to_owned(),
            };
            s.push_str(&format!(
                "      work group: {} ({}) — {state}\n",
                group.title, group.chat_id
            ));
        }
        None => s.push_str("      work group: not bound (add the bot to a group with topics)\n"),
    }
    for a in &p.sources {
        s.push_str(&format!("      source {}: {} ({})\n", a.id, a.name, a.kind));
    }
    s
}

fn read_token() -> Result<String, ApiError> {
    if let Ok(token) = std::env::var("TUBERRY_BOT_TOKEN") {
        return Ok(token);
    }
    eprintln!("Paste the bot token from @BotFather and press Enter:");
    let mut token = String::new();
    std::io::stdin()
        .read_line(&mut token)
        .map_err(|e| ApiError {
            code: crate::ErrorCode::InvalidInput,
            message: format!("cannot read the token: {e}"),
        })?;
    Ok(token.trim().to_owned())
}

pub async fn run(engine: &Engine, command: ProjectCommand, out: &Output) -> Result<(), ApiError> {
    let project = match command {
        ProjectCommand::List => {
            let projects = api::list_projects(engine).await?;
            out.print(&projects, || {
                if projects.is_empty() {
                    "No projects yet: tuberry project create NAME\n".to_owned()
                } else {
                    projects.iter().map(project_text).collect()
                }
            });
            return Ok(());
        }
        ProjectCommand::Create { name, language } => {
            api::create_project(engine, ProjectInput { name, language }).await?
        }
        ProjectCommand::Edit {
            project,
            name,
            language,
        } => {
            let current = api::get_project(engine, project).await?;
            api::update_project(
                engine,
                project,
                ProjectInput {
                    name: name.unwrap_or(current.name),
                    language: language.unwrap_or(current.language),
                },
            )
            .await?
        }
        ProjectCommand::Delete { project } => {
            api::delete_project(engine, project).await?;
            out.print(&serde_json::json!({ "deleted": project }), || {
                format!("Project {project} deleted\n")
            });
            return Ok(());
        }
        ProjectCommand::ConnectBot { project, api_url } => {
            let token = read_token()?;
            let proxy = std::env::var("TUBERRY_BOT_PROXY").ok();
            let bot = BotInput {
                token,
                api_url,
                proxy,
            };
            api::connect_bot(engine, project, bot).await?
        }
        ProjectCommand::DisconnectBot { project } => api::disconnect_bot(engine, project).await?,
        ProjectCommand::Webhook { project, url, off } => {
            api::set_bot_webhook(engine, project, if off { None } else { url }).await?
        }
        ProjectCommand::Check { project } => api::check_work_group(engine, project).await?,
        ProjectCommand::Unbind { project } => api::unbind_work_group(engine, project).await?,
        ProjectCommand::Sources { project, accounts } => {
            api::set_project_sources(engine, project, accounts).await?
        }
    };
    out.print(&project, || project_text(&project));
    Ok(())
}
