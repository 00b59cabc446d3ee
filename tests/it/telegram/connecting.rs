use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_token_lives_in_the_keyring_and_survives_a_restart() {
    let mut tg = Tg::start(3_000).await;
    // The token is nowhere in the data directory: database, journal, logs.
    for entry in std::fs::read_dir(tg.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            let hay = String::from_utf8_lossy(&bytes);
            assert!(
                !hay.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
                "token found in {}",
                path.display()
            );
        }
    }
    let secret_ref: String = sqlx::query_scalar("SELECT secret_ref FROM telegram_bots")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    let keyring = Keyring::new(TEST_KEYRING);
    assert_eq!(
        keyring
            .get(&secret_ref)
            .await
            .unwrap()
            .map(|s| s.expose().clone()),
        Some(TOKEN.to_owned())
    );

    // After a restart the bot runs again from the keyring.
    tg.restart().await;
    tg.fake
        .user_writes_to_bot(TOKEN, &customer(777, "Vera"), "Are you open today?");
    eventually("the message after the restart is stored", async || {
        let page = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Vera")
    })
    .await;
    let project = tg.project_now().await;
    assert_eq!(project.bot.as_ref().unwrap().state, BotState::Online);

    // Disconnecting takes the token out of the keyring.
    api::disconnect_bot(tg.engine(), tg.project).await.unwrap();
    assert_eq!(
        keyring
            .get(&secret_ref)
            .await
            .unwrap()
            .map(|s| s.expose().clone()),
        None
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_or_server_is_refused_and_nothing_is_stored() {
    let tg = Tg::start(3_000).await;
    let other = api::create_project(
        tg.engine(),
        ProjectInput {
            name: "Second".into(),
            language: Language::Ru,
        },
    )
    .await
    .unwrap();
    let err = api::connect_bot(
        tg.engine(),
        other.id,
        BotInput {
            token: "not a token".into(),
            api_url: None,
            proxy: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("does not look like a bot token"),
        "{}",
        err.message
    );
    let err = api::connect_bot(
        tg.engine(),
        other.id,
        BotInput {
            token: "5550009999:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw".into(),
            api_url: Some(tg.fake.url()),
            proxy: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("did not accept this bot token"),
        "{}",
        err.message
    );
    assert!(
        !err.message.contains("AAHdq"),
        "the token must not be echoed: {}",
        err.message
    );
    // The same bot cannot serve two projects.
    let err = api::connect_bot(
        tg.engine(),
        other.id,
        BotInput {
            token: TOKEN.into(),
            api_url: Some(tg.fake.url()),
            proxy: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("already the bot of project"),
        "{}",
        err.message
    );
    let bots: i64 = sqlx::query_scalar("SELECT count(*) FROM telegram_bots")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(bots, 1);
    assert!(
        api::get_project(tg.engine(), other.id)
            .await
            .unwrap()
            .bot
            .is_none()
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_work_group_is_detected_and_missing_rights_are_named() {
    let (limits, telegram) = scaled(3_000);
    let mut tg = Tg::connected(limits, telegram, None).await;

    // A plain group, the bot added as a member: topics and admin rights are missing.
    tg.group = tg.fake.create_group("Operators", false);
    tg.fake
        .add_bot_to_group(TOKEN, tg.group, false, false, &owner());
    let p = tg
        .until("the group is detected", |p| {
            p.work_group.as_ref().is_some_and(|g| g.check.is_some())
        })
        .await;
    let group = p.work_group.unwrap();
    assert_eq!(group.chat_id, tg.group);
    assert_eq!(group.title, "Operators");
    assert_eq!(
        group.check.unwrap().missing,
        vec![WorkGroupProblem::TopicsDisabled, WorkGroupProblem::NotAdmin]
    );
    // The bot says so in the group, in the project's language.
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.messages(tg.group, None).iter().any(|m| m
                .text
                .as_deref()
                .is_some_and(|t| t.contains("Administrators"))))
            .await
    );

    // Topics on, admin without "Manage topics": exactly that is missing.
    tg.fake.set_forum(tg.group, true);
    tg.fake.set_bot_rights(TOKEN, tg.group, true, false);
    tg.until("only Manage topics is missing", |p| {
        p.work_group
            .as_ref()
            .and_then(|g| g.check.as_ref())
            .is_some_and(|c| c.missing == vec![WorkGroupProblem::CannotManageTopics])
    })
    .await;

    // The right given: ready. A re-check by hand agrees.
    tg.fake.set_bot_rights(TOKEN, tg.group, true, true);
    tg.until("the group is ready", |p| {
        p.work_group
            .as_ref()
            .and_then(|g| g.check.as_ref())
            .is_some_and(|c| c.missing.is_empty())
    })
    .await;
    let p = api::check_work_group(tg.engine(), tg.project)
        .await
        .unwrap();
    assert!(p.work_group.unwrap().check.unwrap().missing.is_empty());

    // /bind in another group moves the project there.
    let second = tg.fake.create_group("New operators", true);
    tg.fake
        .add_bot_to_group(TOKEN, second, true, true, &owner());
    tg.fake
        .user_writes_in_group(second, None, &owner(), "/bind");
    tg.until("the project moved to the second group", |p| {
        p.work_group.as_ref().is_some_and(|g| g.chat_id == second)
    })
    .await;
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_takes_updates_through_the_lan_endpoint() {
    let (limits, telegram) = scaled(3_000);
    let tg = Tg::start_with(limits, telegram, Some("127.0.0.1:0")).await;
    let endpoint = format!(
        "http://{}",
        tg.engine().http_addr().expect("the LAN endpoint listens")
    );
    let project = api::set_bot_webhook(tg.engine(), tg.project, Some(endpoint.clone()))
        .await
        .unwrap();
    assert_eq!(
        project.bot.unwrap().webhook_url.as_deref(),
        Some(endpoint.as_str())
    );
    assert!(
        tg.fake.wait_until(WAIT, |f| !f.is_polling(TOKEN)).await,
        "the bot stops polling"
    );

    let vera = customer(8080, "Wanda");
    tg.fake.user_writes_to_bot(TOKEN, &vera, "Sent by webhook");
    let summary = eventually("the webhook's message is stored", async || {
        let page = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Wanda")
    })
    .await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.pending_updates(TOKEN) == 0)
            .await,
        "acknowledged"
    );

    // Someone without the secret is refused and changes nothing.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    let account = api::get_project(tg.engine(), tg.project)
        .await
        .unwrap()
        .bot
        .unwrap()
        .account_id;
    let forged = reqwest::Client::new()
        .post(format!("{endpoint}/telegram/{account}"))
        .header("x-telegram-bot-api-secret-token", "guess")
        .header("content-type", "application/json")
        .body(r#"{"update_id":999999,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private","first_name":"X"},"from":{"id":1,"is_bot":false,"first_name":"X"},"text":"forged"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(before, after);

    // Back to long polling.
    api::set_bot_webhook(tg.engine(), tg.project, None)
        .await
        .unwrap();
    tg.fake
        .user_writes_to_bot(TOKEN, &vera, "Sent while polling");
    eventually("the polled message is stored", async || {
        let d = api::get_conversation(tg.engine(), summary.id)
            .await
            .unwrap();
        d.messages
            .into_iter()
            .find(|m| m.text == "Sent while polling")
    })
    .await;
    tg.stop().await;
}

/// Where Telegram is throttled the bot goes through the shop's proxy: the
/// token is checked, updates read and replies sent through it; the proxy
/// (its password) is kept in the keyring only and used again after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_talks_to_telegram_through_its_proxy() {
    let mut tg = Tg::start(3_000).await;
    let proxy = tuberry_fakes::socks::Socks5::start(Some(("shop", "proxy-pass-7731"))).await;
    let through = |proxy: String| BotInput {
        token: TOKEN.into(),
        api_url: Some(tg.fake.url()),
        proxy: Some(proxy),
    };

    let err = api::connect_bot(
        tg.engine(),
        tg.project,
        through(proxy.url_with_password("wrong-5521")),
    )
    .await
    .unwrap_err();
    assert!(err.message.contains("through the proxy"), "{}", err.message);
    assert!(!err.message.contains("wrong-5521"), "{}", err.message);
    let err = api::connect_bot(tg.engine(), tg.project, through("ftp://somewhere".into()))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("socks5://host:port"),
        "{}",
        err.message
    );

    let project = api::connect_bot(tg.engine(), tg.project, through(proxy.url()))
        .await
        .unwrap();
    assert!(project.bot.unwrap().proxied);
    let fake = tg.fake.url().trim_start_matches("http://").to_owned();
    assert!(
        proxy.tunnels().iter().all(|t| *t == fake),
        "{:?}",
        proxy.tunnels()
    );
    assert!(!proxy.tunnels().is_empty(), "getMe went through the proxy");

    let lena = customer(9001, "Lena");
    let inbound = async |tg: &Tg, n: i64| {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let count: i64 =
                sqlx::query_scalar("SELECT count(*) FROM messages WHERE direction = 'in'")
                    .fetch_one(tg.engine().store().pool())
                    .await
                    .unwrap();
            if count >= n {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{count} of {n} messages"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tg.fake
        .user_writes_to_bot(TOKEN, &lena, "Through the proxy?");
    inbound(&tg, 1).await;

    // Counted before the restart: the new run's first tunnel may open at once.
    let before = proxy.tunnels().len();
    tg.restart().await;
    tg.fake.user_writes_to_bot(TOKEN, &lena, "Still there?");
    inbound(&tg, 2).await;
    assert!(
        proxy.tunnels().len() > before,
        "after a restart the bot goes through the proxy"
    );

    // The password is nowhere in the data directory.
    for entry in std::fs::read_dir(tg.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let hay = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            assert!(
                !hay.contains("proxy-pass-7731"),
                "found in {}",
                path.display()
            );
        }
    }
    // Connected again without a proxy: it is forgotten, in the keyring too.
    let proxy_ref: String = sqlx::query_scalar("SELECT proxy_ref FROM telegram_bots")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    let plain = BotInput {
        token: TOKEN.into(),
        api_url: Some(tg.fake.url()),
        proxy: None,
    };
    let project = api::connect_bot(tg.engine(), tg.project, plain)
        .await
        .unwrap();
    assert!(!project.bot.unwrap().proxied);
    let keyring = Keyring::new(TEST_KEYRING);
    assert!(keyring.get(&proxy_ref).await.unwrap().is_none());
    tg.stop().await;
}
