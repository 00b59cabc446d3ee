//! Connecting an account: the QR code and its renewal, the move to the
//! account's data centre, the password (again after a wrong one), the phone
//! code, the attempt's expiry, and what is kept (sealed) once connected.

use tuberry::channels::login::LoginState;
use tuberry::channels::telegram_account::model::{LoginMethod, LoginStart, TelegramAppInput};
use tuberry::{ErrorCode, api};

use super::{API_HASH, Ta, app_input};
use tuberry_fakes::telegram_user::{AUTH_KEY_MARK, Account};

fn decode_token(url: &str) -> Vec<u8> {
    use base64::Engine as _;
    let token = url
        .strip_prefix("tg://login?token=")
        .expect("a Telegram login link");
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .expect("the token is URL-safe base64 without padding")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qr_login_renews_its_token_moves_to_the_accounts_data_centre_and_asks_the_password_again_after_a_wrong_one()
 {
    let ta = Ta::start().await;
    ta.fake.add_account(
        Account::new(501, "Marina")
            .on_dc(4)
            .with_password("rose garden", "the garden"),
    );
    let attempt = ta.start_login(LoginMethod::Qr).await;
    let shown = ta
        .until_attempt(&attempt.id, "the QR code is shown", |a| {
            a.state == LoginState::WaitingForScan
        })
        .await;
    let first = shown.qr_url.clone().unwrap();
    assert_eq!(
        decode_token(&first),
        ta.fake.last_token().unwrap(),
        "the code is the token Telegram gave"
    );
    let svg = shown.qr_svg.clone().unwrap();
    assert!(
        svg.starts_with("<?xml") && svg.contains("<svg"),
        "drawn as SVG: {svg:.80}"
    );
    assert!(shown.token_expires_at.is_some());

    // Shortly before the token lapses a new one is drawn, unasked.
    let renewed = ta
        .until_attempt(&attempt.id, "the QR code is renewed", |a| {
            a.qr_url.as_ref().is_some_and(|u| *u != first)
        })
        .await;
    assert_eq!(renewed.state, LoginState::WaitingForScan);
    assert!(ta.fake.exports() >= 2);

    // Scanned by an account of another data centre, which has a password.
    ta.fake.scan(501);
    let asked = ta
        .until_attempt(&attempt.id, "the password is asked for", |a| {
            a.state == LoginState::PasswordRequired
        })
        .await;
    assert_eq!(asked.password_hint.as_deref(), Some("the garden"));
    assert_eq!(asked.qr_url, None, "the code is gone once scanned");

    let wrong = ta
        .engine()
        .telegram_accounts()
        .login_password(&attempt.id, "tulip field".into())
        .await
        .unwrap();
    assert_eq!(wrong.state, LoginState::PasswordRequired);
    ta.until_attempt(&attempt.id, "a wrong password is told", |a| a.wrong_answer)
        .await;
    ta.engine()
        .telegram_accounts()
        .login_password(&attempt.id, "rose garden".into())
        .await
        .unwrap();
    let done = ta
        .until_attempt(&attempt.id, "the account is connected", |a| {
            a.state == LoginState::Connected
        })
        .await;
    assert_eq!(done.account_name.as_deref(), Some("Marina"));
    let account_id = done.account_id.unwrap();
    ta.until_connected(account_id).await;

    let accounts = api::list_telegram_accounts(ta.engine()).await.unwrap();
    assert_eq!(accounts.len(), 1);
    let account = &accounts[0];
    assert_eq!((account.id, account.user_id), (account_id, 501));
    assert_eq!(account.project_id, Some(ta.project));
    assert_eq!(account.username.as_deref(), Some("marina_shop"));
    assert!(account.flags.private_chats && !account.flags.groups && !account.flags.channels);
    ta.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unscanned_code_expires_and_the_phone_number_works_instead() {
    let ta = Ta::start().await;
    ta.fake.add_account(Account::new(502, "Ivan"));
    let attempt = ta.start_login(LoginMethod::Qr).await;
    ta.until_attempt(&attempt.id, "the QR code is shown", |a| {
        a.state == LoginState::WaitingForScan
    })
    .await;
    ta.clock.advance(181_000);
    let expired = ta
        .until_attempt(&attempt.id, "the attempt expires", |a| {
            a.state == LoginState::Expired
        })
        .await;
    assert_eq!(expired.qr_url, None);

    let phone = ta
        .start_login(LoginMethod::Phone {
            phone: "+79990000502".into(),
        })
        .await;
    ta.until_attempt(&phone.id, "the code is asked for", |a| {
        a.state == LoginState::CodeRequired
    })
    .await;
    let accounts = ta.engine().telegram_accounts();
    accounts
        .login_code(&phone.id, "00000".into())
        .await
        .unwrap();
    ta.until_attempt(&phone.id, "a wrong code is told", |a| a.wrong_answer)
        .await;
    accounts
        .login_code(&phone.id, ta.fake.code())
        .await
        .unwrap();
    let done = ta
        .until_attempt(&phone.id, "connected by phone", |a| {
            a.state == LoginState::Connected
        })
        .await;
    ta.until_connected(done.account_id.unwrap()).await;

    // A password where none is asked for is refused, and says so.
    let refused = accounts
        .login_password(&phone.id, "anything".into())
        .await
        .expect_err("the login is over");
    assert!(refused.to_string().contains("not waiting"), "{refused}");
    ta.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_is_kept_sealed_and_removing_the_account_ends_it_at_telegram() {
    let ta = Ta::start().await;
    let account_id = ta.connect(Account::new(503, "Olga")).await;

    let (sealed, key_ref): (Vec<u8>, String) = sqlx::query_as(
        "SELECT session, key_ref FROM telegram_accounts WHERE channel_account_id = ?1",
    )
    .bind(account_id)
    .fetch_one(ta.engine().store().pool())
    .await
    .unwrap();
    let mark = AUTH_KEY_MARK.as_bytes();
    assert!(
        !sealed.windows(mark.len()).any(|w| w == mark),
        "the database holds only ciphertext"
    );
    // Nothing in the data directory holds the session in clear (the
    // database, its journal, the logs).
    for entry in walk(ta.dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(mark.len()).any(|w| w == mark),
            "{} holds the session in clear",
            entry.display()
        );
    }
    let keyring = tuberry::keyring::Keyring::new(crate::helpers::TEST_KEYRING);
    assert!(
        keyring.get(&key_ref).await.unwrap().is_some(),
        "the sealing key is in the keyring"
    );

    // The same session is opened again after a restart.
    let mut ta = ta;
    let connects = ta.fake.connects();
    ta.restart().await;
    ta.until_connected(account_id).await;
    assert!(ta.fake.connects() > connects);

    api::remove_telegram_account(ta.engine(), account_id)
        .await
        .unwrap();
    assert_eq!(
        ta.fake.logged_out(),
        vec![503],
        "the session was ended at Telegram"
    );
    assert!(
        keyring.get(&key_ref).await.unwrap().is_none(),
        "the key is gone"
    );
    let session: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT session FROM telegram_accounts WHERE channel_account_id = ?1")
            .bind(account_id)
            .fetch_one(ta.engine().store().pool())
            .await
            .unwrap();
    assert_eq!(session, None);
    assert!(
        api::list_telegram_accounts(ta.engine())
            .await
            .unwrap()
            .is_empty()
    );
    ta.stop().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_needs_its_bot_and_the_app_its_id_before_an_account_is_added() {
    let ta = Ta::start().await;
    let refused = api::start_telegram_login(
        ta.engine(),
        LoginStart {
            project_id: ta.project,
            method: LoginMethod::Qr,
            proxy: None,
        },
    )
    .await
    .expect_err("the project has no bot");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(refused.message.contains("bot"), "{}", refused.message);

    // Without the owner's application (and none built in), the login says
    // what to enter.
    api::save_telegram_app(ta.engine(), app_input(None, None))
        .await
        .unwrap();
    let missing = ta
        .engine()
        .telegram_accounts()
        .start_login(LoginStart {
            project_id: ta.project,
            method: LoginMethod::Qr,
            proxy: None,
        })
        .await
        .expect_err("no application id");
    assert!(missing.to_string().contains("api_id"), "{missing}");

    // A malformed hash or proxy is refused with what is wrong.
    let bad = api::save_telegram_app(ta.engine(), app_input(Some(1), Some("not-hex")))
        .await
        .expect_err("a bad hash");
    assert!(bad.message.contains("32 hexadecimal"), "{}", bad.message);
    api::save_telegram_app(
        ta.engine(),
        TelegramAppInput {
            device_model: "Shop laptop".into(),
            lang_code: "ru".into(),
            ..app_input(Some(1), Some(API_HASH))
        },
    )
    .await
    .unwrap();
    let app = api::telegram_app(ta.engine()).await.unwrap();
    assert_eq!(app.device_model, "Shop laptop");
    assert_eq!(
        app.app_version,
        env!("CARGO_PKG_VERSION"),
        "an honest default"
    );
    let proxy = ta
        .engine()
        .telegram_accounts()
        .start_login(LoginStart {
            project_id: ta.project,
            method: LoginMethod::Qr,
            proxy: Some("http://proxy:3128".into()),
        })
        .await
        .expect_err("only SOCKS5");
    assert!(proxy.to_string().contains("socks5://"), "{proxy}");
    ta.stop().await;
}
