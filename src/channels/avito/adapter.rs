//! Avito accounts as a channel kind.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;

use super::model::{AvitoProblem, AvitoState};
use super::{Avito, INGEST_JOB, INGEST_JOB_VERSION, IngestHandler};
use crate::channels::{AccountState, AccountStatus, Adapter, JobKind};
use crate::error::Result;
use crate::model::{ChannelKind, Listing};

#[async_trait]
impl Adapter for Avito {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Avito
    }

    async fn start(&self) {
        self.start_all().await;
    }

    async fn shutdown(&self) {
        self.runners.shutdown().await;
    }

    fn status(&self, account_id: i64) -> AccountStatus {
        let status = self.core.status(account_id);
        let problem = status.last_error.as_ref().map(|e| e.problem);
        let state = match status.state {
            AvitoState::Connecting => AccountState::Connecting,
            AvitoState::Online => AccountState::Connected,
            AvitoState::Offline if problem == Some(AvitoProblem::Credentials) => {
                AccountState::BadCredentials
            }
            AvitoState::Offline if problem == Some(AvitoProblem::Tariff) => AccountState::Error,
            AvitoState::Offline => AccountState::Offline,
            AvitoState::Stopped => AccountState::Stopped,
        };
        let account = AccountStatus::new(state)
            .error(status.last_error.map(|e| e.message))
            .connected_at(self.core.board.connected_at(account_id));
        match problem {
            Some(AvitoProblem::Tariff) => account.detail(AvitoProblem::Tariff),
            _ => account.detail(status.state),
        }
    }

    fn jobs(&self) -> Vec<JobKind> {
        vec![JobKind {
            kind: INGEST_JOB,
            version: INGEST_JOB_VERSION,
            handler: Arc::new(IngestHandler(self.core.clone())),
        }]
    }

    fn address(&self, _account_id: i64, _to: &str) -> Result<crate::channels::Address> {
        Err(crate::error::Error::invalid(
            "Avito lets a shop answer a chat, not start one: a chat begins with the customer's message about a listing. Answer it by its conversationId",
        ))
    }

    fn routes(&self) -> Option<axum::Router> {
        Some(Avito::routes(self))
    }

    fn lan_endpoint(&self, listening: bool) {
        self.core.lan_endpoint.store(listening, Ordering::SeqCst);
    }

    /// The listing the chat is about, as Avito described it.
    async fn listing(&self, conversation_id: i64) -> Result<Option<Listing>> {
        type Row = (String, Option<String>, Option<String>, Option<String>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT v.item_title, v.item_price, v.item_url, v.item_image
             FROM conversations c JOIN avito_chats v
               ON v.channel_account_id = c.channel_account_id AND v.chat_id = c.external_thread_id
             WHERE c.id = ?1 AND v.item_title IS NOT NULL",
        )
        .bind(conversation_id)
        .fetch_optional(self.core.store.pool())
        .await?;
        Ok(row.map(|(title, price, url, image_url)| Listing {
            title,
            price,
            url,
            image_url,
        }))
    }
}

impl Avito {
    /// The Avito accounts, with senders for every enabled one.
    pub async fn open(cx: &crate::channels::Context) -> Result<Arc<Self>> {
        let core = super::Core::new(
            cx.store.clone(),
            cx.clock.clone(),
            cx.bus.clone(),
            cx.keyring.clone(),
            cx.settings.avito.clone(),
            cx.files.clone(),
            cx.relay.clone(),
        );
        let avito = Self::new(core, cx.queue.clone(), cx.senders.clone());
        avito.connect_channels().await?;
        Ok(Arc::new(avito))
    }
}
