//! Linked numbers as the desktop and the command line see them, and how
//! linking one starts (the attempt itself is
//! [`crate::channels::login::LoginAttempt`]).

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::clock::Millis;

/// The shop's WhatsApp number, linked to Tuberry as a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WhatsAppNumber {
    /// The channel account's id.
    pub id: i64,
    pub project_id: Option<i64>,
    pub name: String,
    /// The number in +E.164.
    pub phone: String,
    /// The profile name the number shows in WhatsApp.
    pub push_name: Option<String>,
    pub flags: WhatsAppFlags,
    /// Why WhatsApp ended the link, when it did (unlinked from the phone,
    /// logged out): link it again.
    pub unlinked_reason: Option<String>,
    pub created_at: Millis,
}

/// Which chats of the number reach the inbox: private chats on, groups off
/// unless asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WhatsAppFlags {
    pub private_chats: bool,
    pub groups: bool,
}

impl Default for WhatsAppFlags {
    fn default() -> Self {
        Self {
            private_chats: true,
            groups: false,
        }
    }
}

/// How linking starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum LinkMethod {
    /// A QR code scanned in WhatsApp → Linked devices → Link a device.
    Qr,
    /// A code typed on the phone (WhatsApp → Linked devices → Link a device
    /// → Link with phone number instead), for the number `phone`.
    Code { phone: String },
}

/// What starting to link a number needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkStart {
    pub project_id: i64,
    pub method: LinkMethod,
}
