//! The Cloud API description the fake checks requests, answers and webhook
//! payloads against: `tests/fixtures/whatsapp-cloud.openapi.json` (OpenAPI
//! 3.1, a subset of Meta's own description), read as JSON Schema 2020-12.
//!
//! One adaptation is made when loading, as Prism (the mock server Meta's
//! description was checked with) makes it: `allOf` is merged into one
//! schema before validating. The message schemas put `additionalProperties:
//! false` in an `allOf` branch beside the shared properties, which a strict
//! JSON Schema validator reads as "no message may have `to`"; merged, the
//! branch's closed property list includes the shared ones.

use std::sync::OnceLock;

use axum::http::Method;
use jsonschema::{Draft, Registry, Validator};
use serde_json::{Map, Value, json};

use crate::schema::schema_errors;

const SPEC_JSON: &str = include_str!("../../../fixtures/whatsapp-cloud.openapi.json");
/// The name the document is known by, so references resolve without a fetch.
const DOC_URI: &str = "https://graph.facebook.com/openapi.json";

struct Param {
    name: String,
    location: String,
    required: bool,
    validator: Validator,
}

/// One operation of the description.
pub(crate) struct Operation {
    pub id: String,
    method: Method,
    segments: Vec<Option<String>>,
    params: Vec<Param>,
    /// Media type and the schema of the body in it.
    body: Vec<(String, Validator)>,
    ok_answer: Option<Validator>,
}

impl Operation {
    /// The path parameters' values when `path` fits the template.
    pub(crate) fn fit(&self, path: &str) -> Option<Vec<String>> {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (part, segment) in parts.iter().zip(&self.segments) {
            match segment {
                None if part.is_empty() => return None,
                None => params.push((*part).to_owned()),
                Some(literal) if literal == part => {}
                Some(_) => return None,
            }
        }
        Some(params)
    }

    fn literals(&self) -> usize {
        self.segments.iter().filter(|s| s.is_some()).count()
    }
}

/// A request as the checks see it.
pub(crate) struct Incoming<'a> {
    pub headers: &'a [(String, String)],
    pub query: &'a [(String, String)],
    /// Lower case, without parameters such as `boundary`.
    pub content_type: Option<&'a str>,
    /// The body as JSON: the JSON itself, or a multipart form's fields
    /// (a file part as an empty string).
    pub body: Option<Value>,
}

pub(crate) struct Spec {
    operations: Vec<Operation>,
    webhook: Validator,
}

pub(crate) fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        Spec::load().unwrap_or_else(|e| {
            panic!("tests/fixtures/whatsapp-cloud.openapi.json cannot be used: {e}")
        })
    })
}

/// Follows local `$ref`s to what they name.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| doc.pointer(p))
    {
        Some(target) => resolve(doc, target),
        None => value,
    }
}

/// Merges every `allOf` into one schema, as Prism does.
pub(crate) fn merge_all_of(doc: &Value, value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                merge_all_of(doc, child);
            }
            let Some(Value::Array(branches)) = map.remove("allOf") else {
                return;
            };
            let mut properties = Map::new();
            let mut required: Vec<Value> = Vec::new();
            let mut closed = false;
            for branch in branches {
                let mut branch = resolve(doc, &branch).clone();
                merge_all_of(doc, &mut branch);
                let Value::Object(branch) = branch else {
                    continue;
                };
                for (key, schema) in branch
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let merged = match properties.remove(key) {
                        Some(before) => json!({ "allOf": [before, schema] }),
                        None => schema.clone(),
                    };
                    properties.insert(key.clone(), merged);
                }
                for name in branch
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if !required.contains(name) {
                        required.push(name.clone());
                    }
                }
                closed |= branch.get("additionalProperties") == Some(&Value::Bool(false));
                for (key, other) in branch {
                    if !matches!(
                        key.as_str(),
                        "properties" | "required" | "additionalProperties"
                    ) {
                        map.entry(key).or_insert(other);
                    }
                }
            }
            map.insert("properties".into(), Value::Object(properties));
            map.insert("required".into(), Value::Array(required));
            if closed {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| merge_all_of(doc, v)),
        _ => {}
    }
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

impl Spec {
    fn load() -> Result<Self, String> {
        let raw: Value = serde_json::from_str(SPEC_JSON).map_err(|e| e.to_string())?;
        let mut doc = raw.clone();
        merge_all_of(&raw, &mut doc);
        absolute_refs(&mut doc);
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(DOC_URI, Draft::Draft202012.create_resource(doc.clone()))
            .and_then(jsonschema::RegistryBuilder::prepare)
            .map_err(|e| e.to_string())?;
        let compile = |schema: &Value| -> Result<Validator, String> {
            jsonschema::options()
                .with_draft(Draft::Draft202012)
                .with_registry(&registry)
                .build(schema)
                .map_err(|e| format!("schema {schema}: {e}"))
        };
        let absolute = |value: &Value| -> Value {
            // A `$ref` of the merged document, read back through it.
            match value
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(DOC_URI))
            {
                Some(pointer) => doc
                    .pointer(pointer.trim_start_matches('#'))
                    .cloned()
                    .unwrap_or(Value::Null),
                None => value.clone(),
            }
        };
        let mut operations = Vec::new();
        for (template, item) in doc["paths"].as_object().ok_or("no paths")? {
            for (method, op) in item.as_object().into_iter().flatten() {
                let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                    continue;
                };
                if !matches!(method, Method::GET | Method::POST | Method::DELETE) {
                    continue;
                }
                let mut params: Vec<Param> = Vec::new();
                let declared = item["parameters"].as_array().into_iter().flatten();
                let own = op["parameters"].as_array().into_iter().flatten();
                for param in declared.chain(own) {
                    let param = absolute(param);
                    let (Some(name), Some(location)) =
                        (param["name"].as_str(), param["in"].as_str())
                    else {
                        continue;
                    };
                    params.retain(|p| !(p.name == name && p.location == location));
                    params.push(Param {
                        name: name.to_owned(),
                        location: location.to_owned(),
                        required: param["required"] == Value::Bool(true),
                        validator: compile(&param["schema"])?,
                    });
                }
                let mut body = Vec::new();
                for (media, content) in op["requestBody"]["content"]
                    .as_object()
                    .into_iter()
                    .flatten()
                {
                    body.push((media.clone(), compile(&content["schema"])?));
                }
                let ok = &op["responses"]["200"]["content"]["application/json"]["schema"];
                let ok_answer = if ok.is_null() {
                    None
                } else {
                    Some(compile(ok)?)
                };
                operations.push(Operation {
                    id: op["operationId"].as_str().unwrap_or(template).to_owned(),
                    method,
                    segments: template
                        .split('/')
                        .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                        .collect(),
                    params,
                    body,
                    ok_answer,
                });
            }
        }
        let webhook =
            compile(&json!({ "$ref": format!("{DOC_URI}#/components/schemas/WebhookPayload") }))?;
        Ok(Self {
            operations,
            webhook,
        })
    }

    /// The operation a request is for; literal segments win over parameters.
    pub(crate) fn route(&self, method: &Method, path: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .filter(|op| op.method == *method && op.fit(path).is_some())
            .max_by_key(|op| op.literals())
    }

    /// What is wrong with a request, each with the status it is refused with.
    pub(crate) fn check(&self, op: &Operation, incoming: &Incoming<'_>) -> Vec<(u16, String)> {
        let mut problems = Vec::new();
        for param in &op.params {
            let value = match param.location.as_str() {
                "header" => incoming
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(&param.name))
                    .map(|(n, v)| {
                        if n.eq_ignore_ascii_case("content-type") {
                            incoming.content_type.unwrap_or(v).to_owned()
                        } else {
                            v.clone()
                        }
                    }),
                "query" => incoming
                    .query
                    .iter()
                    .find(|(n, _)| *n == param.name)
                    .map(|(_, v)| v.clone()),
                _ => continue,
            };
            let what = format!("{} `{}`", param.location, param.name);
            match value {
                None if param.required => {
                    let status = if param.name == "Authorization" {
                        401
                    } else {
                        400
                    };
                    problems.push((status, format!("required {what} is missing")));
                }
                None => {}
                Some(value) => {
                    let status = if param.name == "Authorization" {
                        401
                    } else {
                        400
                    };
                    for error in schema_errors(&param.validator, &Value::String(value), &what) {
                        problems.push((status, error));
                    }
                }
            }
        }
        if !op.body.is_empty() {
            let content_type = incoming.content_type.unwrap_or("");
            match (
                &incoming.body,
                op.body.iter().find(|(m, _)| m == content_type),
            ) {
                (None, _) => problems.push((400, "the request body is missing".to_owned())),
                (Some(_), None) => {
                    problems.push((400, format!("the operation takes no `{content_type}` body")))
                }
                (Some(body), Some((_, validator))) => {
                    for error in schema_errors(validator, body, "body") {
                        problems.push((400, error));
                    }
                }
            }
        }
        problems
    }

    /// What is wrong with a 200 answer the fake gives.
    pub(crate) fn answer_errors(&self, op: &Operation, body: &Value) -> Vec<String> {
        match &op.ok_answer {
            Some(validator) => schema_errors(validator, body, &format!("answer of {}", op.id)),
            None => Vec::new(),
        }
    }

    /// What is wrong with a webhook payload.
    pub(crate) fn webhook_errors(&self, payload: &Value) -> Vec<String> {
        schema_errors(&self.webhook, payload, "webhook payload")
    }
}
