use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_across_thirty_conversations_arrives_complete_and_in_order() {
    // Telegram's 20 messages a minute into one group, with the minute scaled to 2 s.
    let tg = Tg::start(2_000).await;
    let simulator = tg.engine().simulator().account_id();
    let mut expected: Vec<Vec<String>> = vec![Vec::new(); 30];
    for i in 0..200 {
        let who = i % 30;
        let text = format!("customer {who} message {i}");
        expected[who].push(text.clone());
        let inbound = Inbound {
            channel_account_id: simulator,
            external_message_id: format!("burst-{i}"),
            external_thread_id: format!("burst customer {who:02}"),
            sender: ContactIdentity {
                kind: IdentityKind::Simulator,
                value: format!("burst customer {who:02}"),
            },
            sender_name: format!("Burst customer {who:02}"),
            subject: None,
            text,
            attachments: Vec::new(),
            sent_at: None,
        };
        // Every message is in the inbox at once, whatever Telegram's budget.
        tg.engine()
            .relay()
            .ingest(inbound.validate().unwrap())
            .await
            .unwrap();
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(stored, 200);

    let all_mirrored = eventually("all 200 messages are in their topics", async || {
        let mirrored: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT message_id) FROM topic_messages WHERE origin = 'mirror'",
        )
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
        (mirrored == 200).then_some(mirrored)
    });
    tokio::time::timeout(Duration::from_secs(120), all_mirrored)
        .await
        .expect("mirroring finished");

    let topics = tg.fake.topics(tg.group);
    assert_eq!(topics.len(), 30, "one topic per conversation");
    for (who, texts) in expected.iter().enumerate() {
        let thread = tg.topic(&format!("Burst customer {who:02}")).unwrap();
        let joined = tg.topic_texts(thread).join("\n");
        let mut at = 0;
        for text in texts {
            let found = joined[at..].find(&format!("{text}\n")).or_else(|| {
                joined[at..]
                    .ends_with(text.as_str())
                    .then(|| joined.len() - at - text.len())
            });
            let pos = found.unwrap_or_else(|| {
                panic!("{text:?} missing or out of order in topic {who}: {joined}")
            });
            at += pos + text.len();
        }
        assert_eq!(
            joined.matches("message ").count(),
            texts.len(),
            "each message once in topic {who}"
        );
    }
    let sends = tg
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "sendMessage" && r.status == 200)
        .count();
    assert!(
        sends < 200,
        "waiting mirrors are coalesced ({sends} messages for 200)"
    );
    let unfinished: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE status != 'done'")
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(unfinished, 0);
    println!(
        "burst: {sends} messages, {} answered 429",
        tg.fake.rate_limited().len()
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_s_retry_after_is_obeyed() {
    // The engine believes the group allows five times what it does: Telegram
    // answers 429, and the engine must wait as long as it was told.
    let (limits, mut telegram) = scaled(3_000);
    telegram.group_window_ms = 600;
    let tg = Tg::start_with(limits, telegram, None).await;
    for i in 0..40 {
        tg.customer_writes(
            &format!("Hasty {:02}", i % 10),
            &format!("hasty message {i}"),
        )
        .await;
    }
    eventually("all 40 messages are in their topics", async || {
        let mirrored: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT message_id) FROM topic_messages WHERE origin = 'mirror'",
        )
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
        (mirrored == 40).then_some(())
    })
    .await;
    assert!(
        !tg.fake.rate_limited().is_empty(),
        "the fake's limit was reached"
    );
    for i in 0..40 {
        let thread = tg.topic(&format!("Hasty {:02}", i % 10)).unwrap();
        let text = format!("hasty message {i}");
        assert_eq!(
            tg.topic_texts(thread)
                .join("\n")
                .lines()
                .filter(|l| *l == text)
                .count(),
            1,
            "{text} once"
        );
    }
    // stop() asserts that no call came before its retry_after had passed.
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_and_a_network_loss_lose_and_repeat_nothing() {
    let mut tg = Tg::start(3_000).await;
    let first = customer(5001, "Fedor");
    for i in 0..10 {
        tg.fake
            .user_writes_to_bot(TOKEN, &first, &format!("before restart {i}"));
    }
    eventually("some of the messages are stored", async || {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE direction = 'in'")
            .fetch_one(tg.engine().store().pool())
            .await
            .unwrap();
        (n >= 3).then_some(())
    })
    .await;
    tg.restart().await;
    for i in 0..10 {
        tg.fake
            .user_writes_to_bot(TOKEN, &first, &format!("after restart {i}"));
    }

    // Telegram unreachable for a while.
    tg.fake.set_outage(Some(Outage::ConnectionReset));
    tg.until("the bot noticed the network loss", |p| {
        p.bot.as_ref().is_some_and(|b| b.state == BotState::Offline)
    })
    .await;
    for i in 0..5 {
        tg.fake
            .user_writes_to_bot(TOKEN, &first, &format!("while offline {i}"));
    }
    // A message from another channel is in the inbox at once even so.
    tg.customer_writes("Galina", "Hello from the test chat")
        .await;
    tg.fake.set_outage(None);

    eventually("all 25 messages are stored", async || {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE direction = 'in' AND channel_account_id != ?1",
        )
        .bind(tg.engine().simulator().account_id())
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
        (n == 25).then_some(())
    })
    .await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.pending_updates(TOKEN) == 0)
            .await
    );
    let thread = tg.wait_topic("Fedor").await;
    tg.wait_topic_text(thread, "while offline 4").await;
    let galina = tg.wait_topic("Galina").await;
    tg.wait_topic_text(galina, "Hello from the test chat").await;
    let joined = tg.topic_texts(thread).join("\n");
    for prefix in ["before restart", "after restart"] {
        for i in 0..10 {
            assert_eq!(
                joined.matches(&format!("{prefix} {i}\n")).count()
                    + usize::from(joined.ends_with(&format!("{prefix} {i}"))),
                1,
                "{prefix} {i} once in {joined}"
            );
        }
    }
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT text FROM messages WHERE direction = 'in' ORDER BY id")
            .fetch_all(tg.engine().store().pool())
            .await
            .unwrap();
    let fedor: Vec<&String> = stored.iter().filter(|t| !t.starts_with("Hello")).collect();
    let mut expected: Vec<String> = (0..10).map(|i| format!("before restart {i}")).collect();
    expected.extend((0..10).map(|i| format!("after restart {i}")));
    expected.extend((0..5).map(|i| format!("while offline {i}")));
    assert_eq!(
        fedor,
        expected.iter().collect::<Vec<_>>(),
        "stored once each, in order"
    );
    tg.until("the bot is online again", |p| {
        p.bot.as_ref().is_some_and(|b| b.state == BotState::Online)
    })
    .await;
    tg.stop().await;
}
