//! Cloud API numbers as the desktop and the command line see them.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::channels::AccountState;
use crate::clock::Millis;

/// A Cloud API number to add: its id at Meta, the access token that sends
/// from it, the app secret Meta signs webhooks with and the token Meta's
/// webhook check repeats (made up when left empty), and the WhatsApp
/// Business Account the number belongs to (for its message templates).
/// `api_url` only for a stand-in of Meta's Graph API.
#[derive(Clone, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CloudNumberInput {
    pub phone_number_id: String,
    pub access_token: String,
    pub app_secret: String,
    pub verify_token: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub business_account_id: Option<String>,
    pub api_url: Option<String>,
}

impl std::fmt::Debug for CloudNumberInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudNumberInput")
            .field("phone_number_id", &self.phone_number_id)
            .field("access_token", &"<redacted>")
            .field("app_secret", &"<redacted>")
            .field("verify_token", &"<redacted>")
            .field("name", &self.name)
            .field("business_account_id", &self.business_account_id)
            .field("api_url", &self.api_url)
            .finish()
    }
}

/// What changes of a number: each secret given replaces the kept one, one
/// left out stays as it is. An empty business account ID forgets it.
#[derive(Clone, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CloudNumberUpdate {
    pub name: Option<String>,
    #[serde(default)]
    pub business_account_id: Option<String>,
    pub access_token: Option<String>,
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
}

impl std::fmt::Debug for CloudNumberUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given = |s: &Option<String>| if s.is_some() { "<new>" } else { "<kept>" };
        f.debug_struct("CloudNumberUpdate")
            .field("name", &self.name)
            .field("business_account_id", &self.business_account_id)
            .field("access_token", &given(&self.access_token))
            .field("app_secret", &given(&self.app_secret))
            .field("verify_token", &given(&self.verify_token))
            .finish()
    }
}

/// A Cloud API number of the WhatsApp channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CloudNumber {
    /// The channel account's id.
    pub id: i64,
    pub name: String,
    pub phone_number_id: String,
    /// The number as Meta shows it, once a webhook told it.
    pub display_phone: Option<String>,
    /// The WhatsApp Business Account whose templates it sends.
    pub business_account_id: Option<String>,
    /// Where Meta's webhooks go on the LAN endpoint (after its address).
    pub webhook_path: String,
    /// Set only when it is not Meta's own Graph API.
    pub api_url: Option<String>,
    pub api_version: String,
    pub project_id: Option<i64>,
    pub state: AccountState,
    pub last_error: Option<String>,
    pub added_at: Millis,
}

/// A number just added, with what Meta's webhook settings need. The verify
/// token is shown this once; it stays in the keyring only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CloudNumberAdded {
    pub number: CloudNumber,
    pub verify_token: String,
    /// `http://<LAN endpoint>/webhooks/whatsapp/<id>`, when the endpoint listens.
    pub webhook_url: Option<String>,
}

/// A message template the number's business account has approved, in one
/// language, that Tuberry can fill in: a text header or none, a body with
/// `{{1}}`…`{{n}}` and an optional footer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CloudTemplate {
    pub name: String,
    /// Meta's language code, e.g. `ru` or `en_US`.
    pub language: String,
    /// `UTILITY`, `MARKETING` or `AUTHENTICATION`.
    pub category: String,
    pub header: Option<String>,
    pub body: String,
    pub footer: Option<String>,
    /// How many parameters the body takes.
    pub params: u32,
}

/// A reply sent as an approved template with its body's parameters.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateReply {
    pub conversation_id: i64,
    pub name: String,
    pub language: String,
    pub params: Vec<String>,
}

/// Whether a conversation on a Cloud API number takes a reply in free form:
/// Meta takes one within 24 hours of the customer's last message, after
/// that only an approved template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplyWindow {
    pub account_id: i64,
    /// When the window closes (or closed); none if the customer never wrote.
    pub closes_at: Option<Millis>,
    pub open: bool,
    /// The number's templates can be listed (its business account is known).
    pub templates: bool,
}
