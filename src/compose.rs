//! A message to someone by their address rather than into a conversation:
//! the conversation it goes into, found or opened with its contact, where
//! the channel lets a shop write first.
//!
//! ```text
//!  to ──adapter.address──► identity (+ the thread a first message opens)
//!      ──► the person's latest conversation on the account, or a new one
//! ```

use sqlx::SqliteConnection;

use crate::channels::Registry;
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::model::ChannelKind;
use crate::store::parse_column;

/// The conversation on `account_id` that a message to `to` goes into:
/// the latest one with the person `to` names, or a new one (and a new
/// contact) where the channel lets a first message be sent. Inside the
/// caller's transaction: nothing stays when the caller's message is refused.
pub async fn conversation_to(
    db: &mut SqliteConnection,
    registry: &Registry,
    account_id: i64,
    to: &str,
    subject: Option<&str>,
    now: Millis,
) -> Result<i64> {
    let (kind, enabled): (String, bool) =
        sqlx::query_as("SELECT kind, enabled FROM channel_accounts WHERE id = ?1")
            .bind(account_id)
            .fetch_optional(&mut *db)
            .await?
            .ok_or_else(|| Error::not_found("channel account", account_id))?;
    if !enabled {
        return Err(Error::invalid(format!(
            "channel account {account_id} is turned off"
        )));
    }
    let kind: ChannelKind = parse_column("channel_accounts.kind", &kind)?;
    let adapter = registry
        .adapter(kind)
        .ok_or_else(|| Error::invalid(format!("the {kind} channel is not running")))?;
    let to = to.trim();
    let address = adapter.address(account_id, to)?;
    let known: Option<i64> = sqlx::query_scalar(
        "SELECT c.id FROM conversations c
         WHERE c.channel_account_id = ?1
           AND (c.external_thread_id = ?4
                OR c.contact_id IN (
                    SELECT k.id FROM contacts k WHERE coalesce(k.merged_into, k.id) IN (
                        SELECT coalesce(p.merged_into, p.id) FROM contact_identities i
                        JOIN contacts p ON p.id = i.contact_id WHERE i.kind = ?2 AND i.value = ?3)))
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(address.identity.kind.as_str())
    .bind(&address.identity.value)
    .bind(address.thread.as_deref())
    .fetch_optional(&mut *db)
    .await?;
    if let Some(id) = known {
        return Ok(id);
    }
    let Some(thread) = address.thread else {
        return Err(Error::invalid(format!(
            "nobody known as “{to}” has written to this account yet; {kind} reaches new people only by a numeric chat id"
        )));
    };
    let (id, _) = crate::relay::conversation_for(
        db,
        account_id,
        &thread,
        &address.identity,
        to,
        subject,
        now,
    )
    .await?;
    tracing::info!(
        conversation_id = id,
        account_id,
        "conversation opened by a first message"
    );
    Ok(id)
}
