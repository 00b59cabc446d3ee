//! The part that answers for the seller: the auto-responder on a schedule, and
//! the assistant that drafts or sends replies from a persona and the shop's
//! catalogue through a language model, behind the outbox guard.

pub mod auto_reply;
pub mod catalogue;
pub mod config;
pub mod guard;
mod hooks;
pub mod jobs;
pub mod language;
pub mod llm;
pub mod model;
pub mod persona;
pub mod prompt;
pub mod runs;
pub mod schedule;

pub use hooks::{AssistantHook, GuardCheck};

use std::sync::Arc;
use std::time::Duration;

use crate::channels::Registry;
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::keyring::Keyring;
use crate::outbox::Outbox;
use crate::queue::{Queue, Waker};
use crate::relay::Relay;
use crate::secret::Secret;
use crate::store::Store;
use llm::{Endpoint, LlmClient};
use model::{
    AssistantRun, AssistantSettings, AssistantSettingsInput, Catalogue, CatalogueImport,
    CataloguePage, GuardMode, LlmModels, LlmProvider, LlmSettings, LlmSettingsInput, OutboxGuard,
    WhitelistEntry,
};

/// How long one answer of the model may take (a local model on a laptop is slow).
pub const LLM_TIMEOUT: Duration = Duration::from_secs(90);
/// Listing models is quick or the server is not there.
const MODELS_TIMEOUT: Duration = Duration::from_secs(10);

/// What the assistant's jobs and the facade share.
#[derive(Clone)]
pub struct Core {
    store: Store,
    /// Channel-specific facts of a conversation (an Avito listing).
    channels: Arc<Registry>,
    clock: SharedClock,
    relay: Relay,
    outbox: Outbox,
    keyring: Keyring,
    llm: LlmClient,
    queue_waker: Waker,
    max_attempts: i64,
    llm_timeout: Duration,
}

impl Core {
    pub fn new(
        store: Store,
        clock: SharedClock,
        relay: Relay,
        outbox: Outbox,
        keyring: Keyring,
        channels: Arc<Registry>,
        queue: &Queue,
    ) -> Self {
        Self {
            store,
            channels,
            clock,
            relay,
            outbox,
            keyring,
            llm: LlmClient::default(),
            queue_waker: queue.waker(),
            max_attempts: queue.settings().max_attempts,
            llm_timeout: LLM_TIMEOUT,
        }
    }

    /// The model's address and key, and its settings, as stored now.
    async fn endpoint(&self) -> Result<(Endpoint, LlmSettings)> {
        let (settings, secret_ref) = config::load_llm(self.store.pool()).await?;
        let key = match secret_ref {
            Some(name) => self.keyring.get(&name).await?,
            None => None,
        };
        let endpoint = Endpoint {
            base_url: settings.base_url.clone(),
            key,
            model: settings.model.clone(),
            timeout: self.llm_timeout,
        };
        Ok((endpoint, settings))
    }
}

/// The assistant as the desktop and the command line use it.
#[derive(Clone)]
pub struct Assistant {
    core: Core,
}

impl Assistant {
    /// Whether some project's assistant drafts or answers (and so needs the
    /// model server).
    pub async fn any_project_uses_the_model(&self) -> Result<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM assistant_settings WHERE mode != 'off'")
                .fetch_one(self.core.store.pool())
                .await?;
        Ok(n > 0)
    }

    pub fn new(core: Core) -> Self {
        Self { core }
    }

    fn publish(&self, event: EngineEvent) {
        self.core.relay.bus().publish(event);
    }

    pub async fn settings(&self, project_id: i64) -> Result<AssistantSettings> {
        let mut conn = self.core.store.conn().await?;
        config::load(&mut conn, project_id).await
    }

    pub async fn save_settings(
        &self,
        project_id: i64,
        input: &AssistantSettingsInput,
    ) -> Result<AssistantSettings> {
        let mut tx = self.core.store.write().await?;
        config::save(&mut tx, project_id, input, self.core.clock.now_ms()).await?;
        tx.commit().await?;
        tracing::info!(project_id, mode = %input.mode, auto_reply = %input.auto_reply, "assistant settings saved");
        self.publish(EngineEvent::AssistantChanged { project_id });
        self.settings(project_id).await
    }

    /// Whether auto-replies are paused for the whole app.
    pub async fn auto_replies_paused(&self) -> Result<bool> {
        auto_reply::paused(self.core.store.pool()).await
    }

    /// Pauses auto-replies for the whole app, or lets them go again. Those
    /// that come due while paused are not sent, then or later.
    pub async fn pause_auto_replies(&self, paused: bool) -> Result<bool> {
        sqlx::query("UPDATE auto_reply_pause SET paused = ?1, updated_at = ?2 WHERE id = 1")
            .bind(paused)
            .bind(self.core.clock.now_ms())
            .execute(self.core.store.pool())
            .await?;
        tracing::info!(paused, "auto-replies paused or resumed");
        self.publish(EngineEvent::AutoRepliesPaused { paused });
        Ok(paused)
    }

    pub async fn llm_settings(&self) -> Result<LlmSettings> {
        Ok(config::load_llm(self.core.store.pool()).await?.0)
    }

    /// Stores the model's settings; the key goes to the keyring.
    pub async fn save_llm_settings(&self, input: &LlmSettingsInput) -> Result<LlmSettings> {
        let base_url = config::check_llm(input)?;
        let (_, old_ref) = config::load_llm(self.core.store.pool()).await?;
        let secret_ref = match input.api_key.as_deref().map(str::trim) {
            None => old_ref.clone(),
            Some("") => None,
            Some(key) => {
                if key.len() > 4096 || key.contains(char::is_whitespace) {
                    return Err(Error::invalid(
                        "the API key looks wrong (spaces or too long)",
                    ));
                }
                let name = old_ref
                    .clone()
                    .unwrap_or_else(|| Keyring::new_entry_name("llm"));
                self.core
                    .keyring
                    .set(&name, &Secret::new(key.to_owned()))
                    .await?;
                Some(name)
            }
        };
        let mut tx = self.core.store.write().await?;
        sqlx::query(
            "UPDATE llm_settings SET provider = ?1, base_url = ?2, model = ?3, secret_ref = ?4, context_tokens = ?5,
                    max_tokens = ?6, temperature = ?7, updated_at = ?8 WHERE id = 1",
        )
        .bind(input.provider.as_str())
        .bind(&base_url)
        .bind(input.model.trim())
        .bind(&secret_ref)
        .bind(i64::from(input.context_tokens))
        .bind(i64::from(input.max_tokens))
        .bind(input.temperature)
        .bind(self.core.clock.now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if let (Some(old), None) = (&old_ref, &secret_ref) {
            self.core.keyring.delete(old).await?;
        }
        tracing::info!(provider = %input.provider, %base_url, model = input.model.trim(), "model settings saved");
        self.llm_settings().await
    }

    /// The models a server offers: the stored one, or the one being set up
    /// (its key, when not given, is the stored one).
    pub async fn llm_models(&self, input: Option<&LlmSettingsInput>) -> Result<LlmModels> {
        let (mut endpoint, _) = self.core.endpoint().await?;
        if let Some(input) = input {
            endpoint.base_url = config::check_llm(input)?;
            if let Some(key) = input.api_key.as_deref() {
                endpoint.key = (!key.trim().is_empty()).then(|| Secret::new(key.trim().to_owned()));
            }
            if input.provider == LlmProvider::Ollama && input.api_key.is_none() {
                endpoint.key = None;
            }
        }
        endpoint.timeout = MODELS_TIMEOUT;
        Ok(match self.core.llm.models(&endpoint).await {
            Ok(models) => LlmModels {
                models,
                problem: None,
                detail: None,
            },
            Err(e) => LlmModels {
                models: Vec::new(),
                problem: Some(e.problem()),
                detail: Some(e.to_string()),
            },
        })
    }

    pub async fn import_catalogue(
        &self,
        project_id: i64,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<CatalogueImport> {
        let c = &self.core;
        let outcome = catalogue::import(
            &c.store,
            &c.clock,
            c.relay.bus(),
            project_id,
            file_name,
            bytes,
        )
        .await?;
        self.publish(EngineEvent::AssistantChanged { project_id });
        Ok(outcome)
    }

    pub async fn catalogue(&self, project_id: i64) -> Result<Option<Catalogue>> {
        catalogue::get(&self.core.store, project_id).await
    }

    pub async fn catalogue_rows(
        &self,
        project_id: i64,
        search: Option<&str>,
        offset: u32,
        limit: u32,
    ) -> Result<CataloguePage> {
        catalogue::rows(&self.core.store, project_id, search, offset, limit).await
    }

    pub async fn remove_catalogue(&self, project_id: i64) -> Result<()> {
        catalogue::remove(&self.core.store, project_id).await?;
        tracing::info!(project_id, "catalogue removed");
        self.publish(EngineEvent::AssistantChanged { project_id });
        Ok(())
    }

    pub async fn guard(&self) -> Result<OutboxGuard> {
        let mut conn = self.core.store.conn().await?;
        guard::load(&mut conn).await
    }

    /// Changes the guard and sends what it now allows.
    pub async fn set_guard(&self, mode: GuardMode, include_people: bool) -> Result<OutboxGuard> {
        let mut tx = self.core.store.write().await?;
        guard::set_mode(&mut tx, mode, include_people, self.core.clock.now_ms()).await?;
        tracing::info!(%mode, include_people, "outbox guard set");
        self.release_in(tx, None).await
    }

    pub async fn allow_recipient(&self, entry: &WhitelistEntry) -> Result<OutboxGuard> {
        let entry = guard::normalize(entry.kind, &entry.value)?;
        let mut tx = self.core.store.write().await?;
        guard::add(&mut tx, &entry, self.core.clock.now_ms()).await?;
        tracing::info!(kind = %entry.kind, "recipient added to the whitelist");
        self.release_in(tx, None).await
    }

    pub async fn disallow_recipient(&self, entry: &WhitelistEntry) -> Result<OutboxGuard> {
        let mut tx = self.core.store.write().await?;
        guard::remove(&mut tx, entry).await?;
        tx.commit().await?;
        self.publish(EngineEvent::GuardChanged);
        self.guard().await
    }

    /// Sends one held reply whatever the guard says (a person chose to).
    pub async fn send_held(&self, message_id: i64) -> Result<OutboxGuard> {
        let tx = self.core.store.write().await?;
        self.release_in(tx, Some(message_id)).await
    }

    async fn release_in(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Sqlite>,
        only: Option<i64>,
    ) -> Result<OutboxGuard> {
        let released =
            guard::release(&mut tx, self.core.clock.now_ms(), &self.core.outbox, only).await?;
        if only.is_some() && released.is_empty() {
            return Err(Error::not_found("held reply", only.unwrap_or_default()));
        }
        tx.commit().await?;
        if !released.is_empty() {
            tracing::info!(count = released.len(), "held replies released");
            self.core.queue_waker.wake();
        }
        for (conversation_id, message_id) in released {
            self.core
                .relay
                .publish_message(conversation_id, message_id, true)
                .await;
        }
        self.publish(EngineEvent::GuardChanged);
        self.guard().await
    }

    pub async fn runs(&self, conversation_id: i64) -> Result<Vec<AssistantRun>> {
        runs::of_conversation(self.core.store.pool(), conversation_id).await
    }

    pub async fn draft(&self, conversation_id: i64) -> Result<Option<AssistantRun>> {
        runs::current_draft(self.core.store.pool(), conversation_id).await
    }

    pub async fn dismiss_draft(&self, run_id: i64) -> Result<()> {
        let mut tx = self.core.store.write().await?;
        runs::dismiss(&mut *tx, run_id).await?;
        tx.commit().await?;
        match runs::get(self.core.store.pool(), run_id).await {
            Ok(run) => self.publish(EngineEvent::AssistantRun { run }),
            Err(e) => tracing::warn!(error = %e, "could not publish a dismissed draft"),
        }
        Ok(())
    }
}
