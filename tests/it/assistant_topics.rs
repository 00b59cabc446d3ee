//! What the operators see in the work group when the app answers on its own:
//! the assistant's drafts, the auto-reply held by the outbox guard, and a
//! conversation handed over to a person.

use std::sync::Arc;

use tuberry::api;
use tuberry::assistant::model::{AssistantMode, AutoReplyMode, LlmProvider, LlmSettingsInput};
use tuberry::model::{ContactIdentity, IdentityKind};
use tuberry::relay::Inbound;
use tuberry_fakes::llm::FakeLlm;

use crate::assistant::{Recorder, settings};
use crate::telegram::Tg;

#[tokio::test]
async fn the_topic_shows_drafts_held_auto_replies_and_handovers() {
    let tg = Tg::start(3_000).await;
    let engine = tg.engine();
    let llm = FakeLlm::start().await;
    api::save_llm_settings(
        engine,
        LlmSettingsInput {
            provider: LlmProvider::Ollama,
            base_url: llm.base_url(),
            model: "qwen2.5:7b".into(),
            api_key: None,
            context_tokens: 8192,
            max_tokens: 400,
            temperature: 0.7,
        },
    )
    .await
    .unwrap();
    let account: i64 = sqlx::query_scalar(
        "INSERT INTO channel_accounts (project_id, kind, name, external_id, created_at)
         VALUES (?1, 'whatsapp', 'WhatsApp', '79990000000', 0) RETURNING id",
    )
    .bind(tg.project)
    .fetch_one(engine.store().pool())
    .await
    .unwrap();
    let channel = Arc::new(Recorder::default());
    engine.channels().connect(account, channel.clone());
    let mut input = settings(AssistantMode::Drafts);
    input.auto_reply = AutoReplyMode::Always;
    input.auto_reply_delay_s = 0;
    input.auto_reply_text = "Спасибо! Менеджер скоро ответит.".into();
    api::save_assistant_settings(engine, tg.project, input)
        .await
        .unwrap();

    let writes = |id: &str, text: &str| Inbound {
        channel_account_id: account,
        external_message_id: id.into(),
        external_thread_id: "79991234567".into(),
        sender: ContactIdentity {
            kind: IdentityKind::Whatsapp,
            value: "79991234567".into(),
        },
        sender_name: "Анна".into(),
        subject: None,
        text: text.into(),
        attachments: Vec::new(),
        sent_at: None,
    };
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
