//! The auto-responder on a schedule read in the owner's time zone, and the
//! outbox guard over what the app sends on its own.

use tuberry::api;
use tuberry::assistant::model::{
    AssistantMode, AutoReplyMode, GuardMode, Weekday, WhitelistEntry, WhitelistKind,
};
use tuberry::model::AuthorKind;

use crate::assistant::{interval, settings, shop};
use crate::helpers::T0;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// Tuesday 2026-01-06, 19:00 in Moscow (UTC+3).
const TUESDAY_19_MSK: i64 = T0 + 5 * DAY + 16 * HOUR;

async fn auto_replies(shop: &crate::assistant::Shop, conversation: i64) -> usize {
    api::get_conversation(&shop.app.engine, conversation)
        .await
        .unwrap()
        .messages
        .iter()
        .filter(|m| m.author_kind == AuthorKind::AutoReply)
        .count()
}

#[tokio::test]
async fn the_auto_reply_goes_after_the_delay_once_per_period_unless_a_person_answered() {
    let shop = shop().await;
    let engine = &shop.app.engine;
    let clock = &shop.app.clock;
    api::set_outbox_guard(engine, GuardMode::On, false)
        .await
        .unwrap();
    let mut input = settings(AssistantMode::Off);
    input.auto_reply = AutoReplyMode::Schedule;
    input.auto_reply_text = "Спасибо! Мы ответим утром.".into();
    input.schedule = vec![interval(&[Weekday::Tue, Weekday::Wed], "19:00", "09:00")];
    shop.configure(input).await;

    // A minute before the period: nothing, ever.
    clock.set(TUESDAY_19_MSK - 60_000);
    let conversation = shop.customer_writes("m1", "Добрый вечер").await;
    shop.drain().await;
    clock.advance(10 * 60_000);
    shop.drain().await;
    assert!(shop.channel.texts().is_empty(), "not in an active period");

    // In the period, but a manager answers within the delay.
    clock.set(TUESDAY_19_MSK);
    shop.customer_writes("m2", "Диван ещё продаётся?").await;
    shop.drain().await;
    clock.advance(30_000);
    api::send_reply(engine, conversation, "Да, продаётся!".into())
        .await
        .unwrap();
    clock.advance(45_000);
    shop.drain().await;
    assert_eq!(
        shop.channel.texts(),
        ["Да, продаётся!"],
        "the auto-reply stood down"
    );

    // Later the same evening: sent exactly after the delay.
    clock.set(TUESDAY_19_MSK + 2 * HOUR);
    shop.customer_writes("m3", "А доставка сегодня возможна?")
        .await;
    shop.drain().await;
    clock.advance(74_000);
    shop.drain().await;
    assert_eq!(shop.channel.texts().len(), 1, "not before 75 s");
    clock.advance(1_000);
    shop.drain().await;
    assert_eq!(
        shop.channel.texts().last().map(String::as_str),
        Some("Спасибо! Мы ответим утром.")
    );

    // Once per period: not again that night, nor just before it ends.
    for at in [
        TUESDAY_19_MSK + 3 * HOUR,
        TUESDAY_19_MSK + 14 * HOUR - 60_000,
    ] {
        clock.set(at);
        shop.customer_writes(&format!("late-{at}"), "Алло?").await;
        clock.advance(75_000);
        shop.drain().await;
    }
    assert_eq!(auto_replies(&shop, conversation).await, 1);
    // Wednesday 09:00 ends it; Wednesday 19:00 is a new period.
    clock.set(TUESDAY_19_MSK + 14 * HOUR);
    shop.customer_writes("m-day", "Вы работаете?").await;
    clock.advance(75_000);
    shop.drain().await;
    assert_eq!(auto_replies(&shop, conversation).await, 1, "daytime");
    clock.set(TUESDAY_19_MSK + DAY);
    shop.customer_writes("m-wed", "Ау").await;
    clock.advance(75_000);
    shop.drain().await;
    assert_eq!(
        auto_replies(&shop, conversation).await,
        2,
        "the next night's period"
    );
    let detail = api::get_conversation(engine, conversation).await.unwrap();
    let auto = detail
        .messages
        .iter()
        .find(|m| m.author_kind == AuthorKind::AutoReply)
        .unwrap();
    assert_eq!(auto.created_at, TUESDAY_19_MSK + 2 * HOUR + 75_000);
}

#[tokio::test]
async fn the_guard_holds_automatic_replies_and_sends_them_once_when_allowed() {
    let shop = shop().await;
    // The recorded account is WhatsApp-like, which paces replies into one chat.
    let drain = async || {
        shop.app.clock.advance(10);
        shop.drain().await;
    };
    let engine = &shop.app.engine;
    let guard = api::outbox_guard(engine).await.unwrap();
    assert_eq!(
        (guard.mode, guard.whitelist.len(), guard.include_people),
        (GuardMode::Whitelist, 0, false),
        "a new install"
    );

    let mut input = settings(AssistantMode::Off);
    input.auto_reply = AutoReplyMode::Always;
    input.auto_reply_delay_s = 0;
    input.auto_reply_text = "Спасибо, скоро ответим!".into();
    shop.configure(input).await;
    let conversation = shop.customer_writes("m1", "Здравствуйте").await;
    drain().await;
    let held = api::get_conversation(engine, conversation)
        .await
        .unwrap()
        .messages;
    let auto = held
        .iter()
        .find(|m| m.author_kind == AuthorKind::AutoReply)
        .expect("the auto-reply is stored");
    assert!(auto.held, "held: the customer is not on the whitelist");
    assert!(shop.channel.texts().is_empty());
    assert_eq!(api::outbox_guard(engine).await.unwrap().held, 1);

    // A person's reply goes; with the guard extended to people and closed, it is held.
    api::send_reply(engine, conversation, "Добрый день!".into())
        .await
        .unwrap();
    drain().await;
    assert_eq!(shop.channel.texts(), ["Добрый день!"]);
    api::set_outbox_guard(engine, GuardMode::Off, true)
        .await
        .unwrap();
    let second = api::send_reply(engine, conversation, "Вам удобно завтра?".into())
        .await
        .unwrap();
    drain().await;
    assert_eq!(shop.channel.texts().len(), 1);
    assert_eq!(api::outbox_guard(engine).await.unwrap().held, 2);

    // People no longer guarded: the manager's reply goes, the auto-reply still waits.
    api::set_outbox_guard(engine, GuardMode::Whitelist, false)
        .await
        .unwrap();
    drain().await;
    assert_eq!(shop.channel.texts(), ["Добрый день!", "Вам удобно завтра?"]);
    assert!(
        api::send_held_reply(engine, second.id).await.is_err(),
        "no longer held"
    );

    // The customer listed (typed the domestic way): the auto-reply goes, once.
    let entry = WhitelistEntry {
        kind: WhitelistKind::Phone,
        value: "8 (999) 123-45-67".into(),
    };
    let guard = api::allow_recipient(engine, entry).await.unwrap();
    assert_eq!(guard.whitelist[0].value, "+79991234567");
    drain().await;
    api::set_outbox_guard(engine, GuardMode::On, false)
        .await
        .unwrap();
    drain().await;
    assert_eq!(
        shop.channel.texts(),
        [
            "Добрый день!",
            "Вам удобно завтра?",
            "Спасибо, скоро ответим!"
        ]
    );
    assert_eq!(api::outbox_guard(engine).await.unwrap().held, 0);
    let bad = WhitelistEntry {
        kind: WhitelistKind::Email,
        value: "not an address".into(),
    };
    assert!(api::allow_recipient(engine, bad).await.is_err());

    // The Test chat is never held, whatever the guard.
    api::set_outbox_guard(engine, GuardMode::Off, true)
        .await
        .unwrap();
    shop.llm.push_reply("Здравствуйте!");
    api::simulate_inbound(engine, "Пётр".into(), "Привет".into())
        .await
        .unwrap();
    drain().await;
    let transcript = api::simulator_transcript(engine, Some("Пётр".into()))
        .await
        .unwrap();
    let texts: Vec<&str> = transcript.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Привет", "Здравствуйте!"],
        "answered at once; the auto-reply stood down"
    );
}

#[tokio::test]
async fn paused_auto_replies_are_not_sent_then_or_later_and_go_again_once_resumed() {
    let shop = shop().await;
    let engine = &shop.app.engine;
    let clock = &shop.app.clock;
    api::set_outbox_guard(engine, GuardMode::On, false)
        .await
        .unwrap();
    let mut input = settings(AssistantMode::Off);
    input.auto_reply = AutoReplyMode::Always;
    input.auto_reply_text = "Спасибо, скоро ответим.".into();
    shop.configure(input).await;
    assert!(!api::auto_replies_paused(engine).await.unwrap());

    let mut events = engine.events().subscribe();
    assert!(api::pause_auto_replies(engine, true).await.unwrap());
    let told = crate::helpers::next_event(&mut events, |e| match e {
        tuberry::events::EngineEvent::AutoRepliesPaused { paused } => Some(*paused),
        _ => None,
    })
    .await;
    assert!(told, "the window and the tray are told");
    assert!(api::auto_replies_paused(engine).await.unwrap());

    clock.set(TUESDAY_19_MSK);
    let conversation = shop.customer_writes("p1", "Здравствуйте!").await;
    shop.drain().await;
    clock.advance(75_000);
    shop.drain().await;
    assert_eq!(auto_replies(&shop, conversation).await, 0, "paused");

    // Resumed: the one that came due while paused does not go late; the next does.
    api::pause_auto_replies(engine, false).await.unwrap();
    clock.advance(60_000);
    shop.drain().await;
    assert_eq!(auto_replies(&shop, conversation).await, 0, "not sent late");
    clock.set(TUESDAY_19_MSK + DAY);
    shop.customer_writes("p2", "Вы тут?").await;
    clock.advance(75_000);
    shop.drain().await;
    assert_eq!(auto_replies(&shop, conversation).await, 1, "resumed");
}
