//! The `tuberry` command: the engine without a window. `serve` runs it
//! headless on an always-on machine; the other commands read and write the
//! inbox. The `tuberry` binary is only this; the desktop binary runs it too
//! when asked (`tuberry-desktop cli …`), so that one installed program is
//! both the window and the command.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::model::{
    AssigneeFilter, ChannelKind, ConversationFilter, ConversationSort, ConversationStatus,
    Direction,
};
use crate::{ApiError, Engine, EngineOptions, api};
use clap::{Parser, Subcommand};
use serde::Serialize;

use lines::{event_line, message_line, time};

mod accounts;
mod avito;
mod backup;
mod contact;
mod health;
mod integration;
mod lines;
mod mailbox;
mod project;
mod team;

#[derive(Parser)]
#[command(
    name = "tuberry",
    version,
    about = "Every customer conversation in one inbox"
)]
struct Cli {
    /// Where Tuberry keeps its database, settings and logs.
    #[arg(long, global = true, env = "TUBERRY_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Print JSON instead of text meant for people.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the engine without a window until interrupted (Ctrl-C or SIGTERM).
    Serve,
    /// Write to the shop as a simulated customer (the "Test chat" channel).
    Simulate {
        /// The customer's name.
        #[arg(long = "from")]
        from: String,
        text: String,
    },
    /// List conversations, newest first.
    Conversations {
        #[arg(long)]
        status: Option<ConversationStatus>,
        #[arg(long)]
        channel: Option<ChannelKind>,
        #[arg(long)]
        search: Option<String>,
        /// `mine` (the owner's) or `unassigned`.
        #[arg(long)]
        assigned: Option<AssigneeFilter>,
        /// `recent`, `unread` (first) or `waiting` (longest first).
        #[arg(long)]
        sort: Option<ConversationSort>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Show one conversation with its messages.
    Show { conversation: i64 },
    /// Reply to a conversation as the manager; waits briefly for delivery.
    Reply {
        conversation: i64,
        text: String,
        /// Attach a file (e-mail); may be given more than once.
        #[arg(long = "attach")]
        attach: Vec<PathBuf>,
    },
    /// Show the simulator's transcript (what the simulated customers see).
    Transcript {
        #[arg(long)]
        customer: Option<String>,
    },
    /// Projects: an operator bot, its work group and its sources.
    #[command(subcommand)]
    Project(project::ProjectCommand),
    /// Business mailboxes (IMAP in, SMTP out).
    #[command(subcommand)]
    Mailbox(mailbox::MailboxCommand),
    /// Avito Messenger accounts.
    #[command(subcommand)]
    Avito(avito::AvitoCommand),
    /// Contacts: find them, merge two that are one person.
    #[command(subcommand)]
    Contact(contact::ContactCommand),
    /// Invites that bring people into the team.
    #[command(subcommand)]
    Invite(team::InviteCommand),
    /// The team: people linked through the bot, and their roles.
    #[command(subcommand)]
    Team(team::TeamCommand),
    /// List the connected channel accounts.
    Accounts,
    /// Backups of the database: take one, list them, choose their folder.
    #[command(subcommand)]
    Backup(backup::BackupCommand),
    #[command(flatten)]
    Integration(integration::Integration),
    /// What is broken and how to fix it: accounts, queue, work groups,
    /// keyring, model server, LAN endpoint, database, backups, guardrails.
    Doctor {
        /// Also make a support bundle: a zip of this report, the settings and
        /// the last logs with secrets blacked out, in FOLDER (Downloads when
        /// none is given).
        #[arg(long, value_name = "FOLDER", num_args = 0..=1, default_missing_value = "")]
        bundle: Option<String>,
    },
    /// Send a failed job (a reply…) again.
    Retry { job: i64 },
    /// Give a failed job up for good.
    Discard { job: i64 },
    /// How the shop answered: new conversations and messages per day, first
    /// response and resolution times, replies by whom, who is waiting now,
    /// replies per person and the busiest hours.
    Stats {
        /// `today`, or a number of days such as `7d` or `30d`.
        #[arg(long, default_value = "7d")]
        period: String,
        #[arg(long)]
        project: Option<i64>,
        /// One kind of channel: telegram_bot, telegram_account, avito, whatsapp, email.
        #[arg(long)]
        channel: Option<String>,
        /// Print CSV (section,key,value) instead of text.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
    /// Put a backup in place of the database (only while Tuberry is not
    /// running on this data directory; the current database is kept aside).
    Restore { file: PathBuf },
}

/// Runs the command line given in `args` (the program's name first).
pub fn main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = cli.json;
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                println!("{}", serde_json::json!({ "error": e }));
            } else {
                eprintln!("error: {}", e.message);
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), ApiError> {
    let data_dir = match cli.data_dir {
        Some(dir) => dir,
        None => crate::engine::default_data_dir()?,
    };
    let out = Output { json: cli.json };
    if let Command::Restore { file } = &cli.command {
        return backup::restore(&data_dir, file, &out).await;
    }
    let serve = matches!(cli.command, Command::Serve);
    // `serve` finishes a restore the window prepared, as the window would.
    let restored = match serve {
        true => crate::restore::finish_pending(&data_dir).await,
        false => Ok(None),
    };
    let engine = std::sync::Arc::new(Engine::open(EngineOptions::new(&data_dir)).await?);
    if serve {
        crate::lan_api::attach(&engine);
    }
    let log = serve
        .then(|| crate::logging::init(&data_dir, &engine.settings().log))
        .transpose()?;
    if let Some(log) = &log {
        engine.attach_log(log.control.clone());
    }
    crate::restore::log_finished(&restored);
    let result = command(&engine, cli.command, &out).await;
    engine.shutdown(Duration::from_secs(10)).await;
    result
}

struct Output {
    json: bool,
}

impl Output {
    /// A result: pretty JSON with --json.
    fn print<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        self.write(value, text, serde_json::to_string_pretty);
    }

    /// One line per value: JSON lines with --json.
    fn stream<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        self.write(value, text, serde_json::to_string);
    }

    fn write<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
        to_json: fn(&T) -> serde_json::Result<String>,
    ) {
        if !self.json {
            print!("{}", text());
            return;
        }
        match to_json(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: {e}"),
        }
    }
}

/// Resolves on Ctrl-C, or on SIGTERM (systemd, Docker) where there is one.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            stopped = tokio::signal::ctrl_c() => stopped,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

async fn command(engine: &Engine, command: Command, out: &Output) -> Result<(), ApiError> {
    match command {
        Command::Serve => {
            engine.start().await?;
            let stop = stop_signal();
            tokio::pin!(stop);
            // Poll once so the Ctrl-C handler is installed before we say we run.
            tokio::select! {
                biased;
                _ = &mut stop => return Ok(()),
                () = std::future::ready(()) => {}
            }
            eprintln!(
                "Tuberry is running (data: {}). Press Ctrl-C to stop.",
                engine.data_dir().display()
            );
            let mut events = engine.events().subscribe();
            // Print what happens, one line per event (JSON lines with --json).
            loop {
                tokio::select! {
                    stopped = &mut stop => {
                        if let Err(e) = stopped {
                            eprintln!("error: cannot wait for Ctrl-C or SIGTERM: {e}");
                        }
                        break;
                    }
                    event = events.next() => match event {
                        Some(event) => out.stream(&event, || event_line(&event)),
                        None => break,
                    },
                }
            }
        }
        Command::Simulate { from, text } => {
            let outcome = api::simulate_inbound(engine, from, text).await?;
            out.print(&outcome, || {
                format!(
                    "Stored message {} in conversation {}\n",
                    outcome.message_id, outcome.conversation_id
                )
            });
        }
        Command::Conversations {
            status,
            channel,
            search,
            assigned,
            sort,
            limit,
        } => {
            let page = api::list_conversations(
                engine,
                ConversationFilter {
                    status,
                    assignee: assigned,
                    channel,
                    search,
                    sort,
                    limit,
                    ..ConversationFilter::default()
                },
            )
            .await?;
            out.print(&page, || {
                let mut s = String::new();
                for c in &page.items {
                    s.push_str(&format!(
                        "{:>6}  {:<19}  {:<16}  {:<12}  {}  {}\n",
                        c.id,
                        c.status.as_str(),
                        c.contact_name,
                        c.channel_name,
                        time(c.last_message_at),
                        c.last_message_preview
                    ));
                }
                s.push_str(&format!(
                    "{} of {} conversations\n",
                    page.items.len(),
                    page.total
                ));
                s
            });
        }
        Command::Show { conversation } => {
            let detail = api::get_conversation(engine, conversation).await?;
            out.print(&detail, || {
                let c = &detail.conversation;
                let mut s = format!(
                    "#{} {} via {} — {}\n",
                    c.id, c.contact_name, c.channel_name, c.status
                );
                for m in &detail.messages {
                    s.push_str(&message_line(m));
                }
                s
            });
        }
        Command::Reply {
            conversation,
            text,
            attach,
        } => {
            let mut attachments = Vec::new();
            for path in attach {
                let bytes = std::fs::read(&path).map_err(|e| ApiError {
                    code: crate::ErrorCode::InvalidInput,
                    message: format!("cannot read {}: {e}", path.display()),
                })?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                attachments.push(api::upload_attachment(engine, name, None, bytes).await?);
            }
            let message =
                api::send_reply_with_files(engine, conversation, text, attachments, None, None)
                    .await?;
            // Deliver now if no other Tuberry is running on this data.
            if let Err(e) = engine.queue().drain().await {
                eprintln!("warning: the reply is queued but could not be sent now: {e}");
            }
            let detail = api::get_conversation(engine, conversation).await?;
            let message = detail
                .messages
                .into_iter()
                .find(|m| m.id == message.id)
                .unwrap_or(message);
            out.print(&message, || message_line(&message));
        }
        Command::Transcript { customer } => {
            let entries = api::simulator_transcript(engine, customer).await?;
            out.print(&entries, || {
                entries
                    .iter()
                    .map(|e| {
                        let who = if e.direction == Direction::In {
                            e.customer.as_str()
                        } else {
                            "shop"
                        };
                        format!("{} {who}: {}\n", time(e.created_at), e.text)
                    })
                    .collect()
            });
        }
        Command::Project(command) => project::run(engine, command, out).await?,
        Command::Mailbox(command) => mailbox::run(engine, command, out).await?,
        Command::Avito(command) => avito::run(engine, command, out).await?,
        Command::Contact(command) => contact::run(engine, command, out).await?,
        Command::Invite(command) => team::invite(engine, command, out).await?,
        Command::Team(command) => team::team(engine, command, out).await?,
        Command::Backup(command) => backup::backup(engine, command, out).await?,
        Command::Integration(command) => integration::run(engine, command, out).await?,
        Command::Stats {
            period,
            project,
            channel,
            csv,
        } => health::stats(engine, &period, project, channel.as_deref(), csv, out).await?,
        Command::Doctor { bundle } => health::doctor(engine, bundle, out).await?,
        Command::Retry { job } => health::retry(engine, job, out).await?,
        Command::Discard { job } => health::discard(engine, job, out).await?,
        // Handled before the engine opens.
        Command::Restore { .. } => {}
        Command::Accounts => {
            let accounts = api::list_accounts(engine).await?;
            out.print(&accounts, || {
                accounts.iter().map(accounts::account_text).collect()
            });
        }
    }
    Ok(())
}
