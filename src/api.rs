//! What the desktop window and the command line can ask of the engine. Each
//! function is a few lines over the engine and answers with an [`ApiError`]
//! carrying a small closed code; the desktop's commands wrap these one to one.

use crate::engine::Engine;
use crate::error::{ApiError, Error};
use crate::inbox;
use crate::model::{
    AppInfo, AuthorKind, BotInput, ChannelAccount, ConversationDetail, ConversationFilter,
    ConversationPage, ConversationStatus, ConversationSummary, IngestOutcome, Message, Project,
    ProjectInput, SimulatorEntry, StatusCounts,
};
use crate::outbox::Reply;
use crate::telegram::mirror::{self, TopicAction};

pub type ApiResult<T> = Result<T, ApiError>;

pub async fn list_conversations(
    engine: &Engine,
    filter: ConversationFilter,
) -> ApiResult<ConversationPage> {
    Ok(inbox::list_conversations(engine.store(), &filter).await?)
}

pub async fn status_counts(engine: &Engine) -> ApiResult<StatusCounts> {
    Ok(inbox::status_counts(engine.store()).await?)
}

pub async fn get_conversation(
    engine: &Engine,
    conversation_id: i64,
) -> ApiResult<ConversationDetail> {
    Ok(inbox::conversation_detail(engine.store(), conversation_id).await?)
}

pub async fn mark_read(engine: &Engine, conversation_id: i64) -> ApiResult<()> {
    let changed =
        sqlx::query("UPDATE conversations SET unread_count = 0 WHERE id = ?1 AND unread_count > 0")
            .bind(conversation_id)
            .execute(engine.store().pool())
            .await
            .map_err(Error::from)?
            .rows_affected();
    if changed > 0 {
        engine.relay().publish_conversation(conversation_id).await;
    }
    Ok(())
}

/// A manager's reply from the desktop or the command line.
pub async fn send_reply(engine: &Engine, conversation_id: i64, text: String) -> ApiResult<Message> {
    Ok(engine
        .outbox()
        .reply(Reply {
            conversation_id,
            text,
            attachments: Vec::new(),
            author: AuthorKind::Manager,
            author_name: None,
        })
        .await?)
}

/// Closes, reopens or hands a conversation to a person by hand.
pub async fn set_conversation_status(
    engine: &Engine,
    conversation_id: i64,
    status: ConversationStatus,
) -> ApiResult<ConversationSummary> {
    let now = engine.clock().now_ms();
    let mut tx = engine.store().write().await?;
    let previous = inbox::set_status(&mut tx, conversation_id, status, now).await?;
    // The operators' topic follows: closed with the conversation, open again after.
    let action = match (previous == ConversationStatus::Closed, status) {
        (_, ConversationStatus::Closed) => TopicAction::Close,
        (true, _) => TopicAction::Reopen,
        (false, _) => TopicAction::Sync,
    };
    mirror::enqueue_topic(&mut tx, now, conversation_id, action).await?;
    tx.commit().await.map_err(Error::from)?;
    engine.queue().wake();
    tracing::info!(conversation_id, %status, "conversation status set");
    engine.relay().publish_conversation(conversation_id).await;
    Ok(inbox::conversation_summary(engine.store().pool(), conversation_id).await?)
}

pub async fn simulate_inbound(
    engine: &Engine,
    customer: String,
    text: String,
) -> ApiResult<IngestOutcome> {
    Ok(engine
        .simulator()
        .customer_writes(engine.relay(), &customer, &text)
        .await?)
}

pub async fn simulator_transcript(
    engine: &Engine,
    customer: Option<String>,
) -> ApiResult<Vec<SimulatorEntry>> {
    Ok(engine.simulator().transcript(customer.as_deref()).await?)
}

pub fn app_info(engine: &Engine) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: engine.data_dir().display().to_string(),
    }
}

pub async fn list_projects(engine: &Engine) -> ApiResult<Vec<Project>> {
    Ok(engine.telegram().list_projects().await?)
}

pub async fn get_project(engine: &Engine, project_id: i64) -> ApiResult<Project> {
    Ok(engine.telegram().project(project_id).await?)
}

pub async fn create_project(engine: &Engine, input: ProjectInput) -> ApiResult<Project> {
    Ok(engine.telegram().create_project(input).await?)
}

pub async fn update_project(
    engine: &Engine,
    project_id: i64,
    input: ProjectInput,
) -> ApiResult<Project> {
    Ok(engine.telegram().update_project(project_id, input).await?)
}

pub async fn delete_project(engine: &Engine, project_id: i64) -> ApiResult<()> {
    Ok(engine.telegram().delete_project(project_id).await?)
}

/// Checks the token with Telegram, keeps it in the OS keyring and starts the bot.
pub async fn connect_bot(engine: &Engine, project_id: i64, bot: BotInput) -> ApiResult<Project> {
    Ok(engine.telegram().connect_bot(project_id, bot).await?)
}

pub async fn disconnect_bot(engine: &Engine, project_id: i64) -> ApiResult<Project> {
    Ok(engine.telegram().disconnect_bot(project_id).await?)
}

pub async fn check_work_group(engine: &Engine, project_id: i64) -> ApiResult<Project> {
    Ok(engine.telegram().check_work_group(project_id).await?)
}

pub async fn unbind_work_group(engine: &Engine, project_id: i64) -> ApiResult<Project> {
    Ok(engine.telegram().unbind_work_group(project_id).await?)
}

pub async fn set_project_sources(
    engine: &Engine,
    project_id: i64,
    account_ids: Vec<i64>,
) -> ApiResult<Project> {
    Ok(engine
        .telegram()
        .set_sources(project_id, account_ids)
        .await?)
}

pub async fn list_channel_accounts(engine: &Engine) -> ApiResult<Vec<ChannelAccount>> {
    Ok(engine.telegram().channel_accounts().await?)
}

/// Webhook mode through the LAN endpoint (`public_url` leads to it from the
/// internet), or long polling again with `None`.
pub async fn set_bot_webhook(
    engine: &Engine,
    project_id: i64,
    public_url: Option<String>,
) -> ApiResult<Project> {
    Ok(engine
        .telegram()
        .set_bot_webhook(project_id, public_url)
        .await?)
}
