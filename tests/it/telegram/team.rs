//! The team through the bot: the owner's link, invites, and only linked
//! people whose role allows it answering customers from the topics.

use super::*;
use tuberry::team::model::{InviteInput, InviteState, Role};

fn stranger() -> User {
    User::new(9003, "Stas")
}

/// What the bot wrote in its private chat with `user`.
pub(super) fn private_texts(tg: &Tg, user: &User) -> Vec<String> {
    tg.fake
        .messages(user.id, None)
        .into_iter()
        .filter(|m| m.from_bot.is_some())
        .filter_map(|m| m.text)
        .collect()
}

pub(super) async fn bot_says(tg: &Tg, user: &User, needle: &str) {
    let found = tg
        .fake
        .wait_until(WAIT, |_| {
            private_texts(tg, user).iter().any(|t| t.contains(needle))
        })
        .await;
    assert!(
        found,
        "the bot never said {needle:?} to {}: {:?}",
        user.first_name,
        private_texts(tg, user)
    );
}

/// The code of a `t.me/<bot>?start=<code>` link.
fn code_of(url: &str) -> String {
    url.split_once("?start=").unwrap().1.to_owned()
}

pub(super) async fn link_owner(tg: &Tg) {
    let link = api::owner_link(tg.engine(), None).await.unwrap();
    assert!(
        link.url.starts_with("https://t.me/shop_bot?start=own_"),
        "{}",
        link.url
    );
    tg.fake
        .user_writes_to_bot(TOKEN, &owner(), &format!("/start {}", code_of(&link.url)));
    bot_says(tg, &owner(), "you are the owner").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_links_once_through_the_bot_and_the_link_lapses() {
    let tg = Tg::start(3_000).await;
    assert!(api::list_people(tg.engine()).await.unwrap().is_empty());
    let first = api::owner_link(tg.engine(), Some(tg.project))
        .await
        .unwrap();
    let stale = api::owner_link(tg.engine(), None).await.unwrap();
    // A link whose fifteen minutes are over links nobody.
    sqlx::query("UPDATE owner_links SET expires_at = 0 WHERE token_hash = ?1")
        .bind(format!(
            "{:x}",
            <sha2::Sha256 as sha2::Digest>::digest(code_of(&stale.url).as_bytes())
        ))
        .execute(tg.engine().store().pool())
        .await
        .unwrap();
    tg.fake
        .user_writes_to_bot(TOKEN, &owner(), &format!("/start {}", code_of(&stale.url)));
    bot_says(&tg, &owner(), "expired").await;
    assert!(api::list_people(tg.engine()).await.unwrap().is_empty());

    tg.fake
        .user_writes_to_bot(TOKEN, &owner(), &format!("/start {}", code_of(&first.url)));
    bot_says(&tg, &owner(), "you are the owner").await;
    let people = api::list_people(tg.engine()).await.unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].role, Role::Owner);
    assert_eq!(people[0].telegram_user_id, owner().id);
    assert_eq!(people[0].name, "Olga Owner");

    // The link is used once; and there is one owner.
    tg.fake.user_writes_to_bot(
        TOKEN,
        &stranger(),
        &format!("/start {}", code_of(&first.url)),
    );
    bot_says(&tg, &stranger(), "already been used").await;
    let refused = api::owner_link(tg.engine(), None).await.unwrap_err();
    assert!(refused.message.contains("already linked"), "{refused:?}");
    assert_eq!(api::list_people(tg.engine()).await.unwrap().len(), 1);
    // The team codes never become customer conversations.
    let page = api::list_conversations(tg.engine(), Default::default())
        .await
        .unwrap();
    assert!(
        page.items
            .iter()
            .all(|c| c.channel_kind != ChannelKind::TelegramBot),
        "{page:#?}"
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_keep_their_limit_expiry_and_revocation_and_only_their_hash() {
    let tg = Tg::start(3_000).await;
    let created = api::create_invite(
        tg.engine(),
        InviteInput {
            role: Some(Role::Operator),
            project_ids: vec![tg.project],
            max_uses: Some(1),
            valid_hours: Some(24),
            label: Some("  Evening shift ".into()),
        },
    )
    .await
    .unwrap();
    assert!(
        created.code.starts_with("inv_") && created.code.len() == 28,
        "{}",
        created.code
    );
    assert_eq!(
        created.url.as_deref(),
        Some(format!("https://t.me/shop_bot?start={}", created.code).as_str())
    );
    assert_eq!(created.invite.label.as_deref(), Some("Evening shift"));
    assert_eq!(created.invite.state, InviteState::Active);
    // Only the hash is kept: the code is in no table.
    let hashes: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM invites")
        .fetch_all(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(hashes.len(), 1);
    assert!(!hashes[0].contains(&created.code[4..]));
    let dump: String = sqlx::query_scalar(
        "SELECT group_concat(coalesce(code_hash,'') || coalesce(label,'') || coalesce(project_ids,''), '|') FROM invites",
    )
    .fetch_one(tg.engine().store().pool())
    .await
    .unwrap();
    assert!(!dump.contains(&created.code));

    // Bad input changes nothing.
    for bad in [
        InviteInput {
            role: Some(Role::Owner),
            ..Default::default()
        },
        InviteInput {
            max_uses: Some(0),
            ..Default::default()
        },
        InviteInput {
            valid_hours: Some(0),
            ..Default::default()
        },
        InviteInput {
            project_ids: vec![999],
            ..Default::default()
        },
    ] {
        assert!(api::create_invite(tg.engine(), bad).await.is_err());
    }
    assert_eq!(api::list_invites(tg.engine()).await.unwrap().len(), 1);

    tg.fake
        .user_writes_to_bot(TOKEN, &operator(), &format!("/start {}", created.code));
    bot_says(&tg, &operator(), "you are in the team as operator").await;
    tg.fake
        .user_writes_to_bot(TOKEN, &stranger(), &format!("/start {}", created.code));
    bot_says(&tg, &stranger(), "already been used").await;
    let used = api::get_invite(tg.engine(), created.invite.id)
        .await
        .unwrap();
    assert_eq!(used.state, InviteState::UsedUp);
    assert_eq!(
        (used.uses, used.used_by.clone()),
        (1, vec!["Oleg".to_owned()])
    );
    let people = api::list_people(tg.engine()).await.unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].project_ids, Some(vec![tg.project]));

    // Revoked and expired invites link nobody.
    let revoked = api::create_invite(
        tg.engine(),
        InviteInput {
            max_uses: Some(5),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        api::revoke_invite(tg.engine(), revoked.invite.id)
            .await
            .unwrap()
            .state,
        InviteState::Revoked
    );
    tg.fake
        .user_writes_to_bot(TOKEN, &stranger(), &format!("/start {}", revoked.code));
    bot_says(&tg, &stranger(), "was revoked").await;
    let expired = api::create_invite(tg.engine(), InviteInput::default())
        .await
        .unwrap();
    sqlx::query("UPDATE invites SET expires_at = 1 WHERE id = ?1")
        .bind(expired.invite.id)
        .execute(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(
        api::get_invite(tg.engine(), expired.invite.id)
            .await
            .unwrap()
            .state,
        InviteState::Expired
    );
    tg.fake
        .user_writes_to_bot(TOKEN, &stranger(), &format!("/start {}", expired.code));
    bot_says(&tg, &stranger(), "has expired").await;
    assert_eq!(api::list_people(tg.engine()).await.unwrap().len(), 1);
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_guessing_codes_is_held_off_even_with_a_right_one() {
    let tg = Tg::start(3_000).await;
    let invite = api::create_invite(tg.engine(), InviteInput::default())
        .await
        .unwrap();
    for i in 0..tuberry::team::MAX_WRONG_CODES {
        tg.fake
            .user_writes_to_bot(TOKEN, &stranger(), &format!("/start inv_guess{i:019}"));
    }
    let found = tg
        .fake
        .wait_until(WAIT, |_| {
            private_texts(&tg, &stranger())
                .iter()
                .filter(|t| t.contains("no such code"))
                .count()
                == usize::try_from(tuberry::team::MAX_WRONG_CODES).unwrap()
        })
        .await;
    assert!(found, "{:?}", private_texts(&tg, &stranger()));
    tg.fake
        .user_writes_to_bot(TOKEN, &stranger(), &format!("/start {}", invite.code));
    bot_says(&tg, &stranger(), "Too many wrong codes").await;
    assert!(api::list_people(tg.engine()).await.unwrap().is_empty());
    // Others are not held off.
    tg.fake
        .user_writes_to_bot(TOKEN, &operator(), &format!("/start {}", invite.code));
    bot_says(&tg, &operator(), "you are in the team").await;
    // A customer's own deep link is no code: it opens the chat as before.
    tg.fake
        .user_writes_to_bot(TOKEN, &customer(7001, "Ira"), "/start ad_spring");
    tg.fake
        .user_writes_to_bot(TOKEN, &customer(7001, "Ira"), "Hello!");
    eventually("Ira's message is in the inbox", async || {
        let page = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Ira")
    })
    .await;
    assert!(private_texts(&tg, &customer(7001, "Ira")).is_empty());
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_there_is_a_team_only_its_people_answer_and_each_answer_says_who() {
    let tg = Tg::start(3_000).await;
    let conversation = tg.customer_writes("Anna", "Are peonies in stock?").await;
    let thread = tg.wait_topic("Anna").await;
    link_owner(&tg).await;
    let invite = api::create_invite(tg.engine(), InviteInput::default())
        .await
        .unwrap();
    tg.fake
        .user_writes_to_bot(TOKEN, &operator(), &format!("/start {}", invite.code));
    bot_says(&tg, &operator(), "you are in the team").await;
    let oleg = api::list_people(tg.engine())
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.role == Role::Operator)
        .unwrap();

    // Someone who is not in the team: not sent, kept as a note, told once.
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &stranger(), "Yes, 30 of them");
    tg.wait_topic_text(thread, "only team members answer").await;
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &stranger(), "Hello?");
    let detail = eventually("both messages are kept as notes", async || {
        let detail = api::get_conversation(tg.engine(), conversation)
            .await
            .unwrap();
        (detail.notes.len() == 2).then_some(detail)
    })
    .await;
    assert_eq!(detail.notes[0].text, "Yes, 30 of them");
    assert_eq!(detail.notes[0].author_name, "Stas");
    assert!(
        detail.messages.iter().all(|m| m.direction == Direction::In),
        "{:#?}",
        detail.messages
    );

    // The operator answers: it goes out with the person's name and id.
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "Yes, pink and white");
    eventually("the operator's answer reached the customer", async || {
        let transcript = api::simulator_transcript(tg.engine(), Some("Anna".into()))
            .await
            .unwrap();
        transcript
            .into_iter()
            .find(|e| e.direction == Direction::Out && e.text == "Yes, pink and white")
    })
    .await;
    let transcript = api::simulator_transcript(tg.engine(), Some("Anna".into()))
        .await
        .unwrap();
    assert!(
        !transcript
            .iter()
            .any(|e| e.text.contains("30 of them") || e.text == "Hello?")
    );
    let detail = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap();
    let answer = detail
        .messages
        .iter()
        .find(|m| m.text == "Yes, pink and white")
        .unwrap();
    assert_eq!(answer.author_name.as_deref(), Some("Oleg"));
    let person: Option<i64> = sqlx::query_scalar("SELECT person_id FROM messages WHERE id = ?1")
        .bind(answer.id)
        .fetch_one(tg.engine().store().pool())
        .await
        .unwrap();
    assert_eq!(person, Some(oleg.id));

    // An answer closes the conversation. An operator may not reopen it; the owner may.
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/reopen");
    tg.wait_topic_text(thread, "Your role does not allow /reopen")
        .await;
    let status = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap()
        .conversation
        .status;
    assert_eq!(status, ConversationStatus::Closed);
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &owner(), "/reopen");
    eventually("the owner reopened it", async || {
        let detail = api::get_conversation(tg.engine(), conversation)
            .await
            .unwrap();
        (detail.conversation.status == ConversationStatus::AwaitingResponse).then_some(())
    })
    .await;

    // The hint was given once.
    let hints = tg
        .topic_texts(thread)
        .iter()
        .filter(|t| t.contains("only team members answer"))
        .count();
    assert_eq!(hints, 1);

    // A removed person answers nothing any more.
    api::remove_person(tg.engine(), oleg.id).await.unwrap();
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "One more thing");
    eventually("the removed operator's message is a note", async || {
        let detail = api::get_conversation(tg.engine(), conversation)
            .await
            .unwrap();
        detail
            .notes
            .iter()
            .any(|n| n.text == "One more thing")
            .then_some(())
    })
    .await;
    tg.stop().await;
}

/// The owner asks `/unanswered` for the `nth` time; the bot's answer.
async fn unanswered(tg: &Tg, nth: usize) -> String {
    tg.fake.user_writes_to_bot(TOKEN, &owner(), "/unanswered");
    let lists = || {
        private_texts(tg, &owner())
            .into_iter()
            .filter(|t| t.contains("Waiting for an answer"))
            .collect::<Vec<_>>()
    };
    let found = tg.fake.wait_until(WAIT, |_| lists().len() == nth).await;
    assert!(found, "no answer {nth} to /unanswered: {:?}", lists());
    lists().pop().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_of_the_team_ask_the_bot_what_waits_longest() {
    let tg = Tg::start(3_000).await;
    tg.customer_writes("Anna", "Are peonies in stock?").await;
    let anna = tg.wait_topic("Anna").await;
    tg.customer_writes("Boris", "Do you deliver?").await;
    tg.wait_topic("Boris").await;
    link_owner(&tg).await;

    let list = unanswered(&tg, 1).await;
    let (a, b) = (list.find("Anna").unwrap(), list.find("Boris").unwrap());
    assert!(a < b, "the longest waiting first: {list}");
    let group = tg.group.to_string();
    let group = group.strip_prefix("-100").unwrap_or(&group);
    assert!(
        list.contains(&format!("https://t.me/c/{group}/{anna}")),
        "{list}"
    );

    // Answered conversations leave the list.
    tg.fake
        .user_writes_in_group(tg.group, Some(anna), &owner(), "Yes, pink ones");
    eventually("Anna has her answer", async || {
        let transcript = api::simulator_transcript(tg.engine(), Some("Anna".into()))
            .await
            .unwrap();
        transcript
            .into_iter()
            .find(|e| e.direction == Direction::Out)
    })
    .await;
    let last = unanswered(&tg, 2).await;
    assert!(last.contains("Boris") && !last.contains("Anna"), "{last}");

    // An auto-reply ("we will answer soon") is not an answer: Vera stays.
    let vera = tg.customer_writes("Vera", "Can I pick it up today?").await;
    tg.auto_replied(vera).await;
    // Mirrored: its topic is stored.
    let topic = tg.wait_topic("Vera").await;
    tg.wait_topic_text(topic, "Can I pick it up today?").await;
    let last = unanswered(&tg, 3).await;
    assert!(last.contains("Boris") && last.contains("Vera"), "{last}");

    // Someone outside the team gets nothing of it: it is a customer's message.
    tg.fake
        .user_writes_to_bot(TOKEN, &stranger(), "/unanswered");
    eventually("the stranger's message is a conversation", async || {
        let page = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Stas")
    })
    .await;
    assert!(private_texts(&tg, &stranger()).is_empty());
    tg.stop().await;
}
