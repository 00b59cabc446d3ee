//! What the fakes share in checking JSON against an API description: the
//! OpenAPI 3.0 keyword `nullable` made JSON Schema, and schema errors worded
//! as one line each, with values that may be long or secret shortened.

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::{Value, json};

/// The schema errors of `value`, each a line naming `what` was checked and
/// where inside it the error is.
pub(crate) fn schema_errors(validator: &Validator, value: &Value, what: &str) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| describe(what, &e))
        .collect()
}

pub(crate) fn describe(what: &str, error: &ValidationError<'_>) -> String {
    let mut message = short_message(error);
    if let ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } =
        error.kind()
    {
        let branches: Vec<String> = context
            .iter()
            .enumerate()
            .filter_map(|(i, errors)| {
                let first = errors.first()?;
                let at = first.instance_path().as_str();
                let at = if at.is_empty() {
                    String::new()
                } else {
                    format!("{at} ")
                };
                Some(format!("{}: {at}{}", i + 1, short_message(first)))
            })
            .collect();
        if !branches.is_empty() {
            message.push_str(&format!(" ({})", branches.join("; ")));
        }
    }
    let at = error.instance_path().as_str();
    if at.is_empty() {
        format!("{what}: {message}")
    } else {
        format!("{what} {at}: {message}")
    }
}

/// The error's message, with long values shortened and objects shown by
/// their keys only (a token request carries a client secret, a conversation
/// can be long).
pub(crate) fn short_message(error: &ValidationError<'_>) -> String {
    const LONGEST: usize = 60;
    let instance: &Value = error.instance();
    let preview = match instance {
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            format!("{{{}}}", keys.join(", "))
        }
        Value::String(text) if text.chars().count() > LONGEST => {
            let start: String = text.chars().take(16).collect();
            format!("\"{start}…\" ({} characters)", text.chars().count())
        }
        Value::Array(items) if instance.to_string().chars().count() > LONGEST => {
            format!("an array of {} items", items.len())
        }
        _ => return error.to_string(),
    };
    error.masked_with(preview).to_string()
}

/// Turns every `nullable: true` (OpenAPI 3.0, ignored by JSON Schema) into
/// what it means: a union with `null`. `nullable: false` changes nothing
/// and is left as it is.
pub(crate) fn nullable_to_union(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                nullable_to_union(child);
            }
            if map.get("nullable") != Some(&Value::Bool(true)) {
                return;
            }
            map.remove("nullable");
            match map.get("type").cloned() {
                Some(Value::String(single)) => {
                    map.insert("type".into(), json!([single, "null"]));
                    if let Some(Value::Array(allowed)) = map.get_mut("enum") {
                        allowed.push(Value::Null);
                    }
                }
                _ => {
                    let inner = Value::Object(std::mem::take(map));
                    map.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_to_union),
        _ => {}
    }
}
