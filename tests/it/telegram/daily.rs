use tuberry::labels::{LabelColor, LabelInput};
use tuberry::quick_replies::QuickReplyInput;

use super::*;

/// `/q name` answers with a saved reply, filled for this customer; `/label`
/// puts a label on and takes it off; unknown names get the list of known ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_answer_with_quick_replies_and_label_conversations_from_the_topic() {
    let tg = Tg::start(3_000).await;
    let brand = tg.project_now().await.name;
    api::create_quick_reply(
        tg.engine(),
        QuickReplyInput {
            project_id: Some(tg.project),
            name: "price".into(),
            text: "{CUSTOMER_NAME}, roses are 300 {CURRENCY} at {BRAND}.".into(),
        },
    )
    .await
    .unwrap();
    let vip = api::create_label(
        tg.engine(),
        LabelInput {
            name: "VIP".into(),
            color: LabelColor::Purple,
        },
    )
    .await
    .unwrap();
    let conversation = tg.customer_writes("Anna", "How much are roses?").await;
    let thread = tg.wait_topic("Anna").await;

    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/q price");
    let expected = format!("Anna, roses are 300 ₽ at {brand}.");
    eventually("the customer got the quick reply, filled", async || {
        let transcript = api::simulator_transcript(tg.engine(), Some("Anna".into()))
            .await
            .unwrap();
        transcript
            .into_iter()
            .find(|e| e.direction == Direction::Out && e.text == expected)
    })
    .await;
    tg.wait_topic_text(thread, &format!("↪ Sent to the customer:\n{expected}"))
        .await;
    let detail = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap();
    let sent: Vec<_> = detail
        .messages
        .iter()
        .filter(|m| m.direction == Direction::Out)
        .collect();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].author_kind, AuthorKind::Operator);

    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/q nope");
    tg.wait_topic_text(thread, "There is no quick reply “nope”. There are: price")
        .await;

    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/label vip");
    let labelled = async |want: Vec<i64>| {
        eventually("the labels follow the topic", async || {
            let c = api::get_conversation(tg.engine(), conversation)
                .await
                .unwrap()
                .conversation;
            (c.label_ids == want).then_some(())
        })
        .await
    };
    labelled(vec![vip.id]).await;
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/label -VIP");
    labelled(Vec::new()).await;
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/label nope");
    tg.wait_topic_text(
        thread,
        "There is no label “nope” (labels are made in the app). There are: VIP",
    )
    .await;
    // Nothing more reached the customer.
    let transcript = api::simulator_transcript(tg.engine(), Some("Anna".into()))
        .await
        .unwrap();
    assert_eq!(
        transcript
            .iter()
            .filter(|e| e.direction == Direction::Out)
            .count(),
        1
    );
    tg.assert_clean();
    tg.stop().await;
}

/// A customer of the bot edits a message and reacts to a reply: the inbox
/// keeps the first text and shows the reaction; the topic's mirror is
/// edited in place and gets the reaction too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_edit_and_reaction_reach_the_inbox_and_the_topic() {
    let tg = Tg::start(3_000).await;
    let (vera, asked, conversation, thread) = vera_asks(&tg, "Do you have size M?").await;
    let mirrors = tg.topic_texts(thread).len();

    tg.fake
        .user_edits_to_bot(TOKEN, &vera, asked, "Do you have size L?");
    let edited = eventually("the edit is stored", async || {
        let detail = api::get_conversation(tg.engine(), conversation)
            .await
            .unwrap();
        detail
            .messages
            .into_iter()
            .find(|m| m.text == "Do you have size L?")
    })
    .await;
    assert!(edited.edited_at.is_some());
    assert_eq!(edited.original_text.as_deref(), Some("Do you have size M?"));
    tg.wait_topic_text(thread, "Do you have size L?\n✏️ edited by the customer")
        .await;
    let texts = tg.topic_texts(thread);
    assert_eq!(texts.len(), mirrors, "edited in place: {texts:#?}");
    assert!(!texts.iter().any(|t| t.contains("size M")), "{texts:#?}");

    // The shop answers that very message: quoted in her chat and in the topic.
    let reply = api::send_reply_with_files(
        tg.engine(),
        conversation,
        "Yes, in blue".into(),
        Vec::new(),
        Some(edited.id),
        None,
    )
    .await
    .unwrap();
    let sent = eventually("the reply reached her", async || {
        tg.fake
            .messages(4242, None)
            .into_iter()
            .find(|m| m.text.as_deref() == Some("Yes, in blue"))
    })
    .await;
    assert_eq!(sent.reply_to, Some(asked), "it quotes her message");
    let in_chat = sent.message_id;
    tg.wait_topic_text(thread, "Yes, in blue").await;
    let asked_mirror: i64 = sqlx::query_scalar(
        "SELECT telegram_message_id FROM topic_messages WHERE message_id = ?1 AND origin = 'mirror'",
    )
    .bind(edited.id)
    .fetch_one(tg.engine().store().pool())
    .await
    .unwrap();
    let mirrored = tg
        .fake
        .messages(tg.group, Some(thread))
        .into_iter()
        .find(|m| {
            m.text
                .as_deref()
                .is_some_and(|t| t.contains("Yes, in blue"))
        })
        .unwrap();
    assert_eq!(
        mirrored.reply_to,
        Some(asked_mirror),
        "the mirror quotes hers"
    );
    assert!(
        tg.fake
            .messages(tg.group, Some(thread))
            .iter()
            .any(|m| m.message_id == asked_mirror && m.edited),
        "her message's mirror was edited in place"
    );
    let mirror: i64 = eventually("the reply is mirrored", async || {
        sqlx::query_scalar(
            "SELECT telegram_message_id FROM topic_messages WHERE message_id = ?1 AND origin = 'mirror'",
        )
        .bind(reply.id)
        .fetch_optional(tg.engine().store().pool())
        .await
        .unwrap()
    })
    .await;
    tg.fake
        .user_reacts_to_bot(TOKEN, &vera, in_chat, Some("👍"));
    let reacted = async |want: Option<&str>| {
        eventually("the reaction is stored", async || {
            let detail = api::get_conversation(tg.engine(), conversation)
                .await
                .unwrap();
            let m = detail.messages.into_iter().find(|m| m.id == reply.id)?;
            (m.reaction.as_deref() == want).then_some(())
        })
        .await;
    };
    reacted(Some("👍")).await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.reactions(tg.group, mirror) == ["👍"])
            .await,
        "the mirror got the reaction: {:?}",
        tg.fake.reactions(tg.group, mirror)
    );
    tg.fake.user_reacts_to_bot(TOKEN, &vera, in_chat, None);
    reacted(None).await;
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.reactions(tg.group, mirror).is_empty())
            .await,
        "the mirror's reaction is taken back"
    );
    tg.assert_clean();
    tg.stop().await;
}

/// An operator corrects a reply after it went: the bot changes it in the
/// customer's chat; a channel that cannot change sent messages leaves it
/// changed here only, and the topic and the inbox say so. An operator's
/// reaction to the customer's message reaches the customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_edits_replies_and_reacts_from_the_topic() {
    let tg = Tg::start(3_000).await;
    let (_, asked, conversation, thread) = vera_asks(&tg, "Is the blue one in stock?").await;

    let answer = tg
        .fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "Yes, 3 left");
    let in_chat = eventually("the answer reached Vera", async || {
        tg.fake
            .messages(4242, None)
            .into_iter()
            .find(|m| m.text.as_deref() == Some("Yes, 3 left"))
            .map(|m| m.message_id)
    })
    .await;
    tg.fake
        .user_edits_in_group(tg.group, &operator(), answer, "Yes, 2 left");
    eventually("Vera sees the answer changed", async || {
        tg.fake
            .messages(4242, None)
            .into_iter()
            .find(|m| m.message_id == in_chat && m.text.as_deref() == Some("Yes, 2 left"))
    })
    .await;
    let reply = api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap()
        .messages
        .into_iter()
        .find(|m| m.text == "Yes, 2 left")
        .unwrap();
    assert_eq!(reply.original_text.as_deref(), Some("Yes, 3 left"));
    assert_eq!(reply.edit_error, None);

    // The operator's reaction to her question goes to her chat.
    let question: i64 = sqlx::query_scalar(
        "SELECT t.telegram_message_id FROM topic_messages t JOIN messages m ON m.id = t.message_id
         WHERE m.conversation_id = ?1 AND m.direction = 'in' AND t.origin = 'mirror'",
    )
    .bind(conversation)
    .fetch_one(tg.engine().store().pool())
    .await
    .unwrap();
    tg.fake
        .user_reacts_in_group(tg.group, &operator(), question, Some("🔥"));
    assert!(
        tg.fake
            .wait_until(WAIT, |f| f.reactions(4242, asked) == ["🔥"])
            .await,
        "Vera sees the reaction: {:?}",
        tg.fake.reactions(4242, asked)
    );

    // A channel that cannot change what it sent.
    let (account, recorder) = crate::assistant::recorded_account(tg.engine(), tg.project).await;
    tg.engine()
        .relay()
        .ingest(
            crate::assistant::customer_message(account, "wa-1", "Hello")
                .validate()
                .unwrap(),
        )
        .await
        .unwrap();
    let other = tg.wait_topic("Анна").await;
    tg.wait_topic_text(other, "Hello").await;
    let hi = tg
        .fake
        .user_writes_in_group(tg.group, Some(other), &operator(), "Hi there");
    eventually("the recorded channel sent it", async || {
        recorder
            .texts()
            .contains(&"Hi there".to_owned())
            .then_some(())
    })
    .await;
    tg.fake
        .user_edits_in_group(tg.group, &operator(), hi, "Hi there!");
    tg.wait_topic_text(
        other,
        "Changed here only: the customer still sees the earlier text",
    )
    .await;
    let detail = eventually("the inbox says why", async || {
        let detail = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|c| c.contact_name == "Анна")?;
        let messages = api::get_conversation(tg.engine(), detail.id)
            .await
            .unwrap()
            .messages;
        messages
            .into_iter()
            .find(|m| m.text == "Hi there!" && m.edit_error.is_some())
    })
    .await;
    assert!(
        detail
            .edit_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot change")),
        "{detail:?}"
    );
    assert_eq!(recorder.texts(), ["Hi there"], "sent once, unchanged");
    tg.assert_clean();
    tg.stop().await;
}

/// Vera writes to the bot itself; answers her, her message's id in the
/// chat, her conversation and its topic once mirrored.
async fn vera_asks(tg: &Tg, text: &str) -> (User, i64, i64, i64) {
    let vera = customer(4242, "Vera");
    tg.fake.user_writes_to_bot(TOKEN, &vera, "/start");
    let asked = tg.fake.user_writes_to_bot(TOKEN, &vera, text);
    let conversation = eventually("Vera's conversation is in the inbox", async || {
        let page = api::list_conversations(tg.engine(), Default::default())
            .await
            .unwrap();
        page.items.into_iter().find(|c| c.contact_name == "Vera")
    })
    .await
    .id;
    let thread = tg.wait_topic("Vera").await;
    tg.wait_topic_text(thread, text).await;
    (vera, asked, conversation, thread)
}
