//! How messages and refusals are shown to the shop's other systems: the LAN API's
//! answers and the webhooks' bodies, one shape for both.

use serde::Serialize;

use crate::clock::Millis;
use crate::model::{AttachmentKind, AuthorKind, Delivery, Direction, Message};

/// An error: `{"error": {"code", "message"}}`.
#[derive(Serialize, utoipa::ToSchema, utoipa::ToResponse)]
#[response(description = "Refused: a code to branch on and a message for people")]
pub struct FailureBody {
    pub error: FailureDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FailureDetail {
    /// unauthorized, forbidden, not_found, invalid_input, too_large,
    /// conflict, in_progress, rate_limited, timeout, unavailable, internal.
    pub code: String,
    pub message: String,
}

/// A file of a message as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    pub kind: AttachmentKind,
    pub name: String,
    pub mime: Option<String>,
    pub size: Option<i64>,
}

/// A message as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: i64,
    pub conversation_id: i64,
    pub direction: Direction,
    pub author_kind: AuthorKind,
    pub text: String,
    pub attachments: Vec<AttachmentView>,
    /// The text of the message this one answers (a chat quote).
    pub quoted: Option<String>,
    /// Outbound: pending, sent, delivered or failed.
    pub delivery: Option<Delivery>,
    pub delivery_error: Option<String>,
    /// The outbox guard holds it until it allows it.
    pub held: bool,
    pub created_at: Millis,
    pub sent_at: Option<Millis>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            conversation_id: m.conversation_id,
            direction: m.direction,
            author_kind: m.author_kind,
            text: m.text,
            attachments: m
                .attachments
                .into_iter()
                .map(|a| AttachmentView {
                    kind: a.kind,
                    name: a.name,
                    mime: a.mime,
                    size: a.size,
                })
                .collect(),
            quoted: m.quoted,
            delivery: m.delivery,
            delivery_error: m.delivery_error,
            held: m.held,
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}
