//! People of the team ask the bot in its private chat: `/status` (channels,
//! queue, unanswered now) and `/stats` (today and this week), as their role
//! allows.

use super::team::{bot_says, link_owner, private_texts};
use super::*;
use tuberry::clock as schedule;
use tuberry::stats::Period;
use tuberry::team::model::InviteInput;

/// Moves a message (and, for the first one, its conversation) back in time.
async fn back_in_time(tg: &Tg, message_id: i64, at: i64) {
    let pool = tg.engine().store().pool();
    sqlx::query("UPDATE messages SET created_at = ?2 WHERE id = ?1")
        .bind(message_id)
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE conversations SET created_at = min(created_at, ?2)
         WHERE id = (SELECT conversation_id FROM messages WHERE id = ?1)",
    )
    .bind(message_id)
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
}

async fn writes(tg: &Tg, name: &str, text: &str, at: i64) -> i64 {
    let outcome = api::simulate_inbound(tg.engine(), name.into(), text.into())
        .await
        .unwrap();
    back_in_time(tg, outcome.message_id, at).await;
    outcome.conversation_id
}

async fn answers(tg: &Tg, conversation: i64, text: &str, at: i64) {
    let reply = api::send_reply(tg.engine(), conversation, text.into())
        .await
        .unwrap();
    back_in_time(tg, reply.id, at).await;
}

/// The last thing the bot said to `user` that contains `needle`.
async fn said(tg: &Tg, user: &User, needle: &str) -> String {
    bot_says(tg, user, needle).await;
    private_texts(tg, user)
        .into_iter()
        .rev()
        .find(|t| t.contains(needle))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_team_asks_the_bot_for_the_status_and_the_figures() {
    let tg = Tg::start(3_000).await;
    link_owner(&tg).await;
    // Not in the first minute of a day, so every message below is today's.
    let zone = schedule::system_zone();
    while {
        let now = chrono::Utc::now().timestamp_millis();
        now - Period::today(now, zone).from < 70_000
    } {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let now = chrono::Utc::now().timestamp_millis();
    let s = 1_000;
    // Anna answered in 2 s, Boris in 10 s, Vera only by the auto-reply;
    // Gleb's conversation is from eight days ago.
    let anna = writes(&tg, "Anna", "Peonies?", now - 50 * s).await;
    answers(&tg, anna, "Yes", now - 48 * s).await;
    let boris = writes(&tg, "Boris", "Delivery?", now - 40 * s).await;
    answers(&tg, boris, "Tomorrow", now - 30 * s).await;
    let vera = writes(&tg, "Vera", "Roses?", now - 20 * s).await;
    sqlx::query(
        "INSERT INTO messages (conversation_id, channel_account_id, direction, author_kind, text, delivery, created_at)
         SELECT id, channel_account_id, 'out', 'auto_reply', 'We will answer soon', 'sent', ?2
         FROM conversations WHERE id = ?1",
    )
    .bind(vera)
    .bind(now - 19 * s)
    .execute(tg.engine().store().pool())
    .await
    .unwrap();
    let gleb = writes(&tg, "Gleb", "Tulips?", now - 8 * 86_400 * s).await;
    answers(&tg, gleb, "Sold out", now - 8 * 86_400 * s + 5 * s).await;

    tg.fake.user_writes_to_bot(TOKEN, &owner(), "/stats");
    let stats = said(&tg, &owner(), "📊 Today").await;
    let (today, week) = stats.split_once("📊 This week").unwrap();
    for block in [today, week] {
        assert!(
            block.contains("New conversations: 3, answered: 2"),
            "{stats}"
        );
        assert!(
            block.contains("First response: median 2 s, 90% within 10 s"),
            "{stats}"
        );
        assert!(
            block.contains("Replies: people 2, assistant 0, auto-reply 1"),
            "{stats}"
        );
    }

    tg.fake.user_writes_to_bot(TOKEN, &owner(), "/status");
    let status = said(&tg, &owner(), "📡 Channels").await;
    assert!(
        status.contains("✅ shop_bot (Telegram bot): working")
            || status.contains("(Telegram bot): working"),
        "{status}"
    );
    // Vera waits (the auto-reply is not an answer); Gleb was answered.
    assert!(status.contains("Unanswered now: 1"), "{status}");
    assert!(status.contains("Queue:"), "{status}");

    // An operator sees the status, not the figures.
    let invite = api::create_invite(tg.engine(), InviteInput::default())
        .await
        .unwrap();
    tg.fake
        .user_writes_to_bot(TOKEN, &operator(), &format!("/start {}", invite.code));
    bot_says(&tg, &operator(), "you are in the team").await;
    tg.fake.user_writes_to_bot(TOKEN, &operator(), "/stats");
    bot_says(
        &tg,
        &operator(),
        "Managers, admins and the owner see the figures",
    )
    .await;
    tg.fake.user_writes_to_bot(TOKEN, &operator(), "/status");
    bot_says(&tg, &operator(), "📡 Channels").await;
    assert!(
        !private_texts(&tg, &operator())
            .iter()
            .any(|t| t.contains("📊")),
        "{:?}",
        private_texts(&tg, &operator())
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_and_admins_invite_people_from_the_bot() {
    let tg = Tg::start(3_000).await;
    link_owner(&tg).await;
    tg.fake.user_writes_to_bot(TOKEN, &owner(), "/invite boss");
    said(&tg, &owner(), "Invite whom?").await;
    tg.fake.user_writes_to_bot(TOKEN, &owner(), "/invite admin");
    let text = said(&tg, &owner(), "An invite for an admin").await;
    let code = text
        .split("?start=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert!(text.contains("https://t.me/shop_bot?start=inv_"), "{text}");
    let admin = User::new(9005, "Alla");
    tg.fake
        .user_writes_to_bot(TOKEN, &admin, &format!("/start {code}"));
    bot_says(&tg, &admin, "you are in the team").await;
    let people = api::list_people(tg.engine()).await.unwrap();
    let alla = people.iter().find(|p| p.name == "Alla").unwrap();
    assert_eq!(alla.role, tuberry::team::model::Role::Admin);

    // An admin invites managers and operators, not admins.
    tg.fake.user_writes_to_bot(TOKEN, &admin, "/invite admin");
    said(&tg, &admin, "only the owner invites admins").await;
    tg.fake.user_writes_to_bot(TOKEN, &admin, "/invite");
    said(&tg, &admin, "An invite for an operator").await;
    let invites = api::list_invites(tg.engine()).await.unwrap();
    assert_eq!(invites.len(), 2, "{invites:#?}");
    // An operator invites nobody.
    let operator_invite = said(&tg, &admin, "An invite for an operator").await;
    let code = operator_invite
        .split("?start=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    tg.fake
        .user_writes_to_bot(TOKEN, &operator(), &format!("/start {code}"));
    bot_says(&tg, &operator(), "you are in the team").await;
    tg.fake.user_writes_to_bot(TOKEN, &operator(), "/invite");
    said(&tg, &operator(), "Admins and the owner invite people").await;
    assert_eq!(api::list_invites(tg.engine()).await.unwrap().len(), 2);
    tg.stop().await;
}
