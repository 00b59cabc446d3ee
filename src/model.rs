//! The domain's words as types: what the store holds and what the desktop, the
//! command line and the channels exchange.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::clock::Millis;

/// A closed set of names stored as text in SQLite and sent as snake_case strings.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::model::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::model::UnknownName {
                        what: stringify!($name),
                        given: s.to_owned(),
                        expected: &[$($text),+],
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::model::UnknownName;

            fn try_from(s: String) -> Result<Self, $crate::model::UnknownName> {
                s.parse()
            }
        }
    };
}

pub(crate) use text_enum;

/// A name outside a closed set, e.g. a status typed on the command line.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown {what} `{given}` (expected one of: {})", expected.join(", "))]
pub struct UnknownName {
    pub what: &'static str,
    pub given: String,
    pub expected: &'static [&'static str],
}

text_enum! {
    /// Where a conversation stands.
    ConversationStatus {
        AwaitingResponse => "awaiting_response",
        AnsweredByAssistant => "answered_by_assistant",
        NeedsHuman => "needs_human",
        Closed => "closed",
    }
}

text_enum! {
    /// The kind of a connected channel account.
    ChannelKind {
        Simulator => "simulator",
        TelegramBot => "telegram_bot",
        TelegramAccount => "telegram_account",
        Avito => "avito",
        Whatsapp => "whatsapp",
        Email => "email",
        /// A shop's own system posting its customers' messages (a provider).
        Custom => "custom",
    }
}

text_enum! {
    Direction {
        In => "in",
        Out => "out",
    }
}

text_enum! {
    /// Who wrote a message.
    AuthorKind {
        Customer => "customer",
        Manager => "manager",
        Operator => "operator",
        Assistant => "assistant",
        AutoReply => "auto_reply",
    }
}

text_enum! {
    /// Delivery state of an outbound message.
    Delivery {
        Pending => "pending",
        Sent => "sent",
        Delivered => "delivered",
        Failed => "failed",
    }
}

text_enum! {
    /// How a contact is known on a channel.
    IdentityKind {
        Simulator => "simulator",
        TelegramUser => "telegram_user",
        TelegramUsername => "telegram_username",
        AvitoUser => "avito_user",
        Email => "email",
        Phone => "phone",
        Whatsapp => "whatsapp",
        /// A provider's customer: "{account id}:{their id at the provider}".
        Custom => "custom",
    }
}

text_enum! {
    AttachmentKind {
        Image => "image",
        Audio => "audio",
        Video => "video",
        File => "file",
    }
}

impl AttachmentKind {
    /// How a file of this MIME type is shown ("image/png" is an image).
    pub fn from_mime(mime: &str) -> Self {
        match mime.split('/').next().unwrap_or_default() {
            "image" => AttachmentKind::Image,
            "audio" => AttachmentKind::Audio,
            "video" => AttachmentKind::Video,
            _ => AttachmentKind::File,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub kind: AttachmentKind,
    pub name: String,
    pub mime: Option<String>,
    pub url: Option<String>,
    pub size: Option<i64>,
}

/// One row of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    pub id: i64,
    pub project_id: Option<i64>,
    pub channel_account_id: i64,
    pub channel_kind: ChannelKind,
    pub channel_name: String,
    pub contact_id: i64,
    pub contact_name: String,
    pub subject: Option<String>,
    pub status: ConversationStatus,
    pub last_message_at: Millis,
    pub last_message_preview: String,
    pub last_message_direction: Option<Direction>,
    pub unread_count: i64,
    pub created_at: Millis,
    /// The person of the team the conversation is assigned to.
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    /// Its labels (see `list_labels`), in the order they were made.
    pub label_ids: Vec<i64>,
    /// Out of the list until then (it comes back then, or when the customer writes).
    pub snoozed_until: Option<Millis>,
    /// When the next reply scheduled for later goes.
    pub next_scheduled_at: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub conversation_id: i64,
    pub direction: Direction,
    pub author_kind: AuthorKind,
    pub author_name: Option<String>,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub delivery: Option<Delivery>,
    pub delivery_error: Option<String>,
    pub created_at: Millis,
    pub sent_at: Option<Millis>,
    /// The quoted history below an e-mail reply, folded away in the thread;
    /// or the message a chat reply answers.
    pub quoted: Option<String>,
    /// The e-mail also has an HTML body (see `message_html`).
    pub has_html: bool,
    /// The outbox guard holds this reply: it goes when the guard allows it.
    pub held: bool,
    /// When the customer changed its text at the provider.
    pub edited_at: Option<Millis>,
    /// When the customer deleted it at the provider (it is kept here).
    pub deleted_at: Option<Millis>,
    /// A reply written to go later: when it goes (editable and cancellable
    /// until then).
    pub scheduled_at: Option<Millis>,
    /// What it said first, when it was edited since.
    pub original_text: Option<String>,
    /// A reply changed here that its channel could not change at the
    /// customer's side: why (the customer still sees the earlier text).
    pub edit_error: Option<String>,
    /// When the customer read this reply (channels that tell it).
    pub read_at: Option<Millis>,
    /// The customer's reaction to the message (an emoji).
    pub reaction: Option<String>,
    /// A reply written while the conversation was assigned to someone
    /// else: that person's name.
    pub assigned_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactIdentity {
    pub kind: IdentityKind,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: i64,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub note: Option<String>,
    pub created_at: Millis,
    pub identities: Vec<ContactIdentity>,
    pub conversation_count: i64,
}

/// A contact found by a search (to merge with, say).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactMatch {
    pub id: i64,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub conversation_count: i64,
    pub last_message_at: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDetail {
    pub conversation: ConversationSummary,
    pub contact: Contact,
    pub messages: Vec<Message>,
    /// Internal notes of the team, oldest first.
    pub notes: Vec<Note>,
    /// What the conversation is about at its marketplace (an Avito listing).
    pub listing: Option<Listing>,
}

/// The listing a marketplace conversation is about, for its header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    pub title: String,
    pub price: Option<String>,
    pub url: Option<String>,
    pub image_url: Option<String>,
}

text_enum! {
    /// The order of the inbox list.
    ConversationSort {
        /// Latest message first.
        Recent => "recent",
        /// Conversations with unread messages first, then by the latest message.
        Unread => "unread",
        /// Only those where the customer waits for an answer, who waited longest first.
        Waiting => "waiting",
    }
}

text_enum! {
    /// Which conversations, by whom they are assigned to.
    AssigneeFilter {
        /// Assigned to the owner, who answers from the window.
        Mine => "mine",
        Unassigned => "unassigned",
    }
}

/// What the inbox list asks for: a window of rows under a filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationFilter {
    pub status: Option<ConversationStatus>,
    /// Only the owner's conversations (the window is the owner's), or only
    /// those assigned to nobody.
    pub assignee: Option<AssigneeFilter>,
    pub channel: Option<ChannelKind>,
    pub search: Option<String>,
    /// Only conversations with this label.
    pub label_id: Option<i64>,
    /// Only this customer's conversations.
    pub contact_id: Option<i64>,
    /// From this time on: the matching message's when searching text, the
    /// latest message's otherwise.
    pub since: Option<Millis>,
    /// Before this time (as `since`).
    pub until: Option<Millis>,
    /// The snoozed conversations instead of the others.
    pub snoozed: bool,
    /// Latest first when not given.
    pub sort: Option<ConversationSort>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConversationPage {
    pub total: u32,
    pub offset: u32,
    pub items: Vec<ConversationSummary>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StatusCounts {
    pub all: u32,
    pub awaiting_response: u32,
    pub answered_by_assistant: u32,
    pub needs_human: u32,
    pub closed: u32,
    /// Out of the list for now (not in the other counts).
    pub snoozed: u32,
}

/// One line of the simulator's transcript, seen from the shop: `in` is what
/// the simulated customer wrote, `out` a reply delivered to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SimulatorEntry {
    pub id: i64,
    pub customer: String,
    pub direction: Direction,
    pub text: String,
    pub message_id: Option<i64>,
    pub created_at: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct IngestOutcome {
    pub conversation_id: i64,
    pub message_id: i64,
    /// The message had been stored before; nothing changed.
    pub duplicate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
}

impl ConversationStatus {
    /// A customer wrote: the conversation waits for the shop again, unless a
    /// person was already asked to take it.
    pub fn after_customer_message(self) -> Self {
        match self {
            Self::NeedsHuman => Self::NeedsHuman,
            Self::AwaitingResponse | Self::AnsweredByAssistant | Self::Closed => {
                Self::AwaitingResponse
            }
        }
    }

    /// The shop replied. A manager's or operator's reply settles the
    /// conversation (closed until the customer writes again); the assistant's
    /// marks it answered by the assistant; an auto-reply only acknowledges and
    /// changes nothing.
    pub fn after_reply(self, author: AuthorKind) -> Self {
        match author {
            AuthorKind::Manager | AuthorKind::Operator => Self::Closed,
            AuthorKind::Assistant => Self::AnsweredByAssistant,
            AuthorKind::AutoReply | AuthorKind::Customer => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationStatus::*;

    #[test]
    fn customer_message_reopens_but_keeps_a_human_request() {
        assert_eq!(Closed.after_customer_message(), AwaitingResponse);
        assert_eq!(
            AnsweredByAssistant.after_customer_message(),
            AwaitingResponse
        );
        assert_eq!(AwaitingResponse.after_customer_message(), AwaitingResponse);
        assert_eq!(NeedsHuman.after_customer_message(), NeedsHuman);
    }

    #[test]
    fn replies_move_the_conversation_off_awaiting() {
        assert_eq!(AwaitingResponse.after_reply(AuthorKind::Manager), Closed);
        assert_eq!(NeedsHuman.after_reply(AuthorKind::Operator), Closed);
        assert_eq!(
            AwaitingResponse.after_reply(AuthorKind::Assistant),
            AnsweredByAssistant
        );
        assert_eq!(
            AwaitingResponse.after_reply(AuthorKind::AutoReply),
            AwaitingResponse
        );
    }

    #[test]
    fn names_round_trip_and_unknown_is_explained() {
        for s in ConversationStatus::ALL {
            assert_eq!(s.as_str().parse::<ConversationStatus>().ok(), Some(*s));
        }
        let err = "open"
            .parse::<ConversationStatus>()
            .expect_err("not a status");
        assert!(err.to_string().contains("awaiting_response"), "{err}");
    }
}

text_enum! {
    /// The language a project's bot speaks to operators.
    Language {
        Ru => "ru",
        En => "en",
    }
}

/// A connected account of any channel, as the project settings list them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChannelAccount {
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    pub project_id: Option<i64>,
    pub enabled: bool,
}

/// An internal note on a conversation, never sent to the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: i64,
    pub conversation_id: i64,
    pub author_name: String,
    pub text: String,
    pub created_at: Millis,
}

// What the assistant did, as the inbox and the event bus carry it.

text_enum! {
    /// Where a catalogue upload is.
    ImportStage {
        Reading => "reading",
        Parsing => "parsing",
        Storing => "storing",
        Done => "done",
        Failed => "failed",
    }
}

text_enum! {
    /// What the assistant did about a customer message.
    RunOutcome {
        Draft => "draft",
        Answered => "answered",
        Handoff => "handoff",
        Failed => "failed",
    }
}

/// A catalogue row as a prompt carried it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UsedRow {
    pub id: i64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AssistantRun {
    pub id: i64,
    pub conversation_id: i64,
    pub trigger_message_id: i64,
    pub outcome: RunOutcome,
    /// The draft or answer; the reason of a handoff or failure.
    pub text: String,
    pub language: Option<String>,
    pub model: Option<String>,
    pub catalogue_rows: Vec<UsedRow>,
    pub message_id: Option<i64>,
    pub dismissed: bool,
    pub created_at: Millis,
}
