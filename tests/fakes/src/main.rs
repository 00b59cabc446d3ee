//! `tuberry-fakes telegram [--port P] …`, `tuberry-fakes avito [--port P]`,
//! `tuberry-fakes llm [--port P]`, `tuberry-fakes whatsapp-cloud [--port P]`,
//! `tuberry-fakes telegram-user [--port P]`,
//! `tuberry-fakes whatsapp-web [--port P]`
//! and `tuberry-fakes mail [--port P]`: run a
//! fake remote service until killed, for the desktop end-to-end test.
//!
//! `telegram`, `avito`, `llm`, `whatsapp-cloud`, `telegram-user` and
//! `whatsapp-web` print one line, `listening on
//! http://127.0.0.1:PORT`, once they accept connections (`llm` serves its
//! API under `/v1` there).
//!
//! `mail` starts real mail servers ([`MailServer`]) and prints one line once
//! they and their control API ([`tuberry_fakes::mail::control`]) accept
//! connections:
//!
//! ```text
//! mail {"imap":P,"imaps":P,"smtp":P,"submission":P,"submissions":P,"submissionPlain":P,"caFile":"/…/ca.pem","control":"http://127.0.0.1:P"}
//! ```
//!
//! All ports are on 127.0.0.1. On SIGTERM or SIGINT it stops the servers and
//! removes their files before exiting.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;
use tokio::signal::unix::{SignalKind, signal};
use tuberry_fakes::avito::FakeAvito;
use tuberry_fakes::llm::FakeLlm;
use tuberry_fakes::mail::MailServer;
use tuberry_fakes::mail::control::Control;
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
    /// The Avito API (token, account and Messenger), controlled over HTTP
    /// under /_control/.
    Avito {
        /// The port on 127.0.0.1; a free one when not given.
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Meta's Graph API for WhatsApp Business Cloud API numbers,
    /// controlled over HTTP under /_control/.
    WhatsappCloud {
        /// The port on 127.0.0.1; a free one when not given.
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// An OpenAI-compatible chat server (as Ollama serves one) under /v1,
    /// controlled over HTTP under /_control/.
    Llm {
        /// The port on 127.0.0.1; a free one when not given.
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Telegram behind the account channel's interface (`[telegram_account]
    /// stand_in`), controlled over HTTP under /_control/.
    TelegramUser {
        /// The port on 127.0.0.1; a free one when not given.
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// WhatsApp behind the linked number's interface (its stand-in), for
    /// linked devices, controlled over HTTP under /_control/.
    WhatsappWeb {
        /// The port on 127.0.0.1; a free one when not given.
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Real mail servers (Dovecot and Postfix) with the users
    /// shop@shop.test (shop-pw) and ivan@customer.test (ivan-pw),
    /// controlled over HTTP under /_control/.
    Mail {
        /// The control API's port on 127.0.0.1; a free one when not given.
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().service {
        Service::Telegram {
            port,
            group_window_ms,
            group_per_window,
            chat_interval_ms,
            bot_per_second,
        } => {
            let defaults = Limits::default();
            let limits = Limits {
                chat_interval_ms: chat_interval_ms.unwrap_or(defaults.chat_interval_ms),
                group_per_window: group_per_window.unwrap_or(defaults.group_per_window),
                group_window_ms: group_window_ms.unwrap_or(defaults.group_window_ms),
                bot_per_second: bot_per_second.unwrap_or(defaults.bot_per_second),
                ..defaults
            };
            let started = FakeTelegram::start_at(loopback(port), limits).await;
            serve(port, started, FakeTelegram::url).await
        }
        Service::Avito { port } => {
            serve(
                port,
                FakeAvito::start_at(loopback(port)).await,
                FakeAvito::url,
            )
            .await
        }
        Service::WhatsappCloud { port } => {
            let started =
                tuberry_fakes::whatsapp_cloud::FakeWhatsAppCloud::start_at(loopback(port)).await;
            serve(
                port,
                started,
                tuberry_fakes::whatsapp_cloud::FakeWhatsAppCloud::url,
            )
            .await
        }
        Service::Llm { port } => {
            serve(port, FakeLlm::start_at(loopback(port)).await, FakeLlm::url).await
        }
        Service::TelegramUser { port } => {
            let fake = tuberry_fakes::telegram_user::FakeTelegram::new(std::sync::Arc::new(
                tuberry::clock::SystemClock,
            ));
            let started = tuberry_fakes::telegram_user::server::start(fake, loopback(port)).await;
            serve(port, started, |addr| format!("http://{addr}")).await
        }
        Service::WhatsappWeb { port } => {
            let fake = tuberry_fakes::whatsapp_web::FakeWhatsApp::new();
            let started = tuberry_fakes::whatsapp_web::server::start(fake, loopback(port)).await;
            serve(port, started, |addr| format!("http://{addr}")).await
        }
        Service::Mail { port } => mail(port).await,
    }
}

/// Announces where a started fake listens, then keeps it serving until the
/// process is killed.
async fn serve<F>(port: u16, started: std::io::Result<F>, url: impl Fn(&F) -> String) -> ExitCode {
    let fake = match started {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("cannot listen on port {port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !announce(&format!("listening on {}", url(&fake))) {
        return ExitCode::FAILURE;
    }
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}

async fn mail(port: u16) -> ExitCode {
    // Registered first: a signal during the start still stops the servers.
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        eprintln!("cannot handle SIGTERM and SIGINT");
        return ExitCode::FAILURE;
    };
    // A request the harness cannot do panics, and the panic's message is the
    // answer: one line in the log is enough.
    std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
    let server = MailServer::start().await;
    let ports = *server.ports();
    let ca_file = server.ca_file();
    let control = match Control::serve(server, loopback(port)).await {
        Ok(control) => control,
        Err(e) => {
            eprintln!("cannot listen on port {port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ready = MailReady {
        imap: ports.imap,
        imaps: ports.imaps,
        smtp: ports.smtp,
        submission: ports.submission,
        submissions: ports.submissions,
        submission_plain: ports.submission_plain,
        ca_file: &ca_file,
        control: control.url(),
    };
    let Ok(ready) = serde_json::to_string(&ready) else {
        eprintln!("the CA file's path is not UTF-8: {}", ca_file.display());
        control.shutdown().await;
        return ExitCode::FAILURE;
    };
    let status = if announce(&format!("mail {ready}")) {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    control.shutdown().await;
    status
}

/// What `mail` prints once ready, after `mail `.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MailReady<'a> {
    imap: u16,
    imaps: u16,
    smtp: u16,
    submission: u16,
    submissions: u16,
    submission_plain: u16,
    ca_file: &'a Path,
    control: &'a str,
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Prints the line that says the service is ready; whether that worked.
fn announce(line: &str) -> bool {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_ok()
}
