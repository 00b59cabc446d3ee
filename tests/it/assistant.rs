//! The assistant against a local stand-in of an OpenAI-compatible model server
//! (every request it gets is checked against OpenAI's chat completions
//! schema), through the Test chat and through a channel account whose sends
//! are recorded.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::Value;
use tuberry::Engine;
use tuberry::api;
use tuberry::assistant::model::{
    AssistantMode, AssistantSettingsInput, AutoReplyMode, CatalogueImport, GuardMode, LlmProblem,
    LlmProvider, LlmSettingsInput, RunOutcome, ScheduleInterval, TestChatInput, Weekday,
};
use tuberry::channels::{Channel, Outgoing, SendError, Sent};
use tuberry::model::{
    AuthorKind, ChannelKind, ContactIdentity, ConversationStatus, IdentityKind, Language,
};
use tuberry::operators::model::ProjectInput;
use tuberry::relay::Inbound;
use tuberry_fakes::llm::FakeLlm;

use crate::helpers::{TestApp, spawn_app};

pub const KEY: &str = "sk-test-0123456789abcdef";

pub const CATALOGUE_CSV: &str = "Название;Цена;Наличие\n\
Диван Честер;45990;в наличии\n\
Кресло Бостон;18990;под заказ\n\
Стол обеденный Лофт;23500;в наличии\n";

/// What a channel account was asked to send.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<Outgoing>>);

#[async_trait]
impl Channel for Recorder {
    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError> {
        let mut sent = self.0.lock().unwrap();
        sent.push(message.clone());
        Ok(Sent {
            external_id: Some(format!("wa-{}", sent.len())),
        })
    }
}

impl Recorder {
    pub fn texts(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.text.clone())
            .collect()
    }
}

/// The stand-in as the model server, with the default sizes and `qwen2.5:7b`.
pub fn model_server(provider: LlmProvider, llm: &FakeLlm, key: Option<&str>) -> LlmSettingsInput {
    LlmSettingsInput {
        provider,
        base_url: llm.base_url(),
        model: "qwen2.5:7b".into(),
        api_key: key.map(str::to_owned),
        context_tokens: 8192,
        max_tokens: 400,
        temperature: 0.7,
    }
}

/// A WhatsApp-like account of `project_id` whose sends are recorded.
pub async fn recorded_account(engine: &Engine, project_id: i64) -> (i64, Arc<Recorder>) {
    let account_id: i64 = sqlx::query_scalar(
        "INSERT INTO channel_accounts (project_id, kind, name, external_id, created_at)
         VALUES (?1, 'whatsapp', 'WhatsApp', '79990000000', 0) RETURNING id",
    )
    .bind(project_id)
    .fetch_one(engine.store().pool())
    .await
    .unwrap();
    let channel = Arc::new(Recorder::default());
    engine
        .channels()
        .senders()
        .connect(account_id, channel.clone());
    (account_id, channel)
}

/// What the customer +7 999 123-45-67 writes on the recorded account.
pub fn customer_message(account_id: i64, id: &str, text: &str) -> Inbound {
    Inbound {
        channel_account_id: account_id,
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
    }
}

pub struct Shop {
    pub app: TestApp,
    pub llm: FakeLlm,
    pub project_id: i64,
    pub account_id: i64,
    pub channel: Arc<Recorder>,
}

pub fn settings(mode: AssistantMode) -> AssistantSettingsInput {
    AssistantSettingsInput {
        mode,
        persona: None,
        agent_name: "Алина".into(),
        brand: "Диван-Сити".into(),
        city: "Казань".into(),
        whatsapp_link: String::new(),
        catalog_url: "https://divan-city.example/catalog".into(),
        currency: "RUB".into(),
        auto_reply: AutoReplyMode::Off,
        auto_reply_text: String::new(),
        auto_reply_delay_s: 75,
        schedule: Vec::new(),
        time_zone: "Europe/Moscow".into(),
    }
}

/// A project with a catalogue, a WhatsApp-like account whose sends are
/// recorded, the Test chat tied to it, and the model server set up with a key.
pub async fn shop() -> Shop {
    let app = spawn_app().await;
    let llm = FakeLlm::start().await;
    llm.require_key(KEY);
    let engine = &app.engine;
    let project = api::create_project(
        engine,
        ProjectInput {
            name: "Диваны".into(),
            language: Language::Ru,
        },
    )
    .await
    .unwrap();
    api::save_llm_settings(
        engine,
        model_server(LlmProvider::OpenaiCompatible, &llm, Some(KEY)),
    )
    .await
    .unwrap();
    let imported = api::import_catalogue(
        engine,
        project.id,
        "прайс.csv".into(),
        CATALOGUE_CSV.as_bytes().to_vec(),
    )
    .await
    .unwrap();
    assert!(
        matches!(imported, CatalogueImport::Imported { .. }),
        "{imported:?}"
    );
    api::set_test_chat_project(engine, Some(project.id))
        .await
        .unwrap();
    let (account_id, channel) = recorded_account(engine, project.id).await;
    Shop {
        app,
        llm,
        project_id: project.id,
        account_id,
        channel,
    }
}

impl Shop {
    pub async fn configure(&self, input: AssistantSettingsInput) {
        api::save_assistant_settings(&self.app.engine, self.project_id, input)
            .await
            .unwrap();
    }

    /// The customer +7 999 123-45-67 writes on the recorded account; returns
    /// the conversation.
    pub async fn customer_writes(&self, id: &str, text: &str) -> i64 {
        let engine = &self.app.engine;
        let inbound = customer_message(self.account_id, id, text);
        engine
            .relay()
            .ingest(inbound.validate().unwrap())
            .await
            .unwrap()
            .conversation_id
    }

    pub async fn drain(&self) {
        self.app.engine.queue().drain().await.unwrap();
    }

    pub async fn status(&self, conversation_id: i64) -> ConversationStatus {
        api::get_conversation(&self.app.engine, conversation_id)
            .await
            .unwrap()
            .conversation
            .status
    }

    pub fn system_prompt(&self, request: usize) -> String {
        let requests = self.llm.requests();
        requests[request]["messages"][0]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn assert_spec_kept(&self) {
        assert_eq!(
            self.llm.spec_errors(),
            Vec::<String>::new(),
            "requests fit OpenAI's schema"
        );
    }
}

#[tokio::test]
async fn the_test_chat_answers_in_the_customers_language_from_the_persona_and_the_catalogue() {
    let shop = shop().await;
    let engine = &shop.app.engine;
    // Mode off: the Test chat is where the owner tries the assistant anyway.
    shop.configure(settings(AssistantMode::Off)).await;
    shop.llm
        .push_reply("Диван Честер стоит 45 990 ₽, он в наличии.");
    let written = api::test_chat_write(
        engine,
        TestChatInput {
            customer: "Анна".into(),
            text: "Здравствуйте! Сколько стоят диваны Честер?".into(),
            channel: Some(ChannelKind::Avito),
        },
    )
    .await
    .unwrap();
    shop.drain().await;

    let transcript = api::simulator_transcript(engine, Some("Анна".into()))
        .await
        .unwrap();
    assert_eq!(
        transcript.last().map(|e| e.text.as_str()),
        Some("Диван Честер стоит 45 990 ₽, он в наличии."),
        "the answer reached the simulated customer"
    );
    let request = &shop.llm.chat_requests()[0];
    assert_eq!(
        request.authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(request.body["model"], "qwen2.5:7b");
    let system = shop.system_prompt(0);
    for part in [
        "Ты — Алина, консультант магазина «Диван-Сити» (город: Казань). Ты отвечаешь покупателям в Avito.",
        "Цены называешь в ₽",
        "https://divan-city.example/catalog",
        "Always answer in Russian",
        "Название: Диван Честер; Цена: 45990; Наличие: в наличии",
    ] {
        assert!(system.contains(part), "{part:?} in the prompt:\n{system}");
    }
    assert!(
        !system.contains("Кресло Бостон"),
        "only matching rows go into the prompt"
    );
    let last: &Value = request.body["messages"].as_array().unwrap().last().unwrap();
    assert_eq!(last["role"], "user");
    assert_eq!(
        last["content"],
        "Здравствуйте! Сколько стоят диваны Честер?"
    );

    let runs = api::assistant_runs(engine, written.conversation_id)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, RunOutcome::Answered);
    assert_eq!(runs[0].language.as_deref(), Some("ru"));
    let rows: Vec<&str> = runs[0]
        .catalogue_rows
        .iter()
        .map(|r| r.text.as_str())
        .collect();
    assert_eq!(
        rows,
        ["Название: Диван Честер; Цена: 45990; Наличие: в наличии"]
    );
    assert_eq!(
        shop.status(written.conversation_id).await,
        ConversationStatus::AnsweredByAssistant
    );

    // An edited persona counts from the next message on; English is answered in English.
    let mut edited = settings(AssistantMode::Off);
    edited.persona = Some("You are {AGENT_NAME} of {BRAND}, writing on {CHANNEL}.".into());
    shop.configure(edited).await;
    api::test_chat_write(
        engine,
        TestChatInput {
            customer: "Анна".into(),
            text: "And is the Boston armchair in stock?".into(),
            channel: Some(ChannelKind::TelegramBot),
        },
    )
    .await
    .unwrap();
    shop.drain().await;
    let system = shop.system_prompt(1);
    assert!(
        system.starts_with("You are Алина of Диван-Сити, writing on Telegram."),
        "{system}"
    );
    assert!(system.contains("Always answer in English"), "{system}");
    let history = shop.llm.requests()[1]["messages"].as_array().unwrap().len();
    assert_eq!(
        history, 4,
        "system, the first question, the answer, the new question"
    );

    // Reset forgets the conversation; the next message starts afresh.
    api::reset_test_chat(engine, "Анна".into()).await.unwrap();
    assert!(
        api::simulator_transcript(engine, Some("Анна".into()))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        api::get_conversation(engine, written.conversation_id)
            .await
            .is_err()
    );
    shop.assert_spec_kept();
}

#[tokio::test]
async fn drafts_are_offered_to_the_manager_and_nothing_is_sent() {
    let shop = shop().await;
    let engine = &shop.app.engine;
    api::set_outbox_guard(engine, GuardMode::On, false)
        .await
        .unwrap();
    shop.configure(settings(AssistantMode::Drafts)).await;
    shop.llm.push_reply("Стол Лофт стоит 23 500 ₽.");
    let conversation = shop
        .customer_writes("m1", "Почём обеденный стол Лофт?")
        .await;
    shop.drain().await;

    let draft = api::assistant_draft(engine, conversation)
        .await
        .unwrap()
        .expect("a draft");
    assert_eq!(draft.text, "Стол Лофт стоит 23 500 ₽.");
    assert_eq!(draft.catalogue_rows.len(), 1);
    assert!(shop.channel.texts().is_empty(), "a draft is not sent");
    assert_eq!(
        shop.status(conversation).await,
        ConversationStatus::AwaitingResponse
    );

    // The manager sends their own version: the draft is no longer offered.
    api::send_reply(
        engine,
        conversation,
        "Стол Лофт — 23 500 ₽, есть в наличии.".into(),
    )
    .await
    .unwrap();
    shop.drain().await;
    assert_eq!(
        api::assistant_draft(engine, conversation).await.unwrap(),
        None
    );
    assert_eq!(
        shop.channel.texts(),
        ["Стол Лофт — 23 500 ₽, есть в наличии."]
    );

    // A dismissed draft goes too.
    shop.llm.push_reply("Да, доставка есть.");
    shop.customer_writes("m2", "А доставка есть?").await;
    shop.drain().await;
    let draft = api::assistant_draft(engine, conversation)
        .await
        .unwrap()
        .expect("a new draft");
    api::dismiss_draft(engine, draft.id).await.unwrap();
    assert_eq!(
        api::assistant_draft(engine, conversation).await.unwrap(),
        None
    );
    shop.assert_spec_kept();
}

#[tokio::test]
async fn automatic_mode_answers_and_hands_over_when_unsure_or_asked_for_a_person() {
    let shop = shop().await;
    let engine = &shop.app.engine;
    api::set_outbox_guard(engine, GuardMode::On, false)
        .await
        .unwrap();
    shop.configure(settings(AssistantMode::Automatic)).await;

    shop.llm.push_reply("Кресло Бостон — 18 990 ₽, под заказ.");
    let conversation = shop
        .customer_writes("m1", "Сколько стоит кресло Бостон?")
        .await;
    shop.drain().await;
    assert_eq!(
        shop.channel.texts(),
        ["Кресло Бостон — 18 990 ₽, под заказ."]
    );
    let detail = api::get_conversation(engine, conversation).await.unwrap();
    assert_eq!(
        detail.messages.last().map(|m| m.author_kind),
        Some(AuthorKind::Assistant)
    );
    assert_eq!(
        detail.conversation.status,
        ConversationStatus::AnsweredByAssistant
    );

    // Unsure: the model hands over instead of answering.
    shop.llm
        .push_reply("HANDOFF: asks about a refund for a damaged sofa");
    shop.customer_writes("m2", "Мне привезли порванный диван, верните деньги")
        .await;
    shop.drain().await;
    assert_eq!(shop.channel.texts().len(), 1, "nothing more was sent");
    assert_eq!(
        shop.status(conversation).await,
        ConversationStatus::NeedsHuman
    );
    let runs = api::assistant_runs(engine, conversation).await.unwrap();
    assert_eq!(
        runs.last().map(|r| (r.outcome, r.text.as_str())),
        Some((
            RunOutcome::Handoff,
            "asks about a refund for a damaged sofa"
        ))
    );

    // Asked for a person: handed over without asking the model.
    api::set_conversation_status(engine, conversation, ConversationStatus::AwaitingResponse)
        .await
        .unwrap();
    let asked = shop.llm.requests().len();
    shop.customer_writes("m3", "Позовите живого менеджера, пожалуйста")
        .await;
    shop.drain().await;
    assert_eq!(shop.llm.requests().len(), asked, "the model was not asked");
    assert_eq!(
        shop.status(conversation).await,
        ConversationStatus::NeedsHuman
    );
    assert_eq!(shop.channel.texts().len(), 1);
    shop.assert_spec_kept();
}

#[tokio::test]
async fn a_model_server_that_is_not_running_is_said_plainly_and_a_person_takes_over() {
    let shop = shop().await;
    let engine = &shop.app.engine;
    api::set_outbox_guard(engine, GuardMode::On, false)
        .await
        .unwrap();
    shop.configure(settings(AssistantMode::Automatic)).await;
    let models = api::llm_models(engine, None).await.unwrap();
    assert_eq!(models.models, ["llama3.1:8b", "qwen2.5:7b"]);

    shop.llm.set_down(true).await;
    let models = api::llm_models(engine, None).await.unwrap();
    assert_eq!(models.problem, Some(LlmProblem::NotRunning));
    assert!(models.models.is_empty());

    let conversation = shop.customer_writes("m1", "Есть диваны?").await;
    for _ in 0..6 {
        shop.drain().await;
        shop.app.clock.advance(120_000);
    }
    let runs = api::assistant_runs(engine, conversation).await.unwrap();
    assert_eq!(runs.len(), 1, "one run, after the retries");
    assert_eq!(runs[0].outcome, RunOutcome::Failed);
    assert!(runs[0].text.contains("running"), "{}", runs[0].text);
    assert_eq!(
        shop.status(conversation).await,
        ConversationStatus::NeedsHuman
    );
    assert!(shop.channel.texts().is_empty());

    // A wrong key is named as such.
    shop.llm.set_down(false).await;
    let mut wrong = model_server(LlmProvider::OpenaiCompatible, &shop.llm, Some("sk-wrong"));
    let models = api::llm_models(engine, Some(wrong.clone())).await.unwrap();
    assert_eq!(models.problem, Some(LlmProblem::Unauthorized));
    wrong.base_url = "ftp://example.org".into();
    assert!(
        api::save_llm_settings(engine, wrong).await.is_err(),
        "not a model server's address"
    );
    assert!(
        api::llm_settings(engine).await.unwrap().has_key,
        "the stored key stays"
    );
}

#[tokio::test]
async fn the_api_key_lives_in_the_keyring_only() {
    let shop = shop().await;
    let engine = &shop.app.engine;
    let settings = api::llm_settings(engine).await.unwrap();
    assert!(settings.has_key);
    engine.store().close().await;
    for entry in std::fs::read_dir(shop.app.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                "the key is not in {}",
                path.display()
            );
        }
    }
}

pub fn interval(days: &[Weekday], start: &str, end: &str) -> ScheduleInterval {
    ScheduleInterval {
        days: days.to_vec(),
        start: start.into(),
        end: end.into(),
    }
}
