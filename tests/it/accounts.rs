//! Every channel account reports its state through one model, in the API
//! and in `tuberry accounts`; the work group's jobs are known by what they
//! are about, so queuing the same one twice is one job.

use std::time::Duration;

use tuberry::api;
use tuberry::channels::{Account, AccountState};
use tuberry::model::ChannelKind;
use tuberry::operators::mirror::{self, TopicAction};

use crate::cli::tuberry;
use crate::telegram::Tg;

async fn accounts_until(tg: &Tg, what: &str, ok: impl Fn(&[Account]) -> bool) -> Vec<Account> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let accounts = api::list_accounts(tg.engine()).await.unwrap();
        if ok(&accounts) {
            return accounts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}: {accounts:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn of(accounts: &[Account], kind: ChannelKind) -> &Account {
    accounts
        .iter()
        .find(|a| a.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} account in {accounts:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_and_the_test_chat_report_their_state_in_one_model_here_and_on_the_command_line() {
    let tg = Tg::start(60_000).await;
    let accounts = accounts_until(&tg, "the bot is connected", |a| {
        a.iter().any(|a| {
            a.kind == ChannelKind::TelegramBot && a.status.state == AccountState::Connected
        })
    })
    .await;
    let bot = of(&accounts, ChannelKind::TelegramBot).clone();
    assert_eq!(bot.status.detail.as_deref(), Some("online"), "{bot:?}");
    assert_eq!(bot.project_id, Some(tg.project));
    let connected_at = bot.status.last_connected_at.expect("when it connected");
    let test_chat = of(&accounts, ChannelKind::Simulator);
    assert_eq!(test_chat.status.state, AccountState::Connected);

    // Telegram goes away: the bot is offline with the reason, then back.
    tg.fake().set_offline(true);
    let accounts = accounts_until(&tg, "the bot is offline", |a| {
        a.iter()
            .any(|a| a.kind == ChannelKind::TelegramBot && a.status.state == AccountState::Offline)
    })
    .await;
    let offline = of(&accounts, ChannelKind::TelegramBot);
    assert!(offline.status.last_error.is_some(), "{offline:?}");
    assert_eq!(
        offline.status.last_connected_at,
        Some(connected_at),
        "it was last connected before the loss"
    );

    // Another process (the command line) sees what the running app recorded.
    let (ok, out, err) = tuberry(tg.data_dir(), &["--json", "accounts"]);
    assert!(ok, "{err}");
    let listed: Vec<Account> = serde_json::from_str(&out).unwrap();
    assert_eq!(
        of(&listed, ChannelKind::TelegramBot).status.state,
        AccountState::Offline,
        "{out}"
    );
    let (ok, out, err) = tuberry(tg.data_dir(), &["accounts"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("telegram_bot") && out.contains("offline"),
        "{out}"
    );
    assert!(out.contains("last error:"), "{out}");
    assert!(
        out.contains("simulator") && out.contains("connected"),
        "{out}"
    );

    tg.fake().set_offline(false);
    let accounts = accounts_until(&tg, "the bot is back", |a| {
        a.iter().any(|a| {
            a.kind == ChannelKind::TelegramBot && a.status.state == AccountState::Connected
        })
    })
    .await;
    let back = of(&accounts, ChannelKind::TelegramBot);
    assert_eq!(back.status.last_error, None);
    assert!(
        back.status.last_connected_at > Some(connected_at),
        "{back:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_topic_change_or_notice_queued_twice_is_one_job() {
    let tg = Tg::start(60_000).await;
    let conversation = api::simulate_inbound(tg.engine(), "Anna".into(), "Hello".into())
        .await
        .unwrap();
    let engine = tg.engine();
    let jobs = async |kind: &str| -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = ?1")
            .bind(kind)
            .fetch_one(engine.store().pool())
            .await
            .unwrap()
    };
    let mirrors = jobs(mirror::MIRROR_JOB).await;
    let topics = jobs(mirror::TOPIC_JOB).await;
    let notices = jobs(mirror::NOTICE_JOB).await;
    let now = engine.clock().now_ms();
    let id = conversation.conversation_id;
    for _ in 0..2 {
        let mut tx = engine.store().write().await.unwrap();
        mirror::enqueue_message(&mut tx, now, id, conversation.message_id)
            .await
            .unwrap();
        mirror::enqueue_topic(&mut tx, now, id, TopicAction::Close, "status:1")
            .await
            .unwrap();
        mirror::enqueue_conversation_notice(&mut tx, now, id, "held:7:1", |_| "held".into())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(
        jobs(mirror::MIRROR_JOB).await,
        mirrors,
        "the message was mirrored already"
    );
    assert_eq!(jobs(mirror::TOPIC_JOB).await, topics + 1);
    assert_eq!(jobs(mirror::NOTICE_JOB).await, notices + 1);

    // Another cause is another job.
    let mut tx = engine.store().write().await.unwrap();
    mirror::enqueue_topic(&mut tx, now, id, TopicAction::Close, "status:2")
        .await
        .unwrap();
    mirror::enqueue_topic(&mut tx, now, id, TopicAction::Reopen, "status:1")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(jobs(mirror::TOPIC_JOB).await, topics + 3);
}
