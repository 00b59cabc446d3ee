//! Avito's JSON as its Messenger API documents it. Every field is optional
//! where the documentation does not promise it, so an answer with a field
//! missing still reads.

use std::collections::HashMap;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct UserInfo {
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub profile_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chats {
    #[serde(default)]
    pub chats: Vec<Chat>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    pub id: String,
    #[serde(default)]
    pub context: Option<Context>,
    #[serde(default)]
    pub updated: i64,
    #[serde(default)]
    pub users: Vec<ChatUser>,
    #[serde(default)]
    pub last_message: Option<LastMessage>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LastMessage {
    pub id: String,
}

impl Chat {
    /// The person the account talks to.
    pub fn buyer(&self, account_user_id: i64) -> Option<&ChatUser> {
        self.users.iter().find(|u| u.id != account_user_id)
    }

    /// The listing a chat about an item is about.
    pub fn item(&self) -> Option<&ItemValue> {
        self.context
            .as_ref()
            .filter(|c| c.kind.as_deref().is_none_or(|k| k == "item"))
            .and_then(|c| c.value.as_ref())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Context {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub value: Option<ItemValue>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ItemValue {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub price_string: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub images: Option<ItemImages>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ItemImages {
    #[serde(default)]
    pub main: Option<HashMap<String, String>>,
}

impl ItemValue {
    /// Any of the listing's main image sizes.
    pub fn image(&self) -> Option<String> {
        let main = self.images.as_ref()?.main.as_ref()?;
        largest(main).map(str::to_owned)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatUser {
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
}

/// A message as the v3 messages list and the webhook carry it.
#[derive(Debug, Clone, Deserialize)]
pub struct WireMessage {
    pub id: String,
    #[serde(default)]
    pub author_id: i64,
    #[serde(default)]
    pub created: i64,
    /// "in" or "out" as seen by the account (absent in webhooks).
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub content: Content,
}

impl WireMessage {
    /// The account `user_id`'s own message (sent from here or from Avito's
    /// app), not the buyer's.
    pub fn is_from(&self, user_id: i64) -> bool {
        self.direction.as_deref() == Some("out") || (self.author_id == user_id && user_id != 0)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Content {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub image: Option<Image>,
    #[serde(default)]
    pub voice: Option<Voice>,
    #[serde(default)]
    pub link: Option<Link>,
    #[serde(default)]
    pub item: Option<ItemCard>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub call: Option<Call>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Image {
    #[serde(default)]
    pub sizes: HashMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Voice {
    #[serde(default)]
    pub voice_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ItemCard {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub price_string: Option<String>,
    #[serde(default)]
    pub item_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Location {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Call {
    #[serde(default)]
    pub status: Option<String>,
}

/// The webhook's envelope (`POST` from Avito, version 3).
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookEvent {
    pub id: String,
    pub payload: WebhookPayload,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookPayload {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: Option<WebhookMessage>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookMessage {
    pub id: String,
    pub chat_id: String,
    pub user_id: i64,
    pub author_id: i64,
    #[serde(default)]
    pub created: i64,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub content: Content,
}

impl WebhookMessage {
    pub fn into_message(self) -> WireMessage {
        let direction = if self.author_id == self.user_id {
            "out"
        } else {
            "in"
        };
        WireMessage {
            id: self.id,
            author_id: self.author_id,
            created: self.created,
            direction: Some(direction.to_owned()),
            kind: self.kind,
            content: self.content,
        }
    }
}

/// The biggest of the "WxH" sizes of an image.
pub fn largest(sizes: &HashMap<String, String>) -> Option<&str> {
    sizes
        .iter()
        .max_by_key(|(size, _)| {
            let mut parts = size.split('x').map(|p| p.parse::<u64>().unwrap_or(0));
            parts.next().unwrap_or(0) * parts.next().unwrap_or(0)
        })
        .map(|(_, url)| url.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_image_size_wins() {
        let sizes: HashMap<String, String> = [
            ("140x105", "small"),
            ("1280x960", "big"),
            ("640x480", "medium"),
            ("odd", "none"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(largest(&sizes), Some("big"));
        assert_eq!(largest(&HashMap::new()), None);
    }

    #[test]
    fn a_documented_chat_reads() {
        let chat: Chat = serde_json::from_value(serde_json::json!({
            "id": "u2i-1", "updated": 5, "created": 1,
            "context": {"type": "item", "value": {"id": 7, "title": "Mazda 3", "price_string": "300 000 ₽",
                         "url": "https://avito.ru/x", "images": {"main": {"140x105": "https://img/1.jpg"}}}},
            "users": [{"id": 1, "name": "Shop"}, {"id": 2, "name": "Ivan"}],
            "last_message": {"id": "m", "type": "text", "content": {"text": "hi"}}
        }))
        .expect("a chat as documented");
        assert_eq!(chat.buyer(1).and_then(|u| u.name.as_deref()), Some("Ivan"));
        let item = chat.item().expect("an item chat");
        assert_eq!(item.title.as_deref(), Some("Mazda 3"));
        assert_eq!(item.image().as_deref(), Some("https://img/1.jpg"));
    }
}
