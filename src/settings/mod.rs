//! Settings: defaults bundled in the binary, overridden by `settings.toml` in the
//! data directory. Parsed strictly — an unknown or mistyped key is an error that
//! names it — and validated once, before the engine starts.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::error::{Error, Result};

pub const FILE_NAME: &str = "settings.toml";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub queue: QueueSettings,
    pub log: LogSettings,
    pub telegram: TelegramSettings,
    pub telegram_account: TelegramAccountSettings,
    pub whatsapp: WhatsAppSettings,
    pub http: HttpSettings,
    pub email: EmailSettings,
    pub avito: AvitoSettings,
    pub alerts: AlertSettings,
}

/// How the bot alerts the owner and admins (a channel broken or back, a
/// customer waiting too long). The waiting threshold is the owner's choice
/// in the window; these are the engine's timings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    /// How often states and waiting conversations are looked at.
    pub check_ms: Millis,
    /// An alert waits this long for others to go out with it in one message.
    pub group_ms: Millis,
    /// At most one alert message this often.
    pub min_gap_ms: Millis,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            check_ms: 15_000,
            group_ms: 30_000,
            min_gap_ms: 300_000,
        }
    }
}

/// How Avito accounts are polled. Polling is quick while a conversation is
/// active and slows down when nothing happens (a laptop behind NAT cannot
/// receive Avito's webhooks, so polling is the default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AvitoSettings {
    /// Avito's API; change it only for a stand-in of your own.
    pub api_url: String,
    /// The polling interval while a conversation is active.
    pub poll_fast_s: u64,
    /// The polling interval when nothing happened for `active_window_s`.
    pub poll_slow_s: u64,
    /// How long after the last message (either way) polling stays fast.
    pub active_window_s: u64,
    /// With webhooks on, polling is only a safety net this often.
    pub poll_with_webhook_s: u64,
    /// How far back the first poll of a newly connected account reads.
    pub import_hours: u64,
    /// How long one request may take.
    pub timeout_s: u64,
    /// Retrying after a failure waits this long, doubling up to the maximum.
    pub reconnect_min_ms: Millis,
    pub reconnect_max_ms: Millis,
}

impl Default for AvitoSettings {
    fn default() -> Self {
        Self {
            api_url: "https://api.avito.ru".into(),
            poll_fast_s: 5,
            poll_slow_s: 60,
            active_window_s: 600,
            poll_with_webhook_s: 300,
            import_hours: 72,
            timeout_s: 30,
            reconnect_min_ms: 2_000,
            reconnect_max_ms: 300_000,
        }
    }
}

/// How mailboxes are read and written. Per-mailbox choices (servers, polling
/// interval, folders) are the mailbox's own; these are the engine's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// A PEM file of certificate authorities trusted besides the public ones
    /// (a company's own CA for its mail server).
    pub extra_ca_file: Option<std::path::PathBuf>,
    /// IMAP IDLE is renewed this often (servers drop it after 30 minutes).
    pub idle_renew_s: u64,
    /// How long connecting, logging in or one command may take.
    pub timeout_s: u64,
    /// Messages fetched and stored together while importing.
    pub batch: usize,
    /// Reconnecting after a failure waits this long, doubling up to the maximum.
    pub reconnect_min_ms: Millis,
    pub reconnect_max_ms: Millis,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            extra_ca_file: None,
            idle_renew_s: 25 * 60,
            timeout_s: 30,
            batch: 50,
            reconnect_min_ms: 2_000,
            reconnect_max_ms: 300_000,
        }
    }
}

/// The optional HTTP endpoint on the local network: Telegram webhooks (and
/// later other providers' webhooks and the masterbot).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Address to listen on, e.g. "0.0.0.0:8787"; off when not set.
    pub listen: Option<String>,
    /// Web pages (origins such as "https://shop.example") whose scripts may
    /// call the LAN API from a browser; none by default (no CORS headers).
    pub cors_origins: Vec<String>,
    /// The owner's certificate (PEM, the chain) and its private key (PEM):
    /// the endpoint serves HTTPS when both are set. Read when Tuberry starts.
    pub tls_cert: Option<std::path::PathBuf>,
    pub tls_key: Option<std::path::PathBuf>,
}

/// Telegram's limits (its Bot FAQ) and how the bots connect. The defaults are
/// Telegram's; change them only for a Bot API server of your own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramSettings {
    /// Messages (and topic creations and edits) into one group per window.
    pub group_messages: u32,
    pub group_window_ms: Millis,
    /// At most one message per chat this often.
    pub chat_interval_ms: Millis,
    /// Messages per second per bot, across all chats.
    pub bot_per_second: u32,
    /// How long one getUpdates request waits for news, in seconds.
    pub poll_timeout_s: u32,
    /// Reconnecting after a network loss waits this long, doubling up to the maximum.
    pub reconnect_min_ms: Millis,
    pub reconnect_max_ms: Millis,
}

impl Default for TelegramSettings {
    fn default() -> Self {
        Self {
            group_messages: 20,
            group_window_ms: 60_000,
            chat_interval_ms: 1_000,
            bot_per_second: 30,
            poll_timeout_s: 25,
            reconnect_min_ms: 1_000,
            reconnect_max_ms: 60_000,
        }
    }
}

/// Staff members' own Telegram accounts (MTProto).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramAccountSettings {
    /// How long one login attempt (the QR code and what follows) may take.
    pub qr_timeout_s: Millis,
    /// A request this often keeps the connection (and its updates) alive.
    pub keep_alive_s: u64,
    /// Reconnecting after a network loss waits this long, doubling up to the maximum.
    pub reconnect_min_ms: u64,
    pub reconnect_max_ms: u64,
    /// A local stand-in of Telegram to talk to instead (for testing the app
    /// end to end; never for real accounts).
    pub stand_in: Option<String>,
}

impl Default for TelegramAccountSettings {
    fn default() -> Self {
        Self {
            qr_timeout_s: 180,
            keep_alive_s: 60,
            reconnect_min_ms: 1_000,
            reconnect_max_ms: 60_000,
            stand_in: None,
        }
    }
}

/// WhatsApp on the shop's own number (a linked device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WhatsAppSettings {
    /// How long one linking attempt (the QR codes, or the pairing code) may take.
    pub qr_timeout_s: Millis,
    /// Reconnecting after a network loss waits this long, doubling up to the maximum.
    pub reconnect_min_ms: u64,
    pub reconnect_max_ms: u64,
    /// At most one reply into the same chat this often: WhatsApp bans
    /// numbers that write in bursts.
    pub chat_interval_ms: u64,
    /// And at most this many replies from the number per window.
    pub account_budget: u32,
    pub account_window_s: u64,
    /// A local stand-in of WhatsApp to talk to instead (for testing the app
    /// end to end; never for real numbers).
    pub stand_in: Option<String>,
    /// A stand-in of Meta's Graph API for Cloud API numbers added without an
    /// address of their own (for testing only); Meta's when not set.
    pub cloud_api_url: Option<String>,
}

impl Default for WhatsAppSettings {
    fn default() -> Self {
        Self {
            qr_timeout_s: 180,
            reconnect_min_ms: 1_000,
            reconnect_max_ms: 60_000,
            chat_interval_ms: 1_500,
            account_budget: 30,
            account_window_s: 60,
            stand_in: None,
            cloud_api_url: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSettings {
    /// Jobs that run at the same time.
    pub workers: usize,
    /// Attempts before a job is marked failed for good.
    pub max_attempts: i64,
    /// How long a running job is held before another worker may take it over.
    pub lease_ms: Millis,
    /// First retry delay; doubles with each attempt.
    pub backoff_base_ms: Millis,
    pub backoff_max_ms: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A `tracing` filter such as `info` or `tuberry=debug`.
    pub level: String,
    /// Daily log files kept in the data directory's `logs` folder.
    pub keep_files: usize,
    /// `text` (lines to read) or `json` (one JSON object a line, for a log
    /// collector; a message's `corr` id follows it from ingest to delivery).
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            workers: 4,
            max_attempts: 8,
            lease_ms: 120_000,
            backoff_base_ms: 2_000,
            backoff_max_ms: 600_000,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            keep_files: 7,
            format: LogFormat::Text,
        }
    }
}

impl Settings {
    /// Reads `settings.toml` from `dir`; a missing file means the defaults.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(Error::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        Self::parse(&text).map_err(|message| Error::Settings {
            path: path.display().to_string(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let settings: Settings =
            toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
        settings.validate()?;
        Ok(settings)
    }

    /// Applies `change` to the data directory's `settings.toml`, keeping the
    /// rest of the file and its comments as written. The new text is checked
    /// with the same rules as a file written by hand before anything is
    /// written: a refused change names the key and leaves the file as it was.
    pub fn edit(dir: &Path, change: &Change) -> Result<Edit> {
        let path = dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(Error::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let broken = |message: String| Error::Settings {
            path: path.display().to_string(),
            message,
        };
        Self::parse(&text).map_err(broken)?;
        let mut doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| broken(e.to_string().trim_end().to_owned()))?;
        let (table, key, value) = match change {
            Change::HttpListen(listen) => ("http", "listen", listen.clone()),
            Change::LogLevel(level) => ("log", "level", Some(level.clone())),
        };
        match value {
            Some(value) => doc[table][key] = toml_edit::value(value),
            None => {
                if let Some(table) = doc.get_mut(table).and_then(|t| t.as_table_like_mut()) {
                    table.remove(key);
                }
            }
        }
        let text = doc.to_string();
        let settings = Self::parse(&text).map_err(Error::Invalid)?;
        Ok(Edit {
            path,
            text,
            settings,
        })
    }

    fn validate(&self) -> Result<(), String> {
        let q = &self.queue;
        if !(1..=64).contains(&q.workers) {
            return Err(format!(
                "queue.workers must be between 1 and 64, not {}",
                q.workers
            ));
        }
        if q.max_attempts < 1 {
            return Err(format!(
                "queue.max_attempts must be at least 1, not {}",
                q.max_attempts
            ));
        }
        if q.lease_ms < 1_000 {
            return Err(format!(
                "queue.lease_ms must be at least 1000, not {}",
                q.lease_ms
            ));
        }
        if q.backoff_base_ms < 1 || q.backoff_max_ms < q.backoff_base_ms {
            return Err(
                "queue.backoff_base_ms must be positive and at most queue.backoff_max_ms".into(),
            );
        }
        if let Some(listen) = &self.http.listen
            && listen.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(format!(
                "http.listen must be an address with a port such as \"0.0.0.0:8787\", not `{listen}`"
            ));
        }
        if self.http.tls_cert.is_some() != self.http.tls_key.is_some() {
            return Err(
                "http.tls_cert and http.tls_key are set together (a certificate and its key)"
                    .into(),
            );
        }
        for origin in &self.http.cors_origins {
            let parsed = url::Url::parse(origin).ok();
            let bare = parsed.as_ref().is_some_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some()
                    && u.path() == "/"
                    && !origin.ends_with('/')
                    && u.query().is_none()
            });
            if !bare {
                return Err(format!(
                    "http.cors_origins holds origins such as \"https://shop.example\" (scheme, host and port, no path), not `{origin}`"
                ));
            }
        }
        let e = &self.email;
        if e.idle_renew_s < 1 || e.timeout_s < 1 || !(1..=500).contains(&e.batch) {
            return Err(
                "email.idle_renew_s and email.timeout_s must be positive, email.batch 1 to 500"
                    .into(),
            );
        }
        if e.reconnect_min_ms < 1 || e.reconnect_max_ms < e.reconnect_min_ms {
            return Err(
                "email.reconnect_min_ms must be positive and at most email.reconnect_max_ms".into(),
            );
        }
        let a = &self.avito;
        if url::Url::parse(&a.api_url).is_err() {
            return Err(format!("avito.api_url `{}` is not a URL", a.api_url));
        }
        if a.poll_fast_s < 1
            || a.poll_slow_s < a.poll_fast_s
            || a.poll_with_webhook_s < 1
            || a.timeout_s < 1
        {
            return Err(
                "avito.poll_fast_s, avito.poll_with_webhook_s and avito.timeout_s must be positive, avito.poll_slow_s at least avito.poll_fast_s"
                    .into(),
            );
        }
        if a.reconnect_min_ms < 1 || a.reconnect_max_ms < a.reconnect_min_ms {
            return Err(
                "avito.reconnect_min_ms must be positive and at most avito.reconnect_max_ms".into(),
            );
        }
        let t = &self.telegram;
        if t.group_messages < 1
            || t.group_window_ms < 1
            || t.chat_interval_ms < 1
            || t.bot_per_second < 1
        {
            return Err("telegram limits must be positive".into());
        }
        if !(1..=50).contains(&t.poll_timeout_s) {
            return Err(format!(
                "telegram.poll_timeout_s must be between 1 and 50, not {}",
                t.poll_timeout_s
            ));
        }
        if t.reconnect_min_ms < 1 || t.reconnect_max_ms < t.reconnect_min_ms {
            return Err(
                "telegram.reconnect_min_ms must be positive and at most telegram.reconnect_max_ms"
                    .into(),
            );
        }
        let a = &self.telegram_account;
        if !(30..=3600).contains(&a.qr_timeout_s) || a.keep_alive_s < 5 {
            return Err(
                "telegram_account.qr_timeout_s must be 30 to 3600 and telegram_account.keep_alive_s at least 5"
                    .into(),
            );
        }
        if a.reconnect_min_ms < 1 || a.reconnect_max_ms < a.reconnect_min_ms {
            return Err(
                "telegram_account.reconnect_min_ms must be positive and at most telegram_account.reconnect_max_ms"
                    .into(),
            );
        }
        if let Some(stand_in) = &a.stand_in
            && url::Url::parse(stand_in).is_err()
        {
            return Err(format!(
                "telegram_account.stand_in `{stand_in}` is not a URL"
            ));
        }
        let w = &self.whatsapp;
        if !(30..=3600).contains(&w.qr_timeout_s) {
            return Err("whatsapp.qr_timeout_s must be 30 to 3600".into());
        }
        if w.reconnect_min_ms < 1 || w.reconnect_max_ms < w.reconnect_min_ms {
            return Err(
                "whatsapp.reconnect_min_ms must be positive and at most whatsapp.reconnect_max_ms"
                    .into(),
            );
        }
        if w.chat_interval_ms < 1 || w.account_budget < 1 || w.account_window_s < 1 {
            return Err(
                "whatsapp.chat_interval_ms, whatsapp.account_budget and whatsapp.account_window_s must be positive"
                    .into(),
            );
        }
        if let Some(stand_in) = &w.stand_in
            && url::Url::parse(stand_in).is_err()
        {
            return Err(format!("whatsapp.stand_in `{stand_in}` is not a URL"));
        }
        if let Some(url) = &w.cloud_api_url
            && !url::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        {
            return Err(format!(
                "whatsapp.cloud_api_url `{url}` is not an http(s) URL"
            ));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(format!(
                "log.level `{}` is not a valid filter",
                self.log.level
            ));
        }
        Ok(())
    }
}

/// A change the Settings screen makes to `settings.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The LAN endpoint's address; `None` turns it off.
    HttpListen(Option<String>),
    /// The log filter (`info`, `debug`, `tuberry=debug`…).
    LogLevel(String),
}

/// A change checked and ready to be written.
#[derive(Debug)]
pub struct Edit {
    path: PathBuf,
    text: String,
    /// The settings once it is written.
    pub settings: Settings,
}

impl Edit {
    /// Writes the file: a new file renamed over the old one, so that a crash
    /// leaves one or the other whole.
    pub fn write(self) -> Result<Settings> {
        let io = |source| Error::Io {
            path: self.path.display().to_string(),
            source,
        };
        let fresh = self.path.with_extension("toml.new");
        std::fs::write(&fresh, &self.text).map_err(io)?;
        std::fs::rename(&fresh, &self.path).map_err(io)?;
        Ok(self.settings)
    }
}

#[cfg(test)]
mod tests;
