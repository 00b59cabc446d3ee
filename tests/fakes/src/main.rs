//! `tuberry-fakes telegram [--port P] …`: runs a fake remote service until
//! killed, for the desktop end-to-end test. Prints one line,
//! `listening on http://127.0.0.1:PORT`, once it accepts connections.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tuberry_fakes::telegram::{FakeTelegram, Limits};

#[derive(Parser)]
#[command(about = "Local stand-ins for the remote services Tuberry talks to")]
struct Cli {
    #[command(subcommand)]
    service: Service,
}

#[derive(Subcommand)]
enum Service {
    /// The Telegram Bot API, controlled over HTTP under /_control/.
    Telegram {
        /// The port on 127.0.0.1; a free one when not given.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The sliding window of the per-group limit.
        #[arg(long)]
        group_window_ms: Option<u64>,
        /// Messages allowed per group per window.
        #[arg(long)]
        group_per_window: Option<u32>,
        /// One message per chat per this many milliseconds, on average.
        #[arg(long)]
        chat_interval_ms: Option<u64>,
        /// Messages allowed per bot per second.
        #[arg(long)]
        bot_per_second: Option<u32>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let Service::Telegram {
        port,
        group_window_ms,
        group_per_window,
        chat_interval_ms,
        bot_per_second,
    } = Cli::parse().service;
    let defaults = Limits::default();
    let limits = Limits {
        chat_interval_ms: chat_interval_ms.unwrap_or(defaults.chat_interval_ms),
        group_per_window: group_per_window.unwrap_or(defaults.group_per_window),
        group_window_ms: group_window_ms.unwrap_or(defaults.group_window_ms),
        bot_per_second: bot_per_second.unwrap_or(defaults.bot_per_second),
        ..defaults
    };
    let fake = match FakeTelegram::start_at(SocketAddr::from(([127, 0, 0, 1], port)), limits).await
    {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("cannot listen on port {port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "listening on {}", fake.url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
