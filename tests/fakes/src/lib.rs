//! Local stand-ins for remote services, for tests and the end-to-end run.

pub mod mail;
pub mod telegram;
