use super::*;

#[tokio::test]
async fn connecting_names_the_account_and_keeps_its_secrets_in_the_keyring() {
    let app = Avito::start().await;

    let refused = api::connect_avito(app.engine(), app.input("wrong-secret"))
        .await
        .unwrap();
    let AvitoConnect::Refused { error } = refused else {
        panic!("a wrong secret must be refused: {refused:?}");
    };
    assert_eq!(error.problem, AvitoProblem::Credentials);
    assert!(
        api::list_avito_accounts(app.engine())
            .await
            .unwrap()
            .is_empty()
    );

    let account = app.connect().await;
    assert_eq!(account.name, "Магазин Ромашка");
    assert_eq!(account.user_id, SELLER);
    let again = api::connect_avito(app.engine(), app.input(SECRET))
        .await
        .unwrap();
    assert!(
        matches!(&again, AvitoConnect::Refused { error } if error.problem == AvitoProblem::Duplicate),
        "{again:?}"
    );
    app.until_account("came online", |a| a.state == AvitoState::Online)
        .await;

    // Neither the secret nor the access token is in the database file.
    let mut app = app;
    app.close().await;
    let mut db = Vec::new();
    for entry in std::fs::read_dir(app.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            db.extend(std::fs::read(path).unwrap());
        }
    }
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains(SECRET), "the client secret reached the store");
    assert!(db.contains(CLIENT_ID), "the settings are where they belong");
    app.open().await;

    // Disconnecting takes the secret out of the keyring: connecting again
    // needs it typed again, and works.
    api::remove_avito(app.engine(), account.id).await.unwrap();
    assert!(
        api::list_avito_accounts(app.engine())
            .await
            .unwrap()
            .is_empty()
    );
    let back = app.connect().await;
    assert_eq!(
        back.id, account.id,
        "a returning account keeps its conversations"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_account_without_the_messenger_tariff_says_so() {
    let app = Avito::start().await;
    app.fake.add_account(
        Account::new(777, "Частное лицо", "basic-client", "basic-secret").without_messenger(),
    );
    let connected = api::connect_avito(
        app.engine(),
        AvitoInput {
            client_id: "basic-client".into(),
            client_secret: "basic-secret".into(),
            api_url: Some(app.fake.url()),
        },
    )
    .await
    .unwrap();
    let AvitoConnect::Connected { account } = connected else {
        panic!("the account itself is fine: {connected:?}");
    };
    assert_eq!(account.name, "Частное лицо");
    let problem = account
        .last_error
        .expect("the tariff problem is shown at once");
    assert_eq!(problem.problem, AvitoProblem::Tariff, "{problem:?}");
    // In the one account model: an error the owner must act on, said as the tariff.
    let listed = api::list_accounts(app.engine()).await.unwrap();
    let status = &listed
        .iter()
        .find(|a| a.id == account.id)
        .expect("the Avito account is an account")
        .status;
    assert_eq!(
        status.state,
        tuberry::channels::AccountState::Error,
        "{status:?}"
    );
    assert_eq!(status.detail.as_deref(), Some("tariff"), "{status:?}");
    assert!(status.last_error.is_some(), "{status:?}");
    app.finish().await;
}

#[tokio::test]
async fn an_expired_token_is_renewed_and_a_cached_one_survives_a_restart() {
    let clock = ManualClock::new(T0);
    let mut app = Avito::start_on(false, Some(clock.clone())).await;
    app.fake.set_token_ttl(Duration::from_secs(3600));
    app.connect().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "первое"));
    app.until_inbound(1).await;
    let issued = app.fake.tokens_issued();

    // Avito forgets the token before its time: the next call gets 403, the
    // app takes a new token and carries on.
    app.fake.expire_tokens();
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "второе"));
    app.until_inbound(2).await;
    assert_eq!(app.fake.tokens_issued(), issued + 1);
    let refused = app
        .fake
        .requests()
        .iter()
        .filter(|r| r.status == 403)
        .count();
    assert!(refused >= 1, "the stale token was tried first");

    // A restart uses the token kept in the keyring.
    app.close().await;
    app.open().await;
    app.fake
        .buyer_writes(SELLER, BuyerMessage::text(buyer(), Some(sofa()), "третье"));
    app.until_inbound(3).await;
    assert_eq!(
        app.fake.tokens_issued(),
        issued + 1,
        "no new token after a restart"
    );

    // Ten minutes before it expires, the token is renewed without a refusal.
    let refused_before = app
        .fake
        .requests()
        .iter()
        .filter(|r| r.status == 403)
        .count();
    clock.advance((3600 - 9 * 60) * 1000);
    app.fake.buyer_writes(
        SELLER,
        BuyerMessage::text(buyer(), Some(sofa()), "четвёртое"),
    );
    app.until_inbound(4).await;
    assert_eq!(app.fake.tokens_issued(), issued + 2);
    let refused_after = app
        .fake
        .requests()
        .iter()
        .filter(|r| r.status == 403)
        .count();
    assert_eq!(
        refused_after, refused_before,
        "renewed before Avito refused it"
    );
    app.finish().await;
}

// The fake serves from other threads while the command blocks this one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_connects_lists_and_removes_an_account() {
    let fake = FakeAvito::start().await;
    fake.add_account(Account::new(SELLER, "Магазин Ромашка", CLIENT_ID, SECRET));
    let dir = tempfile::tempdir().unwrap();
    let url = fake.url();
    let connect = [
        "avito",
        "connect",
        "--client-id",
        CLIENT_ID,
        "--api-url",
        url.as_str(),
    ];

    let (ok, out, err) = tuberry(dir.path(), &connect, "wrong");
    assert!(!ok, "{out}");
    assert!(err.contains("Credentials"), "{err}");
    let (ok, out, err) = tuberry(dir.path(), &connect, SECRET);
    assert!(ok, "{err}");
    assert!(
        out.contains("Магазин Ромашка") && out.contains(&SELLER.to_string()),
        "{out}"
    );

    let (ok, out, err) = tuberry(dir.path(), &["--json", "avito", "list"], "");
    assert!(ok, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["name"], "Магазин Ромашка");
    let id = list[0]["id"].as_i64().unwrap().to_string();

    let (ok, out, err) = tuberry(dir.path(), &["avito", "remove", &id], "");
    assert!(ok, "{err}");
    assert!(out.contains("removed"), "{out}");
    let (_, out, _) = tuberry(dir.path(), &["avito", "list"], "");
    assert!(out.contains("No Avito accounts yet"), "{out}");
    assert!(fake.spec_errors().is_empty(), "{:#?}", fake.spec_errors());
}
