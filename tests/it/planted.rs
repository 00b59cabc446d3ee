//! Planted secrets: a distinct secret in every secret field — the bot's token
//! and its proxy's password, the mailbox password, the Avito client secret,
//! the model server's key — and the secrets Tuberry makes (the LAN API token,
//! a webhook's signing secret, a provider's token). The app works with all of
//! them (in the engine, then as `tuberry serve` logging at debug level), and
//! none appears in any file of the data directory, its logs included, or in
//! what the command line prints as JSON.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tuberry::api;
use tuberry::api_tokens::Scope;
use tuberry::assistant::model::LlmProvider;
use tuberry::channels::avito::model::{AvitoConnect, AvitoInput};
use tuberry::channels::email::model::{MailSecurity, MailServer, MailboxInput};
use tuberry::channels::telegram_bot::BotInput;
use tuberry::keyring::Keyring;
use tuberry::model::Language;
use tuberry::operators::model::ProjectInput;
use tuberry::settings::{EmailSettings, Settings};
use tuberry::{Engine, EngineOptions};
use tuberry_fakes::avito::{Account, FakeAvito};
use tuberry_fakes::llm::FakeLlm;
use tuberry_fakes::mail::MailServer as Servers;
use tuberry_fakes::socks::Socks5;
use tuberry_fakes::telegram::{FakeTelegram, Limits, User};

use crate::assistant::model_server;
use crate::cli::tuberry;

const BOT_TOKEN: &str = "5550008080:AAPlantedBotTokenQz7Wk3Lm9Xv2Rt5";
const PROXY_PASSWORD: &str = "planted-proxy-Harbour-5519";
const MAILBOX: &str = "planted@shop.test";
const MAIL_PASSWORD: &str = "planted-mail-Lantern-2231";
const AVITO_SECRET: &str = "planted-avito-Meadow-8807";
const LLM_KEY: &str = "planted-llm-Compass-6642";

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(files(&path));
        } else {
            all.push(path);
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_planted_secret_reaches_the_data_directory_the_logs_or_the_command_line() {
    let telegram = FakeTelegram::start(Limits::default()).await;
    telegram.add_bot(BOT_TOKEN, "planted_bot");
    let proxy = Socks5::start(Some(("shop", PROXY_PASSWORD))).await;
    let mail = Servers::start_with_users(&[(MAILBOX, MAIL_PASSWORD)]).await;
    let avito = FakeAvito::start().await;
    avito.add_account(Account::new(
        94_000_001,
        "Shop",
        "planted-client",
        AVITO_SECRET,
    ));
    let llm = FakeLlm::start().await;
    llm.require_key(LLM_KEY);

    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        email: EmailSettings {
            extra_ca_file: Some(mail.ca_file()),
            ..EmailSettings::default()
        },
        ..Settings::default()
    };
    std::fs::write(
        dir.path().join("settings.toml"),
        format!(
            "[email]\nextra_ca_file = \"{}\"\n\n[log]\nlevel = \"debug\"\n",
            mail.ca_file().display()
        ),
    )
    .unwrap();
    // The keyring the command line uses too.
    let engine = Engine::open(EngineOptions {
        keyring: Keyring::default(),
        settings: Some(settings),
        ..EngineOptions::new(dir.path())
    })
    .await
    .unwrap();
    engine.start().await.unwrap();

    let project = api::create_project(
        &engine,
        ProjectInput {
            name: "Shop".into(),
            language: Language::En,
        },
    )
    .await
    .unwrap();
    let bot = BotInput {
        token: BOT_TOKEN.into(),
        api_url: Some(telegram.url()),
        proxy: Some(proxy.url()),
    };
    api::connect_bot(&engine, project.id, bot).await.unwrap();
    let ports = mail.ports();
    let server = |port| MailServer {
        host: "127.0.0.1".into(),
        port,
        security: MailSecurity::None,
        trusted_cert: None,
    };
    let mailbox = MailboxInput {
        name: "Shop mail".into(),
        address: MAILBOX.into(),
        login: None,
        password: Some(MAIL_PASSWORD.into()),
        imap: server(ports.imap),
        smtp: server(ports.submission_plain),
        folder: None,
        move_to: None,
        poll_interval_s: None,
        import_days: None,
        project_id: None,
    };
    api::add_mailbox(&engine, mailbox).await.unwrap();
    let avito_input = AvitoInput {
        client_id: "planted-client".into(),
        client_secret: AVITO_SECRET.into(),
        api_url: Some(avito.url()),
    };
    let connected = api::connect_avito(&engine, avito_input).await.unwrap();
    assert!(
        matches!(connected, AvitoConnect::Connected { .. }),
        "{connected:?}"
    );
    api::save_llm_settings(
        &engine,
        model_server(LlmProvider::OpenaiCompatible, &llm, Some(LLM_KEY)),
    )
    .await
    .unwrap();
    let made = [
        api::create_api_token(&engine, "Site".into(), vec![Scope::Send])
            .await
            .unwrap()
            .secret,
        api::create_webhook(
            &engine,
            "http://127.0.0.1:9/hooks".into(),
            vec!["message.received".into()],
        )
        .await
        .unwrap()
        .secret,
        api::create_provider(&engine, "Website chat".into(), None, None)
            .await
            .unwrap()
            .token,
    ];
    // A customer writes to the bot: it works through its proxy.
    telegram.user_writes_to_bot(BOT_TOKEN, &User::new(7100, "Vera"), "Hello?");
    crate::helpers::eventually("the bot's customer is stored", async || {
        let page = api::list_conversations(&engine, Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Vera")
    })
    .await;
    engine.shutdown(Duration::from_secs(5)).await;

    // The same data directory served by the command line, logging at debug.
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_tuberry"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("serve")
        .env_remove("TUBERRY_DATA_DIR")
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let tunnels = proxy.tunnels().len();
    telegram.user_writes_to_bot(BOT_TOKEN, &User::new(7100, "Vera"), "Still there?");
    // Its bot reaches Telegram through the proxy and stores the message.
    crate::helpers::eventually("serve's bot goes through the proxy", async || {
        (proxy.tunnels().len() > tunnels).then_some(())
    })
    .await;
    let store = sqlx::sqlite::SqlitePoolOptions::new()
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(dir.path().join("tuberry.sqlite3"))
                .read_only(true),
        )
        .await
        .unwrap();
    crate::helpers::eventually("serve stores the message", async || {
        sqlx::query_scalar::<_, i64>("SELECT id FROM messages WHERE text = 'Still there?'")
            .fetch_optional(&store)
            .await
            .unwrap()
    })
    .await;
    store.close().await;
    let stopped = std::process::Command::new("kill")
        .args(["-INT", &serve.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    serve.wait().unwrap();

    let planted = [
        BOT_TOKEN,
        PROXY_PASSWORD,
        MAIL_PASSWORD,
        AVITO_SECRET,
        LLM_KEY,
    ];
    let secrets: Vec<&str> = planted
        .iter()
        .copied()
        .chain(made.iter().map(String::as_str))
        .collect();
    let all = files(dir.path());
    assert!(
        all.iter().any(|p| p.starts_with(dir.path().join("logs"))),
        "serve wrote its log: {all:?}"
    );
    for path in &all {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        for secret in &secrets {
            assert!(!text.contains(secret), "{secret} in {}", path.display());
        }
    }
    for args in [
        &["--json", "accounts"][..],
        &["--json", "project", "list"],
        &["--json", "mailbox", "list"],
        &["--json", "api-token", "list"],
        &["--json", "webhook", "list"],
        &["--json", "provider", "list"],
        &["--json", "doctor"],
    ] {
        let (_, out, err) = tuberry(dir.path(), args);
        assert!(
            out.trim_start().starts_with(['{', '[']),
            "{args:?}: {out} {err}"
        );
        for secret in &secrets {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{secret} in {args:?}"
            );
        }
    }
}
