//! The schemas of the API description as JSON Schema, and what their
//! errors say.
//!
//! OpenAPI 3.0 schema objects are JSON Schema draft 4 with a few additions;
//! the one that changes what is valid, `nullable: true`, becomes a type
//! union with `null`, and every `#/components/…` reference is made absolute
//! so that a schema compiled on its own resolves it against the whole
//! document.

use serde_json::Value;

pub(crate) use crate::schema::schema_errors;

/// The name the document is known by, so that references into it resolve
/// without anything being fetched.
pub(crate) const DOC_URI: &str = "https://api.avito.ru/openapi.json";

/// Turns the OpenAPI 3.0 document into one JSON Schema tools read: every
/// `nullable: true` becomes a union with `null`, and local references
/// become absolute so that they resolve from any schema compiled alone.
pub(crate) fn to_json_schema(value: &mut Value) {
    absolute_refs(value);
    crate::schema::nullable_to_union(value);
}

fn absolute_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && reference.starts_with("#/")
            {
                *reference = format!("{DOC_URI}{reference}");
            }
            map.values_mut().for_each(absolute_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(absolute_refs),
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
