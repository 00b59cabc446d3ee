//! The assistant, the auto-responder, the catalogue, the outbox guard and the
//! Test chat, as the desktop and the command line ask for them.

use super::ApiResult;
use crate::assistant::model::{
    AssistantRun, AssistantSettings, AssistantSettingsInput, Catalogue, CatalogueImport,
    CataloguePage, GuardMode, LlmModels, LlmSettings, LlmSettingsInput, OutboxGuard, TestChat,
    TestChatInput, WhitelistEntry,
};
use crate::engine::Engine;
use crate::model::IngestOutcome;

pub async fn assistant_settings(engine: &Engine, project_id: i64) -> ApiResult<AssistantSettings> {
    Ok(engine.assistant().settings(project_id).await?)
}

pub async fn save_assistant_settings(
    engine: &Engine,
    project_id: i64,
    input: AssistantSettingsInput,
) -> ApiResult<AssistantSettings> {
    Ok(engine.assistant().save_settings(project_id, &input).await?)
}

/// Whether auto-replies are paused for the whole app.
pub async fn auto_replies_paused(engine: &Engine) -> ApiResult<bool> {
    Ok(engine.assistant().auto_replies_paused().await?)
}

/// Pauses (or resumes) auto-replies for the whole app; answers the new state.
pub async fn pause_auto_replies(engine: &Engine, paused: bool) -> ApiResult<bool> {
    Ok(engine.assistant().pause_auto_replies(paused).await?)
}

pub async fn llm_settings(engine: &Engine) -> ApiResult<LlmSettings> {
    Ok(engine.assistant().llm_settings().await?)
}

pub async fn save_llm_settings(engine: &Engine, input: LlmSettingsInput) -> ApiResult<LlmSettings> {
    Ok(engine.assistant().save_llm_settings(&input).await?)
}

/// The models of the stored server, or of `input` while it is being set up.
pub async fn llm_models(engine: &Engine, input: Option<LlmSettingsInput>) -> ApiResult<LlmModels> {
    Ok(engine.assistant().llm_models(input.as_ref()).await?)
}

pub async fn import_catalogue(
    engine: &Engine,
    project_id: i64,
    file_name: String,
    bytes: Vec<u8>,
) -> ApiResult<CatalogueImport> {
    Ok(engine
        .assistant()
        .import_catalogue(project_id, &file_name, bytes)
        .await?)
}

pub async fn get_catalogue(engine: &Engine, project_id: i64) -> ApiResult<Option<Catalogue>> {
    Ok(engine.assistant().catalogue(project_id).await?)
}

pub async fn catalogue_rows(
    engine: &Engine,
    project_id: i64,
    search: Option<String>,
    offset: u32,
    limit: u32,
) -> ApiResult<CataloguePage> {
    Ok(engine
        .assistant()
        .catalogue_rows(project_id, search.as_deref(), offset, limit)
        .await?)
}

pub async fn remove_catalogue(engine: &Engine, project_id: i64) -> ApiResult<()> {
    Ok(engine.assistant().remove_catalogue(project_id).await?)
}

pub async fn outbox_guard(engine: &Engine) -> ApiResult<OutboxGuard> {
    Ok(engine.assistant().guard().await?)
}

pub async fn set_outbox_guard(
    engine: &Engine,
    mode: GuardMode,
    include_people: bool,
) -> ApiResult<OutboxGuard> {
    Ok(engine.assistant().set_guard(mode, include_people).await?)
}

pub async fn allow_recipient(engine: &Engine, entry: WhitelistEntry) -> ApiResult<OutboxGuard> {
    Ok(engine.assistant().allow_recipient(&entry).await?)
}

pub async fn disallow_recipient(engine: &Engine, entry: WhitelistEntry) -> ApiResult<OutboxGuard> {
    Ok(engine.assistant().disallow_recipient(&entry).await?)
}

/// Sends a reply the guard holds, because a person said so.
pub async fn send_held_reply(engine: &Engine, message_id: i64) -> ApiResult<OutboxGuard> {
    Ok(engine.assistant().send_held(message_id).await?)
}

pub async fn assistant_runs(engine: &Engine, conversation_id: i64) -> ApiResult<Vec<AssistantRun>> {
    Ok(engine.assistant().runs(conversation_id).await?)
}

pub async fn assistant_draft(
    engine: &Engine,
    conversation_id: i64,
) -> ApiResult<Option<AssistantRun>> {
    Ok(engine.assistant().draft(conversation_id).await?)
}

pub async fn dismiss_draft(engine: &Engine, run_id: i64) -> ApiResult<()> {
    Ok(engine.assistant().dismiss_draft(run_id).await?)
}

pub async fn test_chat(engine: &Engine) -> ApiResult<TestChat> {
    Ok(TestChat {
        project_id: engine.simulator().project().await?,
        account_id: engine.simulator().account_id(),
    })
}

pub async fn set_test_chat_project(
    engine: &Engine,
    project_id: Option<i64>,
) -> ApiResult<TestChat> {
    engine.simulator().set_project(project_id).await?;
    engine
        .events()
        .publish(crate::events::EngineEvent::ProjectChanged {
            project_id: project_id.unwrap_or_default(),
        });
    test_chat(engine).await
}

/// A simulated customer writes in the Test chat, as if on `input.channel`.
pub async fn test_chat_write(engine: &Engine, input: TestChatInput) -> ApiResult<IngestOutcome> {
    Ok(engine
        .simulator()
        .customer_writes_on(engine.relay(), &input.customer, &input.text, input.channel)
        .await?)
}

/// Forgets a simulated customer's conversation, to start it again.
pub async fn reset_test_chat(engine: &Engine, customer: String) -> ApiResult<()> {
    if let Some(conversation_id) = engine.simulator().reset(&customer).await? {
        engine.events().publish(crate::events::EngineEvent::Resync);
        tracing::debug!(conversation_id, "Test chat conversation removed");
    }
    Ok(())
}
