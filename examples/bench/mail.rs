//! Importing a mailbox: a real Dovecot on loopback filled with customer
//! mails, imported by Tuberry (a mailbox added, to the end of its first
//! import) and fetched by `mbsync` (Debian's isync) into a Maildir, the same
//! mailbox from the same server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tuberry::channels::email::model::{MailSecurity, MailServer, MailboxInput, MailboxState};
use tuberry::clock::SystemClock;
use tuberry::keyring::Keyring;
use tuberry::model::ConversationFilter;
use tuberry::settings::Settings;
use tuberry::{Engine, EngineOptions, api};
use tuberry_fakes::mail::{MailServer as Servers, SHOP};

type Error = Box<dyn std::error::Error>;

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

/// Seconds Tuberry and mbsync took for `n` mails, and how many each got.
pub struct Import {
    pub tuberry_s: f64,
    pub tuberry_mails: i64,
    /// The inbox list's answer times while the import ran, ms, sorted.
    pub list_ms: Vec<f64>,
    /// `None` when mbsync is not installed.
    pub mbsync: Option<(f64, usize)>,
}

async fn fill(servers: &Servers, n: usize) -> Result<(), Error> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", servers.ports().imap)).await?;
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
    Ok(())
}

async fn tuberry_import(servers: &Servers) -> Result<(f64, i64, Vec<f64>), Error> {
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
            imap: server(servers.ports().imap),
            smtp: server(servers.ports().submission_plain),
            folder: None,
            move_to: None,
            poll_interval_s: None,
            import_days: None,
            project_id: None,
        },
    )
    .await?;
    // The window must stay responsive meanwhile: the list is asked for as
    // the window asks for it.
    let mut list_ms = Vec::new();
    loop {
        let asked = Instant::now();
        api::list_conversations(&engine, ConversationFilter::default()).await?;
        list_ms.push(asked.elapsed().as_secs_f64() * 1000.0);
        let m = api::list_mailboxes(&engine)
            .await?
            .into_iter()
            .find(|m| m.account_id == mailbox.account_id)
            .ok_or("the mailbox is gone")?;
        if m.state == MailboxState::Listening && m.import.is_none() {
            break;
        }
        if started.elapsed() > Duration::from_secs(1800) {
            return Err("the import did not finish in 30 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed().as_secs_f64();
    let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(engine.store().pool())
        .await?;
    api::remove_mailbox(&engine, mailbox.account_id).await?;
    engine.shutdown(Duration::from_secs(5)).await;
    list_ms.sort_by(f64::total_cmp);
    Ok((took, messages, list_ms))
}

/// `mbsync` pulling the same INBOX into an empty Maildir.
fn mbsync(servers: &Servers) -> Result<Option<(f64, usize)>, Error> {
    if std::process::Command::new("mbsync")
        .arg("--version")
        .output()
        .is_err()
    {
        return Ok(None);
    }
    let dir = tempfile::tempdir()?;
    let maildir = dir.path().join("mail");
    std::fs::create_dir_all(&maildir)?;
    let config = dir.path().join("mbsyncrc");
    std::fs::write(
        &config,
        format!(
            "IMAPAccount bench\nHost 127.0.0.1\nPort {port}\nUser {SHOP}\nPass \"{password}\"\n\
             SSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore remote\nAccount bench\n\n\
             MaildirStore local\nPath {path}/\nInbox {path}/INBOX\n\n\
             Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSync Pull\nSyncState *\n",
            port = servers.ports().imap,
            password = servers.password(SHOP),
            path = maildir.display(),
        ),
    )?;
    let started = Instant::now();
    let run = std::process::Command::new("mbsync")
        .arg("--config")
        .arg(&config)
        .arg("--all")
        .arg("--quiet")
        .output()?;
    let took = started.elapsed().as_secs_f64();
    if !run.status.success() {
        return Err(format!("mbsync failed: {}", String::from_utf8_lossy(&run.stderr)).into());
    }
    let got = std::fs::read_dir(maildir.join("INBOX").join("cur"))?.count()
        + std::fs::read_dir(maildir.join("INBOX").join("new"))?.count();
    Ok(Some((took, got)))
}

/// Fills Dovecot with `n` mails, then imports them with each.
pub async fn import(n: usize) -> Result<Import, Error> {
    let servers = Servers::start().await;
    fill(&servers, n).await?;
    // mbsync first: the server's caches are as warm for Tuberry after it.
    let mbsync = mbsync(&servers)?;
    let (tuberry_s, tuberry_mails, list_ms) = tuberry_import(&servers).await?;
    Ok(Import {
        tuberry_s,
        tuberry_mails,
        list_ms,
        mbsync,
    })
}
