//! WhatsApp as a channel, in two flavours under one kind: the shop's own
//! number linked as a device (scanned QR or a code typed on the phone; the
//! WhatsApp Web multi-device protocol, see [`linked`]), and numbers of the
//! WhatsApp Business Cloud API for businesses verified at Meta (see
//! [`cloud`]). A customer is known by their phone in +E.164, so one who
//! also wrote on Telegram or Avito with the same phone is the same contact.
//!
//! ```text
//!  WhatsApp adapter ─┬─ linked: pairing ─► keys sealed into whatsapp_devices ─► runner per number
//!                    └─ cloud:  webhooks on the LAN endpoint, Graph API for sending
//! ```

pub mod cloud;
pub mod linked;

use std::sync::Arc;

use async_trait::async_trait;

use self::cloud::Cloud;
use self::linked::Linked;
use crate::channels::{AccountStatus, Adapter, Context, JobKind};
use crate::error::Result;
use crate::model::ChannelKind;
use crate::queue::Rate;

/// The WhatsApp channel kind: linked numbers and Cloud API numbers.
pub struct WhatsApp {
    linked: Arc<Linked>,
    cloud: Arc<Cloud>,
}

impl WhatsApp {
    /// The channel, linking devices through `whatsapp-rust` (or the
    /// stand-in the settings name).
    pub async fn open(cx: &Context) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            linked: Linked::open(cx).await?,
            cloud: Cloud::open(cx).await?,
        }))
    }

    /// The channel over another way to WhatsApp's linked devices (a fake in tests).
    pub async fn with_connector(
        cx: &Context,
        connector: Arc<dyn linked::device::Connector>,
    ) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            linked: Linked::with_connector(cx, connector),
            cloud: Cloud::open(cx).await?,
        }))
    }

    /// Numbers linked as devices.
    pub fn linked(&self) -> &Arc<Linked> {
        &self.linked
    }

    /// Numbers of the Cloud API.
    pub fn cloud(&self) -> &Arc<Cloud> {
        &self.cloud
    }
}

#[async_trait]
impl Adapter for WhatsApp {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Whatsapp
    }

    async fn start(&self) {
        self.linked.start().await;
        self.cloud.start().await;
    }

    async fn shutdown(&self) {
        self.linked.shutdown().await;
        self.cloud.shutdown().await;
    }

    fn status(&self, account_id: i64) -> AccountStatus {
        if self.cloud.owns(account_id) {
            self.cloud.status(account_id)
        } else {
            self.linked.status(account_id)
        }
    }

    fn rate_keys(&self, account_id: i64, thread: &str) -> Vec<String> {
        if self.cloud.owns(account_id) {
            self.cloud.rate_keys(account_id, thread)
        } else {
            self.linked.rate_keys(account_id, thread)
        }
    }

    fn rates(&self) -> Vec<(&'static str, Rate)> {
        let mut rates = self.linked.rates();
        rates.extend(self.cloud.rates());
        rates
    }

    /// A phone in +E.164: WhatsApp reaches any number that has it.
    fn address(&self, account_id: i64, to: &str) -> Result<crate::channels::Address> {
        let phone = crate::channels::e164(to).ok_or_else(|| {
            crate::error::Error::invalid(format!(
                "“{}” is not a phone number in international form (+ and 8 to 15 digits)",
                to.trim()
            ))
        })?;
        let digits = phone.trim_start_matches('+').to_owned();
        Ok(crate::channels::Address {
            thread: Some(if self.cloud.owns(account_id) {
                digits
            } else {
                format!("{digits}@s.whatsapp.net")
            }),
            identity: crate::model::ContactIdentity {
                kind: crate::model::IdentityKind::Phone,
                value: phone,
            },
        })
    }

    fn jobs(&self) -> Vec<JobKind> {
        self.cloud.jobs()
    }

    fn routes(&self) -> Option<axum::Router> {
        self.cloud.routes()
    }

    fn lan_endpoint(&self, listening: bool) {
        self.cloud.lan_endpoint(listening);
    }
}
