//! The Health report: a reply that failed is listed with its job, sent once
//! when retried, and a broken bot is shown with its fix.

use super::*;
use tuberry::api::Fix;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reply_retried_from_health_is_delivered_once() {
    let tg = Tg::start(3_000).await;
    let vera = customer(4343, "Vera");
    tg.fake
        .user_writes_to_bot(TOKEN, &vera, "Do you have size M?");
    let summary = eventually("Vera's conversation", async || {
        let page = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Vera")
    })
    .await;
    // The reply is refused: Vera blocked the bot.
    tg.fake.user_blocks_bot(TOKEN, 4343);
    let reply = api::send_reply(tg.engine(), summary.id, "Yes, size M".into())
        .await
        .unwrap();
    let failed = eventually("the reply failed", async || {
        let health = api::health(tg.engine()).await.unwrap();
        health
            .queue
            .failed
            .into_iter()
            .find(|j| j.message_id == Some(reply.id))
    })
    .await;
    assert!(failed.last_error.is_some());
    // Writing again, she unblocks it.
    tg.fake.user_writes_to_bot(TOKEN, &vera, "Hello?");

    api::retry_job(tg.engine(), failed.id).await.unwrap();
    assert!(
        api::discard_job(tg.engine(), failed.id).await.is_err(),
        "only a failed job is discarded"
    );
    let sent = |f: &tuberry_fakes::telegram::FakeTelegram| {
        f.messages(4343, None)
            .iter()
            .filter(|m| m.from_bot.is_some() && m.text.as_deref() == Some("Yes, size M"))
            .count()
    };
    assert!(tg.fake.wait_until(WAIT, |f| sent(f) == 1).await);
    eventually("the reply is sent", async || {
        let detail = api::get_conversation(tg.engine(), summary.id)
            .await
            .unwrap();
        detail.messages.into_iter().find(|m| {
            m.id == reply.id
                && m.delivery != Some(tuberry::model::Delivery::Failed)
                && m.delivery != Some(tuberry::model::Delivery::Pending)
        })
    })
    .await;
    let health = api::health(tg.engine()).await.unwrap();
    assert!(health.queue.failed.is_empty(), "{:?}", health.queue.failed);
    // Once: a second retry has nothing to do.
    assert!(api::retry_job(tg.engine(), failed.id).await.is_err());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sent(&tg.fake), 1);

    // A bot whose token was revoked is shown with the fix.
    tg.fake
        .revoke_token(TOKEN, "5550001234:RevokedAndReplacedTokenCCCCCCCCCCCCC");
    let broken = eventually("the bot is shown broken", async || {
        let health = api::health(tg.engine()).await.unwrap();
        health
            .accounts
            .into_iter()
            .find(|a| a.kind == ChannelKind::TelegramBot && a.fix == Some(Fix::Reconnect))
    })
    .await;
    assert!(broken.last_error.unwrap().contains("token"));
    let health = api::health(tg.engine()).await.unwrap();
    assert!(health.keyring.ok);
    assert!(health.database.intact);
    assert_eq!(health.backup_fix, Some(Fix::BackUp));
    tg.stop().await;
}
