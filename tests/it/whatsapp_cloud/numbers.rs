//! Adding, changing and removing numbers, and where their secrets go.

use tuberry::api;
use tuberry::channels::whatsapp::cloud::model::{CloudNumberInput, CloudNumberUpdate};
use tuberry::channels::{AccountState, Adapter};
use tuberry::error::ErrorCode;
use tuberry::keyring::Keyring;
use tuberry::model::{ChannelKind, Delivery};
use tuberry_fakes::whatsapp_cloud::Number;

use super::{APP_SECRET, Cloud, Named, PHONE_NUMBER_ID, TOKEN, VERIFY_TOKEN, input};
use crate::helpers::TEST_KEYRING;

#[tokio::test]
async fn bad_input_is_refused_and_stores_nothing() {
    let mut app = Cloud::start().await;
    let before = app.count("SELECT count(*) FROM channel_accounts").await;
    let bad = [
        CloudNumberInput {
            phone_number_id: "+7 999 123-45-67".into(),
            ..input(&app.fake, None)
        },
        CloudNumberInput {
            phone_number_id: "2".into(),
            access_token: "  ".into(),
            ..input(&app.fake, None)
        },
        CloudNumberInput {
            phone_number_id: "3".into(),
            app_secret: String::new(),
            ..input(&app.fake, None)
        },
        CloudNumberInput {
            phone_number_id: "4".into(),
            api_url: Some("ftp://graph".into()),
            ..input(&app.fake, None)
        },
        // The number added already.
        input(&app.fake, None),
    ];
    for bad in bad {
        let refused = api::add_whatsapp_cloud_number(app.engine(), bad).await;
        let error = refused.expect_err("refused");
        assert_eq!(error.code, ErrorCode::InvalidInput, "{error:?}");
        assert!(!error.message.contains(TOKEN) && !error.message.contains(APP_SECRET));
    }
    assert_eq!(
        app.count("SELECT count(*) FROM channel_accounts").await,
        before
    );
    assert_eq!(
        app.count("SELECT count(*) FROM whatsapp_cloud_numbers")
            .await,
        1
    );
    app.close().await;
}

#[tokio::test]
async fn the_number_is_a_whatsapp_account_and_a_verify_token_is_made_when_none_is_given() {
    let mut app = Cloud::start().await;
    let accounts = api::list_accounts(app.engine()).await.unwrap();
    let account = accounts
        .iter()
        .find(|a| a.id == app.account_id())
        .expect("listed");
    assert_eq!(account.kind, ChannelKind::Whatsapp);
    assert_eq!(account.status.state, AccountState::Connected);
    assert!(app.engine().whatsapp().cloud().owns(app.account_id()));
    assert_eq!(
        app.engine()
            .whatsapp()
            .rate_keys(app.account_id(), "79991234567"),
        vec![format!("wacloud:{}", app.account_id())]
    );
    assert_eq!(app.added.verify_token, VERIFY_TOKEN);
    assert_eq!(
        app.added.number.webhook_path,
        format!("/webhooks/whatsapp/{}", app.account_id())
    );

    let second = Number {
        phone_number_id: "200000000000001".into(),
        display_phone: "15550000001".into(),
        token: "EAAGsecondToken".into(),
    };
    app.fake.add_number(second.clone());
    let added = api::add_whatsapp_cloud_number(
        app.engine(),
        CloudNumberInput {
            phone_number_id: second.phone_number_id.clone(),
            access_token: second.token.clone(),
            verify_token: None,
            ..input(&app.fake, None)
        },
    )
    .await
    .unwrap();
    assert_eq!(added.verify_token.len(), 32);
    assert!(
        added
            .verify_token
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
    );
    assert_eq!(
        api::list_whatsapp_cloud_numbers(app.engine())
            .await
            .unwrap()
            .len(),
        2
    );
    app.close().await;
}

#[tokio::test]
async fn a_number_added_without_an_address_uses_the_graph_api_the_settings_name() {
    let mut app = Cloud::start_with(Named::InTheSettings).await;
    assert_eq!(app.added.number.api_url, Some(app.fake.url()));
    app.customer_writes("Здравствуйте").await;
    let conversation = app.conversation_id().await;
    let reply = api::send_reply(app.engine(), conversation, "Добрый день".into())
        .await
        .unwrap();
    app.until_message(reply.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    let sent = app.fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].phone_number_id, PHONE_NUMBER_ID);
    assert_eq!(sent[0].body["text"]["body"], "Добрый день");
    app.assert_spec_kept();
    app.close().await;
}

#[tokio::test]
async fn a_new_token_is_used_and_a_refused_one_shows_on_the_number() {
    let mut app = Cloud::start().await;
    app.customer_writes("Здравствуйте").await;
    let conversation = app.conversation_id().await;
    // Meta revoked the token.
    app.fake.add_number(Number {
        token: "EAAGrotated".into(),
        ..app.number.clone()
    });
    let reply = api::send_reply(app.engine(), conversation, "первый".into())
        .await
        .unwrap();
    let failed = app
        .until_message(reply.id, "failed", |m| m.delivery == Some(Delivery::Failed))
        .await;
    assert!(failed.delivery_error.unwrap().contains("access token"));
    let number = api::list_whatsapp_cloud_numbers(app.engine())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(number.state, AccountState::BadCredentials);

    let update = CloudNumberUpdate {
        access_token: Some("EAAGrotated".into()),
        ..CloudNumberUpdate::default()
    };
    let number = api::update_whatsapp_cloud_number(app.engine(), app.account_id(), update)
        .await
        .unwrap();
    assert_eq!(number.state, AccountState::Connected);
    let reply = api::send_reply(app.engine(), conversation, "второй".into())
        .await
        .unwrap();
    app.until_message(reply.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    assert_eq!(app.fake.sent().len(), 1);
    app.assert_spec_kept();
    app.close().await;
}

#[tokio::test]
async fn removing_a_number_forgets_its_secrets_and_keeps_its_conversations() {
    let mut app = Cloud::start().await;
    app.customer_writes("Здравствуйте").await;
    let refs: (String, String, String) = sqlx::query_as(
        "SELECT token_ref, app_secret_ref, verify_token_ref FROM whatsapp_cloud_numbers",
    )
    .fetch_one(app.engine().store().pool())
    .await
    .unwrap();
    let keyring = Keyring::new(TEST_KEYRING);
    assert!(
        keyring.get(&refs.0).await.unwrap().is_some(),
        "kept in the keyring"
    );

    api::remove_whatsapp_cloud_number(app.engine(), app.account_id())
        .await
        .unwrap();
    for entry in [&refs.0, &refs.1, &refs.2] {
        assert!(
            keyring.get(entry).await.unwrap().is_none(),
            "{entry} left the keyring"
        );
    }
    assert!(
        api::list_whatsapp_cloud_numbers(app.engine())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!app.engine().whatsapp().cloud().owns(app.account_id()));
    assert_eq!(app.inbound().await.len(), 1, "the conversation stays");
    let payload = app.payload(vec![app.message(
        &app.wamid(),
        "text",
        serde_json::json!({ "body": "ау" }),
    )]);
    assert_eq!(app.post(&payload).await, 404, "Meta's webhooks are refused");

    // Added again, it comes back with its conversation.
    let added = api::add_whatsapp_cloud_number(app.engine(), input(&app.fake, None))
        .await
        .unwrap();
    assert_eq!(added.number.id, app.account_id());
    assert_eq!(app.post(&payload).await, 200);
    assert_eq!(app.count("SELECT count(*) FROM conversations").await, 1);
    app.close().await;
}

#[tokio::test]
async fn no_secret_is_in_any_file_of_the_data_directory() {
    let mut app = Cloud::start().await;
    app.customer_writes("Здравствуйте").await;
    let conversation = app.conversation_id().await;
    let reply = api::send_reply(app.engine(), conversation, "Добрый день".into())
        .await
        .unwrap();
    app.until_message(reply.id, "sent", |m| m.delivery == Some(Delivery::Sent))
        .await;
    let update = CloudNumberUpdate {
        name: Some("Магазин".into()),
        ..CloudNumberUpdate::default()
    };
    api::update_whatsapp_cloud_number(app.engine(), app.account_id(), update)
        .await
        .unwrap();
    app.close().await;

    let mut files = Vec::new();
    let mut dirs = vec![app.dir.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(
        files.iter().any(|f| f.ends_with("tuberry.sqlite3")),
        "{files:?}"
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for secret in [TOKEN, APP_SECRET, VERIFY_TOKEN] {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{} holds a secret", file.display());
        }
    }
    // The phone number id is not a secret: the check looks at the store.
    let kept: i64 = {
        let engine = super::open(&app.dir, &app.clock, super::settings()).await;
        let n = sqlx::query_scalar(
            "SELECT count(*) FROM whatsapp_cloud_numbers WHERE phone_number_id = ?1",
        )
        .bind(PHONE_NUMBER_ID)
        .fetch_one(engine.store().pool())
        .await
        .unwrap();
        engine.shutdown(std::time::Duration::from_secs(5)).await;
        n
    };
    assert_eq!(kept, 1);
}
