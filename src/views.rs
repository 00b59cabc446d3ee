//! How messages and refusals are shown to the shop's other systems: the LAN API's
//! answers and the webhooks' bodies, one shape for both.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::clock::Millis;
use crate::error::ApiError;
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

/// An error as the API answers it: `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Failure {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = Json(FailureBody {
            error: FailureDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        });
        let mut response = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        use crate::error::ErrorCode;
        let (status, code) = match e.code {
            ErrorCode::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ErrorCode::InvalidInput => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            ErrorCode::Conflict => (StatusCode::CONFLICT, "conflict"),
            ErrorCode::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ErrorCode::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        Self::new(status, code, e.message)
    }
}

impl From<crate::error::Error> for Failure {
    fn from(e: crate::error::Error) -> Self {
        ApiError::from(e).into()
    }
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
