//! Assignment: `/take`, `/assign`, `/unassign` in a topic and from the
//! window; the topic's title and the inbox say who has a conversation, and a
//! reply by someone else is marked.

use super::team::{bot_says, link_owner};
use super::*;
use tuberry::model::{AssigneeFilter, ConversationFilter};
use tuberry::team::model::{InviteInput, Person, Role};

async fn join_as_operator(tg: &Tg) -> Person {
    let invite = api::create_invite(tg.engine(), InviteInput::default())
        .await
        .unwrap();
    tg.fake
        .user_writes_to_bot(TOKEN, &operator(), &format!("/start {}", invite.code));
    bot_says(tg, &operator(), "you are in the team").await;
    api::list_people(tg.engine())
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.role == Role::Operator)
        .unwrap()
}

async fn assignee(tg: &Tg, conversation: i64) -> Option<String> {
    api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap()
        .conversation
        .assignee_name
}

async fn wait_assignee(tg: &Tg, conversation: i64, name: Option<&str>) {
    eventually("the conversation's assignee", async || {
        (assignee(tg, conversation).await.as_deref() == name).then_some(())
    })
    .await;
}

async fn summary_channel(tg: &Tg, conversation: i64) -> String {
    api::get_conversation(tg.engine(), conversation)
        .await
        .unwrap()
        .conversation
        .channel_name
}

async fn ids(tg: &Tg, assignee: AssigneeFilter) -> Vec<i64> {
    let filter = ConversationFilter {
        assignee: Some(assignee),
        ..Default::default()
    };
    crate::helpers::conversation_ids(tg.engine(), filter).await
}

/// Waits until the topic's title ends with `end`.
async fn wait_title(tg: &Tg, thread: i64, end: &str) {
    let found = tg
        .fake
        .wait_until(WAIT, |_| {
            tg.fake
                .topics(tg.group)
                .iter()
                .any(|t| t.thread_id == thread && t.name.ends_with(end))
        })
        .await;
    assert!(
        found,
        "topic {thread} never ended with {end:?}: {:#?}",
        tg.fake.topics(tg.group)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_take_and_assign_conversations_and_a_reply_by_someone_else_is_marked() {
    let tg = Tg::start(3_000).await;
    let conversation = tg.customer_writes("Anna", "Are peonies in stock?").await;
    let thread = tg.wait_topic("Anna").await;

    // No team yet: nobody to give it to.
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/take");
    tg.wait_topic_text(thread, "There is no team yet").await;
    assert_eq!(assignee(&tg, conversation).await, None);

    link_owner(&tg).await;
    let oleg = join_as_operator(&tg).await;
    assert_eq!(
        ids(&tg, AssigneeFilter::Unassigned).await,
        vec![conversation]
    );

    // An operator may take a conversation, not give it to someone else.
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/assign @olga");
    tg.wait_topic_text(thread, "Your role does not allow /assign")
        .await;
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "/take");
    wait_assignee(&tg, conversation, Some("Oleg")).await;
    wait_title(&tg, thread, "→ Oleg").await;
    assert!(ids(&tg, AssigneeFilter::Unassigned).await.is_empty());
    assert!(ids(&tg, AssigneeFilter::Mine).await.is_empty());

    // The owner answers from the window while Oleg has it: sent, signed, marked.
    let reply = api::send_reply(tg.engine(), conversation, "Yes, pink ones".into())
        .await
        .unwrap();
    assert_eq!(reply.author_name.as_deref(), Some("Olga Owner"));
    assert_eq!(reply.assigned_to.as_deref(), Some("Oleg"));
    tg.wait_topic_text(thread, "Manager · Olga Owner (assigned to Oleg)")
        .await;

    // The owner gives it to herself by name; it is hers in the window.
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &owner(), "/assign olga");
    wait_assignee(&tg, conversation, Some("Olga Owner")).await;
    wait_title(&tg, thread, "→ Olga Owner").await;
    assert_eq!(ids(&tg, AssigneeFilter::Mine).await, vec![conversation]);
    tg.customer_writes("Anna", "And white ones?").await;
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &operator(), "White too");
    let marked = eventually("Oleg's answer is stored", async || {
        let detail = api::get_conversation(tg.engine(), conversation)
            .await
            .unwrap();
        detail.messages.into_iter().find(|m| m.text == "White too")
    })
    .await;
    assert_eq!(marked.author_name.as_deref(), Some("Oleg"));
    assert_eq!(marked.assigned_to.as_deref(), Some("Olga Owner"));

    // Nobody by that name; /unassign gives it to nobody.
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &owner(), "/assign @nobody_here");
    tg.wait_topic_text(thread, "Nobody called “@nobody_here”")
        .await;
    tg.fake
        .user_writes_in_group(tg.group, Some(thread), &owner(), "/unassign");
    wait_assignee(&tg, conversation, None).await;
    let channel = summary_channel(&tg, conversation).await;
    wait_title(&tg, thread, &format!("Anna · {channel}")).await;
    assert_eq!(
        ids(&tg, AssigneeFilter::Unassigned).await,
        vec![conversation]
    );

    // From the window; a removed person's conversations are nobody's.
    let summary = api::assign_conversation(tg.engine(), conversation, Some(oleg.id))
        .await
        .unwrap();
    assert_eq!(summary.assignee_id, Some(oleg.id));
    wait_title(&tg, thread, "→ Oleg").await;
    let unknown = api::assign_conversation(tg.engine(), conversation, Some(999))
        .await
        .unwrap_err();
    assert!(unknown.message.contains("999"), "{unknown:?}");
    assert_eq!(assignee(&tg, conversation).await.as_deref(), Some("Oleg"));
    api::remove_person(tg.engine(), oleg.id).await.unwrap();
    assert_eq!(assignee(&tg, conversation).await, None);
    tg.assert_clean();
    tg.stop().await;
}

/// Each command of a topic against each role: allowed ones get the bot's
/// reaction, refused ones its "does not allow" answer — as the table says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_topic_command_follows_the_role_table() {
    let tg = Tg::start(3_000).await;
    tg.customer_writes("Anna", "Are peonies in stock?").await;
    let thread = tg.wait_topic("Anna").await;
    link_owner(&tg).await;
    let manager = User::new(9004, "Masha");
    let invite = api::create_invite(
        tg.engine(),
        InviteInput {
            role: Some(Role::Manager),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tg.fake
        .user_writes_to_bot(TOKEN, &manager, &format!("/start {}", invite.code));
    bot_says(&tg, &manager, "you are in the team").await;
    join_as_operator(&tg).await;

    let commands = [
        ("/note Call her back", tuberry::team::model::Action::Note),
        ("/take", tuberry::team::model::Action::Answer),
        ("/assign Oleg", tuberry::team::model::Action::Assign),
        ("/unassign", tuberry::team::model::Action::Assign),
        ("/close", tuberry::team::model::Action::CloseReopen),
        ("/reopen", tuberry::team::model::Action::CloseReopen),
    ];
    for (user, role) in [
        (operator(), Role::Operator),
        (manager.clone(), Role::Manager),
    ] {
        for (command, action) in commands {
            let name = command[1..].split(' ').next().unwrap();
            let refusal = format!("Your role does not allow /{name}");
            let refusals = || {
                tg.topic_texts(thread)
                    .iter()
                    .filter(|t| t.contains(&refusal))
                    .count()
            };
            let before = refusals();
            let id = tg
                .fake
                .user_writes_in_group(tg.group, Some(thread), &user, command);
            let done = tg
                .fake
                .wait_until(WAIT, |fake| {
                    !fake.reactions(tg.group, id).is_empty() || refusals() > before
                })
                .await;
            assert!(done, "{role} {command}: no answer");
            let allowed = !tg.fake.reactions(tg.group, id).is_empty();
            assert_eq!(
                allowed,
                role.may(action),
                "{role} {command}: {:?}",
                tg.topic_texts(thread)
            );
        }
    }
    tg.assert_clean();
    tg.stop().await;
}
