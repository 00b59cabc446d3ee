//! Linking the shop's number: the kind's flow of a login attempt
//! ([`crate::channels::login`]).
//!
//! ```text
//!  QR:   connect without keys ─► QR shown ─► replaced as WhatsApp rotates it ─► scanned ─► Paired
//!                                          └► no more codes ─► Expired
//!  Code: connect without keys ─► first QR (WhatsApp is ready) ─► ask for a code for the number
//!        ─► the code shown ─► typed on the phone ─► Paired
//!  The whole attempt expires after `qr_timeout_s`; Paired seals the keys, stores the number
//!  and starts its runner.
//! ```

use std::sync::Arc;

use super::Core;
use super::device::{Device, DeviceEvent, Me, WaError};
use super::model::{LinkMethod, LinkStart};
use crate::channels::login::{Ended, LoginAttempt, LoginFlow, LoginState, qr_svg};
use crate::error::{Error, Result};
use crate::model::ChannelKind;

impl From<WaError> for Ended {
    fn from(e: WaError) -> Self {
        Ended::Failed(e.to_string())
    }
}

/// The digits of a phone number with its country code, as WhatsApp asks
/// for them; an error that says what is wrong otherwise.
pub fn phone_digits(phone: &str) -> Result<String> {
    let trimmed = phone.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid("enter the shop's WhatsApp number"));
    }
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'))
    {
        return Err(Error::invalid(
            "the number may hold only digits, spaces, dashes, brackets and a leading +",
        ));
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if !(7..=15).contains(&digits.len()) || digits.starts_with('0') {
        return Err(Error::invalid(
            "enter the number with its country code, e.g. +7 999 123-45-67",
        ));
    }
    Ok(digits)
}

/// Starts an attempt; its task runs until the number is linked, or the
/// attempt fails or expires. Once linked, `started` starts its runner.
pub async fn start<S, F>(core: &Arc<Core>, start: LinkStart, started: S) -> Result<LoginAttempt>
where
    S: FnOnce(i64) -> F + Send + 'static,
    F: std::future::Future<Output = ()> + Send,
{
    let phone = match &start.method {
        LinkMethod::Qr => None,
        LinkMethod::Code { phone } => Some(phone_digits(phone)?),
    };
    let project: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE id = ?1")
        .bind(start.project_id)
        .fetch_optional(core.store.pool())
        .await?;
    if project.is_none() {
        return Err(Error::not_found("project", start.project_id));
    }
    let (view, flow) = core.logins.begin(
        ChannelKind::Whatsapp,
        start.project_id,
        core.settings.qr_timeout_s * 1000,
    );
    let core = core.clone();
    tokio::spawn(async move {
        let linked = flow
            .run(async |flow: &mut LoginFlow| {
                let device = core.connector.connect(None).await?;
                let outcome = pair(flow, device.as_ref(), phone.as_deref()).await;
                let stored = match outcome {
                    Ok(me) => store(&core, device.as_ref(), start.project_id, &me).await,
                    Err(ended) => Err(ended),
                };
                device.close().await;
                stored
            })
            .await;
        if let Some(account_id) = linked {
            started(account_id).await;
        }
    });
    Ok(view)
}

async fn store(
    core: &Core,
    device: &dyn Device,
    project_id: i64,
    me: &Me,
) -> Result<(i64, String), Ended> {
    let keys = device
        .keys()
        .await?
        .ok_or_else(|| Ended::Failed("WhatsApp linked the device without its keys".into()))?;
    let account_id = super::store::linked(core, project_id, me, &keys)
        .await
        .map_err(|e| Ended::Failed(e.to_string()))?;
    tracing::info!(account_id, "WhatsApp number linked");
    Ok((
        account_id,
        me.push_name.clone().unwrap_or_else(|| me.phone.clone()),
    ))
}

/// Shows WhatsApp's QR codes (or, with `phone`, a pairing code) until the
/// phone links the device.
async fn pair(flow: &mut LoginFlow, device: &dyn Device, phone: Option<&str>) -> Result<Me, Ended> {
    let mut code_asked = false;
    loop {
        let left = flow.left(flow.deadline())?;
        let event = tokio::select! {
            event = device.next_event() => event?,
            () = tokio::time::sleep(left) => return Err(Ended::Expired),
        };
        match event {
            DeviceEvent::Qr { code, valid_for_ms } => match phone {
                None => {
                    let svg = qr_svg(&code);
                    let expires = flow.now() + valid_for_ms;
                    flow.show(|v| {
                        v.state = LoginState::WaitingForScan;
                        v.qr_url = Some(code);
                        v.qr_svg = Some(svg);
                        v.token_expires_at = Some(expires);
                    });
                }
                // WhatsApp is ready to pair once it offers a QR code.
                Some(phone) if !code_asked => {
                    code_asked = true;
                    let code = device.pair_code(phone).await?;
                    flow.show(|v| {
                        v.state = LoginState::WaitingForScan;
                        v.pair_code = Some(code);
                    });
                }
                Some(_) => {}
            },
            DeviceEvent::PairingExpired => return Err(Ended::Expired),
            DeviceEvent::PairingFailed(why) => return Err(Ended::Failed(why)),
            DeviceEvent::Paired(me) | DeviceEvent::Connected(me) => return Ok(me),
            DeviceEvent::LoggedOut(why) => return Err(Ended::Failed(why)),
            DeviceEvent::Disconnected(why) => {
                tracing::info!(%why, "the linking connection dropped; WhatsApp connects again");
            }
            // Nothing reaches a device before it is linked; the runner takes
            // what does (unacknowledged, WhatsApp hands it over again).
            DeviceEvent::Messages(..) | DeviceEvent::Receipt { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::phone_digits;

    #[test]
    fn a_number_is_its_digits_with_the_country_code() {
        assert_eq!(phone_digits("+7 (999) 123-45-67").unwrap(), "79991234567");
        assert_eq!(phone_digits(" 4915112345678 ").unwrap(), "4915112345678");
        for wrong in ["", "12345", "+7 999 abc", "0999123456", "+1234567890123456"] {
            assert!(phone_digits(wrong).is_err(), "{wrong:?} is refused");
        }
    }
}
