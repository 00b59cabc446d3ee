//! Message templates: once 24 hours have passed since a customer's last
//! message, Meta takes only a template the number's WhatsApp Business
//! Account has approved. The templates are read from Meta when asked (the
//! list changes as Meta reviews them); a reply sent as one is stored with
//! its text filled in, and keeps which template, in which language, with
//! which parameters, for the sender.
//!
//! Tuberry fills in templates whose only places are in the body: a text
//! header without places, the body's `{{1}}`…`{{n}}`, a footer and quick
//! reply buttons. A template with a media header, places in its header or
//! a link button with a place is not offered.

use serde_json::{Value, json};

use super::Cloud;
use super::graph::GraphError;
use super::model::{CloudTemplate, ReplyWindow, TemplateReply};
use super::send::WINDOW_MS;
use crate::error::{Error, Result};
use crate::model::{AuthorKind, Message};
use crate::outbox::{Outbox, Reply};

/// The longest parameter accepted (Meta's own limit is larger).
const MAX_PARAM: usize = 1_024;

/// The distinct places `{{n}}` of a template's text, in order of `n`.
fn places(text: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        if let Ok(n) = after[..end].trim().parse::<u32>() {
            found.push(n);
        }
        rest = &after[end + 2..];
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// A template as Meta lists it, when it is approved and Tuberry can fill it in.
fn fillable(listed: &Value) -> Option<CloudTemplate> {
    if listed["status"].as_str() != Some("APPROVED") {
        return None;
    }
    let (mut header, mut body, mut footer) = (None, None, None);
    for component in listed["components"].as_array()? {
        let text = component["text"].as_str().map(str::to_owned);
        match component["type"].as_str()?.to_ascii_uppercase().as_str() {
            "HEADER" => {
                let format = component["format"].as_str().unwrap_or("TEXT");
                if !format.eq_ignore_ascii_case("TEXT") || !places(text.as_deref()?).is_empty() {
                    return None;
                }
                header = text;
            }
            "BODY" => body = text,
            "FOOTER" => footer = text,
            "BUTTONS" => {
                let buttons = component["buttons"]
                    .as_array()
                    .map_or(&[][..], Vec::as_slice);
                let with_places = buttons.iter().any(|b| {
                    b["url"].as_str().is_some_and(|u| !places(u).is_empty())
                        || b["type"].as_str() == Some("COPY_CODE")
                        || b["type"].as_str() == Some("OTP")
                });
                if with_places {
                    return None;
                }
            }
            _ => return None,
        }
    }
    let body = body?;
    let numbered = places(&body);
    // Meta numbers places from 1 without gaps.
    if numbered
        .iter()
        .enumerate()
        .any(|(i, &n)| n as usize != i + 1)
    {
        return None;
    }
    Some(CloudTemplate {
        name: listed["name"].as_str()?.to_owned(),
        language: listed["language"].as_str()?.to_owned(),
        category: listed["category"].as_str().unwrap_or_default().to_owned(),
        header,
        body,
        footer,
        params: u32::try_from(numbered.len()).ok()?,
    })
}

/// The template's text with `params` in its places, as the customer reads it.
pub(crate) fn fill(template: &CloudTemplate, params: &[String]) -> String {
    let mut body = template.body.clone();
    for (i, param) in params.iter().enumerate() {
        body = body.replace(&format!("{{{{{}}}}}", i + 1), param);
    }
    [
        template.header.as_deref(),
        Some(body.as_str()),
        template.footer.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.trim().is_empty())
    .collect::<Vec<_>>()
    .join("\n\n")
}

/// The parameters as Meta takes them: as many as the places, each one line
/// of text without tabs or runs of spaces.
fn checked_params(template: &CloudTemplate, params: &[String]) -> Result<Vec<String>> {
    if params.len() != template.params as usize {
        return Err(Error::invalid(format!(
            "the template “{}” takes {} values, {} given",
            template.name,
            template.params,
            params.len()
        )));
    }
    params
        .iter()
        .enumerate()
        .map(|(i, param)| {
            let param = param.trim();
            if param.is_empty() {
                return Err(Error::invalid(format!("value {{{{{}}}}} is empty", i + 1)));
            }
            if param.chars().count() > MAX_PARAM {
                return Err(Error::invalid(format!(
                    "value {{{{{}}}}} is longer than {MAX_PARAM} characters",
                    i + 1
                )));
            }
            if param.contains(['\n', '\r', '\t']) || param.contains("     ") {
                return Err(Error::invalid(format!(
                    "value {{{{{}}}}} must be one line, without tabs or long runs of spaces (WhatsApp refuses them)",
                    i + 1
                )));
            }
            Ok(param.to_owned())
        })
        .collect()
}

/// The `template` object of a message sending `name` in `language`.
pub(crate) fn message_template(name: &str, language: &str, params: &[String]) -> Value {
    let mut template = json!({ "name": name, "language": { "code": language } });
    if !params.is_empty() {
        let parameters: Vec<Value> = params
            .iter()
            .map(|p| json!({ "type": "text", "text": p }))
            .collect();
        template["components"] = json!([{ "type": "body", "parameters": parameters }]);
    }
    template
}

/// The template a stored reply is sent as: name, language and parameters.
pub(crate) async fn sent_as(
    db: &crate::store::Store,
    message_id: i64,
) -> Result<Option<(String, String, Vec<String>)>> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT name, language, params FROM whatsapp_template_replies WHERE message_id = ?1",
    )
    .bind(message_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|(name, language, params)| {
        let params: Vec<String> = serde_json::from_str(&params)
            .map_err(|e| Error::invalid(format!("stored template parameters: {e}")))?;
        Ok((name, language, params))
    })
    .transpose()
}

impl Cloud {
    /// The templates of the number's business account that Tuberry can
    /// send, by name and language.
    pub async fn templates(&self, account_id: i64) -> Result<Vec<CloudTemplate>> {
        let core = &self.core;
        let row = core.row(account_id).await?;
        let Some(waba) = row.business_account_id else {
            return Err(Error::invalid(
                "the number's WhatsApp Business Account ID is not set: add it in the number's settings to use its templates",
            ));
        };
        let number = core.number(account_id).await?;
        let listed = number.graph.templates(&waba).await.map_err(|e| {
            if let GraphError::Credentials(_) = &e {
                core.refused(account_id, e.to_string());
            }
            tracing::warn!(account_id, error = %e, "WhatsApp templates could not be listed");
            Error::Remote {
                service: "WhatsApp",
                message: e.to_string(),
            }
        })?;
        let mut templates: Vec<CloudTemplate> = listed.iter().filter_map(fillable).collect();
        templates.sort_by(|a, b| (&a.name, &a.language).cmp(&(&b.name, &b.language)));
        Ok(templates)
    }

    /// Whether the conversation takes a free-form reply now; `None` when it
    /// is not on a Cloud API number.
    pub async fn window(&self, conversation_id: i64) -> Result<Option<ReplyWindow>> {
        let core = &self.core;
        let (account_id, last): (i64, Option<i64>) = sqlx::query_as(
            "SELECT c.channel_account_id,
                    (SELECT max(coalesce(m.sent_at, m.created_at)) FROM messages m
                     WHERE m.conversation_id = c.id AND m.direction = 'in')
             FROM conversations c WHERE c.id = ?1",
        )
        .bind(conversation_id)
        .fetch_optional(core.store.pool())
        .await?
        .ok_or_else(|| Error::not_found("conversation", conversation_id))?;
        if !self.owns(account_id) {
            return Ok(None);
        }
        let row = core.row(account_id).await?;
        let closes_at = last.map(|at| at + WINDOW_MS);
        Ok(Some(ReplyWindow {
            account_id,
            closes_at,
            open: closes_at.is_some_and(|at| core.clock.now_ms() < at),
            templates: row.business_account_id.is_some(),
        }))
    }

    /// Queues a manager's reply as an approved template: checked against
    /// Meta's current list, stored with its text filled in, sent through
    /// the outbox like any reply.
    pub async fn reply_with_template(
        &self,
        outbox: &Outbox,
        reply: TemplateReply,
    ) -> Result<Message> {
        let Some(window) = self.window(reply.conversation_id).await? else {
            return Err(Error::invalid(
                "templates are sent only in conversations of a WhatsApp Cloud API number",
            ));
        };
        let templates = self.templates(window.account_id).await?;
        let template = templates
            .iter()
            .find(|t| t.name == reply.name && t.language == reply.language)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "the template “{}” ({}) is not among the approved templates of the number",
                    reply.name, reply.language
                ))
            })?;
        let params = checked_params(template, &reply.params)?;
        let text = fill(template, &params);
        let stored = serde_json::to_string(&params)
            .map_err(|e| Error::invalid(format!("template parameters: {e}")))?;
        let mut tx = self.core.store.write().await?;
        let (conversation_id, message_id) = outbox
            .reply_in(
                &mut tx,
                Reply {
                    conversation_id: reply.conversation_id,
                    text,
                    attachments: Vec::new(),
                    author: AuthorKind::Manager,
                    author_name: None,
                    person_id: None,
                    reply_to: None,
                    send_at: None,
                },
            )
            .await?;
        sqlx::query(
            "INSERT INTO whatsapp_template_replies (message_id, name, language, params)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(message_id)
        .bind(&template.name)
        .bind(&template.language)
        .bind(stored)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(
            conversation_id,
            message_id,
            template = %template.name,
            "WhatsApp template reply queued"
        );
        outbox.after_commit(conversation_id, message_id).await;
        crate::inbox::message(self.core.store.pool(), message_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(components: Value) -> Value {
        json!({
            "id": "1", "name": "order_ready", "language": "ru", "status": "APPROVED",
            "category": "UTILITY", "components": components,
        })
    }

    #[test]
    fn approved_templates_with_places_in_the_body_only_are_offered() {
        let plain = listed(json!([
            { "type": "HEADER", "format": "TEXT", "text": "Заказ" },
            { "type": "BODY", "text": "Здравствуйте, {{1}}! Заказ {{2}} готов." },
            { "type": "FOOTER", "text": "Магазин" },
            { "type": "BUTTONS", "buttons": [{ "type": "QUICK_REPLY", "text": "Спасибо" }] },
        ]));
        let t = fillable(&plain).unwrap();
        assert_eq!((t.params, t.header.as_deref()), (2, Some("Заказ")));
        assert_eq!(
            fill(&t, &["Анна".into(), "42".into()]),
            "Заказ\n\nЗдравствуйте, Анна! Заказ 42 готов.\n\nМагазин"
        );

        let mut pending = plain.clone();
        pending["status"] = "PENDING".into();
        assert_eq!(fillable(&pending), None);
        for component in [
            json!({ "type": "HEADER", "format": "IMAGE" }),
            json!({ "type": "HEADER", "format": "TEXT", "text": "Для {{1}}" }),
            json!({ "type": "BUTTONS", "buttons": [{ "type": "URL", "url": "https://x.ru/{{1}}" }] }),
        ] {
            let other = listed(json!([component, { "type": "BODY", "text": "Текст" }]));
            assert_eq!(fillable(&other), None, "{other}");
        }
        let gap = listed(json!([{ "type": "BODY", "text": "{{1}} и {{3}}" }]));
        assert_eq!(fillable(&gap), None);
    }

    #[test]
    fn parameters_are_checked_as_meta_checks_them() {
        let t = fillable(&listed(json!([{ "type": "BODY", "text": "Заказ {{1}}" }]))).unwrap();
        assert!(checked_params(&t, &[]).is_err());
        assert!(checked_params(&t, &["  ".into()]).is_err());
        assert!(checked_params(&t, &["две\nстроки".into()]).is_err());
        assert_eq!(checked_params(&t, &[" 42 ".into()]).unwrap(), vec!["42"]);
        assert_eq!(
            message_template("order_ready", "ru", &["42".into()]),
            json!({
                "name": "order_ready", "language": { "code": "ru" },
                "components": [{ "type": "body", "parameters": [{ "type": "text", "text": "42" }] }],
            })
        );
        assert_eq!(
            message_template("hello_world", "en_US", &[]),
            json!({ "name": "hello_world", "language": { "code": "en_US" } })
        );
    }
}
