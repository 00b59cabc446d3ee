//! The operators: projects, each joining an operator bot, a work group where
//! every conversation has a forum topic, and the channel accounts whose
//! conversations belong to it. Operators answer customers from the topics.
//!
//! ```text
//!  any stored message ──► MirrorHook ──► job telegram.mirror (topic:<conversation>,
//!     budgets tg-group:<chat>, tg-bot:<bot>) ──► topic created on first use,
//!     waiting texts of a topic coalesced into one message
//!
//!  the bot's updates (channels::telegram_bot) ──► updates::handle, one transaction each:
//!     private chat: relay::ingest_in (the bot as a customer channel)
//!     private chat "/start own_…|inv_…": team::redeem (joining), the bot answers there
//!     work group topic: outbox::reply_in as the operator; commands (/close /reopen
//!       /note /take /assign /unassign), each as the team allows it (team::gate);
//!       a message not allowed is kept as a note
//!     bot added to a group, /bind: bind the project's work group, check rights
//!     private chat edits and reactions: relay::edit_inbound_in / react_in
//!
//!  a message changed (edited, deleted, reacted to) ──► MirrorHook ──► job
//!     telegram.remirror (the topic message written again) or telegram.react
//! ```
//!
//! The Bot API client and the bots' connections are the Telegram bot
//! channel's ([`crate::channels::telegram_bot`]); this module decides what
//! the updates mean and what goes into the work group.

pub mod alerts;
mod bots;
mod changes;
mod commands;
mod joining;
pub mod mirror;
pub mod model;
mod projects;
pub mod team_text;
pub mod text;
pub mod topic_jobs;
mod updates;

pub use projects::Projects;
