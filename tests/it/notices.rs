//! What deserves a desktop notification, over a real engine: a burst of a
//! customer's messages is one notice that counts them, nothing while the
//! window is in front or the composer is being typed in, "needs a person"
//! once per time it comes to need one, a broken account once. The choices
//! the desktop keeps (notifications off, the close hint) outlive a restart.

use tuberry::api;
use tuberry::channels::{Account, AccountState, AccountStatus};
use tuberry::clock::Clock;
use tuberry::model::{ChannelKind, ConversationStatus, Language};
use tuberry::notices::{Attention, Notice, Notices, Subject, TYPING_QUIET_MS};

use crate::helpers::{T0, open_engine, spawn_app};

/// A customer writes; the notice (if any) for that message.
async fn writes(
    app: &crate::helpers::TestApp,
    notices: &mut Notices,
    attention: &Attention,
    customer: &str,
    text: &str,
    language: Language,
) -> Option<Notice> {
    let outcome = api::simulate_inbound(&app.engine, customer.into(), text.into())
        .await
        .unwrap();
    let detail = api::get_conversation(&app.engine, outcome.conversation_id)
        .await
        .unwrap();
    let message = detail
        .messages
        .iter()
        .find(|m| m.id == outcome.message_id)
        .unwrap()
        .clone();
    let summary = api::conversation_summary(&app.engine, outcome.conversation_id)
        .await
        .unwrap();
    notices.message(&summary, &message, attention, language, app.clock.now_ms())
}

#[tokio::test]
async fn a_burst_is_one_notice_that_counts_and_the_open_window_is_quiet() {
    let app = spawn_app().await;
    let mut notices = Notices::new();
    let away = Attention::default();

    let first = writes(
        &app,
        &mut notices,
        &away,
        "Анна",
        "Здравствуйте, есть размер M?",
        Language::Ru,
    )
    .await
    .expect("a message while the window is away is told");
    let Subject::Conversation(anna) = first.subject else {
        panic!("a message's notice is about its conversation: {first:?}");
    };
    assert!(first.title.starts_with("Анна · "), "{first:?}");
    assert_eq!(first.body, "Здравствуйте, есть размер M?");

    writes(
        &app,
        &mut notices,
        &away,
        "Анна",
        "И синий цвет",
        Language::Ru,
    )
    .await;
    let third = writes(&app, &mut notices, &away, "Анна", "Спасибо", Language::Ru)
        .await
        .unwrap();
    assert_eq!(third.subject, first.subject, "the same notice is updated");
    assert_eq!(third.body, "3 новых сообщения\nСпасибо");

    // Another customer has a notice of their own.
    let boris = writes(&app, &mut notices, &away, "Boris", "Hello", Language::En)
        .await
        .unwrap();
    assert_ne!(boris.subject, first.subject);
    assert_eq!(boris.body, "Hello");

    // Opened in the window in front: the count starts again, and nothing is
    // told while the window is in front.
    notices.seen(anna);
    let front = Attention {
        focused: true,
        open: Some(anna),
        typing: None,
    };
    assert_eq!(
        writes(
            &app,
            &mut notices,
            &front,
            "Анна",
            "Ещё вопрос",
            Language::Ru
        )
        .await,
        None
    );
    let again = writes(&app, &mut notices, &away, "Анна", "Алло?", Language::Ru)
        .await
        .unwrap();
    assert_eq!(
        again.body, "Алло?",
        "counting started again after it was seen"
    );

    // Typing in Anna's conversation keeps it quiet even as the window loses
    // the focus, and only for a while.
    let typing = Attention {
        focused: false,
        open: Some(anna),
        typing: Some((anna, app.clock.now_ms())),
    };
    assert_eq!(
        writes(&app, &mut notices, &typing, "Анна", "Жду", Language::Ru).await,
        None
    );
    app.clock.advance(TYPING_QUIET_MS);
    assert!(
        writes(
            &app,
            &mut notices,
            &typing,
            "Анна",
            "Жду ответа",
            Language::Ru
        )
        .await
        .is_some()
    );
}

#[tokio::test]
async fn needing_a_person_is_told_once_each_time_it_comes() {
    let app = spawn_app().await;
    let mut notices = Notices::new();
    let away = Attention::default();
    let outcome = api::simulate_inbound(&app.engine, "Вера".into(), "Позовите менеджера".into())
        .await
        .unwrap();
    let id = outcome.conversation_id;
    let summary = api::conversation_summary(&app.engine, id).await.unwrap();
    assert_eq!(
        notices.conversation(&summary, &away, Language::En, T0),
        None
    );

    let needs = api::set_conversation_status(&app.engine, id, ConversationStatus::NeedsHuman)
        .await
        .unwrap();
    let notice = notices
        .conversation(&needs, &away, Language::En, T0)
        .expect("coming to need a person is told");
    assert_eq!(notice.title, "Needs a person: Вера");
    assert_eq!(notice.body, "Позовите менеджера");
    assert_eq!(
        notices.conversation(&needs, &away, Language::En, T0),
        None,
        "told once, not at each change of the conversation"
    );
    // Told even with the window in front, unless this conversation is open.
    let back = api::set_conversation_status(&app.engine, id, ConversationStatus::AwaitingResponse)
        .await
        .unwrap();
    notices.conversation(&back, &away, Language::En, T0);
    let elsewhere = Attention {
        focused: true,
        open: Some(id + 1),
        typing: None,
    };
    assert!(
        notices
            .conversation(&needs, &elsewhere, Language::En, T0)
            .is_some()
    );
    notices.conversation(&back, &away, Language::En, T0);
    let here = Attention {
        focused: true,
        open: Some(id),
        typing: None,
    };
    assert_eq!(notices.conversation(&needs, &here, Language::En, T0), None);

    // What needed a person before the app started is not told again.
    let mut fresh = Notices::new();
    fresh.know_needing(std::slice::from_ref(&needs));
    assert_eq!(fresh.conversation(&needs, &away, Language::En, T0), None);
}

fn account(state: AccountState, error: Option<&str>) -> Account {
    Account {
        id: 7,
        kind: ChannelKind::Email,
        name: "shop@example.com".into(),
        project_id: None,
        status: AccountStatus {
            state,
            detail: None,
            last_error: error.map(Into::into),
            last_connected_at: None,
        },
    }
}

#[test]
fn a_broken_account_is_told_once_until_it_works_again() {
    let mut notices = Notices::new();
    let refused = account(
        AccountState::BadCredentials,
        Some("the password was refused"),
    );
    let notice = notices.account(&refused, Language::Ru).expect("told");
    assert_eq!(notice.title, "shop@example.com не работает");
    assert_eq!(notice.body, "the password was refused");
    assert_eq!(notice.subject, Subject::Account(7));
    assert_eq!(notices.broken_accounts(), 1);
    assert_eq!(notices.account(&refused, Language::Ru), None, "once");
    // Offline is a pause, not a break: still broken, nothing new told.
    assert_eq!(
        notices.account(&account(AccountState::Offline, None), Language::Ru),
        None
    );
    assert_eq!(notices.broken_accounts(), 1);
    assert_eq!(
        notices.account(&account(AccountState::Connected, None), Language::En),
        None
    );
    assert_eq!(notices.broken_accounts(), 0);
    let again = notices
        .account(&account(AccountState::Error, None), Language::En)
        .expect("breaking again after it worked is told again");
    assert_eq!(again.title, "shop@example.com stopped working");
    assert_eq!(again.body, "See Accounts for what happened.");
}

#[tokio::test]
async fn notifications_off_and_the_close_hint_outlive_a_restart() {
    let app = spawn_app().await;
    assert!(
        api::notifications_enabled(&app.engine).await.unwrap(),
        "on by default"
    );
    assert!(
        !api::set_notifications_enabled(&app.engine, false)
            .await
            .unwrap()
    );
    assert!(
        api::take_close_hint(&app.engine).await.unwrap(),
        "said the first time"
    );
    assert!(
        !api::take_close_hint(&app.engine).await.unwrap(),
        "and only then"
    );
    let crate::helpers::TestApp { engine, clock, dir } = app;
    engine.shutdown(std::time::Duration::from_secs(1)).await;
    drop(engine);
    let engine = open_engine(&dir, &clock).await;
    assert!(!api::notifications_enabled(&engine).await.unwrap());
    assert!(!api::take_close_hint(&engine).await.unwrap());
}
