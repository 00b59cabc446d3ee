//! The operators' side as types: projects, their work groups and the
//! language the bot speaks to operators.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::channels::telegram_bot::BotState;
use crate::clock::Millis;
use crate::model::{ChannelAccount, Language, text_enum};

text_enum! {
    /// Something a work group lacks before topics can be created in it.
    WorkGroupProblem {
        BotNotMember => "bot_not_member",
        TopicsDisabled => "topics_disabled",
        NotAdmin => "not_admin",
        CannotManageTopics => "cannot_manage_topics",
        Unreachable => "unreachable",
    }
}

/// A project: its operator bot, its work group and its sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub language: Language,
    pub bot: Option<ProjectBot>,
    pub work_group: Option<WorkGroup>,
    /// The channel accounts whose conversations belong to this project
    /// (the bot itself is one).
    pub sources: Vec<ChannelAccount>,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProjectBot {
    pub account_id: i64,
    pub username: String,
    pub api_url: String,
    pub state: BotState,
    pub last_error: Option<String>,
    /// Set in webhook mode: the public address Telegram posts updates to.
    pub webhook_url: Option<String>,
    /// The bot reaches Telegram through a proxy (its address, which may hold
    /// a password, is not shown).
    pub proxied: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkGroup {
    pub chat_id: i64,
    pub title: String,
    pub check: Option<WorkGroupCheck>,
}

/// What the last check of the bot's rights in the work group found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkGroupCheck {
    pub checked_at: Millis,
    /// Empty when topics can be created and managed.
    pub missing: Vec<WorkGroupProblem>,
    /// Why the check could not be made (network), if so.
    pub error: Option<String>,
}

/// A project's name and the language its bot uses with operators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProjectInput {
    pub name: String,
    pub language: Language,
}
