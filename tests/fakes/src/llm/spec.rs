//! The API description the fake checks requests and answers against.
//!
//! Loaded from `tests/fixtures/openai-chat.schema.json`, the schemas of
//! chat completions, the model list and errors cut from OpenAI's OpenAPI
//! 3.1 document, and checked with the `jsonschema` crate as JSON Schema
//! 2020-12, the dialect of OpenAPI 3.1. The document still marks some
//! properties `nullable: true`, an OpenAPI 3.0 keyword that JSON Schema
//! ignores; it is turned into a type union with `null` before the schemas
//! are compiled, as the API accepts `null` there.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Registry, ValidationError, Validator};

pub(crate) use crate::schema::schema_errors;
use crate::schema::{describe, nullable_to_union, short_message};
use serde_json::{Value, json};

const SCHEMA_JSON: &str = include_str!("../../../fixtures/openai-chat.schema.json");

/// The name the document is known by, so that references into it resolve
/// without anything being fetched.
const DOC_URI: &str = "https://api.openai.com/v1/openapi.json";

/// The schemas the fake uses, compiled.
pub(crate) struct Spec {
    pub chat_request: Validator,
    pub chat_response: Validator,
    pub models: Validator,
    pub error: Validator,
}

/// The description embedded at build time.
pub(crate) fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        Spec::load().unwrap_or_else(|e| {
            panic!("tests/fixtures/openai-chat.schema.json cannot be used: {e}")
        })
    })
}

impl Spec {
    fn load() -> Result<Self, String> {
        let mut doc: Value = serde_json::from_str(SCHEMA_JSON).map_err(|e| e.to_string())?;
        nullable_to_union(&mut doc);
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(DOC_URI, Draft::Draft202012.create_resource(doc))
            .and_then(jsonschema::RegistryBuilder::prepare)
            .map_err(|e| e.to_string())?;
        let compile = |name: &str| -> Result<Validator, String> {
            let schema = json!({"$ref": format!("{DOC_URI}#/components/schemas/{name}")});
            jsonschema::options()
                .with_draft(Draft::Draft202012)
                .with_registry(&registry)
                .build(&schema)
                .map_err(|e| format!("schema {name}: {e}"))
        };
        Ok(Self {
            chat_request: compile("CreateChatCompletionRequest")?,
            chat_response: compile("CreateChatCompletionResponse")?,
            models: compile("ListModelsResponse")?,
            error: compile("ErrorResponse")?,
        })
    }
}

/// Why a request body is refused, worded as OpenAI words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub message: String,
    /// Where in the body, e.g. `messages[0].role`.
    pub param: Option<String>,
    pub code: &'static str,
}

/// The schema errors of a chat completion request body, each a line for
/// the record, and the refusal the first one calls for; `None` when the
/// body is valid.
pub(crate) fn check_chat_request(body: &Value) -> Option<(Refusal, Vec<String>)> {
    let errors: Vec<ValidationError<'_>> = spec().chat_request.iter_errors(body).collect();
    let refusal = refusal(errors.first()?);
    let lines = errors.iter().map(|e| describe("request body", e)).collect();
    Some((refusal, lines))
}

fn refusal(error: &ValidationError<'_>) -> Refusal {
    let at = param(error.instance_path().as_str());
    if let ValidationErrorKind::Required { property } = error.kind() {
        let name = property
            .as_str()
            .map_or_else(|| property.to_string(), str::to_owned);
        let param = if at.is_empty() {
            name
        } else {
            format!("{at}.{name}")
        };
        return Refusal {
            message: format!("Missing required parameter: '{param}'."),
            param: Some(param),
            code: "missing_required_parameter",
        };
    }
    let (what, code) = if is_type_error(error) {
        ("Invalid type", "invalid_type")
    } else {
        ("Invalid value", "invalid_value")
    };
    let detail = short_message(error);
    if at.is_empty() {
        Refusal {
            message: format!("{what} for the request body: {detail}."),
            param: None,
            code,
        }
    } else {
        Refusal {
            message: format!("{what} for '{at}': {detail}."),
            param: Some(at),
            code,
        }
    }
}

/// Whether the value has the wrong JSON type: a type error, or a choice
/// of schemas each of which wanted another type.
fn is_type_error(error: &ValidationError<'_>) -> bool {
    match error.kind() {
        ValidationErrorKind::Type { .. } => true,
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            let here = error.instance_path().as_str();
            context.iter().all(|branch| {
                branch.first().is_some_and(|e| {
                    e.instance_path().as_str() == here
                        && matches!(e.kind(), ValidationErrorKind::Type { .. })
                })
            })
        }
        _ => false,
    }
}

/// A JSON pointer as OpenAI names parameters: `/messages/0/role` becomes
/// `messages[0].role`.
fn param(pointer: &str) -> String {
    let mut name = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            name.push_str(&format!("[{segment}]"));
        } else {
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(&segment);
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pointers_become_parameter_names() {
        assert_eq!(param(""), "");
        assert_eq!(param("/temperature"), "temperature");
        assert_eq!(param("/messages/0/role"), "messages[0].role");
        assert_eq!(param("/stop/1"), "stop[1]");
        assert_eq!(param("/logit_bias/a~1b"), "logit_bias.a/b");
    }

    #[test]
    fn nullable_becomes_a_union_with_null() {
        let mut schema = json!({
            "properties": {
                "n": {"type": "integer", "nullable": true},
                "e": {"type": "string", "enum": ["a"], "nullable": true},
                "p": {"oneOf": [{"type": "string"}], "nullable": true},
                "k": {"type": "integer", "nullable": false}
            }
        });
        nullable_to_union(&mut schema);
        assert_eq!(
            schema,
            json!({
                "properties": {
                    "n": {"type": ["integer", "null"]},
                    "e": {"type": ["string", "null"], "enum": ["a", null]},
                    "p": {"anyOf": [{"oneOf": [{"type": "string"}]}, {"type": "null"}]},
                    "k": {"type": "integer", "nullable": false}
                }
            })
        );
    }

    #[test]
    fn the_description_accepts_what_clients_send_and_nulls_where_allowed() {
        let body = json!({
            "model": "qwen2.5:7b",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hello"},
                {"role": "assistant", "content": "Hi!"},
                {"role": "user", "content": [{"type": "text", "text": "And?"}]}
            ],
            "temperature": 0.2, "top_p": 0.9, "frequency_penalty": 0.5,
            "presence_penalty": -0.5, "max_tokens": 200, "stream": false,
            "stop": null, "seed": null, "n": null
        });
        assert_eq!(check_chat_request(&body), None);
    }

    #[test]
    fn values_out_of_range_are_refused_with_their_parameter() {
        let body = json!({
            "model": "qwen2.5:7b",
            "messages": [{"role": "user", "content": "Hi"}],
            "temperature": 3
        });
        let (refusal, lines) = check_chat_request(&body).unwrap();
        assert_eq!(refusal.param.as_deref(), Some("temperature"));
        assert_eq!(refusal.code, "invalid_value");
        assert!(
            lines[0].starts_with("request body /temperature: "),
            "{lines:?}"
        );

        let body = json!({"model": "m", "messages": []});
        let (refusal, _) = check_chat_request(&body).unwrap();
        assert_eq!(refusal.param.as_deref(), Some("messages"));

        let (refusal, _) = check_chat_request(&json!([])).unwrap();
        assert_eq!((refusal.param, refusal.code), (None, "invalid_type"));
    }

    #[test]
    fn answers_are_checked_too() {
        let good = json!({"object": "list", "data": [
            {"id": "m", "object": "model", "created": 1, "owned_by": "library"}
        ]});
        assert!(schema_errors(&spec().models, &good, "answer").is_empty());
        let bad = json!({"object": "list", "data": [{"id": "m", "object": "model"}]});
        let errors = schema_errors(&spec().models, &bad, "answer");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("answer /data/0: "), "{errors:?}");
    }
}
