//! WhatsApp Business Cloud API numbers: adding one (with the address Meta's
//! webhooks go to), changing its secrets, listing and removing them.

use crate::channels::whatsapp::cloud::model::{
    CloudNumber, CloudNumberAdded, CloudNumberInput, CloudNumberUpdate, CloudTemplate, ReplyWindow,
    TemplateReply,
};
use crate::engine::Engine;
use crate::model::Message;

use super::ApiResult;

pub async fn list_whatsapp_cloud_numbers(engine: &Engine) -> ApiResult<Vec<CloudNumber>> {
    Ok(engine.whatsapp().cloud().list().await?)
}

/// Adds a number; the answer shows its verify token once, with the LAN
/// address Meta's webhooks must reach (through a public HTTPS address).
pub async fn add_whatsapp_cloud_number(
    engine: &Engine,
    input: CloudNumberInput,
) -> ApiResult<CloudNumberAdded> {
    let mut added = engine.whatsapp().cloud().add(input).await?;
    added.webhook_url = engine.http_addr().map(|mut addr| {
        // Listening on every interface: a tunnel on this computer reaches it here.
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}{}", added.number.webhook_path)
    });
    Ok(added)
}

pub async fn update_whatsapp_cloud_number(
    engine: &Engine,
    account_id: i64,
    update: CloudNumberUpdate,
) -> ApiResult<CloudNumber> {
    Ok(engine.whatsapp().cloud().update(account_id, update).await?)
}

/// Removes a number: its secrets leave the keyring; its conversations stay.
pub async fn remove_whatsapp_cloud_number(engine: &Engine, account_id: i64) -> ApiResult<()> {
    Ok(engine.whatsapp().cloud().remove(account_id).await?)
}

/// The approved templates of a number's business account, read from Meta.
pub async fn whatsapp_cloud_templates(
    engine: &Engine,
    account_id: i64,
) -> ApiResult<Vec<CloudTemplate>> {
    Ok(engine.whatsapp().cloud().templates(account_id).await?)
}

/// Whether a conversation takes a free-form reply now (Meta's 24 hours);
/// `None` when it is not on a Cloud API number.
pub async fn whatsapp_reply_window(
    engine: &Engine,
    conversation_id: i64,
) -> ApiResult<Option<ReplyWindow>> {
    Ok(engine.whatsapp().cloud().window(conversation_id).await?)
}

/// A manager's reply as an approved template (outside the 24 hours).
pub async fn send_whatsapp_template(engine: &Engine, reply: TemplateReply) -> ApiResult<Message> {
    Ok(engine
        .whatsapp()
        .cloud()
        .reply_with_template(engine.outbox(), reply)
        .await?)
}
