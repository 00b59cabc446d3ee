//! Providers: a shop's own system (its website's chat, an app) as a channel
//! of its own kind. The owner creates one (a name, a project, the URL that
//! takes replies) and gets a token, shown once; the system posts its
//! customers' messages with it and gets the replies back, signed.
//!
//! ```text
//!  provider ──POST /api/v1/webhook/{id} (Bearer tbp_…)──► files kept (intake) ──► relay
//!                                                         (stored before 201; once per message id)
//!  outbox ──ProviderChannel──► POST reply_url  X-Tuberry-Signature: t=…,v1=HMAC-SHA256(token, "t.body")
//! ```

pub mod receive;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::channels::{
    AccountState, AccountStatus, Adapter, Address, Channel, Channels, Context, Outgoing, SendError,
    Sent,
};
use crate::clock::{Millis, SharedClock};
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::model::{ChannelKind, ContactIdentity, IdentityKind};
use crate::relay::Relay;
use crate::secret::Secret;
use crate::store::Store;

const TOKEN_PREFIX: &str = "tbp_";
const REPLY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// A provider as the owner sees it (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Provider {
    /// Its channel account; also its place in the webhook's path.
    pub id: i64,
    pub name: String,
    pub project_id: Option<i64>,
    pub reply_url: Option<String>,
    pub created_at: Millis,
}

/// A new provider and its token, shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderCreated {
    pub provider: Provider,
    pub token: String,
    /// Where it posts its customers' messages, relative to the LAN endpoint.
    pub webhook_path: String,
}

/// The "custom" channel kind.
pub struct Custom {
    store: Store,
    clock: SharedClock,
    relay: Relay,
    keyring: Keyring,
    files: crate::files::Files,
    senders: Arc<Channels>,
    client: reqwest::Client,
    /// Fetches the files a provider's customers send by URL.
    fetcher: reqwest::Client,
    opened_at: Millis,
}

/// A provider's customer as the store knows people: their phone or e-mail
/// when the provider gives one (so the same person elsewhere is one
/// contact), their id at the provider otherwise.
fn identity(
    account_id: i64,
    id: &str,
    phone: Option<&str>,
    email: Option<&str>,
) -> ContactIdentity {
    if let Some(phone) = phone.and_then(crate::channels::e164) {
        return ContactIdentity {
            kind: IdentityKind::Phone,
            value: phone,
        };
    }
    if let Some(email) = email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| e.parse::<lettre::Address>().is_ok())
    {
        return ContactIdentity {
            kind: IdentityKind::Email,
            value: email,
        };
    }
    ContactIdentity {
        kind: IdentityKind::Custom,
        value: format!("{account_id}:{}", id.trim()),
    }
}

fn checked_reply_url(url: Option<String>) -> Result<Option<String>> {
    url.map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .map(|url| {
            crate::webhooks::outward_url(
                &url,
                "the reply URL",
                " (it is kept in the database); the provider checks the signature",
            )
        })
        .transpose()
}

impl Custom {
    pub async fn open(cx: &Context) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            store: cx.store.clone(),
            clock: cx.clock.clone(),
            relay: cx.relay.clone(),
            keyring: cx.keyring.clone(),
            files: cx.files.clone(),
            senders: cx.senders.clone(),
            client: reqwest::Client::builder()
                .timeout(REPLY_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("Tuberry/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default(),
            fetcher: crate::intake::client(),
            opened_at: cx.clock.now_ms(),
        }))
    }

    fn connect(self: &Arc<Self>, account_id: i64) {
        self.senders.connect(
            account_id,
            Arc::new(ProviderChannel {
                custom: self.clone(),
                account_id,
            }),
        );
    }

    /// Creates a provider: its token goes to the keyring first, then the
    /// account is stored (a failing keyring leaves nothing behind).
    pub async fn create(
        self: &Arc<Self>,
        name: &str,
        project_id: Option<i64>,
        reply_url: Option<String>,
    ) -> Result<ProviderCreated> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid("a provider is named by 1 to 100 characters"));
        }
        let reply_url = checked_reply_url(reply_url)?;
        let token = format!("{TOKEN_PREFIX}{}", crate::secret::random_hex(32)?);
        let secret_ref = Keyring::new_entry_name("provider");
        self.keyring
            .set(&secret_ref, &Secret::new(token.clone()))
            .await?;
        let now = self.clock.now_ms();
        let mut tx = self.store.write().await?;
        if let Some(project) = project_id {
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE id = ?1")
                .bind(project)
                .fetch_optional(&mut *tx)
                .await?;
            known.ok_or_else(|| Error::not_found("project", project))?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO channel_accounts (project_id, kind, name, external_id, created_at)
             VALUES (?1, 'custom', ?2, ?3, ?4) RETURNING id",
        )
        .bind(project_id)
        .bind(name)
        .bind(format!("provider-{}", crate::secret::random_hex(8)?))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO custom_providers (channel_account_id, token_hash, secret_ref, reply_url)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(id)
        .bind(crate::secret::digest(&token))
        .bind(&secret_ref)
        .bind(&reply_url)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.connect(id);
        tracing::info!(account_id = id, "provider created");
        Ok(ProviderCreated {
            provider: Provider {
                id,
                name: name.to_owned(),
                project_id,
                reply_url,
                created_at: now,
            },
            token,
            webhook_path: format!("/api/v1/webhook/{id}"),
        })
    }

    pub async fn list(&self) -> Result<Vec<Provider>> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.name, a.project_id, p.reply_url, a.created_at
             FROM custom_providers p JOIN channel_accounts a ON a.id = p.channel_account_id
             ORDER BY a.id",
        )
        .fetch_all(self.store.pool())
        .await?)
    }

    /// Removes a provider: its token stops working at once; its
    /// conversations stay in the inbox.
    pub async fn delete(&self, account_id: i64) -> Result<()> {
        let mut tx = self.store.write().await?;
        let secret_ref: String = sqlx::query_scalar(
            "DELETE FROM custom_providers WHERE channel_account_id = ?1 RETURNING secret_ref",
        )
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("provider", account_id))?;
        sqlx::query("UPDATE channel_accounts SET enabled = 0 WHERE id = ?1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.senders.disconnect(account_id);
        self.keyring.delete(&secret_ref).await?;
        tracing::info!(account_id, "provider removed");
        Ok(())
    }
}

#[async_trait]
impl Adapter for Custom {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Custom
    }

    async fn start(&self) {
        // Nothing to connect to: a provider calls in.
    }

    async fn shutdown(&self) {}

    fn status(&self, _account_id: i64) -> AccountStatus {
        AccountStatus::new(AccountState::Connected).connected_at(Some(self.opened_at))
    }

    /// A provider's customer by their id at the provider.
    fn address(&self, account_id: i64, to: &str) -> Result<Address> {
        let to = to.trim();
        if to.is_empty() || to.len() > 200 {
            return Err(Error::invalid(
                "a provider's customer is named by their id there (1 to 200 characters)",
            ));
        }
        Ok(Address {
            identity: identity(account_id, to, None, None),
            thread: Some(to.to_owned()),
        })
    }

    fn routes(&self) -> Option<axum::Router> {
        Some(receive::routes(receive::Receiver {
            store: self.store.clone(),
            clock: self.clock.clone(),
            relay: self.relay.clone(),
            files: self.files.clone(),
            client: self.fetcher.clone(),
        }))
    }
}

/// Connects the senders of the providers there are (at open).
pub async fn connect_all(custom: &Arc<Custom>) -> Result<()> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT p.channel_account_id FROM custom_providers p
         JOIN channel_accounts a ON a.id = p.channel_account_id WHERE a.enabled = 1",
    )
    .fetch_all(custom.store.pool())
    .await?;
    for id in ids {
        custom.connect(id);
    }
    Ok(())
}

/// A reply as the provider gets it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReplyOut<'a> {
    /// Tuberry's id of the reply: the same when a send is retried.
    id: String,
    /// The conversation at the provider (its `thread`, or the customer's id).
    thread: &'a str,
    text: &'a str,
    attachments: Vec<crate::views::AttachmentView>,
    /// The provider's id of the message this answers.
    reply_to: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct ReplyAnswer {
    id: Option<serde_json::Value>,
}

/// One provider's way of sending: POST to its reply URL, signed with its token.
struct ProviderChannel {
    custom: Arc<Custom>,
    account_id: i64,
}

#[async_trait]
impl Channel for ProviderChannel {
    async fn send(&self, message: &Outgoing) -> Result<Sent, SendError> {
        let found: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT reply_url, secret_ref FROM custom_providers WHERE channel_account_id = ?1",
        )
        .bind(self.account_id)
        .fetch_optional(self.custom.store.pool())
        .await
        .map_err(|e| SendError::Transient(e.to_string()))?;
        let Some((Some(url), secret_ref)) = found else {
            return Err(SendError::Rejected(
                "this provider takes no replies (no reply URL)".into(),
            ));
        };
        let token = match self.custom.keyring.get(&secret_ref).await {
            Ok(Some(token)) => token,
            Ok(None) => {
                return Err(SendError::Rejected(
                    "the provider's token is not in this computer's keyring".into(),
                ));
            }
            Err(e) => return Err(SendError::Transient(e.to_string())),
        };
        let body = serde_json::to_vec(&ReplyOut {
            id: format!("msg_{}", message.message_id),
            thread: &message.external_thread_id,
            text: &message.text,
            attachments: message
                .attachments
                .iter()
                .map(|a| crate::views::AttachmentView {
                    kind: a.kind,
                    name: a.name.clone(),
                    mime: a.mime.clone(),
                    size: a.size,
                })
                .collect(),
            reply_to: message.reply_to.as_ref().map(|r| r.external_id.as_str()),
        })
        .map_err(|e| SendError::Rejected(e.to_string()))?;
        let seconds = self.custom.clock.now_ms() / 1000;
        let response = self
            .custom
            .client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                "X-Tuberry-Signature",
                crate::webhooks::signature(token.expose(), seconds, &body),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| {
                SendError::Transient(format!("the provider did not answer: {}", e.without_url()))
            })?;
        let status = response.status();
        if status.is_success() {
            let answer: Option<ReplyAnswer> = response.json().await.ok();
            let external_id = answer.and_then(|a| a.id).map(|id| match id {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
            return Ok(Sent { external_id });
        }
        let why = format!("the provider answered {status}");
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(SendError::Transient(why))
        } else {
            Err(SendError::Rejected(why))
        }
    }
}
