//! Tuberry's engine: every customer conversation of a small business in one
//! inbox. Channels hand inbound messages to [`relay`], which stores them; replies
//! leave through [`outbox`] as jobs of the durable [`queue`]; [`events`] tell the
//! desktop window what changed. The engine knows nothing of windows: the
//! desktop shell and the `tuberry` command line both drive it through [`api`].

pub mod api;
pub mod assistant;
pub mod avito;
pub mod channels;
pub mod clock;
pub mod contacts;
pub mod email;
pub mod engine;
pub mod error;
pub mod events;
pub mod files;
pub mod inbox;
pub mod keyring;
pub mod logging;
pub mod model;
pub mod outbox;
pub mod queue;
pub mod relay;
pub mod secret;
pub mod settings;
pub mod store;
pub mod telegram;

pub use engine::{Engine, EngineOptions};
pub use error::{ApiError, Error, ErrorCode, Result};
