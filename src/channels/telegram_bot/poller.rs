//! One long-polling loop per bot. Each update is handled (see
//! [`super::updates`]) in one transaction that also stores the next offset, so
//! after a crash or a network loss the bot resumes exactly after the last
//! update it stored: nothing is lost and nothing is handled twice.

use std::sync::Arc;
use std::time::Duration;

use teloxide_core::errors::{ApiError, RequestError};
use teloxide_core::payloads::GetUpdatesSetters;
use teloxide_core::requests::Requester;
use tokio_util::sync::CancellationToken;

use super::BotHandle;
use super::BotState;
use super::adapter::Shared;
use crate::clock::Millis;

async fn sleep_or_cancel(cancel: &CancellationToken, ms: Millis) -> bool {
    tokio::select! {
        () = cancel.cancelled() => false,
        () = tokio::time::sleep(Duration::from_millis(u64::try_from(ms).unwrap_or(1_000))) => true,
    }
}

/// Polls until cancelled; reconnects with growing, jittered delays.
pub(super) async fn run(
    shared: Arc<Shared>,
    account_id: i64,
    bot: BotHandle,
    cancel: CancellationToken,
) {
    let settings = shared.settings.clone();
    let mut delay = settings.reconnect_min_ms;
    let backoff = |delay: &mut Millis| {
        let wait = *delay / 2 + fastrand::i64(0..=*delay / 2);
        *delay = (*delay * 2).min(settings.reconnect_max_ms);
        wait
    };
    tracing::info!(account_id, bot = %bot.username, "bot polling started");
    // The first request returns at once, so the bot shows online without
    // waiting out a long poll; the others wait for news.
    let mut timeout = 0;
    loop {
        if cancel.is_cancelled() {
            break;
        }
        let offset: i64 = match sqlx::query_scalar(
            "SELECT update_offset FROM telegram_bots WHERE channel_account_id = ?1",
        )
        .bind(account_id)
        .fetch_optional(shared.store.pool())
        .await
        {
            Ok(Some(offset)) => offset,
            Ok(None) => break,
            Err(e) => {
                tracing::error!(error = %e, "could not read the bot's update offset");
                if !sleep_or_cancel(&cancel, backoff(&mut delay)).await {
                    break;
                }
                continue;
            }
        };
        let request = bot
            .bot
            .get_updates()
            .offset(i32::try_from(offset).unwrap_or(i32::MAX))
            .timeout(timeout)
            .allowed_updates(super::UPDATES);
        let updates = tokio::select! {
            () = cancel.cancelled() => break,
            result = request => result,
        };
        match updates {
            Ok(updates) => {
                delay = settings.reconnect_min_ms;
                timeout = settings.poll_timeout_s;
                shared.set_state(account_id, BotState::Online, None).await;
                for update in updates {
                    // A stored update is finished even if cancelled meanwhile.
                    loop {
                        match shared.handle(account_id, &bot, &update).await {
                            Ok(()) => break,
                            Err(e) => {
                                let why = crate::error::display_chain(&e);
                                tracing::error!(error = %why, update = update.id.0, "could not store an update; trying again");
                                // Telegram keeps what is not stored; the owner sees why.
                                let said = format!(
                                    "what arrives cannot be stored, Telegram keeps it meanwhile: {why}"
                                );
                                shared
                                    .set_state(account_id, BotState::Offline, Some(said))
                                    .await;
                                if !sleep_or_cancel(&cancel, backoff(&mut delay)).await {
                                    return;
                                }
                            }
                        }
                    }
                }
            }
            Err(RequestError::RetryAfter(after)) => {
                let ms = Millis::try_from(after.duration().as_millis()).unwrap_or(1_000);
                if !sleep_or_cancel(&cancel, ms).await {
                    break;
                }
            }
            Err(RequestError::Api(ApiError::InvalidToken)) => {
                shared.set_state(
                    account_id,
                    BotState::Unauthorized,
                    Some("Telegram no longer accepts this bot's token; connect the bot again with a new token".into()),
                )
                .await;
                break;
            }
            Err(e @ RequestError::Api(ApiError::TerminatedByOtherGetUpdates)) => {
                shared
                    .set_state(
                        account_id,
                        BotState::Conflict,
                        Some(format!("another program uses this bot: {e}")),
                    )
                    .await;
                if !sleep_or_cancel(&cancel, backoff(&mut delay)).await {
                    break;
                }
            }
            Err(e) => {
                let text = super::api_text(&e);
                let state = if text.starts_with("Conflict") {
                    BotState::Conflict
                } else {
                    BotState::Offline
                };
                shared
                    .set_state(account_id, state, Some(e.to_string()))
                    .await;
                if !sleep_or_cancel(&cancel, backoff(&mut delay)).await {
                    break;
                }
            }
        }
    }
    tracing::info!(account_id, "bot polling stopped");
}
