//! Local stand-ins for remote services, for tests and the end-to-end run.

pub mod avito;
pub mod llm;
pub mod mail;
mod schema;
pub mod socks;
pub mod telegram;
pub mod telegram_user;
mod wait;
mod webhook;
pub mod whatsapp_cloud;
pub mod whatsapp_web;
