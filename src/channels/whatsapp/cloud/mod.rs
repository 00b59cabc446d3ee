//! WhatsApp Business Cloud API numbers as WhatsApp accounts.

use std::sync::Arc;

use crate::channels::{AccountStatus, Context, JobKind};
use crate::error::Result;
use crate::queue::Rate;

/// The Cloud API numbers of the WhatsApp channel.
pub struct Cloud {}

impl Cloud {
    pub async fn open(_cx: &Context) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {}))
    }

    pub async fn start(&self) {}

    pub async fn shutdown(&self) {}

    /// Whether the account is a Cloud API number.
    pub fn owns(&self, _account_id: i64) -> bool {
        false
    }

    pub fn status(&self, _account_id: i64) -> AccountStatus {
        AccountStatus::stopped()
    }

    pub fn rate_keys(&self, _account_id: i64, _thread: &str) -> Vec<String> {
        Vec::new()
    }

    pub fn rates(&self) -> Vec<(&'static str, Rate)> {
        Vec::new()
    }

    pub fn jobs(&self) -> Vec<JobKind> {
        Vec::new()
    }

    pub fn routes(&self) -> Option<axum::Router> {
        None
    }

    pub fn lan_endpoint(&self, _listening: bool) {}
}
