//! Importing an existing mailbox: a real Dovecot on loopback is filled with
//! N customer mails (IMAP APPEND), then a mailbox is added and the engine
//! imports them all. Prints the import rate, and how long the inbox list takes
//! to answer while the import runs (the window must stay responsive).
//!
//! Needs root, Dovecot and Postfix (as the e-mail tests do):
//! `scripts/with-keyring.sh cargo run --release --example mail_import_bench -- 3000`

use std::sync::Arc;
use std::time::{Duration, Instant};

use tuberry::channels::email::model::{MailSecurity, MailServer, MailboxInput, MailboxState};
use tuberry::clock::SystemClock;
use tuberry::keyring::Keyring;
use tuberry::model::ConversationFilter;
use tuberry::settings::Settings;
use tuberry::{Engine, EngineOptions, api};
use tuberry_fakes::mail::{MailServer as Servers, SHOP};

fn mail(i: usize) -> String {
    let customer = i % 400;
    format!(
        "From: Customer {customer} <c{customer}@customer.test>\r\nTo: <{SHOP}>\r\n\
         Subject: Order {i}\r\nMessage-ID: <bench-{i}@customer.test>\r\n\
         Date: Mon, 3 Nov 2025 10:00:00 +0300\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         Здравствуйте! Хочу заказать букет №{i}, доставка завтра к 10 утра.\r\n\
         Адрес: ул. Ленина, 5, кв. 12. Оплата картой курьеру.\r\n"
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(2000);
    let servers = Servers::start().await;
    let ports = *servers.ports();

    let fill = Instant::now();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", ports.imap)).await?;
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await?;
    let mut session = client
        .login(SHOP, servers.password(SHOP))
        .await
        .map_err(|(e, _)| e)?;
    for i in 0..n {
        session.append("INBOX", None, None, mail(i)).await?;
    }
    session.logout().await?;
    println!(
        "filled INBOX with {n} mails in {:.1} s",
        fill.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir()?;
    let engine = Engine::open(EngineOptions {
        data_dir: dir.path().to_path_buf(),
        clock: Arc::new(SystemClock),
        settings: Some(Settings::default()),
        keyring: Keyring::new("app.tuberry.bench"),
        telegram_connector: None,
        whatsapp_connector: None,
    })
    .await?;
    engine.start().await?;
    let server = |port| MailServer {
        host: "127.0.0.1".into(),
        port,
        security: MailSecurity::None,
        trusted_cert: None,
    };
    let started = Instant::now();
    let mailbox = api::add_mailbox(
        &engine,
        MailboxInput {
            name: "Bench".into(),
            address: SHOP.into(),
            login: None,
            password: Some(servers.password(SHOP).to_owned()),
            imap: server(ports.imap),
            smtp: server(ports.submission_plain),
            folder: None,
            move_to: None,
            poll_interval_s: None,
            import_days: None,
            project_id: None,
        },
    )
    .await?;

    let mut list_ms = Vec::new();
    loop {
        let t = Instant::now();
        let page = api::list_conversations(&engine, ConversationFilter::default()).await?;
        list_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let m = api::list_mailboxes(&engine)
            .await?
            .into_iter()
            .find(|m| m.account_id == mailbox.account_id)
            .ok_or("the mailbox is gone")?;
        if m.state == MailboxState::Listening && m.import.is_none() && page.total > 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(1800) {
            return Err("the import did not finish in 30 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = started.elapsed().as_secs_f64();
    let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(engine.store().pool())
        .await?;
    list_ms.sort_by(f64::total_cmp);
    let p = |q: f64| list_ms[((list_ms.len() - 1) as f64 * q) as usize];
    println!(
        "imported {messages} mails into {} conversations in {took:.1} s ({:.0} mails/s)",
        api::list_conversations(&engine, ConversationFilter::default())
            .await?
            .total,
        messages as f64 / took
    );
    println!(
        "inbox list while importing ({} samples): median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        list_ms.len(),
        p(0.5),
        p(0.95),
        p(1.0)
    );
    api::remove_mailbox(&engine, mailbox.account_id).await?;
    engine.shutdown(Duration::from_secs(5)).await;
    Ok(())
}
