//! Commands of the assistant, the auto-responder, the catalogue, the outbox
//! guard and the Test chat: each a thin wrapper over one `tuberry::api` function.

use tuberry::api::{self, ApiResult};
use tuberry::assistant::model::{
    AssistantRun, AssistantSettings, AssistantSettingsInput, Catalogue, CatalogueImport,
    CataloguePage, GuardMode, LlmModels, LlmSettings, LlmSettingsInput, OutboxGuard, TestChat,
    TestChatInput, WhitelistEntry,
};
use tuberry::model::IngestOutcome;

use crate::{EngineState, decode_base64};

#[tauri::command]
#[specta::specta]
pub async fn assistant_settings(
    engine: EngineState<'_>,
    project_id: i64,
) -> ApiResult<AssistantSettings> {
    api::assistant_settings(&engine, project_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn save_assistant_settings(
    engine: EngineState<'_>,
    project_id: i64,
    input: AssistantSettingsInput,
) -> ApiResult<AssistantSettings> {
    api::save_assistant_settings(&engine, project_id, input).await
}

#[tauri::command]
#[specta::specta]
pub async fn llm_settings(engine: EngineState<'_>) -> ApiResult<LlmSettings> {
    api::llm_settings(&engine).await
}

#[tauri::command]
#[specta::specta]
pub async fn save_llm_settings(
    engine: EngineState<'_>,
    input: LlmSettingsInput,
) -> ApiResult<LlmSettings> {
    api::save_llm_settings(&engine, input).await
}

#[tauri::command]
#[specta::specta]
pub async fn llm_models(
    engine: EngineState<'_>,
    input: Option<LlmSettingsInput>,
) -> ApiResult<LlmModels> {
    api::llm_models(&engine, input).await
}

/// A catalogue file chosen in the window, as base64.
#[tauri::command]
#[specta::specta]
pub async fn import_catalogue(
    engine: EngineState<'_>,
    project_id: i64,
    file_name: String,
    base64: String,
) -> ApiResult<CatalogueImport> {
    let bytes = decode_base64(&base64)?;
    api::import_catalogue(&engine, project_id, file_name, bytes).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_catalogue(
    engine: EngineState<'_>,
    project_id: i64,
) -> ApiResult<Option<Catalogue>> {
    api::get_catalogue(&engine, project_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn catalogue_rows(
    engine: EngineState<'_>,
    project_id: i64,
    search: Option<String>,
    offset: u32,
    limit: u32,
) -> ApiResult<CataloguePage> {
    api::catalogue_rows(&engine, project_id, search, offset, limit).await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_catalogue(engine: EngineState<'_>, project_id: i64) -> ApiResult<()> {
    api::remove_catalogue(&engine, project_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn outbox_guard(engine: EngineState<'_>) -> ApiResult<OutboxGuard> {
    api::outbox_guard(&engine).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_outbox_guard(
    engine: EngineState<'_>,
    mode: GuardMode,
    include_people: bool,
) -> ApiResult<OutboxGuard> {
    api::set_outbox_guard(&engine, mode, include_people).await
}

#[tauri::command]
#[specta::specta]
pub async fn allow_recipient(
    engine: EngineState<'_>,
    entry: WhitelistEntry,
) -> ApiResult<OutboxGuard> {
    api::allow_recipient(&engine, entry).await
}

#[tauri::command]
#[specta::specta]
pub async fn disallow_recipient(
    engine: EngineState<'_>,
    entry: WhitelistEntry,
) -> ApiResult<OutboxGuard> {
    api::disallow_recipient(&engine, entry).await
}

#[tauri::command]
#[specta::specta]
pub async fn send_held_reply(engine: EngineState<'_>, message_id: i64) -> ApiResult<OutboxGuard> {
    api::send_held_reply(&engine, message_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn assistant_runs(
    engine: EngineState<'_>,
    conversation_id: i64,
) -> ApiResult<Vec<AssistantRun>> {
    api::assistant_runs(&engine, conversation_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn assistant_draft(
    engine: EngineState<'_>,
    conversation_id: i64,
) -> ApiResult<Option<AssistantRun>> {
    api::assistant_draft(&engine, conversation_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn dismiss_draft(engine: EngineState<'_>, run_id: i64) -> ApiResult<()> {
    api::dismiss_draft(&engine, run_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn test_chat(engine: EngineState<'_>) -> ApiResult<TestChat> {
    api::test_chat(&engine).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_test_chat_project(
    engine: EngineState<'_>,
    project_id: Option<i64>,
) -> ApiResult<TestChat> {
    api::set_test_chat_project(&engine, project_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn test_chat_write(
    engine: EngineState<'_>,
    input: TestChatInput,
) -> ApiResult<IngestOutcome> {
    api::test_chat_write(&engine, input).await
}

#[tauri::command]
#[specta::specta]
pub async fn reset_test_chat(engine: EngineState<'_>, customer: String) -> ApiResult<()> {
    api::reset_test_chat(&engine, customer).await
}
