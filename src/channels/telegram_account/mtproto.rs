//! What the account channel needs of Telegram, as one narrow interface: log
//! in (the QR token, its migration to another data centre, the password,
//! the phone code), receive what happens in the account, send, download,
//! stay connected and log out. The real one speaks MTProto through grammers
//! ([`super::grammers`]); the tests script a fake of it. Everything above it
//! (the login flow, the runner, the mapping to inbound messages, sending)
//! is the same for both.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::secret::Secret;

/// The application's identity at Telegram and how it describes itself.
#[derive(Debug, Clone)]
pub struct ConnectParams {
    pub api_id: i32,
    pub api_hash: Secret<String>,
    pub device_model: String,
    pub system_version: String,
    pub app_version: String,
    pub lang_code: String,
    pub system_lang_code: String,
    /// `socks5://user:password@host:port`, where Telegram is throttled.
    pub proxy: Option<Secret<String>>,
}

/// The account, as Telegram describes its own user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub phone: Option<String>,
}

impl Me {
    pub fn display_name(&self) -> String {
        match &self.last_name {
            Some(last) if !last.is_empty() => format!("{} {last}", self.first_name),
            _ => self.first_name.clone(),
        }
    }
}

/// What exporting (or importing) a login token answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenStep {
    /// Show this token as `tg://login?token=…` until `expires` (Unix seconds).
    Token { token: Vec<u8>, expires: i64 },
    /// The token was scanned by an account of another data centre: import
    /// it there.
    MigrateTo { dc_id: i32, token: Vec<u8> },
    /// Scanned and accepted: logged in.
    Success(Me),
    /// Scanned, and the account has two-step verification.
    PasswordNeeded,
}

/// What signing in with the phone code answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeStep {
    Success(Me),
    PasswordNeeded,
    InvalidCode,
    /// The number has no Telegram account (one is made in Telegram's apps).
    SignUpRequired,
}

/// A failure at Telegram's side of the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum MtError {
    /// The connection dropped or could not be made: try again.
    #[error("{0}")]
    Network(String),
    /// FLOOD_WAIT: Telegram asks to wait this long.
    #[error("Telegram asks to wait {seconds} s")]
    FloodWait { seconds: u32 },
    /// The session was ended (logged out elsewhere, revoked): log in again.
    #[error("the session is no longer valid: {0}")]
    Unauthorized(String),
    /// Telegram refused the request (its error name, e.g. PEER_ID_INVALID).
    #[error("Telegram refused it: {0}")]
    Rpc(String),
}

impl MtError {
    /// How long to hold back before the next call, for a flood wait.
    pub fn hold_ms(&self) -> Option<Millis> {
        match self {
            Self::FloodWait { seconds } => Some(Millis::from(*seconds) * 1000),
            _ => None,
        }
    }
}

/// What a chat is, for the account's delivery flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChatKind {
    Private,
    Group,
    Channel,
}

/// The person a message is from (or, for a private chat, the customer).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Person {
    pub user_id: i64,
    pub name: String,
    pub username: Option<String>,
    pub phone: Option<String>,
}

/// A file in a message, to be downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub kind: MediaKind,
    /// What Telegram needs to hand the file over (its location, opaque).
    pub handle: Vec<u8>,
    pub file_name: Option<String>,
    pub mime: Option<String>,
    pub size: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediaKind {
    Photo,
    Voice,
    Audio,
    Video,
    Document,
}

/// The chat a message is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// Telegram's id in the Bot API's form: a user's id, `-id` for a basic
    /// group, `-100…` for a supergroup or channel.
    pub id: i64,
    pub kind: ChatKind,
    /// The group's or channel's title.
    pub title: Option<String>,
    /// The other person of a private chat.
    pub person: Option<Person>,
}

/// A message as it arrived (or as the owner sent it from a phone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub chat: Chat,
    pub message_id: i32,
    /// Written by the account itself (from the phone, or sent by us).
    pub outgoing: bool,
    /// Who wrote it (the account's own user when outgoing).
    pub sender: Person,
    pub text: String,
    pub media: Option<Media>,
    /// Unix seconds.
    pub date: i64,
    pub reply_to: Option<i32>,
}

/// What happens in the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountUpdate {
    Message(ChatMessage),
    Edited(ChatMessage),
    /// Messages deleted; the chat is known for private chats and groups
    /// only when Telegram says it (`None`: look them up by id).
    Deleted {
        chat_id: Option<i64>,
        message_ids: Vec<i32>,
    },
    /// The other side's reaction on a message (either side's) is now
    /// `emoji`; empty when taken back. Telegram tells a private chat's
    /// reactions as an edit of the message reacted to, a group's as an
    /// update of their own.
    Reacted {
        chat_id: i64,
        message_id: i32,
        emoji: String,
    },
}

/// Where a reply goes: a chat by its id (see [`Chat::id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    pub chat_id: i64,
}

/// A file to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub name: String,
    pub mime: Option<String>,
    pub bytes: Vec<u8>,
    /// Sent as a picture (compressed, shown inline) rather than a file.
    pub as_photo: bool,
    /// Sent as a voice message.
    pub as_voice: bool,
}

/// One connection of one account (logged in or on its way).
#[async_trait]
pub trait Connection: Send + Sync + 'static {
    /// Exports a new login token (auth.exportLoginToken); also how a scanned
    /// token's outcome is learned.
    async fn export_login_token(&self) -> Result<TokenStep, MtError>;
    /// Waits until the shown token is scanned (Telegram says so with
    /// updateLoginToken) or `wait` passes; whether it was scanned.
    async fn wait_scan(&self, wait: std::time::Duration) -> bool;
    /// Imports a scanned token on the data centre it migrated to
    /// (auth.importLoginToken); that data centre becomes the account's home.
    async fn import_login_token(&self, dc_id: i32, token: &[u8]) -> Result<TokenStep, MtError>;
    /// The password's hint, once a login needs the password.
    async fn password_hint(&self) -> Result<Option<String>, MtError>;
    /// Checks the two-step verification password (SRP). `Ok(None)`: wrong.
    async fn check_password(&self, password: &Secret<String>) -> Result<Option<Me>, MtError>;
    /// Sends the login code to the account's other devices (or by SMS).
    async fn request_code(&self, phone: &str) -> Result<(), MtError>;
    async fn sign_in(&self, code: &str) -> Result<CodeStep, MtError>;
    /// The logged-in user, or `None` when the session is not logged in.
    async fn me(&self) -> Result<Option<Me>, MtError>;
    /// The next thing that happened in the account, including what happened
    /// while it was away (catching up from the saved update state).
    async fn next_update(&self) -> Result<AccountUpdate, MtError>;
    /// Sends a text (with files) to a chat; answers the message ids.
    async fn send(
        &self,
        peer: &Peer,
        text: &str,
        files: &[Upload],
        reply_to: Option<i32>,
    ) -> Result<Vec<i32>, MtError>;
    /// Changes the text (or caption) of a message the account sent
    /// (messages.editMessage).
    async fn edit(&self, peer: &Peer, message_id: i32, text: &str) -> Result<(), MtError>;
    /// Puts the account's reaction on a message, or takes it back with an
    /// empty `emoji` (messages.sendReaction).
    async fn react(&self, peer: &Peer, message_id: i32, emoji: &str) -> Result<(), MtError>;
    async fn download(&self, media: &Media) -> Result<Vec<u8>, MtError>;
    /// A cheap request that keeps the connection (and its updates) alive.
    async fn keep_alive(&self) -> Result<(), MtError>;
    /// Ends the session at Telegram (auth.logOut).
    async fn log_out(&self) -> Result<(), MtError>;
    /// The session to keep: data centre, keys, known peers, update state.
    async fn session(&self) -> Result<Vec<u8>, MtError>;
    /// Closes the connection.
    async fn close(&self);
}

/// Makes connections: from a saved session, or a fresh one to log in.
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    async fn connect(
        &self,
        params: &ConnectParams,
        session: Option<&[u8]>,
    ) -> Result<Box<dyn Connection>, MtError>;
}
