//! The Bot API description the fake checks requests and answers against.
//!
//! Loaded from `tests/fixtures/telegram-bot-api.json`, a cut of the
//! machine-readable description of <https://core.telegram.org/bots/api>.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

const SPEC_JSON: &str = include_str!("../../../fixtures/telegram-bot-api.json");

#[derive(Debug, Deserialize)]
struct RawSpec {
    methods: HashMap<String, Method>,
    types: HashMap<String, TypeDef>,
}

/// One Bot API method: what it returns and which parameters it takes.
#[derive(Debug, Deserialize)]
pub(crate) struct Method {
    /// Filled in from the key of the `methods` map.
    #[serde(skip)]
    pub name: String,
    pub returns: Vec<String>,
    pub fields: Vec<Field>,
}

/// One Bot API object type.
#[derive(Debug, Deserialize)]
pub(crate) struct TypeDef {
    pub fields: Vec<Field>,
}

/// A parameter of a method or a field of a type.
#[derive(Debug, Deserialize)]
pub(crate) struct Field {
    pub name: String,
    pub types: Vec<String>,
    pub required: bool,
}

impl Method {
    pub(crate) fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// The whole description, methods keyed by their lower-cased name (Telegram
/// matches method names case-insensitively).
#[derive(Debug)]
pub(crate) struct Spec {
    methods: HashMap<String, Method>,
    types: HashMap<String, TypeDef>,
}

/// The description embedded at build time.
pub(crate) fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let raw: RawSpec = serde_json::from_str(SPEC_JSON)
            .unwrap_or_else(|e| panic!("tests/fixtures/telegram-bot-api.json is malformed: {e}"));
        let methods = raw
            .methods
            .into_iter()
            .map(|(name, mut method)| {
                method.name.clone_from(&name);
                (name.to_ascii_lowercase(), method)
            })
            .collect();
        Spec {
            methods,
            types: raw.types,
        }
    })
}

/// What is wrong with one request parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamProblem {
    /// A required parameter is absent: the request is refused.
    Missing(String),
    /// A parameter the method does not have: Telegram ignores it.
    Unknown(String),
    /// A value of the wrong JSON type: the request is refused.
    WrongType { name: String, expected: String },
}

impl ParamProblem {
    /// Whether real Telegram would refuse the request for this.
    pub(crate) fn is_fatal(&self) -> bool {
        !matches!(self, Self::Unknown(_))
    }

    /// The `description` of the 400 answer for a fatal problem.
    pub(crate) fn description(&self) -> String {
        match self {
            Self::Missing(name) => format!("Bad Request: {name} is required"),
            Self::Unknown(name) => format!("Bad Request: unknown parameter {name}"),
            Self::WrongType { name, expected } => {
                format!("Bad Request: {name} must be {expected}")
            }
        }
    }

    /// The line recorded in `spec_errors()`.
    pub(crate) fn spec_error(&self, method: &str) -> String {
        match self {
            Self::Missing(name) => format!("{method}: required parameter `{name}` is missing"),
            Self::Unknown(name) => format!("{method}: `{name}` is not a parameter of this method"),
            Self::WrongType { name, expected } => {
                format!("{method}: `{name}` must be {expected}")
            }
        }
    }
}

impl Spec {
    /// A method by name, in any letter case.
    pub(crate) fn method(&self, name: &str) -> Option<&Method> {
        self.methods.get(&name.to_ascii_lowercase())
    }

    /// An object type by name.
    pub(crate) fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.get(name)
    }

    /// Checks the parameters of a request against the method's description.
    pub(crate) fn check_params(
        &self,
        method: &Method,
        params: &serde_json::Map<String, Value>,
    ) -> Vec<ParamProblem> {
        let mut problems = Vec::new();
        for field in &method.fields {
            match params.get(&field.name) {
                None | Some(Value::Null) if field.required => {
                    problems.push(ParamProblem::Missing(field.name.clone()));
                }
                None | Some(Value::Null) => {}
                Some(value) => {
                    if !field.types.iter().any(|t| self.value_fits(value, t)) {
                        problems.push(ParamProblem::WrongType {
                            name: field.name.clone(),
                            expected: field.types.join(" or "),
                        });
                    }
                }
            }
        }
        for name in params.keys() {
            if method.field(name).is_none() {
                problems.push(ParamProblem::Unknown(name.clone()));
            }
        }
        problems
    }

    /// Whether a value has the JSON shape of a declared type. Object types
    /// are only checked for being objects here; [`Spec::check_object`]
    /// looks inside them.
    pub(crate) fn value_fits(&self, value: &Value, declared: &str) -> bool {
        if let Some(element) = declared.strip_prefix("Array of ") {
            return value
                .as_array()
                .is_some_and(|items| items.iter().all(|item| self.value_fits(item, element)));
        }
        match declared {
            "Integer" => value.is_i64() || value.is_u64(),
            "Float" => value.is_number(),
            "String" | "InputFile" => value.is_string(),
            "Boolean" => value.is_boolean(),
            "True" => value == &Value::Bool(true),
            _ => value.is_object(),
        }
    }

    /// Checks a value the fake answers with against the declared types, all
    /// the way down: required fields present, every field of the right
    /// shape, no field the type does not have. Problems are appended to
    /// `errors`, each naming the path to the field.
    pub(crate) fn check_answer(
        &self,
        value: &Value,
        declared: &[String],
        path: &str,
        errors: &mut Vec<String>,
    ) {
        // An answer may be one of several types (`Message` or `True`): the
        // first that fits is the one checked.
        let Some(fitting) = declared.iter().find(|t| self.value_fits(value, t)) else {
            errors.push(format!(
                "{path}: expected {}, got {value}",
                declared.join(" or ")
            ));
            return;
        };
        if let Some(element) = fitting.strip_prefix("Array of ") {
            if let Some(items) = value.as_array() {
                for (i, item) in items.iter().enumerate() {
                    self.check_answer(item, &[element.to_owned()], &format!("{path}[{i}]"), errors);
                }
            }
            return;
        }
        if let Some(map) = value.as_object() {
            let type_name = self.concrete_type(fitting, map);
            self.check_object(&type_name, map, path, errors);
        }
    }

    /// The concrete type of a value declared as a union type.
    fn concrete_type(&self, declared: &str, map: &serde_json::Map<String, Value>) -> String {
        let tag = map
            .get("status")
            .or_else(|| map.get("type"))
            .and_then(Value::as_str);
        match (declared, tag) {
            ("ChatMember", Some(status)) => match status {
                "creator" => "ChatMemberOwner",
                "administrator" => "ChatMemberAdministrator",
                "member" => "ChatMemberMember",
                "restricted" => "ChatMemberRestricted",
                "left" => "ChatMemberLeft",
                "kicked" => "ChatMemberBanned",
                _ => "ChatMember",
            }
            .to_owned(),
            ("ReactionType", Some("emoji")) => "ReactionTypeEmoji".to_owned(),
            _ => declared.to_owned(),
        }
    }

    fn check_object(
        &self,
        type_name: &str,
        map: &serde_json::Map<String, Value>,
        path: &str,
        errors: &mut Vec<String>,
    ) {
        // Types the cut of the description does not carry are not checked.
        let Some(def) = self.type_def(type_name) else {
            return;
        };
        for field in &def.fields {
            match map.get(&field.name) {
                None if field.required => errors.push(format!(
                    "{path}: {type_name} lacks required field `{}`",
                    field.name
                )),
                None => {}
                Some(value) => self.check_answer(
                    value,
                    &field.types,
                    &format!("{path}.{}", field.name),
                    errors,
                ),
            }
        }
        for name in map.keys() {
            if !def.fields.iter().any(|f| &f.name == name) {
                errors.push(format!("{path}: {type_name} has no field `{name}`"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn methods_are_found_in_any_case() {
        let spec = spec();
        assert_eq!(
            spec.method("SENDMESSAGE").map(|m| m.name.as_str()),
            Some("sendMessage")
        );
        assert!(spec.method("sendCarrierPigeon").is_none());
    }

    #[test]
    fn params_are_checked() {
        let spec = spec();
        let method = spec.method("sendMessage").unwrap();
        let params = json!({"text": 5, "colour": "red"});
        let problems = spec.check_params(method, params.as_object().unwrap());
        assert!(problems.contains(&ParamProblem::Missing("chat_id".into())));
        assert!(problems.contains(&ParamProblem::Unknown("colour".into())));
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, ParamProblem::WrongType { name, .. } if name == "text"))
        );

        let fine = json!({"chat_id": 1, "text": "hi", "reply_parameters": {"message_id": 3}});
        assert!(
            spec.check_params(method, fine.as_object().unwrap())
                .is_empty()
        );
    }

    #[test]
    fn answers_are_checked_all_the_way_down() {
        let spec = spec();
        let mut errors = Vec::new();
        let message = json!({"message_id": 1, "date": 0, "chat": {"id": 1}});
        spec.check_answer(&message, &["Message".to_owned()], "result", &mut errors);
        assert_eq!(
            errors,
            vec!["result.chat: Chat lacks required field `type`".to_owned()]
        );
    }
}
