//! Every parser of outside input, fed what the outside may send: valid
//! samples mutated byte by byte and field by field, and bytes at random.
//! None may panic; what they refuse, they refuse with an error. (Bot API
//! updates are also posted to a running bot's webhook, where a refusal must
//! leave the store unchanged: see `telegram::parsers`.)

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;
use serde_json::Value;

/// One change to a sample's bytes.
#[derive(Debug, Clone)]
pub enum Edit {
    Flip(Index, u8),
    Delete(Index, usize),
    Insert(Index, Vec<u8>),
    Truncate(Index),
    Repeat(Index, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<Index>(), 1..64usize).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<Index>().prop_map(Edit::Truncate),
        (any::<Index>(), 1..200usize).prop_map(|(i, n)| Edit::Repeat(i, n)),
    ]
}

/// `sample` with up to eight edits.
pub fn mutated(sample: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(edit(), 1..8).prop_map(move |edits| {
        let mut bytes = sample.clone();
        for edit in edits {
            if bytes.is_empty() {
                break;
            }
            match edit {
                Edit::Flip(at, b) => {
                    let at = at.index(bytes.len());
                    bytes[at] = b;
                }
                Edit::Delete(at, n) => {
                    let at = at.index(bytes.len());
                    let end = (at + n).min(bytes.len());
                    bytes.drain(at..end);
                }
                Edit::Insert(at, b) => {
                    let at = at.index(bytes.len());
                    bytes.splice(at..at, b);
                }
                Edit::Truncate(at) => bytes.truncate(at.index(bytes.len())),
                Edit::Repeat(at, n) => {
                    let at = at.index(bytes.len());
                    let piece = bytes[at..(at + 32).min(bytes.len())].to_vec();
                    for _ in 0..n {
                        bytes.splice(at..at, piece.iter().copied());
                    }
                }
            }
        }
        bytes
    })
}

/// Any JSON value, a few levels deep, with the edges parsers trip on.
pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        Just(Value::from(i64::MIN)),
        Just(Value::from(u64::MAX)),
        ".{0,40}".prop_map(Value::String),
        Just(Value::String("\u{0}\u{202e}😀\r\n".into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every JSON pointer in `value`.
fn pointers(value: &Value, at: String, all: &mut Vec<String>) {
    all.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    all,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), all);
            }
        }
        _ => {}
    }
}

/// `sample` with up to four of its fields (or itself) replaced by any JSON,
/// or removed.
pub fn reshaped(sample: Value) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((any::<Index>(), json(), any::<bool>()), 1..4).prop_map(move |changes| {
        let mut value = sample.clone();
        for (at, replacement, remove) in changes {
            let mut all = Vec::new();
            pointers(&value, String::new(), &mut all);
            let pointer = &all[at.index(all.len())];
            match pointer.rsplit_once('/') {
                Some((parent, key)) if remove => {
                    if let Some(Value::Object(map)) = value.pointer_mut(parent) {
                        map.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                }
                _ => {
                    if let Some(slot) = value.pointer_mut(pointer) {
                        *slot = replacement;
                    }
                }
            }
        }
        serde_json::to_vec(&value).unwrap()
    })
}

/// Outside input of a JSON shape: mutated bytes, reshaped fields, or random bytes.
pub fn json_input(sample: &str) -> impl Strategy<Value = Vec<u8>> {
    let value: Value = serde_json::from_str(sample).unwrap();
    prop_oneof![
        3 => mutated(sample.as_bytes().to_vec()),
        3 => reshaped(value),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ]
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn mail_fixtures() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail");
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    all.sort();
    all
}

fn a_mail() -> impl Strategy<Value = Vec<u8>> {
    let samples = mail_fixtures();
    (0..samples.len()).prop_flat_map(move |i| mutated(samples[i].clone()))
}

/// An Avito webhook (v3) as Avito posts it, and a page of a chat's messages.
const AVITO_WEBHOOK: &str = r#"{"id":"9e3b","version":"v3.0.0","timestamp":1767225600,"payload":{"type":"message","value":{"id":"m-1","chat_id":"u2i-1","user_id":42,"author_id":77,"created":1767225600,"type":"image","chat_type":"u2i","content":{"text":"Hello","image":{"sizes":{"140x105":"https://img/1","640x480":"https://img/2"}},"voice":{"voice_id":"v-1"},"link":{"text":"a","url":"https://x"},"location":{"lat":55.7,"lon":37.6,"title":"Moscow","text":"Red Square","kind":"house"}},"item_id":5,"published_at":"2026-01-01T00:00:00Z"}}}"#;
const AVITO_MESSAGES: &str = r#"[{"id":"m-2","author_id":77,"created":1767225601,"direction":"in","type":"text","content":{"text":"Is it available?"},"is_read":false},{"id":"m-3","author_id":42,"created":1767225602,"direction":"out","type":"call","content":{"call":{"status":"missed","target_user_id":42}}}]"#;
const AVITO_CHATS: &str = r#"{"chats":[{"id":"u2i-1","created":1767225600,"updated":1767225601,"users":[{"id":42,"name":"Shop"},{"id":77,"name":"Ivan"}],"context":{"type":"item","value":{"id":5,"title":"Bike","price_string":"10 000 ₽","url":"https://avito.ru/5","images":{"main":{"140x105":"https://img/3"}}}},"last_message":{"id":"m-2","author_id":77,"created":1767225601,"direction":"in","type":"text","content":{"text":"Is it available?"}}}]}"#;

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn mail_is_parsed_or_refused_never_a_panic(raw in prop_oneof![
        4 => a_mail(),
        1 => prop::collection::vec(any::<u8>(), 0..2048),
    ]) {
        drop(tuberry::channels::email::parse::parse(&raw));
    }

    #[test]
    fn avito_payloads_are_read_or_refused_never_a_panic(
        webhook in json_input(AVITO_WEBHOOK),
        messages in json_input(AVITO_MESSAGES),
        chats in json_input(AVITO_CHATS),
    ) {
        use tuberry::channels::avito::wire::{Chats, WebhookEvent, WireMessage, largest};
        if let Ok(event) = serde_json::from_slice::<WebhookEvent>(&webhook)
            && let Some(value) = event.payload.value
        {
            let message = value.into_message();
            let _ = message.content.image.as_ref().map(|i| largest(&i.sizes));
        }
        if let Ok(page) = serde_json::from_slice::<Vec<WireMessage>>(&messages) {
            for m in page {
                let _ = m.content.image.as_ref().map(|i| largest(&i.sizes));
            }
        }
        if let Ok(page) = serde_json::from_slice::<Chats>(&chats) {
            for chat in &page.chats {
                drop(chat.item().and_then(|i| i.image()));
                let _ = chat.buyer(42);
            }
        }
    }
}

/// A settings file as an owner might write it.
const SETTINGS: &str = r#"
[queue]
workers = 4
max_attempts = 8

[http]
listen = "0.0.0.0:8787"
cors_origins = ["https://shop.example"]

[email]
timeout_s = 30

[log]
level = "info"
format = "json"
"#;

proptest! {
    #![proptest_config(config(512))]

    /// A settings file broken any way is refused with a message, and the
    /// app's reading of it changes nothing on disk.
    #[test]
    fn settings_are_read_or_refused_never_a_panic(text in prop_oneof![
        mutated(SETTINGS.as_bytes().to_vec()),
        mutated(toml::to_string(&tuberry::settings::Settings::default()).unwrap().into_bytes()),
        ".{0,200}".prop_map(String::into_bytes),
    ]) {
        let text = String::from_utf8_lossy(&text).into_owned();
        if let Err(message) = tuberry::settings::Settings::parse(&text) {
            prop_assert!(!message.trim().is_empty());
        }
    }
}

#[test]
fn a_broken_settings_file_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.toml");
    let broken = "[queue]\nworkers = \"many\"\n[nothing]\n";
    std::fs::write(&path, broken).unwrap();
    let refused = tuberry::settings::Settings::load(dir.path()).unwrap_err();
    assert!(refused.to_string().contains("settings.toml"), "{refused}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}
