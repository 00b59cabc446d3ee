//! Tuberry's engine: every customer conversation of a small business in one
//! inbox. Channels ([`channels`], one folder per kind) hand inbound messages
//! to [`relay`], which stores them; replies leave through [`outbox`] as jobs of
//! the durable [`queue`]; [`events`] tell the desktop window what changed.
//! Features — the operators' work groups ([`operators`]) and the
//! [`assistant`] — plug into the spine through [`hooks`]. The engine knows
//! nothing of windows: the desktop shell and the `tuberry` command line both
//! drive it through [`api`]. `docs/architecture.md` draws the map.

pub mod api;
pub mod api_tokens;
pub mod assistant;
pub mod backup;
pub mod channels;
pub mod cli;
pub mod clock;
pub mod compose;
pub mod contacts;
pub mod engine;
pub mod error;
pub mod events;
pub mod files;
pub mod hooks;
pub mod http;
pub mod http_guard;
pub mod http_tls;
pub mod inbox;
pub mod intake;
pub mod keyring;
pub mod labels;
pub mod lan_api;
pub mod lock;
pub mod logging;
pub mod metrics;
pub mod model;
pub mod notices;
pub mod operators;
pub mod outbox;
pub mod placeholders;
pub mod preferences;
pub mod queue;
pub mod quick_replies;
pub mod relay;
pub mod restore;
pub mod sealed;
pub mod secret;
pub mod settings;
pub mod snooze;
pub mod stats;
pub mod store;
pub mod team;
pub mod views;
pub mod webhooks;

pub use engine::{Engine, EngineOptions};
pub use error::{ApiError, Error, ErrorCode, Result};
