//! Linking the shop's number: QR codes as WhatsApp rotates them until the
//! pairing lapses, then again; the pairing code typed on the phone; the
//! keys sealed, absent from every file of the data dir, taken up again
//! after a restart; unlinking here and from the phone.

use tuberry::api;
use tuberry::channels::login::LoginState;
use tuberry::channels::whatsapp::linked::model::LinkMethod;
use tuberry::keyring::Keyring;
use tuberry_fakes::whatsapp_web::KEYS_MARK;

use super::{SHOP, Wa, walk};
use crate::helpers::TEST_KEYRING;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_code_follows_whatsapp_until_the_pairing_lapses_and_a_new_attempt_links() {
    let wa = Wa::start().await;
    let attempt = wa.start_link(LinkMethod::Qr).await;
    assert_eq!(attempt.state, LoginState::Preparing);
    let shown = wa
        .until_attempt(&attempt.id, "the first QR code is shown", |a| {
            a.state == LoginState::WaitingForScan
        })
        .await;
    let codes = wa.fake.qr_codes();
    assert_eq!(shown.qr_url.as_deref(), Some(codes[0].as_str()));
    assert!(shown.qr_svg.as_deref().unwrap().starts_with("<?xml"));
    assert!(shown.token_expires_at.unwrap() > shown.expires_at - 180_000);

    // WhatsApp turns the code: the dialog shows the new one.
    for turn in 1..6 {
        wa.fake.rotate_qr();
        let codes = wa.fake.qr_codes();
        assert_eq!(codes.len(), turn + 1);
        let next = wa
            .until_attempt(&attempt.id, "the next QR code is shown", |a| {
                a.qr_url.as_deref() == Some(codes[turn].as_str())
            })
            .await;
        assert_ne!(next.qr_svg, shown.qr_svg);
        assert_eq!(next.state, LoginState::WaitingForScan);
    }
    // After the last code, the pairing lapses.
    wa.fake.rotate_qr();
    let expired = wa
        .until_attempt(&attempt.id, "the attempt expired", |a| {
            a.state == LoginState::Expired
        })
        .await;
    assert_eq!(expired.qr_url, None);
    assert!(
        api::list_whatsapp_numbers(wa.engine())
            .await
            .unwrap()
            .is_empty()
    );

    // Try again: a new attempt, scanned this time.
    let account_id = wa.link().await;
    let numbers = api::list_whatsapp_numbers(wa.engine()).await.unwrap();
    assert_eq!(numbers.len(), 1);
    assert_eq!(numbers[0].id, account_id);
    assert_eq!(numbers[0].phone, SHOP);
    assert_eq!(numbers[0].name, "Flower shop");
    assert_eq!(numbers[0].project_id, Some(wa.project));
    assert!(numbers[0].flags.private_chats && !numbers[0].flags.groups);
    assert_eq!(wa.fake.connections(SHOP), 1, "one device connected");
    wa.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pairing_code_links_the_number_typed_on_the_phone() {
    let wa = Wa::start().await;
    // A number that is not one is refused at once.
    let wrong = api::start_whatsapp_link(
        wa.engine(),
        tuberry::channels::whatsapp::linked::model::LinkStart {
            project_id: wa.project,
            method: LinkMethod::Code {
                phone: "999".into(),
            },
        },
    )
    .await
    .unwrap_err();
    assert!(wrong.message.contains("country code"), "{}", wrong.message);

    // A number WhatsApp does not know fails with WhatsApp's reason.
    let unknown = wa
        .start_link(LinkMethod::Code {
            phone: "+7 900 000-00-99".into(),
        })
        .await;
    let failed = wa
        .until_attempt(&unknown.id, "the attempt failed", |a| {
            a.state == LoginState::Error
        })
        .await;
    assert!(failed.error.is_some());

    let attempt = wa
        .start_link(LinkMethod::Code {
            phone: "+7 (999) 000-00-01".into(),
        })
        .await;
    let shown = wa
        .until_attempt(&attempt.id, "the pairing code is shown", |a| {
            a.pair_code.is_some()
        })
        .await;
    assert_eq!(shown.state, LoginState::WaitingForScan);
    assert_eq!(shown.qr_svg, None, "the code, not a QR code");
    let code = shown.pair_code.unwrap();
    assert_eq!(code.chars().filter(char::is_ascii_alphanumeric).count(), 8);
    wa.fake
        .enter_code(&code)
        .expect("the device waits for the code");
    let done = wa
        .until_attempt(&attempt.id, "the number is linked", |a| {
            a.state == LoginState::Connected
        })
        .await;
    assert_eq!(done.account_name.as_deref(), Some("Flower shop"));
    wa.until_state(done.account_id.unwrap(), "connected").await;
    wa.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keys_are_sealed_taken_up_after_a_restart_and_unlinking_deletes_them() {
    let mut wa = Wa::start().await;
    let account_id = wa.link().await;
    // Something to receive, so that the keys move on and are kept again.
    wa.fake.write_text(SHOP, "+79161234567", "Hello");
    let chat = tuberry_fakes::whatsapp_web::msg::jid("+79161234567");
    let conversation = wa.conversation(account_id, &chat).await;
    wa.until_messages(conversation, "the message is stored", |m| m.len() == 1)
        .await;

    let (sealed, key_ref): (Vec<u8>, String) =
        sqlx::query_as("SELECT keys, key_ref FROM whatsapp_devices WHERE channel_account_id = ?1")
            .bind(account_id)
            .fetch_one(wa.engine().store().pool())
            .await
            .unwrap();
    let mark = KEYS_MARK.as_bytes();
    assert!(!sealed.windows(mark.len()).any(|w| w == mark));
    for entry in walk(wa.dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(mark.len()).any(|w| w == mark),
            "{} holds the keys in clear",
            entry.display()
        );
    }
    let keyring = Keyring::new(TEST_KEYRING);
    assert!(keyring.get(&key_ref).await.unwrap().is_some());

    // After a restart the same keys connect again, without a new pairing.
    let codes = wa.fake.qr_codes().len();
    wa.restart().await;
    wa.until_state(account_id, "connected").await;
    assert_eq!(wa.fake.qr_codes().len(), codes);

    api::remove_whatsapp_number(wa.engine(), account_id)
        .await
        .unwrap();
    assert!(
        wa.fake.logged_out(SHOP),
        "the device was unlinked at WhatsApp"
    );
    assert!(
        keyring.get(&key_ref).await.unwrap().is_none(),
        "the key is gone"
    );
    let keys: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT keys FROM whatsapp_devices WHERE channel_account_id = ?1")
            .bind(account_id)
            .fetch_one(wa.engine().store().pool())
            .await
            .unwrap();
    assert_eq!(keys, None);
    assert!(
        api::list_whatsapp_numbers(wa.engine())
            .await
            .unwrap()
            .is_empty()
    );
    // Its conversation stays.
    assert_eq!(wa.messages(conversation).await.len(), 1);
    wa.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_unlinked_from_the_phone_shows_why_and_links_again() {
    let mut wa = Wa::start().await;
    let account_id = wa.link().await;
    wa.fake.unlink(SHOP, "the device was removed on the phone");
    let error = wa.until_state(account_id, "bad_credentials").await;
    assert!(
        error.as_deref().unwrap().contains("removed on the phone"),
        "{error:?}"
    );
    let numbers = api::list_whatsapp_numbers(wa.engine()).await.unwrap();
    assert!(
        numbers[0]
            .unlinked_reason
            .as_deref()
            .unwrap()
            .contains("removed on the phone")
    );
    let keys: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT keys FROM whatsapp_devices WHERE channel_account_id = ?1")
            .bind(account_id)
            .fetch_one(wa.engine().store().pool())
            .await
            .unwrap();
    assert_eq!(keys, None, "useless keys are deleted");

    // It stays so after a restart, without trying to connect.
    wa.restart().await;
    wa.until_state(account_id, "bad_credentials").await;
    assert_eq!(wa.fake.connections(SHOP), 0);

    // Linked again: the same account, the reason gone.
    let again = wa.link().await;
    assert_eq!(again, account_id);
    let numbers = api::list_whatsapp_numbers(wa.engine()).await.unwrap();
    assert_eq!(numbers[0].unlinked_reason, None);
    wa.stop().await;
}
