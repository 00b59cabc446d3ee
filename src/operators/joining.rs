//! People joining the team through the bot: a code sent in its private
//! chat (`/start own_…`, `/start inv_…`) links them, in the update's
//! transaction, and the bot answers in that chat.

use sqlx::SqliteConnection;
use teloxide_core::types::Message;

use super::mirror::{self, Notice};
use super::projects::Shared;
use super::text;
use super::updates::{Publish, person_name};
use crate::error::{Error, Result};
use crate::model::Language;
use crate::team::{self, TelegramUser};

pub(super) fn telegram_user(user: &teloxide_core::types::User) -> Result<TelegramUser> {
    Ok(TelegramUser {
        id: i64::try_from(user.id.0)
            .map_err(|_| Error::invalid("a Telegram user id out of range"))?,
        name: person_name(user),
        username: user.username.clone(),
    })
}

/// A team code sent to the bot: the person is linked (or told why not) in
/// the update's transaction, and the bot answers in the private chat.
pub(super) async fn on_code(
    shared: &Shared,
    db: &mut SqliteConnection,
    account_id: i64,
    message: &Message,
    from: &teloxide_core::types::User,
    code: &str,
) -> Result<Vec<Publish>> {
    let language: Option<String> =
        sqlx::query_scalar("SELECT language FROM projects WHERE bot_account_id = ?1")
            .bind(account_id)
            .fetch_optional(&mut *db)
            .await?;
    let lang: Language = language
        .and_then(|l| l.parse().ok())
        .unwrap_or(Language::Ru);
    let now = shared.clock.now_ms();
    let outcome = team::redeem(db, now, &telegram_user(from)?, code).await?;
    let chat_id = message.chat.id.0;
    let telegram_id = i64::from(message.id.0);
    mirror::enqueue_notice(
        db,
        now,
        account_id,
        Notice {
            chat_id,
            thread_id: None,
            reply_to: Some(telegram_id),
            text: text::redeemed(lang, &outcome),
            conversation_id: None,
        },
        &format!("tg:{chat_id}:{telegram_id}"),
    )
    .await?;
    Ok(match outcome {
        team::Redeemed::Owner(_) | team::Redeemed::Joined(_) => vec![Publish::Team],
        _ => Vec::new(),
    })
}
