//! The owner and admins hear from the bot when a channel breaks and when it
//! is back, when a work group loses the bot's rights, and when a customer
//! has waited too long: each raised once, grouped, and rate-limited.

use super::team::{link_owner, private_texts};
use super::*;

const SECOND: &str = "7770001111:SecondBotTokenAAAAAAAAAAAAAAAAAAAAA";
const SECOND_NEW: &str = "7770001111:NewTokenAfterRevokeBBBBBBBBBBBBBBBBBB";

/// The alert messages the owner got, in order.
fn alerts(tg: &Tg) -> Vec<String> {
    private_texts(tg, &owner())
        .into_iter()
        .filter(|t| t.starts_with("🔔"))
        .collect()
}

async fn wait_alerts(tg: &Tg, n: usize) -> Vec<String> {
    let found = tg.fake.wait_until(WAIT, |_| alerts(tg).len() >= n).await;
    if !found {
        let raised: Vec<(String, bool, Option<i64>)> =
            sqlx::query_as("SELECT key, broken, sent_at FROM alerts ORDER BY id")
                .fetch_all(tg.engine().store().pool())
                .await
                .unwrap();
        panic!(
            "never {n} alerts: {:#?}\nraised: {raised:?}\nthe owner's chat: {:#?}\njobs: {:#?}",
            alerts(tg),
            private_texts(tg, &owner()),
            tg.jobs().await
        );
    }
    alerts(tg)
}

async fn second_bot_state(tg: &Tg, project: i64) -> BotState {
    api::get_project(tg.engine(), project)
        .await
        .unwrap()
        .bot
        .unwrap()
        .state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_channel_is_told_once_and_its_recovery_once_grouped_and_spaced() {
    let tg = Tg::start(3_000).await;
    link_owner(&tg).await;
    tg.fake.add_bot(SECOND, "second_shop_bot");
    let second = api::create_project(
        tg.engine(),
        ProjectInput {
            name: "Second shop".into(),
            language: Language::En,
        },
    )
    .await
    .unwrap()
    .id;
    let connect = async |token: &str| {
        api::connect_bot(
            tg.engine(),
            second,
            BotInput {
                token: token.into(),
                api_url: Some(tg.fake.url()),
                proxy: None,
            },
        )
        .await
        .unwrap();
    };
    connect(SECOND).await;
    eventually("the second bot is online", async || {
        (second_bot_state(&tg, second).await == BotState::Online).then_some(())
    })
    .await;

    // @BotFather revokes its token: the owner is told through the first bot.
    tg.fake.revoke_token(SECOND, SECOND_NEW);
    let told = wait_alerts(&tg, 1).await;
    assert!(
        told[0].contains("second_shop_bot") || told[0].contains("Second"),
        "{told:?}"
    );
    assert!(told[0].contains("stopped working"), "{told:?}");
    assert!(told[0].contains("connect the bot again"), "{told:?}");

    // Connected again with the new token: told once that it works again,
    // not sooner than the gap after the first alert.
    let first_at = std::time::Instant::now();
    connect(SECOND_NEW).await;
    let told = wait_alerts(&tg, 2).await;
    assert!(first_at.elapsed() >= Duration::from_millis(1_000));
    assert!(told[1].contains("works again"), "{told:?}");
    assert!(!told[1].contains("stopped working"), "{told:?}");

    // The work group loses the bot's rights and gets them back at once: one
    // message says both.
    tg.fake.set_bot_rights(TOKEN, tg.group, false, false);
    tg.until("the lost rights are seen", |p| {
        p.work_group
            .as_ref()
            .and_then(|g| g.check.as_ref())
            .is_some_and(|c| !c.missing.is_empty())
    })
    .await;
    tg.fake.set_bot_rights(TOKEN, tg.group, true, true);
    let told = wait_alerts(&tg, 3).await;
    assert!(
        told[2].contains("The work group of “Flower shop” lacks")
            && told[2].contains("The work group of “Flower shop” works again"),
        "{told:?}"
    );

    // Nothing is told twice: states that did not change say nothing more.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(alerts(&tg).len(), 3, "{:#?}", alerts(&tg));
    tg.assert_clean();
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_waiting_longer_than_the_threshold_is_told_once() {
    let tg = Tg::start(3_000).await;
    link_owner(&tg).await;
    assert_eq!(api::alert_waiting_minutes(tg.engine()).await.unwrap(), 30);
    assert!(
        api::set_alert_waiting_minutes(tg.engine(), 100_000)
            .await
            .is_err()
    );
    api::set_alert_waiting_minutes(tg.engine(), 45)
        .await
        .unwrap();
    let anna = tg.customer_writes("Anna", "Are peonies in stock?").await;
    let thread = tg.wait_topic("Anna").await;
    let boris = tg.customer_writes("Boris", "Do you deliver?").await;
    // Anna wrote an hour ago, Boris ten minutes ago.
    for (conversation, minutes) in [(anna, 60), (boris, 10)] {
        sqlx::query("UPDATE messages SET created_at = created_at - ?2 WHERE conversation_id = ?1")
            .bind(conversation)
            .bind(minutes * 60_000)
            .execute(tg.engine().store().pool())
            .await
            .unwrap();
    }
    // Vera got only an auto-reply ("we will answer soon"): still waiting.
    let vera = tg.customer_writes("Vera", "Can I pick it up today?").await;
    tg.auto_replied(vera).await;
    sqlx::query("UPDATE messages SET created_at = created_at - 3600000 WHERE conversation_id = ?1")
        .bind(vera)
        .execute(tg.engine().store().pool())
        .await
        .unwrap();
    // Told together, in one message.
    let told = wait_alerts(&tg, 1).await;
    assert!(told[0].contains("Vera has waited 1 h"), "{told:?}");
    assert!(told[0].contains("Anna has waited 1 h"), "{told:?}");
    let group = tg.group.to_string();
    let group = group.strip_prefix("-100").unwrap_or(&group);
    assert!(
        told[0].contains(&format!("https://t.me/c/{group}/{thread}")),
        "{told:?}"
    );
    assert!(!told[0].contains("Boris"), "{told:?}");
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(alerts(&tg).len(), 1, "told once: {:#?}", alerts(&tg));

    // Off at 0.
    api::set_alert_waiting_minutes(tg.engine(), 0)
        .await
        .unwrap();
    sqlx::query("UPDATE messages SET created_at = created_at - 3600000 WHERE conversation_id = ?1")
        .bind(boris)
        .execute(tg.engine().store().pool())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(alerts(&tg).len(), 1, "{:#?}", alerts(&tg));
    tg.stop().await;
}
