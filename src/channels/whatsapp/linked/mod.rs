//! The shop's own WhatsApp number, linked as a device.

pub mod device;

use std::sync::Arc;

use self::device::Connector;
use crate::channels::{AccountStatus, Context};
use crate::error::Result;
use crate::queue::Rate;

pub struct Linked {
    #[allow(dead_code)]
    connector: Option<Arc<dyn Connector>>,
}

impl Linked {
    pub async fn open(_cx: &Context) -> Result<Arc<Self>> {
        Ok(Arc::new(Self { connector: None }))
    }

    pub fn with_connector(_cx: &Context, connector: Arc<dyn Connector>) -> Arc<Self> {
        Arc::new(Self {
            connector: Some(connector),
        })
    }

    pub async fn start(&self) {}

    pub async fn shutdown(&self) {}

    pub fn status(&self, _account_id: i64) -> AccountStatus {
        AccountStatus::stopped()
    }

    pub fn rate_keys(&self, _account_id: i64, _thread: &str) -> Vec<String> {
        Vec::new()
    }

    pub fn rates(&self) -> Vec<(&'static str, Rate)> {
        Vec::new()
    }
}
