//! Reading the description: parameters, request bodies and responses, and checking a body against them.

use super::*;

pub(super) fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Checks a body against the media types the operation takes; returns it
/// as JSON when it could be read.
pub(super) fn check_body(
    declared: &RequestBody,
    incoming: &Incoming,
) -> (Option<Value>, Vec<Problem>) {
    let takes = || {
        declared
            .media
            .iter()
            .map(|(m, _)| m.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if matches!(incoming.body, Body::Empty) {
        let problems = if declared.required {
            vec![Problem::refused(format!(
                "the request body ({}) is required",
                takes()
            ))]
        } else {
            Vec::new()
        };
        return (None, problems);
    }
    let content_type = incoming.content_type.as_deref().unwrap_or("");
    let Some((media, validator)) = declared.media.iter().find(|(m, _)| m == content_type) else {
        let shown = if content_type.is_empty() {
            "no Content-Type".to_owned()
        } else {
            format!("Content-Type `{content_type}`")
        };
        return (
            None,
            vec![Problem::refused(format!(
                "the body has {shown}; the operation takes {}",
                takes()
            ))],
        );
    };
    let value = match &incoming.body {
        Body::Json(value) => value.clone(),
        Body::Form(pairs) => {
            let mut object = Map::new();
            for (name, value) in pairs {
                object.insert(name.clone(), Value::String(value.clone()));
            }
            Value::Object(object)
        }
        Body::Multipart(parts) => {
            // A part repeated (several `uploadfile[]`) is checked once.
            let mut object = Map::new();
            for part in parts {
                let value = match &part.file_name {
                    Some(_) => String::new(),
                    None => String::from_utf8_lossy(&part.bytes).into_owned(),
                };
                object
                    .entry(part.name.clone())
                    .or_insert(Value::String(value));
            }
            Value::Object(object)
        }
        Body::Malformed(reason) => {
            return (
                None,
                vec![Problem::refused(format!(
                    "the body is not valid {media}: {reason}"
                ))],
            );
        }
        Body::Empty | Body::Other => {
            return (
                None,
                vec![Problem::refused(format!(
                    "the body cannot be read as {media}"
                ))],
            );
        }
    };
    let problems = schema_errors(validator, &value, "body")
        .into_iter()
        .map(Problem::refused)
        .collect();
    (Some(value), problems)
}

/// Reads parameter text as the JSON value its schema describes.
pub(super) fn coerce(shape: Shape, raw: &[&str]) -> Value {
    match shape {
        Shape::Scalar(scalar) => coerce_scalar(scalar, raw[0]),
        Shape::Array {
            items,
            explode: false,
        } => Value::Array(
            raw[raw.len() - 1]
                .split(',')
                .map(|item| coerce_scalar(items, item))
                .collect(),
        ),
        Shape::Array {
            items,
            explode: true,
        } => Value::Array(raw.iter().map(|item| coerce_scalar(items, item)).collect()),
    }
}

pub(super) fn coerce_scalar(scalar: Scalar, text: &str) -> Value {
    let parsed = match scalar {
        Scalar::String => None,
        Scalar::Integer => text.parse::<i64>().ok().map(Value::from),
        Scalar::Number => text.parse::<f64>().ok().map(Value::from),
        Scalar::Boolean => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}
pub(super) fn params(
    doc: &Value,
    shared: Option<&Vec<Value>>,
    op: &Value,
    compile: &impl Fn(&Value) -> Result<Validator, String>,
) -> Result<Vec<Param>, String> {
    let own = op.get("parameters").and_then(Value::as_array);
    let mut declared: Vec<&Value> = Vec::new();
    for param in shared
        .into_iter()
        .flatten()
        .chain(own.into_iter().flatten())
    {
        let param = resolve(doc, param)?;
        // The operation's own declaration replaces the path's.
        declared.retain(|p| p.get("name") != param.get("name") || p.get("in") != param.get("in"));
        declared.push(param);
    }
    let mut params = Vec::new();
    for param in declared {
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a parameter without name")?;
        let location = match param.get("in").and_then(Value::as_str) {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            other => return Err(format!("parameter {name} in {other:?}")),
        };
        let schema = param
            .get("schema")
            .ok_or_else(|| format!("parameter {name} has no schema"))?;
        let resolved = resolve(doc, schema)?;
        let shape = match resolved.get("type").and_then(Value::as_str) {
            Some("array") => {
                let items = resolved.get("items").map(|i| resolve(doc, i)).transpose()?;
                let explode = param
                    .get("explode")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                Shape::Array {
                    items: scalar(items.and_then(|i| i.get("type"))),
                    explode,
                }
            }
            _ => Shape::Scalar(scalar(resolved.get("type"))),
        };
        params.push(Param {
            name: name.to_owned(),
            location,
            required: param.get("required").and_then(Value::as_bool) == Some(true)
                || location == Location::Path,
            shape,
            validator: compile(schema)?,
        });
    }
    Ok(params)
}

pub(super) fn scalar(declared: Option<&Value>) -> Scalar {
    match declared.and_then(Value::as_str) {
        Some("integer") => Scalar::Integer,
        Some("number") => Scalar::Number,
        Some("boolean") => Scalar::Boolean,
        _ => Scalar::String,
    }
}

pub(super) fn request_body(
    doc: &Value,
    op: &Value,
    compile: &impl Fn(&Value) -> Result<Validator, String>,
) -> Result<Option<RequestBody>, String> {
    let Some(body) = op.get("requestBody") else {
        return Ok(None);
    };
    let body = resolve(doc, body)?;
    let mut media = Vec::new();
    for (media_type, content) in body
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let schema = content.get("schema").cloned().unwrap_or(Value::Bool(true));
        media.push((media_type.to_ascii_lowercase(), compile(&schema)?));
    }
    Ok(Some(RequestBody {
        required: body.get("required").and_then(Value::as_bool) == Some(true),
        media,
    }))
}

pub(super) fn responses(
    doc: &Value,
    op: &Value,
    compile: &impl Fn(&Value) -> Result<Validator, String>,
) -> Result<HashMap<u16, Option<Validator>>, String> {
    let mut answers = HashMap::new();
    for (status, response) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Ok(status) = status.parse::<u16>() else {
            continue;
        };
        let response = resolve(doc, response)?;
        let schema = response.pointer("/content/application~1json/schema");
        answers.insert(status, schema.map(compile).transpose()?);
    }
    Ok(answers)
}
