//! The schemas of the API description as JSON Schema, and what their
//! errors say.
//!
//! OpenAPI 3.0 schema objects are JSON Schema draft 4 with a few additions;
//! the one that changes what is valid, `nullable: true`, becomes a type
//! union with `null`, and every `#/components/…` reference is made absolute
//! so that a schema compiled on its own resolves it against the whole
//! document.

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

/// The name the document is known by, so that references into it resolve
/// without anything being fetched.
pub(crate) const DOC_URI: &str = "https://api.avito.ru/openapi.json";

/// The schema errors of `value`, each a line naming `what` was checked and
/// where inside it the error is.
pub(crate) fn schema_errors(validator: &Validator, value: &Value, what: &str) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| describe(what, &e))
        .collect()
}

fn describe(what: &str, error: &ValidationError<'_>) -> String {
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
/// their keys only (a token request carries a client secret).
fn short_message(error: &ValidationError<'_>) -> String {
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
        Value::Array(_) if instance.to_string().chars().count() > LONGEST => {
            format!(
                "an array of {} items",
                instance.as_array().map_or(0, Vec::len)
            )
        }
        _ => return error.to_string(),
    };
    error.masked_with(preview).to_string()
}

/// Turns the OpenAPI 3.0 document into one JSON Schema tools read: every
/// `nullable: true` becomes a union with `null`, and local references
/// become absolute so that they resolve from any schema compiled alone.
pub(crate) fn to_json_schema(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                to_json_schema(child);
            }
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && reference.starts_with("#/")
            {
                *reference = format!("{DOC_URI}{reference}");
            }
            if !matches!(map.get("nullable"), Some(Value::Bool(_))) {
                return;
            }
            if map.remove("nullable") != Some(Value::Bool(true)) {
                return;
            }
            match map.get("type").cloned() {
                Some(Value::String(single)) => {
                    map.insert(
                        "type".into(),
                        Value::Array(vec![Value::String(single), "null".into()]),
                    );
                    if let Some(Value::Array(allowed)) = map.get_mut("enum") {
                        allowed.push(Value::Null);
                    }
                }
                _ => {
                    let inner = Value::Object(std::mem::take(map));
                    let null = serde_json::json!({"type": "null"});
                    map.insert("anyOf".into(), Value::Array(vec![inner, null]));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_json_schema),
        _ => {}
    }
}

/// Follows a `$ref` to what it names inside the document.
pub(crate) fn resolve<'a>(doc: &'a Value, value: &'a Value) -> Result<&'a Value, String> {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference
                .strip_prefix(DOC_URI)
                .and_then(|r| r.strip_prefix('#'))
                .ok_or_else(|| format!("unsupported reference {reference}"))?;
            let target = doc
                .pointer(pointer)
                .ok_or_else(|| format!("dangling reference {reference}"))?;
            resolve(doc, target)
        }
        None => Ok(value),
    }
}

/// Decodes `%XX` escapes of a URL path segment.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'%')
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            decoded.push(byte);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}
