//! A connected account at work: customers' messages in the inbox, replies
//! leaving once from the account, the owner's own messages from the phone,
//! the delivery flags, edits, deletions and reactions, a lost connection and a restart
//! caught up without loss or duplicates, flood waits, a session ended
//! elsewhere.

use tuberry::api;
use tuberry::channels::telegram_account::model::DeliveryFlags;
use tuberry::channels::telegram_account::mtproto::{AccountUpdate, Media, MediaKind, MtError};
use tuberry::model::{
    AttachmentKind, AuthorKind, ConversationFilter, Delivery, Direction, Message,
};

use super::{Ta, eventually};
use tuberry_fakes::telegram_user::{Account, group, message, person, private};

async fn messages(ta: &Ta, conversation_id: i64) -> Vec<Message> {
    api::get_conversation(ta.engine(), conversation_id)
        .await
        .unwrap()
        .messages
}

/// The conversation of the account's chat with `chat_id`, once it exists.
async fn conversation(ta: &Ta, account_id: i64, chat_id: i64) -> i64 {
    eventually("the chat's conversation exists", async || {
        sqlx::query_scalar(
            "SELECT id FROM conversations WHERE channel_account_id = ?1 AND external_thread_id = ?2",
        )
        .bind(account_id)
        .bind(chat_id.to_string())
        .fetch_optional(ta.engine().store().pool())
        .await
        .unwrap()
    })
    .await
}

async fn until_messages(ta: &Ta, conversation_id: i64, what: &str, count: usize) -> Vec<Message> {
    eventually(what, async || {
        let all = messages(ta, conversation_id).await;
        (all.len() == count).then_some(all)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_writes_the_reply_leaves_once_and_the_owners_own_message_is_kept_as_sent() {
    customer_reply_and_own_message(Ta::start().await).await;
}

/// The same through the stand-in's HTTP face, as the whole app reaches it
/// in the end-to-end test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_holds_through_the_http_stand_in() {
    customer_reply_and_own_message(Ta::start_with(true).await).await;
}

async fn customer_reply_and_own_message(ta: Ta) {
    let account_id = ta.connect(Account::new(601, "Marina")).await;
    let anna = person(7001, "Anna");
    ta.fake.customer_writes(601, &anna, "Do you have peonies?");
    let conversation_id = conversation(&ta, account_id, 7001).await;
    let first = until_messages(&ta, conversation_id, "the customer's message is stored", 1).await;
    assert_eq!(first[0].direction, Direction::In);
    assert_eq!(first[0].text, "Do you have peonies?");
    let detail = api::get_conversation(ta.engine(), conversation_id)
        .await
        .unwrap();
    assert_eq!(detail.conversation.contact_name, "Anna");
    assert_eq!(
        detail.conversation.channel_kind.as_str(),
        "telegram_account"
    );

    // A reply from the window leaves from the account, once, though
    // Telegram tells the account about it again.
    // It answers her message: Telegram shows it quoted.
    api::send_reply_with_files(
        ta.engine(),
        conversation_id,
        "Yes, pink and white.".into(),
        Vec::new(),
        Some(first[0].id),
        None,
    )
    .await
    .unwrap();
    eventually("the reply is delivered", async || {
        let all = messages(&ta, conversation_id).await;
        all.iter()
            .find(|m| m.direction == Direction::Out)
            .filter(|m| m.delivery == Some(Delivery::Sent))
            .cloned()
    })
    .await;
    assert_eq!(
        ta.fake.sent(),
        vec![(601, 7001, "Yes, pink and white.".to_owned(), vec![])]
    );
    let asked: i32 =
        sqlx::query_scalar::<_, String>("SELECT external_id FROM messages WHERE id = ?1")
            .bind(first[0].id)
            .fetch_one(ta.engine().store().pool())
            .await
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
    assert_eq!(ta.fake.replied_to(), vec![Some(asked)]);

    // Changed after it went: changed in her chat; a reaction to her message reaches her.
    let reply = messages(&ta, conversation_id)
        .await
        .into_iter()
        .find(|m| m.direction == Direction::Out)
        .unwrap();
    api::edit_reply(ta.engine(), reply.id, "Yes, pink, white and red.".into())
        .await
        .unwrap();
    let mut tx = ta.engine().store().write().await.unwrap();
    ta.engine()
        .outbox()
        .react_in(&mut tx, first[0].id, "❤")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    ta.engine().queue().wake();
    let external: String = sqlx::query_scalar("SELECT external_id FROM messages WHERE id = ?1")
        .bind(reply.id)
        .fetch_one(ta.engine().store().pool())
        .await
        .unwrap();
    let sent_id: i32 = external.rsplit(':').next().unwrap().parse().unwrap();
    eventually("the edit and the reaction reach Telegram", async || {
        // The account writes into one chat once a second.
        ta.clock.advance(1_000);
        ta.engine().queue().wake();
        (!ta.fake.edits().is_empty() && !ta.fake.reactions().is_empty()).then_some(())
    })
    .await;
    assert_eq!(
        ta.fake.edits(),
        vec![(7001, sent_id, "Yes, pink, white and red.".to_owned())]
    );
    assert_eq!(ta.fake.reactions(), vec![(7001, asked, "❤".to_owned())]);

    // She reacts to the reply (Telegram tells it as an edit of that
    // message), then takes the reaction back.
    for emoji in ["🙏", ""] {
        ta.fake.push(
            601,
            AccountUpdate::Reacted {
                chat_id: 7001,
                message_id: sent_id,
                emoji: emoji.to_owned(),
            },
        );
        eventually("her reaction is on the reply", async || {
            let reply = messages(&ta, conversation_id)
                .await
                .into_iter()
                .find(|m| m.id == reply.id)?;
            (reply.reaction.as_deref().unwrap_or("") == emoji).then_some(())
        })
        .await;
    }

    // The owner writes from the phone: stored as sent by the shop.
    let id = ta.fake.next_id();
    let owner = person(601, "Marina");
    ta.fake.push(
        601,
        AccountUpdate::Message(message(
            private(&anna),
            id,
            true,
            owner,
            "I'll keep some for you.",
            ta.fake.now_s(),
        )),
    );
    let all = until_messages(&ta, conversation_id, "the owner's message is stored", 3).await;
    let own = all.last().unwrap();
    assert_eq!(
        (own.direction, own.author_kind),
        (Direction::Out, AuthorKind::Manager)
    );
    assert_eq!(own.author_name.as_deref(), Some("Marina"));
    assert_eq!(own.text, "I'll keep some for you.");
    assert_eq!(own.delivery, Some(Delivery::Delivered));
    let outs = all.iter().filter(|m| m.direction == Direction::Out).count();
    assert_eq!(outs, 2, "the reply was not stored twice: {all:#?}");
    ta.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_count_only_once_turned_on_and_files_are_kept() {
    let ta = Ta::start().await;
    let account_id = ta.connect(Account::new(602, "Ivan")).await;
    let boris = person(7002, "Boris");
    let chat = group(-4001, "Neighbours");
    let id = ta.fake.next_id();
    ta.fake.push(
        602,
        AccountUpdate::Message(message(
            chat.clone(),
            id,
            false,
            boris.clone(),
            "Anyone selling a bike?",
            ta.fake.now_s(),
        )),
    );
    // A private message after it: the group's was left out, not stuck.
    ta.fake.customer_writes(602, &boris, "Hi, it's Boris");
    let private_chat = conversation(&ta, account_id, 7002).await;
    until_messages(&ta, private_chat, "the private message", 1).await;
    let groups = api::list_conversations(ta.engine(), ConversationFilter::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|c| c.subject.as_deref() == Some("Neighbours"))
        .count();
    assert_eq!(groups, 0, "groups are off by default");

    api::set_telegram_account_flags(
        ta.engine(),
        account_id,
        DeliveryFlags {
            private_chats: true,
            groups: true,
            channels: false,
        },
    )
    .await
    .unwrap();
    let mut photo = message(
        chat,
        ta.fake.next_id(),
        false,
        boris,
        "This one",
        ta.fake.now_s(),
    );
    photo.media = Some(Media {
        kind: MediaKind::Photo,
        handle: b"\xff\xd8\xff\xe0 a tiny jpeg".to_vec(),
        file_name: None,
        mime: Some("image/jpeg".into()),
        size: Some(17),
    });
    ta.fake.push(602, AccountUpdate::Message(photo));
    let group_chat = conversation(&ta, account_id, -4001).await;
    let stored = until_messages(&ta, group_chat, "the group's photo", 1).await;
    let file = &stored[0].attachments[0];
    assert_eq!(file.kind, AttachmentKind::Image);
    let bytes = api::read_attachment(ta.engine(), file.url.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(bytes, b"\xff\xd8\xff\xe0 a tiny jpeg");
    let summary = api::get_conversation(ta.engine(), group_chat)
        .await
        .unwrap()
        .conversation;
    assert_eq!(summary.subject.as_deref(), Some("Neighbours"));
    ta.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_changes_the_stored_text_and_a_deletion_marks_it() {
    let ta = Ta::start().await;
    let account_id = ta.connect(Account::new(603, "Olga")).await;
    let vera = person(7003, "Vera");
    let first = ta.fake.customer_writes(603, &vera, "I want 5 roses");
    let second = ta.fake.customer_writes(603, &vera, "And a card");
    let conversation_id = conversation(&ta, account_id, 7003).await;
    until_messages(&ta, conversation_id, "both messages", 2).await;

    let mut edited = message(
        private(&vera),
        first,
        false,
        vera.clone(),
        "I want 7 roses",
        ta.fake.now_s(),
    );
    edited.outgoing = false;
    ta.fake.push(603, AccountUpdate::Edited(edited));
    ta.fake.push(
        603,
        AccountUpdate::Deleted {
            chat_id: None,
            message_ids: vec![second],
        },
    );
    let all = eventually("the edit and the deletion are applied", async || {
        let all = messages(&ta, conversation_id).await;
        (all[0].text == "I want 7 roses" && all[1].deleted_at.is_some()).then_some(all)
    })
    .await;
    assert!(all[0].edited_at.is_some(), "marked edited");
    assert_eq!(all[1].text, "And a card", "what was said is kept");
    ta.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_connection_and_a_restart_lose_and_repeat_nothing() {
    let mut ta = Ta::start().await;
    let account_id = ta.connect(Account::new(604, "Pavel")).await;
    let gleb = person(7004, "Gleb");
    ta.fake.customer_writes(604, &gleb, "one");
    let conversation_id = conversation(&ta, account_id, 7004).await;
    until_messages(&ta, conversation_id, "the first message", 1).await;

    // The network drops; meanwhile the customer writes twice.
    ta.fake.drop_connections();
    ta.fake.customer_writes(604, &gleb, "two");
    ta.fake.customer_writes(604, &gleb, "three");
    until_messages(&ta, conversation_id, "what came while offline", 3).await;
    ta.until_connected(account_id).await;

    // The app stops before saving its place; it starts again and catches up.
    ta.restart().await;
    ta.fake.customer_writes(604, &gleb, "four");
    let all = until_messages(&ta, conversation_id, "everything, once", 4).await;
    let texts: Vec<_> = all.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["one", "two", "three", "four"]);
    ta.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_wait_holds_the_reply_and_it_still_goes_once() {
    let ta = Ta::start().await;
    let account_id = ta.connect(Account::new(605, "Rita")).await;
    let dima = person(7005, "Dima");
    ta.fake.customer_writes(605, &dima, "Price?");
    let conversation_id = conversation(&ta, account_id, 7005).await;
    until_messages(&ta, conversation_id, "the question", 1).await;
    ta.fake.fail_next_send(MtError::FloodWait { seconds: 1 });
    api::send_reply(ta.engine(), conversation_id, "500 ₽".into())
        .await
        .unwrap();
    eventually("Telegram asked to wait", async || {
        (ta.fake.pending_failures() == 0).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        ta.fake.sent().is_empty(),
        "nothing is sent again before the wait is over"
    );
    // The queue's clock is the test's: the wait passes as it moves on.
    eventually("the reply goes after the wait", async || {
        ta.clock.advance(300);
        (ta.fake.sent().len() == 1).then_some(())
    })
    .await;
    let reply = eventually("the reply is marked sent", async || {
        messages(&ta, conversation_id)
            .await
            .into_iter()
            .find(|m| m.direction == Direction::Out && m.delivery == Some(Delivery::Sent))
    })
    .await;
    assert_eq!(reply.text, "500 ₽");
    assert_eq!(ta.fake.sent().len(), 1, "sent once");
    ta.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_on_another_device_asks_to_connect_again() {
    let ta = Ta::start().await;
    let account_id = ta.connect(Account::new(606, "Sasha")).await;
    ta.fake.revoke_all(606);
    let account = eventually("the account says its session ended", async || {
        api::list_accounts(ta.engine())
            .await
            .ok()?
            .into_iter()
            .find(|a| a.id == account_id)
            .filter(|a| a.status.state.as_str() == "bad_credentials")
    })
    .await;
    assert!(account.status.last_error.is_some());
    ta.stop().await;
}
