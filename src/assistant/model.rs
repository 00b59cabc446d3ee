//! The assistant's words as types: modes, schedules, the language model's
//! settings, the outbox guard, catalogues and what the assistant did.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::clock::Millis;
pub use crate::model::{AssistantRun, ImportStage, RunOutcome, UsedRow};
use crate::model::{ChannelKind, text_enum};

text_enum! {
    /// What the assistant does when a customer writes.
    AssistantMode {
        /// Nothing.
        Off => "off",
        /// Suggests a reply; a person sends or edits it.
        Drafts => "drafts",
        /// Answers; hands the conversation to a person when unsure.
        Automatic => "automatic",
    }
}

text_enum! {
    /// When the auto-responder answers.
    AutoReplyMode {
        Off => "off",
        /// Around the clock (one answer per conversation per day).
        Always => "always",
        /// During the weekly intervals of the schedule.
        Schedule => "schedule",
    }
}

text_enum! {
    Weekday {
        Mon => "mon",
        Tue => "tue",
        Wed => "wed",
        Thu => "thu",
        Fri => "fri",
        Sat => "sat",
        Sun => "sun",
    }
}

/// A weekly interval: it starts on each of `days` at `start` (local time,
/// "HH:MM") and ends at `end`, on the next day when `end` is not after
/// `start` ("19:00"–"09:00" is a night; "00:00"–"00:00" a whole day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleInterval {
    pub days: Vec<Weekday>,
    pub start: String,
    pub end: String,
}

/// How a project answers on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AssistantSettings {
    pub project_id: i64,
    pub mode: AssistantMode,
    /// The owner's persona; `None` uses the default template.
    pub persona: Option<String>,
    /// The default template in the project's language (to show and to start
    /// editing from).
    pub default_persona: String,
    pub agent_name: String,
    pub brand: String,
    pub city: String,
    pub whatsapp_link: String,
    pub catalog_url: String,
    pub currency: String,
    pub auto_reply: AutoReplyMode,
    pub auto_reply_text: String,
    pub auto_reply_delay_s: u32,
    pub schedule: Vec<ScheduleInterval>,
    /// IANA name; empty means this computer's time zone.
    pub time_zone: String,
    /// The zone the schedule is read in now (this computer's when empty).
    pub effective_time_zone: String,
}

/// The editable part of [`AssistantSettings`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AssistantSettingsInput {
    pub mode: AssistantMode,
    pub persona: Option<String>,
    pub agent_name: String,
    pub brand: String,
    pub city: String,
    pub whatsapp_link: String,
    pub catalog_url: String,
    pub currency: String,
    pub auto_reply: AutoReplyMode,
    pub auto_reply_text: String,
    pub auto_reply_delay_s: u32,
    pub schedule: Vec<ScheduleInterval>,
    pub time_zone: String,
}

text_enum! {
    LlmProvider {
        /// Ollama on this computer (or another one on the network).
        Ollama => "ollama",
        /// Any server speaking OpenAI's chat completions API, with a key.
        OpenaiCompatible => "openai_compatible",
    }
}

/// The language model the assistant talks to. The key itself is never shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LlmSettings {
    pub provider: LlmProvider,
    pub base_url: String,
    pub model: String,
    pub has_key: bool,
    pub context_tokens: u32,
    pub max_tokens: u32,
    pub temperature: f64,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LlmSettingsInput {
    pub provider: LlmProvider,
    pub base_url: String,
    pub model: String,
    /// `None` keeps the stored key; `Some("")` removes it.
    pub api_key: Option<String>,
    pub context_tokens: u32,
    pub max_tokens: u32,
    pub temperature: f64,
}

impl std::fmt::Debug for LlmSettingsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmSettingsInput")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

text_enum! {
    /// Why the language model could not answer.
    LlmProblem {
        /// Nothing listens at the address (Ollama not started).
        NotRunning => "not_running",
        /// The key was refused.
        Unauthorized => "unauthorized",
        /// The server does not have the chosen model.
        ModelMissing => "model_missing",
        /// No model is chosen.
        NoModel => "no_model",
        /// It did not answer in time.
        Timeout => "timeout",
        /// It is busy or limits requests; try later.
        RateLimited => "rate_limited",
        /// It answered with an error or something unreadable.
        BadAnswer => "bad_answer",
    }
}

/// The models a server offers, or why they could not be listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LlmModels {
    pub models: Vec<String>,
    pub problem: Option<LlmProblem>,
    /// The server's own words, when it gave any.
    pub detail: Option<String>,
}

text_enum! {
    /// What the app may send on its own.
    GuardMode {
        /// Nothing automatic leaves; it is held.
        Off => "off",
        /// Only to listed recipients.
        Whitelist => "whitelist",
        /// Everything goes.
        On => "on",
    }
}

text_enum! {
    /// How a listed recipient is known.
    WhitelistKind {
        TelegramUser => "telegram_user",
        TelegramUsername => "telegram_username",
        Phone => "phone",
        Email => "email",
        AvitoUser => "avito_user",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WhitelistEntry {
    pub kind: WhitelistKind,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OutboxGuard {
    pub mode: GuardMode,
    /// Replies people write are guarded too.
    pub include_people: bool,
    pub whitelist: Vec<WhitelistEntry>,
    /// Replies held now.
    pub held: u32,
}

text_enum! {
    CatalogueFormat {
        Pdf => "pdf",
        Csv => "csv",
        Xlsx => "xlsx",
        Xls => "xls",
    }
}

/// A project's catalogue: the uploaded file and how many rows it gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Catalogue {
    pub project_id: i64,
    pub file_name: String,
    pub format: CatalogueFormat,
    pub size: i64,
    pub columns: Vec<String>,
    pub row_count: u32,
    pub imported_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CatalogueRow {
    pub id: i64,
    pub position: u32,
    pub sheet: Option<String>,
    pub cells: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CataloguePage {
    pub total: u32,
    pub rows: Vec<CatalogueRow>,
}

/// The Test chat: which project it speaks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TestChat {
    pub project_id: Option<i64>,
    pub account_id: i64,
}

/// A message a simulated customer writes in the Test chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TestChatInput {
    pub customer: String,
    pub text: String,
    /// The channel the customer pretends to write on; `None` is the Test chat itself.
    pub channel: Option<ChannelKind>,
}

text_enum! {
    /// Why an uploaded catalogue was not taken.
    CatalogueProblem {
        Empty => "empty",
        /// Not a PDF, CSV, XLSX or XLS file.
        Unsupported => "unsupported",
        TooLarge => "too_large",
        /// Damaged, password-protected or not what its name says.
        Unreadable => "unreadable",
        /// Read, but nothing in it (a scanned PDF without text).
        NoRows => "no_rows",
    }
}

/// What became of an uploaded catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CatalogueImport {
    /// It replaced the project's catalogue.
    Imported { catalogue: Catalogue },
    /// It was refused; the catalogue before it stays.
    Refused {
        problem: CatalogueProblem,
        /// The reader's own words, for the curious.
        detail: String,
        /// The size limit, for `too_large`.
        max_bytes: u32,
    },
}
