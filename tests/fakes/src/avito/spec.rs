//! The Avito API description the fake checks requests and answers against.
//!
//! Loaded from `tests/fixtures/avito-messenger.openapi.json` (OpenAPI 3.0,
//! built from Avito's API catalogue) and checked with the `jsonschema`
//! crate. OpenAPI 3.0 schema objects are JSON Schema draft 4 with a few
//! additions; the one that changes what is valid, `nullable: true`, is turned
//! into a type union with `null` before the schemas are compiled, and every
//! `#/components/…` reference resolves against the whole document.
//!
//! Parameters arrive as text and are read the way OpenAPI says: integers,
//! numbers and booleans are parsed (a value that does not parse stays text
//! and so fails its schema), arrays with `style: form, explode: false` are
//! comma-separated (`chat_types=u2i,u2u`), other arrays repeat the parameter.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::Method;
use jsonschema::{Draft, Registry, Validator};
use serde_json::{Map, Value};

use super::schema::{DOC_URI, percent_decode, resolve, schema_errors, to_json_schema};
use reading::*;

mod reading;

const SPEC_JSON: &str = include_str!("../../../fixtures/avito-messenger.openapi.json");

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    Path,
    Query,
    Header,
}

impl Location {
    fn name(self) -> &'static str {
        match self {
            Self::Path => "path parameter",
            Self::Query => "query parameter",
            Self::Header => "header",
        }
    }
}

/// The JSON type a parameter's text is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    String,
    Integer,
    Number,
    Boolean,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Scalar(Scalar),
    Array { items: Scalar, explode: bool },
}

pub(crate) struct Param {
    pub name: String,
    pub location: Location,
    pub required: bool,
    shape: Shape,
    validator: Validator,
}

enum Segment {
    Literal(String),
    Param(String),
}

struct RequestBody {
    required: bool,
    /// Media type and the schema of the body in it.
    media: Vec<(String, Validator)>,
}

/// One operation of the description.
pub(crate) struct Operation {
    pub id: String,
    pub method: Method,
    pub template: String,
    segments: Vec<Segment>,
    pub params: Vec<Param>,
    body: Option<RequestBody>,
    /// Documented statuses, with the schema of their JSON answer if any.
    responses: HashMap<u16, Option<Validator>>,
}

impl Operation {
    /// Whether this is a call of the messenger, as opposed to the token or
    /// the account.
    pub(crate) fn is_messenger(&self) -> bool {
        self.template.starts_with("/messenger/")
    }

    fn literal_segments(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }

    /// The path parameters when `segments` (already split on `/`) fit the
    /// template.
    fn path_params(&self, segments: &[&str]) -> Option<Vec<(String, String)>> {
        if segments.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, expected) in segments.iter().zip(&self.segments) {
            match expected {
                Segment::Literal(literal) if literal == segment => {}
                Segment::Literal(_) => return None,
                Segment::Param(_) if segment.is_empty() => return None,
                Segment::Param(name) => params.push((name.clone(), percent_decode(segment))),
            }
        }
        Some(params)
    }
}

/// A multipart part as received.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// A request body, read according to its `Content-Type`.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    Json(Value),
    Form(Vec<(String, String)>),
    Multipart(Vec<Part>),
    /// The body does not parse as its content type says.
    Malformed(String),
    /// A content type the fake does not read.
    Other,
}

/// A request as the checks see it.
pub(crate) struct Incoming {
    pub path_params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    /// Lower case, without parameters such as `charset`.
    pub content_type: Option<String>,
    pub body: Body,
}

/// What is wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The status the request is refused with, `None` when it is only
    /// noted (a parameter the operation does not have is ignored).
    pub refuse: Option<u16>,
    pub text: String,
}

impl Problem {
    fn refused(text: String) -> Self {
        Self {
            refuse: Some(400),
            text,
        }
    }
}

/// A request after the checks: its parameters as typed JSON values.
pub(crate) struct Checked {
    pub params: Map<String, Value>,
    pub body: Option<Value>,
    pub problems: Vec<Problem>,
}

/// Where a path leads.
pub(crate) enum Route<'a> {
    Found(&'a Operation, Vec<(String, String)>),
    /// The path exists with other methods only.
    WrongMethod(Vec<Method>),
    NotFound,
}

pub(crate) struct Spec {
    operations: Vec<Operation>,
}

/// The description embedded at build time.
pub(crate) fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        Spec::load().unwrap_or_else(|e| {
            panic!("tests/fixtures/avito-messenger.openapi.json cannot be used: {e}")
        })
    })
}

impl Spec {
    fn load() -> Result<Self, String> {
        let mut doc: Value = serde_json::from_str(SPEC_JSON).map_err(|e| e.to_string())?;
        to_json_schema(&mut doc);
        let registry = Registry::new()
            .draft(Draft::Draft4)
            .add(DOC_URI, Draft::Draft4.create_resource(doc.clone()))
            .and_then(jsonschema::RegistryBuilder::prepare)
            .map_err(|e| e.to_string())?;
        let compile = |schema: &Value| -> Result<Validator, String> {
            jsonschema::options()
                .with_draft(Draft::Draft4)
                .with_registry(&registry)
                .build(schema)
                .map_err(|e| format!("schema {schema}: {e}"))
        };
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("no paths")?;
        let mut operations = Vec::new();
        for (template, item) in paths {
            let shared_params = item.get("parameters").and_then(Value::as_array);
            for (method, op) in item.as_object().into_iter().flatten() {
                const METHODS: [&str; 8] = [
                    "get", "put", "post", "delete", "options", "head", "patch", "trace",
                ];
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                    continue;
                };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{method} {template} has no operationId"))?;
                let params = params(&doc, shared_params, op, &compile)?;
                let body = request_body(&doc, op, &compile)?;
                let responses = responses(&doc, op, &compile)?;
                let segments = template
                    .split('/')
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param(name.to_owned()),
                            None => Segment::Literal(s.to_owned()),
                        },
                    )
                    .collect();
                operations.push(Operation {
                    id: id.to_owned(),
                    method,
                    template: template.clone(),
                    segments,
                    params,
                    body,
                    responses,
                });
            }
        }
        Ok(Self { operations })
    }

    /// The operation a request is for. Literal segments win over
    /// parameters (`…/messages/image` is not `…/messages/{message_id}`).
    pub(crate) fn route(&self, method: &Method, path: &str) -> Route<'_> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut fitting: Vec<(&Operation, Vec<(String, String)>)> = self
            .operations
            .iter()
            .filter_map(|op| op.path_params(&segments).map(|params| (op, params)))
            .collect();
        if fitting.is_empty() {
            return Route::NotFound;
        }
        fitting.sort_by_key(|(op, _)| std::cmp::Reverse(op.literal_segments()));
        let best = fitting[0].0.literal_segments();
        fitting.retain(|(op, _)| op.literal_segments() == best);
        let allowed: Vec<Method> = fitting.iter().map(|(op, _)| op.method.clone()).collect();
        match fitting.into_iter().find(|(op, _)| op.method == *method) {
            Some((op, params)) => Route::Found(op, params),
            None => Route::WrongMethod(allowed),
        }
    }

    /// An operation by its `operationId`.
    pub(crate) fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// Checks a request against its operation.
    pub(crate) fn check(&self, op: &Operation, incoming: &Incoming) -> Checked {
        let mut problems = Vec::new();
        let mut params = Map::new();
        for param in &op.params {
            let raw: Vec<&str> = match param.location {
                Location::Path => values(&incoming.path_params, &param.name),
                Location::Query => values(&incoming.query, &param.name),
                Location::Header => incoming.authorization.as_deref().into_iter().collect(),
            };
            let what = format!("{} `{}`", param.location.name(), param.name);
            if raw.is_empty() {
                if param.required {
                    // Avito answers a call without its token 401, not 400.
                    let refuse = if param.location == Location::Header {
                        401
                    } else {
                        400
                    };
                    problems.push(Problem {
                        refuse: Some(refuse),
                        text: format!("required {what} is missing"),
                    });
                }
                continue;
            }
            let value = coerce(param.shape, &raw);
            problems.extend(
                schema_errors(&param.validator, &value, &what)
                    .into_iter()
                    .map(Problem::refused),
            );
            if param.location != Location::Header {
                params.insert(param.name.clone(), value);
            }
        }
        for (name, _) in &incoming.query {
            let known = op
                .params
                .iter()
                .any(|p| p.location == Location::Query && &p.name == name);
            let noted = format!("query parameter `{name}` is not a parameter of this operation");
            if !known && !problems.iter().any(|p| p.text == noted) {
                problems.push(Problem {
                    refuse: None,
                    text: noted,
                });
            }
        }
        let body = op.body.as_ref().and_then(|declared| {
            let (value, body_problems) = check_body(declared, incoming);
            problems.extend(body_problems);
            value
        });
        Checked {
            params,
            body,
            problems,
        }
    }

    /// What is wrong with an answer the fake gives with a documented
    /// status; nothing for statuses the description does not document.
    pub(crate) fn answer_errors(&self, op: &Operation, status: u16, body: &Value) -> Vec<String> {
        match op.responses.get(&status) {
            Some(Some(validator)) => schema_errors(validator, body, &format!("answer {status}")),
            _ => Vec::new(),
        }
    }

    /// What is wrong with a webhook payload. The description gives its
    /// shape as the `201` answer of `POST /messenger/v3/webhook`.
    pub(crate) fn webhook_errors(&self, body: &Value) -> Vec<String> {
        let schema = self
            .operation("postWebhookV3")
            .and_then(|op| op.responses.get(&201))
            .and_then(Option::as_ref);
        match schema {
            Some(validator) => schema_errors(validator, body, "payload"),
            None => vec!["the description has no webhook payload".to_owned()],
        }
    }
}
