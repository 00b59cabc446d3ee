//! Reading and writing a project's assistant settings and the app's language
//! model settings. Everything is checked before anything is written.

use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use super::model::{
    AssistantSettings, AssistantSettingsInput, AutoReplyMode, LlmProvider, LlmSettings,
    LlmSettingsInput, ScheduleInterval,
};
use super::{persona, schedule};
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::model::Language;
use crate::store::parse_column;

/// Longest auto-reply text and placeholder value.
pub const MAX_AUTO_REPLY: usize = 4_000;
const MAX_FIELD: usize = 500;
pub const OLLAMA_URL: &str = "http://127.0.0.1:11434/v1";

#[derive(FromRow)]
struct SettingsRow {
    mode: String,
    persona: Option<String>,
    agent_name: String,
    brand: String,
    city: String,
    whatsapp_link: String,
    catalog_url: String,
    currency: String,
    auto_reply: String,
    auto_reply_text: String,
    auto_reply_delay_s: i64,
    schedule: String,
    time_zone: String,
}

/// A project's settings, the defaults when it has none yet.
pub async fn load(db: &mut SqliteConnection, project_id: i64) -> Result<AssistantSettings> {
    let language: String = sqlx::query_scalar("SELECT language FROM projects WHERE id = ?1")
        .bind(project_id)
        .fetch_optional(&mut *db)
        .await?
        .ok_or_else(|| Error::not_found("project", project_id))?;
    let language: Language = parse_column("projects.language", &language)?;
    let row: Option<SettingsRow> = sqlx::query_as(
        "SELECT mode, persona, agent_name, brand, city, whatsapp_link, catalog_url, currency,
                auto_reply, auto_reply_text, auto_reply_delay_s, schedule, time_zone
         FROM assistant_settings WHERE project_id = ?1",
    )
    .bind(project_id)
    .fetch_optional(&mut *db)
    .await?;
    let row = row.unwrap_or_else(|| SettingsRow {
        mode: "off".into(),
        persona: None,
        agent_name: String::new(),
        brand: String::new(),
        city: String::new(),
        whatsapp_link: String::new(),
        catalog_url: String::new(),
        currency: "₽".into(),
        auto_reply: "off".into(),
        auto_reply_text: String::new(),
        auto_reply_delay_s: 75,
        schedule: "[]".into(),
        time_zone: String::new(),
    });
    let schedule: Vec<ScheduleInterval> = serde_json::from_str(&row.schedule)
        .map_err(|e| Error::Corrupt(format!("schedule of project {project_id}: {e}")))?;
    let effective = schedule::zone(&row.time_zone).unwrap_or_else(|_| schedule::system_zone());
    Ok(AssistantSettings {
        project_id,
        mode: parse_column("assistant_settings.mode", &row.mode)?,
        persona: row.persona,
        default_persona: persona::default_template(language).to_owned(),
        agent_name: row.agent_name,
        brand: row.brand,
        city: row.city,
        whatsapp_link: row.whatsapp_link,
        catalog_url: row.catalog_url,
        currency: row.currency,
        auto_reply: parse_column("assistant_settings.auto_reply", &row.auto_reply)?,
        auto_reply_text: row.auto_reply_text,
        auto_reply_delay_s: u32::try_from(row.auto_reply_delay_s).unwrap_or(75),
        schedule,
        time_zone: row.time_zone,
        effective_time_zone: effective.name().to_owned(),
    })
}

fn field(name: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Error::invalid(format!(
            "{name} is longer than {max} characters"
        )));
    }
    Ok(value.to_owned())
}

fn link(name: &str, value: &str) -> Result<String> {
    let value = field(name, value, MAX_FIELD)?;
    if !value.is_empty() {
        let parsed = url::Url::parse(&value)
            .map_err(|_| Error::invalid(format!("{name} “{value}” is not a link")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::invalid(format!("{name} must start with https://")));
        }
    }
    Ok(value)
}

/// Checks and stores a project's settings.
pub async fn save(
    db: &mut SqliteConnection,
    project_id: i64,
    input: &AssistantSettingsInput,
    now: Millis,
) -> Result<()> {
    let persona = match input.persona.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(field("the persona", p, persona::MAX_PERSONA)?),
    };
    let auto_reply_text = field("the auto-reply", &input.auto_reply_text, MAX_AUTO_REPLY)?;
    if input.auto_reply != AutoReplyMode::Off && auto_reply_text.is_empty() {
        return Err(Error::invalid("the auto-reply is on but its text is empty"));
    }
    if input.auto_reply_delay_s > 86_400 {
        return Err(Error::invalid("the auto-reply delay is longer than a day"));
    }
    let intervals = schedule::validate(&input.schedule)?;
    if input.auto_reply == AutoReplyMode::Schedule && intervals.is_empty() {
        return Err(Error::invalid(
            "the auto-reply follows a schedule that has no intervals",
        ));
    }
    schedule::zone(&input.time_zone)?;
    let schedule_json =
        serde_json::to_string(&intervals).map_err(|e| Error::invalid(format!("schedule: {e}")))?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE id = ?1")
        .bind(project_id)
        .fetch_optional(&mut *db)
        .await?;
    exists.ok_or_else(|| Error::not_found("project", project_id))?;
    sqlx::query(
        "INSERT INTO assistant_settings (project_id, mode, persona, agent_name, brand, city, whatsapp_link,
                catalog_url, currency, auto_reply, auto_reply_text, auto_reply_delay_s, schedule, time_zone, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (project_id) DO UPDATE SET mode = ?2, persona = ?3, agent_name = ?4, brand = ?5,
                city = ?6, whatsapp_link = ?7, catalog_url = ?8, currency = ?9, auto_reply = ?10,
                auto_reply_text = ?11, auto_reply_delay_s = ?12, schedule = ?13, time_zone = ?14, updated_at = ?15",
    )
    .bind(project_id)
    .bind(input.mode.as_str())
    .bind(persona)
    .bind(field("the agent's name", &input.agent_name, MAX_FIELD)?)
    .bind(field("the brand", &input.brand, MAX_FIELD)?)
    .bind(field("the city", &input.city, MAX_FIELD)?)
    .bind(link("the WhatsApp link", &input.whatsapp_link)?)
    .bind(link("the catalogue link", &input.catalog_url)?)
    .bind(field("the currency", &input.currency, 16)?)
    .bind(input.auto_reply.as_str())
    .bind(auto_reply_text)
    .bind(i64::from(input.auto_reply_delay_s))
    .bind(schedule_json)
    .bind(input.time_zone.trim())
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Whether anything can happen on its own in a project: a customer message
/// there is worth a look by the assistant's job.
pub async fn is_active(db: impl SqliteExecutor<'_>, project_id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM assistant_settings WHERE project_id = ?1
                        AND (mode != 'off' OR auto_reply != 'off'))",
    )
    .bind(project_id)
    .fetch_one(db)
    .await?)
}

/// Whether a model is chosen: until then the Test chat does not call the
/// assistant.
pub async fn model_chosen(db: impl SqliteExecutor<'_>) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT model != '' FROM llm_settings WHERE id = 1")
            .fetch_one(db)
            .await?,
    )
}

/// The language model's settings and the keyring entry of its key.
pub async fn load_llm(db: impl SqliteExecutor<'_>) -> Result<(LlmSettings, Option<String>)> {
    let row: (String, String, String, Option<String>, i64, i64, f64) = sqlx::query_as(
        "SELECT provider, base_url, model, secret_ref, context_tokens, max_tokens, temperature
         FROM llm_settings WHERE id = 1",
    )
    .fetch_one(db)
    .await?;
    let (provider, base_url, model, secret_ref, context_tokens, max_tokens, temperature) = row;
    Ok((
        LlmSettings {
            provider: parse_column("llm_settings.provider", &provider)?,
            base_url,
            model,
            has_key: secret_ref.is_some(),
            context_tokens: u32::try_from(context_tokens).unwrap_or(8192),
            max_tokens: u32::try_from(max_tokens).unwrap_or(400),
            temperature,
        },
        secret_ref,
    ))
}

/// Checks the non-secret part of new model settings; returns the base URL
/// to store.
pub fn check_llm(input: &LlmSettingsInput) -> Result<String> {
    let base = input.base_url.trim().trim_end_matches('/');
    let base = if base.is_empty() && input.provider == LlmProvider::Ollama {
        OLLAMA_URL.to_owned()
    } else {
        base.to_owned()
    };
    let parsed = url::Url::parse(&base)
        .map_err(|_| Error::invalid(format!("“{base}” is not the address of a model server")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::invalid(format!(
            "“{base}” is not the address of a model server (http:// or https://)"
        )));
    }
    if input.model.chars().count() > 200 {
        return Err(Error::invalid("the model's name is too long"));
    }
    if !(1024..=1_048_576).contains(&input.context_tokens) {
        return Err(Error::invalid(
            "the context size must be between 1024 and 1048576 tokens",
        ));
    }
    if !(16..=16_384).contains(&input.max_tokens) || input.max_tokens >= input.context_tokens {
        return Err(Error::invalid(
            "the answer length must be between 16 and 16384 tokens and smaller than the context",
        ));
    }
    if !(0.0..=2.0).contains(&input.temperature) {
        return Err(Error::invalid("the temperature must be between 0 and 2"));
    }
    Ok(base)
}
