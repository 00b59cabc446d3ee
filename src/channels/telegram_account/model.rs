//! What the window and the command line see of Telegram accounts: the
//! accounts with their delivery flags, the application's identity at
//! Telegram, and a login attempt as the modal draws it.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::clock::Millis;

/// A staff member's own Telegram account connected to Tuberry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TelegramAccount {
    /// The channel account's id.
    pub id: i64,
    pub project_id: Option<i64>,
    pub name: String,
    pub user_id: i64,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub flags: DeliveryFlags,
    /// Through a SOCKS5 proxy (its address is not shown: it may hold a password).
    pub proxied: bool,
    pub created_at: Millis,
}

/// Which chats of the account reach the inbox, as the seed has them:
/// private chats on, groups and channels off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryFlags {
    pub private_chats: bool,
    pub groups: bool,
    pub channels: bool,
}

impl Default for DeliveryFlags {
    fn default() -> Self {
        Self {
            private_chats: true,
            groups: false,
            channels: false,
        }
    }
}

/// The application's identity at Telegram (my.telegram.org → API
/// development tools), and how it describes itself to Telegram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TelegramApp {
    /// Whose id is used: the owner's own, or the one this build carries.
    pub source: AppSource,
    /// The owner's api_id (the hash is in the keyring and never shown).
    pub api_id: Option<i32>,
    pub device_model: String,
    pub system_version: String,
    pub app_version: String,
    pub lang_code: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AppSource {
    /// The owner entered the api_id and api_hash of their own application.
    Own,
    /// This build carries an application's id (its distributor's).
    Built,
    /// Neither: the owner has to enter them before connecting an account.
    Missing,
}

/// The owner's own application and the device description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TelegramAppInput {
    pub api_id: Option<i32>,
    /// Written only; `None` keeps the stored one.
    pub api_hash: Option<String>,
    pub device_model: String,
    pub system_version: String,
    pub app_version: String,
    pub lang_code: String,
}

/// How a login starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum LoginMethod {
    /// A QR code scanned in Telegram → Settings → Devices.
    Qr,
    /// The phone number, then the code Telegram sends.
    Phone { phone: String },
}

/// What starting a login needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LoginStart {
    pub project_id: i64,
    pub method: LoginMethod,
    /// `socks5://[user:password@]host:port`, where Telegram is throttled.
    pub proxy: Option<String>,
}

/// Where a login attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum LoginState {
    /// Connecting to Telegram and asking for a token (or a code).
    Preparing,
    /// The QR code is shown until it is scanned.
    WaitingForScan,
    /// The code Telegram sent is awaited.
    CodeRequired,
    /// The account has two-step verification: its password is awaited.
    PasswordRequired,
    /// Logged in: the account is connected.
    Connected,
    /// Nobody scanned in time: try again.
    Expired,
    Error,
}

/// One attempt to connect an account, as the modal draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LoginAttempt {
    pub id: String,
    pub project_id: i64,
    pub state: LoginState,
    /// `tg://login?token=…` while waiting for the scan.
    pub qr_url: Option<String>,
    /// The same as an SVG drawing (crisp at any size).
    pub qr_svg: Option<String>,
    /// When the shown token lapses (it is replaced before, unasked).
    pub token_expires_at: Option<Millis>,
    /// When the whole attempt expires.
    pub expires_at: Millis,
    /// The account's password hint, when the password is asked for.
    pub password_hint: Option<String>,
    /// The last password or code given was wrong.
    pub wrong_answer: bool,
    /// The connected account, once connected.
    pub account_id: Option<i64>,
    /// Who connected (once connected).
    pub account_name: Option<String>,
    /// Why the attempt failed.
    pub error: Option<String>,
}
