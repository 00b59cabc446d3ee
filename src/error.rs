//! Errors of the engine, and the small closed set of codes the desktop and the
//! command line branch on. What a person sees (`ApiError::message`) is kept apart
//! from what the log records (the full source chain).

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::model::UnknownName;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error")]
    Database(#[from] sqlx::Error),

    #[error("could not apply the database schema")]
    Migrate(#[source] sqlx::migrate::MigrateError),

    #[error(
        "the database was written by a newer version of Tuberry (schema version {found}); \
         this version knows schema versions up to {known}. Update Tuberry."
    )]
    DatabaseNewer { found: i64, known: i64 },

    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },

    #[error("{0}")]
    Invalid(String),

    #[error(transparent)]
    UnknownName(#[from] UnknownName),

    #[error("settings file {path}: {message}")]
    Settings { path: String, message: String },

    #[error("I/O error at {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("stored data is malformed: {0}")]
    Corrupt(String),

    #[error("the engine is shutting down")]
    ShuttingDown,

    /// Another engine (the desktop app or `tuberry serve`) works on this data.
    #[error(
        "Tuberry is already running on {data_dir}{}; close it first, or give this one another --data-dir",
        pid.map(|p| format!(" (process {p})")).unwrap_or_default()
    )]
    AlreadyRunning { data_dir: String, pid: Option<u32> },

    /// The OS keyring refused or is missing. Never carries a secret.
    #[error("the system keyring is not available: {0}")]
    Keyring(String),

    /// A remote service (Telegram...) could not be reached or refused.
    #[error("{service}: {message}")]
    Remote {
        service: &'static str,
        message: String,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            what,
            id: id.to_string(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Invalid(_) | Error::UnknownName(_) | Error::Settings { .. } => {
                ErrorCode::InvalidInput
            }
            Error::DatabaseNewer { .. } | Error::AlreadyRunning { .. } => ErrorCode::Conflict,
            Error::ShuttingDown | Error::Keyring(_) | Error::Remote { .. } => {
                ErrorCode::Unavailable
            }
            Error::Database(_) | Error::Migrate(_) | Error::Io { .. } | Error::Corrupt(_) => {
                ErrorCode::Internal
            }
        }
    }
}

/// The code the user interface branches on. Add one only when the interface
/// needs to tell it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    InvalidInput,
    Conflict,
    Unavailable,
    Internal,
}

/// An error as the desktop and `--json` output see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        let code = err.code();
        // Internal causes are logged in full and shown to the person briefly.
        if code == ErrorCode::Internal {
            tracing::error!(error = %display_chain(&err), "request failed");
        } else {
            tracing::info!(error = %err, "request refused");
        }
        ApiError {
            code,
            message: err.to_string(),
        }
    }
}

/// `error: cause: cause` for log lines.
pub fn display_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
