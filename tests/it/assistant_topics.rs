//! What the operators see in the work group when the app answers on its own:
//! the assistant's drafts, the auto-reply held by the outbox guard, and a
//! conversation handed over to a person.

use tuberry::api;
use tuberry::assistant::model::{AssistantMode, AutoReplyMode, LlmProvider};
use tuberry_fakes::llm::FakeLlm;

use crate::assistant::{customer_message, model_server, recorded_account, settings};
use crate::telegram::Tg;

#[tokio::test]
async fn the_topic_shows_drafts_held_auto_replies_and_handovers() {
    let tg = Tg::start(3_000).await;
    let engine = tg.engine();
    let llm = FakeLlm::start().await;
    api::save_llm_settings(engine, model_server(LlmProvider::Ollama, &llm, None))
        .await
        .unwrap();
    let (account, channel) = recorded_account(engine, tg.project).await;
    let mut input = settings(AssistantMode::Drafts);
    input.auto_reply = AutoReplyMode::Always;
    input.auto_reply_delay_s = 0;
    input.auto_reply_text = "Спасибо! Менеджер скоро ответит.".into();
    api::save_assistant_settings(engine, tg.project, input)
        .await
        .unwrap();

    let writes = |id: &str, text: &str| customer_message(account, id, text);
    llm.push_reply("Диван Честер стоит 45 990 ₽.");
    engine
        .relay()
        .ingest(writes("m1", "Сколько стоит Честер?").validate().unwrap())
        .await
        .unwrap();
    let thread = tg.wait_topic("Анна").await;
    tg.wait_topic_text(thread, "Сколько стоит Честер?").await;
    tg.wait_topic_text(
        thread,
        "💡 The assistant's draft (not sent to the customer):\n\nДиван Честер стоит 45 990 ₽.",
    )
    .await;
    tg.wait_topic_text(thread, "🤖 Auto-reply\nСпасибо! Менеджер скоро ответит.")
        .await;
    tg.wait_topic_text(thread, "⏸ The reply is held by the outbox guard")
        .await;
    assert!(
        channel.texts().is_empty(),
        "the draft is not sent and the auto-reply is held"
    );

    llm.push_reply("HANDOFF: wants a discount");
    engine
        .relay()
        .ingest(writes("m2", "А скидку сделаете?").validate().unwrap())
        .await
        .unwrap();
    tg.wait_topic_text(
        thread,
        "🙋 A person is needed — the assistant did not answer: wants a discount",
    )
    .await;
    tg.wait_topic("❗").await;
    tg.assert_clean();
    assert_eq!(llm.spec_errors(), Vec::<String>::new());
    tg.stop().await;
}
