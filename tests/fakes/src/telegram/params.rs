//! Turning the four ways Telegram accepts parameters into one map.
//!
//! The Bot API takes parameters as a query string, as
//! `application/x-www-form-urlencoded`, as `application/json`, or as
//! `multipart/form-data` (needed to upload files). In all but JSON every
//! value is a string, objects and arrays JSON-encoded; those strings are
//! turned into the JSON values the method's description declares, so the
//! rest of the fake sees one shape whatever the transport.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::spec::Method;

/// A file uploaded as a part of a `multipart/form-data` request.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// The parameters of one request.
#[derive(Debug, Default)]
pub(crate) struct Params {
    pub map: Map<String, Value>,
    /// Uploaded files by part name, referred to as `attach://<part name>`.
    pub uploads: HashMap<String, Upload>,
}

/// One `multipart/form-data` part as received.
#[derive(Debug)]
pub(crate) struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

impl Params {
    /// Parameters given as strings (query string, form, multipart text
    /// parts), typed after the method's description when it has them.
    pub(crate) fn from_strings(method: Option<&Method>, pairs: Vec<(String, String)>) -> Self {
        let map = pairs
            .into_iter()
            .map(|(name, text)| {
                let value = coerce(method, &name, text);
                (name, value)
            })
            .collect();
        Self {
            map,
            uploads: HashMap::new(),
        }
    }

    /// Parameters given as `multipart/form-data` parts. A part is an upload
    /// when another part refers to it as `attach://<name>`, when it carries
    /// a file name, or when it is not text.
    pub(crate) fn from_parts(method: Option<&Method>, parts: Vec<Part>) -> Self {
        let attached: Vec<String> = parts
            .iter()
            .filter_map(|p| std::str::from_utf8(&p.bytes).ok())
            .filter_map(|text| text.strip_prefix("attach://"))
            .map(str::to_owned)
            .collect();
        let mut pairs = Vec::new();
        let mut uploads = HashMap::new();
        let mut direct = Vec::new();
        for part in parts {
            let is_upload = attached.contains(&part.name)
                || part.file_name.is_some()
                || std::str::from_utf8(&part.bytes).is_err();
            if is_upload {
                // A file part named like a parameter (`photo`) is that
                // parameter's value, as Telegram allows.
                if !attached.contains(&part.name)
                    && method.is_some_and(|m| m.field(&part.name).is_some())
                {
                    direct.push(part.name.clone());
                }
                let upload = Upload {
                    file_name: part.file_name,
                    bytes: part.bytes,
                };
                uploads.insert(part.name, upload);
            } else {
                let text = String::from_utf8_lossy(&part.bytes).into_owned();
                pairs.push((part.name, text));
            }
        }
        let mut params = Self::from_strings(method, pairs);
        for name in direct {
            params
                .map
                .insert(name.clone(), Value::String(format!("attach://{name}")));
        }
        params.uploads = uploads;
        params
    }

    /// Parameters given as a JSON object.
    pub(crate) fn from_json(map: Map<String, Value>) -> Self {
        Self {
            map,
            uploads: HashMap::new(),
        }
    }

    /// Adds parameters, the ones already present winning (a body wins over
    /// the query string).
    pub(crate) fn merge_missing(&mut self, other: Self) {
        for (name, value) in other.map {
            self.map.entry(name).or_insert(value);
        }
        for (name, upload) in other.uploads {
            self.uploads.entry(name).or_insert(upload);
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }

    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    pub(crate) fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }

    /// The parameters as recorded for inspection: uploads shown by name and
    /// size rather than content.
    pub(crate) fn recorded(&self) -> Value {
        let mut map = self.map.clone();
        if !self.uploads.is_empty() {
            let uploads = self
                .uploads
                .iter()
                .map(|(name, u)| {
                    let info = serde_json::json!({"file_name": u.file_name, "size": u.bytes.len()});
                    (name.clone(), info)
                })
                .collect();
            map.insert("_uploads".to_owned(), Value::Object(uploads));
        }
        Value::Object(map)
    }
}

/// Types a string parameter after the declared types of the method's field:
/// the first declared type the text parses as wins, a string otherwise (the
/// spec check then reports a string where, say, an integer belongs).
fn coerce(method: Option<&Method>, name: &str, text: String) -> Value {
    let Some(field) = method.and_then(|m| m.field(name)) else {
        return Value::String(text);
    };
    for declared in &field.types {
        let parsed = match declared.as_str() {
            "String" | "InputFile" => return Value::String(text),
            "Integer" => text.trim().parse::<i64>().ok().map(Value::from),
            "Float" => text.trim().parse::<f64>().ok().map(Value::from),
            "Boolean" | "True" => match text.trim() {
                "true" | "True" | "1" => Some(Value::Bool(true)),
                "false" | "False" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
            _ => serde_json::from_str::<Value>(&text)
                .ok()
                .filter(|v| v.is_object() || v.is_array()),
        };
        if let Some(value) = parsed {
            return value;
        }
    }
    Value::String(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::spec::spec;
    use super::*;

    #[test]
    fn strings_are_typed_after_the_description() {
        let method = spec().method("sendPhoto");
        let params = Params::from_strings(
            method,
            vec![
                ("chat_id".into(), "-100123".into()),
                ("caption".into(), "42".into()),
                ("has_spoiler".into(), "true".into()),
                ("reply_parameters".into(), r#"{"message_id":7}"#.into()),
                ("extra".into(), "5".into()),
            ],
        );
        assert_eq!(
            Value::Object(params.map),
            json!({
                "chat_id": -100123,
                "caption": "42",
                "has_spoiler": true,
                "reply_parameters": {"message_id": 7},
                "extra": "5",
            })
        );
    }

    #[test]
    fn multipart_uploads_are_found_by_reference_or_name() {
        let method = spec().method("sendPhoto");
        let parts = vec![
            Part {
                name: "chat_id".into(),
                file_name: None,
                bytes: b"5".to_vec(),
            },
            Part {
                name: "photo".into(),
                file_name: None,
                bytes: b"attach://abc".to_vec(),
            },
            Part {
                name: "abc".into(),
                file_name: Some(String::new()),
                bytes: vec![1, 2],
            },
        ];
        let params = Params::from_parts(method, parts);
        assert_eq!(params.str("photo"), Some("attach://abc"));
        assert_eq!(params.uploads["abc"].bytes, vec![1, 2]);
        assert!(!params.map.contains_key("abc"));

        let parts = vec![Part {
            name: "document".into(),
            file_name: Some("a.txt".into()),
            bytes: b"hello".to_vec(),
        }];
        let params = Params::from_parts(spec().method("sendDocument"), parts);
        assert_eq!(params.str("document"), Some("attach://document"));
    }
}
