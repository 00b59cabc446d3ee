//! The team as types: people, their roles and what each role may do, and
//! invites.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::clock::Millis;
use crate::model::text_enum;

text_enum! {
    /// A person's role, from the most to the least trusted.
    Role {
        Owner => "owner",
        Admin => "admin",
        Manager => "manager",
        Operator => "operator",
    }
}

text_enum! {
    /// Something a person of the team may be allowed to do.
    Action {
        /// Answer customers in the topics of their projects.
        Answer => "answer",
        /// `/note` in a topic.
        Note => "note",
        /// `/close` and `/reopen` in a topic.
        CloseReopen => "close_reopen",
        /// Assign conversations to people.
        Assign => "assign",
        /// See the figures (`/stats`, `/unanswered`).
        Stats => "stats",
        /// Create, change and delete projects and their channels.
        ManageProjects => "manage_projects",
        /// Create, list and revoke invites; remove managers and operators.
        ManageInvites => "manage_invites",
        /// Remove admins.
        RemoveAdmins => "remove_admins",
    }
}

/// What each role may do: written once, read by the bot and shown in the window.
pub const PERMISSIONS: &[(Role, &[Action])] = &[
    (
        Role::Owner,
        &[
            Action::Answer,
            Action::Note,
            Action::CloseReopen,
            Action::Assign,
            Action::Stats,
            Action::ManageProjects,
            Action::ManageInvites,
            Action::RemoveAdmins,
        ],
    ),
    (
        Role::Admin,
        &[
            Action::Answer,
            Action::Note,
            Action::CloseReopen,
            Action::Assign,
            Action::Stats,
            Action::ManageProjects,
            Action::ManageInvites,
        ],
    ),
    (
        Role::Manager,
        &[
            Action::Answer,
            Action::Note,
            Action::CloseReopen,
            Action::Assign,
            Action::Stats,
        ],
    ),
    (Role::Operator, &[Action::Answer, Action::Note]),
];

impl Role {
    /// Whether this role may do `action`.
    pub fn may(self, action: Action) -> bool {
        PERMISSIONS
            .iter()
            .any(|(role, actions)| *role == self && actions.contains(&action))
    }
}

/// One role's row of the table, for the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RoleRights {
    pub role: Role,
    pub actions: Vec<Action>,
}

/// A person of the team: a Telegram user linked to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: i64,
    pub telegram_user_id: i64,
    pub name: String,
    pub username: Option<String>,
    pub role: Role,
    /// The projects whose topics they work in; every project when `None`.
    pub project_ids: Option<Vec<i64>>,
    pub linked_at: Millis,
}

impl Person {
    /// Whether they work in this project (a conversation of no project only
    /// for people of every project).
    pub fn works_in(&self, project_id: Option<i64>) -> bool {
        self.project_ids
            .as_ref()
            .is_none_or(|ids| project_id.is_some_and(|p| ids.contains(&p)))
    }
}

/// The link the owner opens in Telegram to become the owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OwnerLink {
    /// `https://t.me/<bot>?start=<token>`.
    pub url: String,
    /// The link as a QR code (SVG), to scan with the phone's camera.
    pub qr_svg: String,
    pub bot_username: String,
    pub expires_at: Millis,
}

/// An invite to create.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct InviteInput {
    /// Admin, manager or operator (there is one owner).
    pub role: Option<Role>,
    /// The projects it gives; every project when empty.
    #[serde(default)]
    pub project_ids: Vec<i64>,
    /// How many people may join with it (default 1).
    pub max_uses: Option<u32>,
    /// How long it stays valid, in hours (default 72).
    pub valid_hours: Option<u32>,
    /// A name for the owner's own use ("for the night shift").
    pub label: Option<String>,
}

text_enum! {
    /// Where an invite stands.
    InviteState {
        Active => "active",
        UsedUp => "used_up",
        Expired => "expired",
        Revoked => "revoked",
    }
}

/// An invite as listed: never its code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    pub id: i64,
    pub role: Role,
    pub project_ids: Option<Vec<i64>>,
    pub label: Option<String>,
    pub max_uses: u32,
    pub uses: u32,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub revoked_at: Option<Millis>,
    pub state: InviteState,
    /// The names of the people who joined with it.
    pub used_by: Vec<String>,
}

/// An invite just created, with its code and link shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct InviteCreated {
    pub invite: Invite,
    pub code: String,
    /// `https://t.me/<bot>?start=<code>` through the first project's bot
    /// that has one (of the invite's projects); none while no bot is connected.
    pub url: Option<String>,
    /// The link as a QR code (SVG).
    pub qr_svg: Option<String>,
}
