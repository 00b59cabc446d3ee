//! What the window and the command line see of Telegram accounts: the
//! accounts with their delivery flags, the application's identity at
//! Telegram, and how a login starts (the attempt itself is
//! [`crate::channels::login::LoginAttempt`]).

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
