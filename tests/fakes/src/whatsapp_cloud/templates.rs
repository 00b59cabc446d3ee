//! Message templates: a business account's list as Meta answers it
//! (`GET /{version}/{waba-id}/message_templates`), and the checks Meta
//! makes on a template sent from one of its numbers.

use std::collections::BTreeSet;

use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::server::{error, ok};
use super::spec::Operation;
use super::{Shared, State};

/// A template of a business account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub name: String,
    /// Meta's language code, e.g. `ru` or `en_US`.
    pub language: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`…
    pub status: String,
    pub category: String,
    pub header: Option<String>,
    /// The body, with `{{1}}`, `{{2}}`… where the parameters go.
    pub body: String,
    pub footer: Option<String>,
}

impl Template {
    /// An approved utility template.
    pub fn approved(name: &str, language: &str, body: &str) -> Self {
        Self {
            name: name.into(),
            language: language.into(),
            status: "APPROVED".into(),
            category: "UTILITY".into(),
            header: None,
            body: body.into(),
            footer: None,
        }
    }

    /// How many distinct `{{n}}` the body has.
    pub fn params(&self) -> usize {
        let mut seen = BTreeSet::new();
        let mut rest = self.body.as_str();
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            match after.find("}}") {
                Some(end) => {
                    if let Ok(n) = after[..end].trim().parse::<u32>() {
                        seen.insert(n);
                    }
                    rest = &after[end + 2..];
                }
                None => break,
            }
        }
        seen.len()
    }

    fn listed(&self, id: usize) -> Value {
        let mut components = Vec::new();
        if let Some(header) = &self.header {
            components.push(json!({ "type": "HEADER", "format": "TEXT", "text": header }));
        }
        let mut body = json!({ "type": "BODY", "text": self.body });
        if self.params() > 0 {
            let sample: Vec<String> = (1..=self.params()).map(|n| format!("sample{n}")).collect();
            body["example"] = json!({ "body_text": [sample] });
        }
        components.push(body);
        if let Some(footer) = &self.footer {
            components.push(json!({ "type": "FOOTER", "text": footer }));
        }
        json!({
            "id": format!("{}", 900_000_000 + id),
            "name": self.name,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "components": components,
        })
    }
}

/// A WhatsApp Business Account: its numbers and its templates.
#[derive(Debug, Clone, Default)]
pub(crate) struct BusinessAccount {
    pub id: String,
    pub phone_number_ids: Vec<String>,
    pub templates: Vec<Template>,
}

/// The account's templates, when `token` is the token of one of its numbers;
/// `name` narrows the list to one template (in each of its languages).
pub(crate) fn list(
    shared: &Shared,
    op: &Operation,
    waba_id: &str,
    token: &str,
    query: &[(String, String)],
) -> (u16, Response) {
    let found = shared.read(|s| {
        let account = s.accounts.iter().find(|a| a.id == waba_id)?.clone();
        let allowed = s
            .numbers
            .iter()
            .any(|n| n.token == token && account.phone_number_ids.contains(&n.phone_number_id));
        Some((account, allowed))
    });
    let Some((account, allowed)) = found else {
        return error(
            400,
            100,
            &format!("Unsupported get request. Object with ID '{waba_id}' does not exist"),
        );
    };
    if !allowed {
        return error(
            401,
            190,
            "Error validating access token: the session is invalid.",
        );
    }
    let name = query.iter().find(|(k, _)| k == "name").map(|(_, v)| v);
    let data: Vec<Value> = account
        .templates
        .iter()
        .enumerate()
        .filter(|(_, t)| name.is_none_or(|n| &t.name == n))
        .map(|(i, t)| t.listed(i))
        .collect();
    ok(
        shared,
        op,
        json!({ "data": data, "paging": { "cursors": { "before": "QVFIUjA", "after": "QVFIUjE" } } }),
    )
}

/// Meta's refusal of a template message from `phone_number_id`, if any:
/// the template must be approved in the number's business account in that
/// language, with as many body parameters as its body has places.
pub(crate) fn refusal(state: &State, phone_number_id: &str, body: &Value) -> Option<(i64, String)> {
    let name = body["template"]["name"].as_str().unwrap_or_default();
    let language = body["template"]["language"]["code"]
        .as_str()
        .unwrap_or_default();
    let template = state
        .accounts
        .iter()
        .filter(|a| a.phone_number_ids.iter().any(|n| n == phone_number_id))
        .flat_map(|a| a.templates.iter())
        .find(|t| t.name == name && t.language == language && t.status == "APPROVED");
    let Some(template) = template else {
        return Some((
            132_001,
            format!("Template name does not exist in the translation: {name} ({language})"),
        ));
    };
    let given: usize = body["template"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["type"] == "body")
        .map(|c| c["parameters"].as_array().map_or(0, Vec::len))
        .sum();
    (given != template.params()).then(|| {
        (
            132_000,
            format!(
                "Number of parameters does not match the expected number of params: {given} given, {} expected",
                template.params()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_counted_once_each() {
        let t = Template::approved("x", "ru", "Здравствуйте, {{1}}! Заказ {{2}} готов, {{1}}.");
        assert_eq!(t.params(), 2);
        assert_eq!(Template::approved("x", "ru", "Без мест {{").params(), 0);
    }
}
