//! What a verified delivery holds, stored: customers' messages become
//! [`Inbound`]s (media fetched from Meta and kept with the files), a
//! reaction changes the message it is on, the message a customer answers
//! is noted with the answer, and statuses move replies' delivery on (or
//! mark it failed with Meta's reason). Everything here is idempotent, so a
//! delivery Meta repeats stores nothing new.

use std::collections::HashMap;
use std::sync::Arc;

use super::graph::GraphError;
use super::wire::{Change, Media, Message, Payload, Status};
use super::{Core, Number};
use crate::error::Error;
use crate::model::{Attachment, AttachmentKind, ContactIdentity, IdentityKind};
use crate::relay::{Inbound, Receipt};

/// Why a delivery could not be stored completely.
#[derive(Debug, thiserror::Error)]
pub(super) enum Failure {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error("{}", crate::error::display_chain(.0))]
    Engine(#[from] Error),
}

/// Stores everything a delivery holds.
pub(super) async fn delivery(
    core: &Core,
    number: &Arc<Number>,
    payload: Payload,
) -> Result<(), Failure> {
    for change in payload.entry.into_iter().flat_map(|e| e.changes) {
        if change.field != "messages" {
            continue;
        }
        let Some(target) = target(core, number, &change).await? else {
            continue;
        };
        if let Some(metadata) = &change.value.metadata {
            note_display_phone(core, target.account_id, &metadata.display_phone_number).await?;
        }
        let names: HashMap<&str, &str> = change
            .value
            .contacts
            .iter()
            .filter_map(|c| Some((c.wa_id.as_deref()?, c.profile.as_ref()?.name.as_deref()?)))
            .collect();
        for message in &change.value.messages {
            let name = names.get(message.from.as_str()).copied().unwrap_or("");
            store(core, &target, message, name).await?;
        }
        statuses(core, target.account_id, &change.value.statuses).await?;
    }
    Ok(())
}

/// The number a change is for: Meta posts every number of an app to the
/// app's one address, so a change may be for another number added here
/// with the same app secret. Others are skipped.
async fn target(
    core: &Core,
    number: &Arc<Number>,
    change: &Change,
) -> Result<Option<Arc<Number>>, Error> {
    let Some(metadata) = &change.value.metadata else {
        return Ok(Some(number.clone()));
    };
    if metadata.phone_number_id == number.phone_number_id {
        return Ok(Some(number.clone()));
    }
    for id in core.owned() {
        let Ok(other) = core.number(id).await else {
            continue;
        };
        let same_app = crate::secret::same(
            other.app_secret.expose().as_bytes(),
            number.app_secret.expose().as_bytes(),
        );
        if other.phone_number_id == metadata.phone_number_id && same_app {
            return Ok(Some(other));
        }
    }
    tracing::warn!(
        account_id = number.account_id,
        "a WhatsApp webhook for a number not added here skipped"
    );
    Ok(None)
}

async fn note_display_phone(core: &Core, account_id: i64, phone: &str) -> Result<(), Error> {
    sqlx::query(
        "UPDATE whatsapp_cloud_numbers SET display_phone = ?2
         WHERE channel_account_id = ?1 AND coalesce(display_phone, '') != ?2",
    )
    .bind(account_id)
    .bind(phone)
    .execute(core.store.pool())
    .await?;
    Ok(())
}

/// A customer as the contacts know them: the phone in +E.164.
fn phone(wa_id: &str) -> String {
    let digits: String = wa_id.chars().filter(char::is_ascii_digit).collect();
    format!("+{digits}")
}

async fn stored_before(core: &Core, account_id: i64, external_id: &str) -> Result<bool, Error> {
    let seen: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM messages WHERE channel_account_id = ?1 AND direction = 'in' AND external_id = ?2",
    )
    .bind(account_id)
    .bind(external_id)
    .fetch_optional(core.store.pool())
    .await?;
    Ok(seen.is_some())
}

/// Stores one customer's message (or the reaction it is).
async fn store(core: &Core, number: &Number, message: &Message, name: &str) -> Result<(), Failure> {
    let account_id = number.account_id;
    if message.kind == "reaction" {
        if let Some(reaction) = &message.reaction {
            let emoji = reaction.emoji.as_deref().unwrap_or("");
            core.relay
                .react(account_id, &reaction.message_id, emoji)
                .await?;
        }
        return Ok(());
    }
    if message.id.trim().is_empty() || message.from.trim().is_empty() {
        tracing::warn!(
            account_id,
            "a WhatsApp message without its id or sender skipped"
        );
        return Ok(());
    }
    // A delivery repeated: nothing to fetch again.
    if !stored_before(core, account_id, &message.id).await? {
        let (text, attachments) = content(core, number, message).await?;
        let inbound = Inbound {
            channel_account_id: account_id,
            external_message_id: message.id.clone(),
            external_thread_id: message.from.clone(),
            sender: ContactIdentity {
                kind: IdentityKind::Phone,
                value: phone(&message.from),
            },
            sender_name: name.to_owned(),
            subject: None,
            text,
            attachments,
            sent_at: message.sent_at(),
        };
        let Some(inbound) = core.relay.check(inbound).await? else {
            return Ok(());
        };
        core.relay.ingest(inbound).await?;
    }
    if let Some(answers) = message.context.as_ref().and_then(|c| c.id.as_deref()) {
        core.relay
            .note_reply_context(account_id, &message.id, answers, None)
            .await?;
    }
    Ok(())
}

/// A message's text and files.
async fn content(
    core: &Core,
    number: &Number,
    message: &Message,
) -> Result<(String, Vec<Attachment>), Failure> {
    let text = match message.kind.as_str() {
        "text" => message
            .text
            .as_ref()
            .map(|t| t.body.clone())
            .unwrap_or_default(),
        "image" | "audio" | "video" | "document" | "sticker" => {
            let item = match message.kind.as_str() {
                "image" => &message.image,
                "audio" => &message.audio,
                "video" => &message.video,
                "document" => &message.document,
                _ => &message.sticker,
            };
            let Some(item) = item.as_ref() else {
                return Ok((format!("[{}]", message.kind), Vec::new()));
            };
            let caption = item.caption.clone().unwrap_or_default();
            return match file(core, number, &message.kind, item).await? {
                Some(attachment) => Ok((caption, vec![attachment])),
                None => Ok((
                    format!("{caption}\n[{}]", message.kind).trim().to_owned(),
                    Vec::new(),
                )),
            };
        }
        "location" => {
            let place = message.location.as_ref();
            let label = place
                .map(|l| {
                    [l.name.as_deref(), l.address.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let at = place
                .and_then(|l| {
                    Some((
                        coordinate(l.latitude.as_ref()?)?,
                        coordinate(l.longitude.as_ref()?)?,
                    ))
                })
                .map(|(lat, lon)| format!(" https://maps.google.com/?q={lat},{lon}"))
                .unwrap_or_default();
            format!("📍 {label}{at}").trim().to_owned()
        }
        "contacts" => message
            .contacts
            .iter()
            .flatten()
            .map(|c| {
                let name = c
                    .name
                    .as_ref()
                    .and_then(|n| n.formatted_name.clone().or_else(|| n.first_name.clone()))
                    .unwrap_or_default();
                let phones: Vec<String> = c
                    .phones
                    .iter()
                    .filter_map(|p| p.phone.clone().or_else(|| p.wa_id.as_deref().map(phone)))
                    .collect();
                format!("👤 {name} {}", phones.join(", ")).trim().to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n"),
        "button" => message
            .button
            .as_ref()
            .and_then(|b| b.text.clone())
            .unwrap_or_default(),
        "interactive" => message
            .interactive
            .as_ref()
            .and_then(|i| {
                ["/button_reply/title", "/list_reply/title"]
                    .iter()
                    .find_map(|p| i.pointer(p).and_then(serde_json::Value::as_str))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "[interactive]".into()),
        other => format!("[{other}]"),
    };
    Ok((text, Vec::new()))
}

fn coordinate(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Fetches a media file and keeps it; `None` when Meta no longer has it.
async fn file(
    core: &Core,
    number: &Number,
    kind: &str,
    media: &Media,
) -> Result<Option<Attachment>, Failure> {
    let fetched = async {
        let info = number.graph.media(&media.id).await?;
        number
            .graph
            .download(&info.url)
            .await
            .map(|(bytes, mime)| (bytes, mime.or(info.mime_type)))
    }
    .await;
    let (bytes, served) = match fetched {
        Ok(file) => file,
        Err(e) if !e.is_transient() => {
            tracing::warn!(account_id = number.account_id, error = %e, "a WhatsApp media file cannot be fetched");
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let voice = media.voice == Some(true);
    let mime = media
        .mime_type
        .as_deref()
        .map(|m| m.split(';').next().unwrap_or(m).trim().to_owned())
        .or(served)
        .unwrap_or_else(|| "application/octet-stream".into());
    let attachment_kind = match kind {
        "image" | "sticker" => AttachmentKind::Image,
        "audio" => AttachmentKind::Audio,
        "video" => AttachmentKind::Video,
        _ => AttachmentKind::File,
    };
    let name = match (&media.filename, kind) {
        (Some(name), _) if !name.trim().is_empty() => name.trim().to_owned(),
        (_, "audio") if voice || mime == "audio/ogg" => "voice.ogg".into(),
        _ => format!("{kind}.{}", extension(&mime)),
    };
    let size = i64::try_from(bytes.len()).ok();
    let url = core.files.put(&bytes).await?;
    Ok(Some(Attachment {
        kind: attachment_kind,
        name,
        mime: Some(mime),
        url: Some(url),
        size,
    }))
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" | "audio/aac" => "m4a",
        "audio/amr" => "amr",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}

/// Statuses of replies: delivered and read move delivery on (never back),
/// failed marks it failed with Meta's reason; sent is known already.
async fn statuses(core: &Core, account_id: i64, statuses: &[Status]) -> Result<(), Error> {
    for status in statuses {
        let ids = std::slice::from_ref(&status.id);
        match status.status.as_str() {
            "delivered" => {
                core.relay
                    .receipt(account_id, ids, Receipt::Delivered)
                    .await?;
            }
            "read" => {
                core.relay.receipt(account_id, ids, Receipt::Read).await?;
            }
            "failed" => {
                let reason = status
                    .errors
                    .first()
                    .map(super::wire::StatusError::words)
                    .unwrap_or_else(|| "WhatsApp: the message could not be delivered".into());
                core.relay
                    .delivery_failed(account_id, &status.id, &reason)
                    .await?;
            }
            _ => {}
        }
    }
    Ok(())
}
