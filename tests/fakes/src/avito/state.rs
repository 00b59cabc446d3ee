//! Everything the fake knows: accounts, tokens, chats, images, voice files,
//! subscriptions, and what it observed. Changed only under the server's
//! lock.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::objects;
use super::webhook::Delivery;
use super::{
    Account, Buyer, BuyerMessage, ChatMessage, Content, Item, Outage, Recorded, SentMessage,
    Subscription, WebhookDelivery, Written,
};

/// A control operation that cannot be done, such as a buyer writing to an
/// account that does not exist.
pub(crate) type ControlResult<T> = Result<T, String>;

/// Avito's tokens last 24 hours.
const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(86_400);

/// The sizes Avito offers a chat picture in.
pub(crate) const IMAGE_SIZES: [&str; 4] = ["1280x960", "640x480", "140x105", "32x32"];

pub(crate) struct AccountState {
    pub account: Account,
    /// Webhook URLs, in the order subscribed.
    pub webhooks: Vec<String>,
    /// Users the seller blocked.
    pub blacklist: Vec<i64>,
}

pub(crate) struct Token {
    pub user_id: i64,
    pub expires: Instant,
}

pub(crate) struct StoredImage {
    pub bytes: Vec<u8>,
    /// The account that uploaded it; `None` for a buyer's picture.
    pub uploaded_by: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct StoredMessage {
    pub id: String,
    pub author_id: i64,
    pub created: i64,
    /// Written by the seller.
    pub outgoing: bool,
    pub kind: &'static str,
    pub content: Value,
    /// When the seller read it (buyers' messages only).
    pub read: Option<i64>,
}

pub(crate) struct ChatState {
    pub id: String,
    /// The seller's account.
    pub user_id: i64,
    pub buyer: Buyer,
    pub item: Option<Item>,
    pub created: i64,
    pub updated: i64,
    /// Orders chats updated within the same second.
    pub touched: u64,
    pub messages: Vec<StoredMessage>,
    pub read_calls: usize,
}

impl ChatState {
    /// `u2i` for a chat about a listing, `u2u` otherwise.
    pub(crate) fn kind(&self) -> &'static str {
        if self.item.is_some() { "u2i" } else { "u2u" }
    }

    pub(crate) fn is_read(&self) -> bool {
        self.messages.iter().all(|m| m.outgoing || m.read.is_some())
    }
}

pub(crate) struct State {
    /// The fake's own base URL, for the links to files it serves.
    pub base: String,
    pub accounts: BTreeMap<i64, AccountState>,
    pub tokens: HashMap<String, Token>,
    pub token_ttl: Duration,
    pub tokens_issued: usize,
    pub chats: BTreeMap<String, ChatState>,
    pub images: HashMap<String, StoredImage>,
    pub voices: HashMap<String, Vec<u8>>,
    pub sent: Vec<SentMessage>,
    pub requests: Vec<Recorded>,
    pub spec_errors: Vec<String>,
    pub deliveries: Vec<WebhookDelivery>,
    pub outage: Option<Outage>,
    /// How many more `/messenger/` calls fail, and with which status.
    pub fail_next: (usize, u16),
    /// How many more sent messages are kept but answered 502, as a gateway
    /// that lost Avito's answer.
    pub lose_answers: usize,
    counter: u64,
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Spreads a number over 64 bits (SplitMix64), for ids that look random
/// but are the same in every run.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Letters of Avito's chat ids.
const ID_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~_";

/// The chat of a buyer with a seller about a listing (or not): always the
/// same id, like `u2i-PQ8Jp~tOC1Fo8Flbo6W9Zw`.
pub(crate) fn chat_id(user_id: i64, buyer_id: i64, item_id: Option<i64>) -> String {
    let kind = if item_id.is_some() { "u2i" } else { "u2u" };
    let seed = mix(user_id as u64) ^ mix(mix(buyer_id as u64)) ^ mix(item_id.unwrap_or(-1) as u64);
    let (mut a, mut b) = (mix(seed), mix(seed ^ 0x5555));
    let mut id = String::with_capacity(26);
    id.push_str(kind);
    id.push('-');
    for i in 0..22 {
        let word = if i < 11 { &mut a } else { &mut b };
        id.push(char::from(ID_ALPHABET[(*word & 63) as usize]));
        *word >>= 6;
    }
    id
}

impl State {
    pub(crate) fn new(base: String) -> Self {
        Self {
            base,
            accounts: BTreeMap::new(),
            tokens: HashMap::new(),
            token_ttl: DEFAULT_TOKEN_TTL,
            tokens_issued: 0,
            chats: BTreeMap::new(),
            images: HashMap::new(),
            voices: HashMap::new(),
            sent: Vec::new(),
            requests: Vec::new(),
            spec_errors: Vec::new(),
            deliveries: Vec::new(),
            outage: None,
            fail_next: (0, 500),
            lose_answers: 0,
            counter: 0,
        }
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        mix(self.counter)
    }

    /// 32 hexadecimal digits, as Avito's message ids.
    pub(crate) fn hex_id(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }

    /// A token like `kChqt9ewQNAcwgbHp4yFd5`.
    fn token_text(&mut self) -> String {
        let (mut a, mut b) = (self.next(), self.next());
        (0..22)
            .map(|i| {
                let word = if i < 11 { &mut a } else { &mut b };
                let letter = ID_ALPHABET[(*word % 62) as usize];
                *word /= 62;
                char::from(letter)
            })
            .collect()
    }

    /// A number that orders changes.
    pub(crate) fn tick(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    pub(crate) fn add_account(&mut self, account: Account) {
        let user_id = account.user_id;
        match self.accounts.get_mut(&user_id) {
            Some(existing) => existing.account = account,
            None => {
                self.accounts.insert(
                    user_id,
                    AccountState {
                        account,
                        webhooks: Vec::new(),
                        blacklist: Vec::new(),
                    },
                );
            }
        }
    }

    /// The account whose client credentials these are.
    pub(crate) fn client(&self, client_id: &str, client_secret: &str) -> Option<i64> {
        self.accounts
            .values()
            .find(|a| a.account.client_id == client_id && a.account.client_secret == client_secret)
            .map(|a| a.account.user_id)
    }

    /// A new token of an account and its lifetime in seconds.
    pub(crate) fn issue_token(&mut self, user_id: i64) -> (String, u64) {
        let token = self.token_text();
        let expires = Instant::now() + self.token_ttl;
        self.tokens
            .insert(token.clone(), Token { user_id, expires });
        self.tokens_issued += 1;
        (token, self.token_ttl.as_secs())
    }

    /// The account of a token that has not expired.
    pub(crate) fn token_user(&self, token: &str) -> Option<i64> {
        self.tokens
            .get(token)
            .filter(|t| Instant::now() < t.expires)
            .map(|t| t.user_id)
    }

    pub(crate) fn expire_tokens(&mut self) {
        let now = Instant::now();
        for token in self.tokens.values_mut() {
            token.expires = token.expires.min(now);
        }
    }

    /// The links of a stored picture, by size.
    pub(crate) fn image_sizes(&self, image_id: &str) -> Value {
        let sizes: serde_json::Map<String, Value> = IMAGE_SIZES
            .iter()
            .map(|size| {
                let url = format!("{}/img/chat/{size}/{image_id}.jpg", self.base);
                ((*size).to_owned(), Value::String(url))
            })
            .collect();
        Value::Object(sizes)
    }

    /// Stores a picture and returns its id, like `5083651369.3e79…`.
    pub(crate) fn store_image(&mut self, bytes: Vec<u8>, uploaded_by: Option<i64>) -> String {
        let id = format!(
            "{}.{}",
            self.next() % 9_000_000_000 + 1_000_000_000,
            self.hex_id()
        );
        self.images
            .insert(id.clone(), StoredImage { bytes, uploaded_by });
        id
    }

    pub(crate) fn voice_url(&self, voice_id: &str) -> String {
        format!("{}/voice/{voice_id}.m4a", self.base)
    }

    /// The content object and type of what a buyer sends.
    fn buyer_content(&mut self, content: Content) -> (&'static str, Value) {
        match content {
            Content::Text(text) => ("text", json!({"text": text})),
            Content::Image(bytes) => {
                let image_id = self.store_image(bytes, None);
                (
                    "image",
                    json!({"image": {"sizes": self.image_sizes(&image_id)}}),
                )
            }
            Content::Voice(bytes) => {
                let voice_id = self.hex_id();
                self.voices.insert(voice_id.clone(), bytes);
                ("voice", json!({"voice": {"voice_id": voice_id}}))
            }
            Content::Link { url, text } => (
                "link",
                json!({"link": {"url": url, "text": text, "preview": null}}),
            ),
            Content::ItemCard(item) => (
                "item",
                json!({"item": {
                    "title": item.title,
                    "price_string": item.price_string,
                    "item_url": item.url,
                    "image_url": item.image_url,
                }}),
            ),
            Content::System(text) => ("system", json!({"text": text})),
            Content::Location {
                lat,
                lon,
                title,
                text,
            } => (
                "location",
                json!({"location": {"kind": "street", "lat": lat, "lon": lon, "title": title, "text": text}}),
            ),
        }
    }

    /// A buyer writes to a seller: the message, and the webhook POSTs it
    /// causes.
    pub(crate) fn buyer_writes(
        &mut self,
        user_id: i64,
        message: BuyerMessage,
    ) -> ControlResult<(Written, Vec<Delivery>)> {
        let Some(account) = self.accounts.get(&user_id) else {
            return Err(format!("no account {user_id}"));
        };
        let webhooks = account.webhooks.clone();
        let author_id = if matches!(message.content, Content::System(_)) {
            0
        } else {
            message.buyer.id
        };
        let (kind, content) = self.buyer_content(message.content);
        let chat_id = chat_id(
            user_id,
            message.buyer.id,
            message.item.as_ref().map(|i| i.id),
        );
        let now = unix_now();
        let stored = StoredMessage {
            id: self.hex_id(),
            author_id,
            created: now,
            outgoing: false,
            kind,
            content,
            read: None,
        };
        let touched = self.tick();
        let chat = self
            .chats
            .entry(chat_id.clone())
            .or_insert_with(|| ChatState {
                id: chat_id.clone(),
                user_id,
                buyer: message.buyer.clone(),
                item: message.item.clone(),
                created: now,
                updated: now,
                touched,
                messages: Vec::new(),
                read_calls: 0,
            });
        // The latest name and listing details win.
        chat.buyer = message.buyer;
        if message.item.is_some() {
            chat.item = message.item;
        }
        chat.updated = now;
        chat.touched = touched;
        chat.messages.push(stored.clone());
        let written = Written {
            chat_id: chat_id.clone(),
            message_id: stored.id.clone(),
        };
        let mut deliveries = Vec::new();
        for url in webhooks {
            let id = self.uuid();
            let chat = &self.chats[&chat_id];
            deliveries.push(Delivery {
                url,
                chat_id: chat_id.clone(),
                message_id: stored.id.clone(),
                body: objects::webhook_payload(&id, now, chat, &stored),
            });
        }
        Ok((written, deliveries))
    }

    /// An id like `5f0c1a2b-…`, for webhook events.
    fn uuid(&mut self) -> String {
        let hex = self.hex_id();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// A chat of the account.
    pub(crate) fn chat_of(&self, user_id: i64, chat_id: &str) -> Option<&ChatState> {
        self.chats.get(chat_id).filter(|c| c.user_id == user_id)
    }

    pub(crate) fn chat_of_mut(&mut self, user_id: i64, chat_id: &str) -> Option<&mut ChatState> {
        self.chats.get_mut(chat_id).filter(|c| c.user_id == user_id)
    }

    pub(crate) fn messages(&self, chat_id: &str) -> Vec<ChatMessage> {
        let Some(chat) = self.chats.get(chat_id) else {
            return Vec::new();
        };
        chat.messages
            .iter()
            .map(|m| ChatMessage {
                id: m.id.clone(),
                author_id: m.author_id,
                created: m.created,
                outgoing: m.outgoing,
                kind: m.kind.to_owned(),
                content: m.content.clone(),
                read: m.read,
            })
            .collect()
    }

    pub(crate) fn is_read(&self, chat_id: &str) -> ControlResult<bool> {
        self.chats
            .get(chat_id)
            .map(ChatState::is_read)
            .ok_or_else(|| format!("no chat {chat_id}"))
    }

    pub(crate) fn subscriptions(&self) -> Vec<Subscription> {
        self.accounts
            .values()
            .flat_map(|a| {
                a.webhooks.iter().map(|url| Subscription {
                    user_id: a.account.user_id,
                    url: url.clone(),
                })
            })
            .collect()
    }
}
