//! Avito accounts as the desktop and the command line see them.

use serde::{Deserialize, Serialize};
use specta::Type;

use super::client::ApiError;
use crate::clock::Millis;

/// An Avito account to connect: the personal authorization's client id and
/// secret (avito.ru/professionals/api), and, only for a stand-in of Avito's
/// API, its address.
#[derive(Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AvitoInput {
    pub client_id: String,
    pub client_secret: String,
    pub api_url: Option<String>,
}

impl std::fmt::Debug for AvitoInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AvitoInput")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("api_url", &self.api_url)
            .finish()
    }
}

/// Where a connected account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AvitoState {
    Connecting,
    /// Reading chats.
    Online,
    /// Avito cannot be reached or refuses; trying again.
    Offline,
    Stopped,
}

/// What went wrong, for the desktop to explain in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AvitoProblem {
    /// Avito cannot be reached.
    Connect,
    /// The client id or secret is wrong (or was revoked).
    Credentials,
    /// The account has no access to the Messenger API: it needs Avito's top
    /// tariff, and only the main account's credentials work.
    Tariff,
    /// Avito refused a request; its message says why.
    Rejected,
    /// Avito's answer was not understood.
    Protocol,
    /// The account is connected already.
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AvitoError {
    pub problem: AvitoProblem,
    /// Avito's own words (or the network's), for the details.
    pub message: String,
}

impl From<&ApiError> for AvitoError {
    fn from(e: &ApiError) -> Self {
        let (problem, message) = match e {
            ApiError::Network(m) => (AvitoProblem::Connect, m.clone()),
            ApiError::Credentials(m) => (AvitoProblem::Credentials, m.clone()),
            ApiError::Messenger(m) => (AvitoProblem::Tariff, m.clone()),
            ApiError::RateLimited { .. } => (AvitoProblem::Rejected, e.to_string()),
            ApiError::Status { status, .. } if *status >= 500 => {
                (AvitoProblem::Connect, e.to_string())
            }
            ApiError::Status { message, .. } => (AvitoProblem::Rejected, message.clone()),
            ApiError::Decode(m) => (AvitoProblem::Protocol, m.clone()),
        };
        Self { problem, message }
    }
}

/// A connected Avito account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AvitoAccount {
    /// The channel account's id.
    pub id: i64,
    /// The account's name on Avito.
    pub name: String,
    /// Avito's user id of the account.
    pub user_id: i64,
    pub profile_url: Option<String>,
    pub client_id: String,
    /// Set only when it is not Avito's own API.
    pub api_url: Option<String>,
    pub project_id: Option<i64>,
    pub state: AvitoState,
    pub last_error: Option<AvitoError>,
    /// When the chats were last read completely.
    pub last_poll_at: Option<Millis>,
    /// Set while Avito posts new messages to the LAN endpoint: the public
    /// address they go to (without its secret).
    pub webhook_url: Option<String>,
    pub connected_at: Millis,
}

/// How connecting an account ended: connected, or refused with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AvitoConnect {
    Connected { account: AvitoAccount },
    Refused { error: AvitoError },
}
