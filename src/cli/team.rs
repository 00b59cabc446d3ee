//! `tuberry invite …` and `tuberry team …`: bringing people in through
//! invites, the owner's link, and who is in the team.

use crate::team::model::{Invite, InviteInput, Role};
use crate::{ApiError, Engine, api};
use clap::Subcommand;

use super::Output;

#[derive(Subcommand)]
pub enum InviteCommand {
    /// Create an invite: its code and link are shown this once.
    Create {
        /// admin, manager or operator.
        #[arg(long, default_value = "operator")]
        role: Role,
        /// A project it gives (every project when none is given); may be repeated.
        #[arg(long = "project")]
        projects: Vec<i64>,
        /// How many people may join with it.
        #[arg(long, default_value_t = 1)]
        uses: u32,
        /// How long it stays valid, in hours.
        #[arg(long, default_value_t = 72)]
        hours: u32,
        /// A name for your own use.
        #[arg(long)]
        label: Option<String>,
    },
    /// List invites: active, used up, expired or revoked, with who used them.
    List,
    /// Show one invite.
    Show { invite: i64 },
    /// Revoke an invite: nobody joins with it from now on.
    Revoke { invite: i64 },
}

#[derive(Subcommand)]
pub enum TeamCommand {
    /// The people linked to the app, with their roles.
    List,
    /// A single-use link that makes whoever opens it in Telegram the owner.
    OwnerLink {
        /// The project whose bot the link goes through (the first one's otherwise).
        #[arg(long)]
        project: Option<i64>,
    },
    /// Change a person's role (admin, manager or operator).
    Role { person: i64, role: Role },
    /// Remove a person from the team.
    Remove { person: i64 },
    /// What each role may do.
    Rights,
    /// How long a customer may wait for a person before the owner and admins
    /// are alerted; shows it, or sets it with `--waiting-minutes` (0: never).
    Alerts {
        #[arg(long)]
        waiting_minutes: Option<u32>,
    },
    /// Give a conversation to a person (by id), or to nobody without `--to`.
    Assign {
        conversation: i64,
        #[arg(long)]
        to: Option<i64>,
    },
}

fn invite_line(i: &Invite) -> String {
    let projects = i
        .project_ids
        .as_ref()
        .map_or("all projects".to_owned(), |ids| {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            format!("projects {}", ids.join(","))
        });
    let used_by = if i.used_by.is_empty() {
        String::new()
    } else {
        format!("  used by {}", i.used_by.join(", "))
    };
    format!(
        "{:>4}  {:<8}  {:<8}  {}/{} used  until {}  {projects}{}{used_by}\n",
        i.id,
        i.state,
        i.role,
        i.uses,
        i.max_uses,
        super::time(i.expires_at),
        i.label
            .as_ref()
            .map(|l| format!("  “{l}”"))
            .unwrap_or_default(),
    )
}

pub async fn invite(engine: &Engine, command: InviteCommand, out: &Output) -> Result<(), ApiError> {
    match command {
        InviteCommand::Create {
            role,
            projects,
            uses,
            hours,
            label,
        } => {
            let created = api::create_invite(
                engine,
                InviteInput {
                    role: Some(role),
                    project_ids: projects,
                    max_uses: Some(uses),
                    valid_hours: Some(hours),
                    label,
                },
            )
            .await?;
            out.print(&created, || {
                format!(
                    "{}code: {}\nlink: {}\nThe code is shown only now.\n",
                    invite_line(&created.invite),
                    created.code,
                    created
                        .url
                        .as_deref()
                        .unwrap_or("(connect a project's bot to get a link)")
                )
            });
        }
        InviteCommand::List => {
            let invites = api::list_invites(engine).await?;
            out.print(&invites, || invites.iter().map(invite_line).collect());
        }
        InviteCommand::Show { invite } => {
            let invite = api::get_invite(engine, invite).await?;
            out.print(&invite, || invite_line(&invite));
        }
        InviteCommand::Revoke { invite } => {
            let invite = api::revoke_invite(engine, invite).await?;
            out.print(&invite, || invite_line(&invite));
        }
    }
    Ok(())
}

pub async fn team(engine: &Engine, command: TeamCommand, out: &Output) -> Result<(), ApiError> {
    match command {
        TeamCommand::List => {
            let people = api::list_people(engine).await?;
            out.print(&people, || {
                people
                    .iter()
                    .map(|p| {
                        format!(
                            "{:>4}  {:<8}  {}{}  since {}\n",
                            p.id,
                            p.role,
                            p.name,
                            p.username
                                .as_ref()
                                .map(|u| format!(" (@{u})"))
                                .unwrap_or_default(),
                            super::time(p.linked_at)
                        )
                    })
                    .collect()
            });
        }
        TeamCommand::OwnerLink { project } => {
            let link = api::owner_link(engine, project).await?;
            out.print(&link, || {
                format!(
                    "Open in Telegram before {}: {}\n",
                    super::time(link.expires_at),
                    link.url
                )
            });
        }
        TeamCommand::Role { person, role } => {
            let person = api::set_person_role(engine, person, role).await?;
            out.print(&person, || format!("{} is {}\n", person.name, person.role));
        }
        TeamCommand::Remove { person } => {
            api::remove_person(engine, person).await?;
            out.print(&(), || format!("person {person} removed\n"));
        }
        TeamCommand::Alerts { waiting_minutes } => {
            let minutes = match waiting_minutes {
                Some(minutes) => api::set_alert_waiting_minutes(engine, minutes).await?,
                None => api::alert_waiting_minutes(engine).await?,
            };
            out.print(&minutes, || match minutes {
                0 => "No alert for customers waiting\n".to_owned(),
                m => format!("Alert when a customer waits longer than {m} minutes\n"),
            });
        }
        TeamCommand::Assign { conversation, to } => {
            let summary = api::assign_conversation(engine, conversation, to).await?;
            out.print(&summary, || match &summary.assignee_name {
                Some(name) => format!("conversation {conversation} is {name}'s\n"),
                None => format!("conversation {conversation} is assigned to nobody\n"),
            });
        }
        TeamCommand::Rights => {
            let rights = api::team_rights(engine).await?;
            out.print(&rights, || {
                rights
                    .iter()
                    .map(|r| {
                        let actions: Vec<&str> = r.actions.iter().map(|a| a.as_str()).collect();
                        format!("{:<8}  {}\n", r.role, actions.join(", "))
                    })
                    .collect()
            });
        }
    }
    Ok(())
}
