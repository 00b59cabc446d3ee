//! The shop's WhatsApp numbers linked as devices: linking one by QR or
//! pairing code, which chats reach the inbox, unlinking.

use crate::channels::login::LoginAttempt;
use crate::channels::whatsapp::linked::model::{LinkStart, WhatsAppFlags, WhatsAppNumber};
use crate::engine::Engine;

use super::ApiResult;

pub async fn list_whatsapp_numbers(engine: &Engine) -> ApiResult<Vec<WhatsAppNumber>> {
    Ok(engine.whatsapp().linked().list().await?)
}

pub async fn set_whatsapp_flags(
    engine: &Engine,
    account_id: i64,
    flags: WhatsAppFlags,
) -> ApiResult<WhatsAppNumber> {
    Ok(engine
        .whatsapp()
        .linked()
        .set_flags(account_id, flags)
        .await?)
}

/// Unlinks the device at WhatsApp and forgets its keys; the number's
/// conversations stay.
pub async fn remove_whatsapp_number(engine: &Engine, account_id: i64) -> ApiResult<()> {
    Ok(engine.whatsapp().linked().remove(account_id).await?)
}

/// Starts linking a number to a project; follow it with [`whatsapp_link`].
pub async fn start_whatsapp_link(engine: &Engine, start: LinkStart) -> ApiResult<LoginAttempt> {
    Ok(engine.whatsapp().linked().start_link(start).await?)
}

pub async fn whatsapp_link(engine: &Engine, login_id: String) -> ApiResult<LoginAttempt> {
    Ok(engine.whatsapp().linked().link(&login_id)?)
}

pub async fn cancel_whatsapp_link(engine: &Engine, login_id: String) -> ApiResult<()> {
    engine.whatsapp().linked().cancel_link(&login_id);
    Ok(())
}
