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
