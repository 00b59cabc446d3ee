//! The outbox guard: a switch over what the app sends on its own. Auto-replies
//! and the assistant's answers to recipients it does not allow are held —
//! stored, shown as held, not sent — and go out once, when the guard is
//! opened or the recipient is listed. Replies people write always go unless
//! the owner extends the guard to them; the Test chat is never held.

use sqlx::SqliteConnection;

use super::model::{GuardMode, OutboxGuard, WhitelistEntry, WhitelistKind};
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::model::{AuthorKind, ChannelKind, IdentityKind};
use crate::outbox::{Outbox, SEND_JOB};
use crate::store::parse_column;

/// Most recipients the whitelist may hold.
pub const MAX_ENTRIES: usize = 1_000;

/// A recipient as the owner typed it, normalized: usernames without "@" in
/// lower case, phones as "+" and digits (E.164), e-mail in lower case.
pub fn normalize(kind: WhitelistKind, value: &str) -> Result<WhitelistEntry> {
    let v = value.trim();
    let bad = |what: &str| Error::invalid(format!("“{v}” is not {what}"));
    let value = match kind {
        WhitelistKind::TelegramUser | WhitelistKind::AvitoUser => {
            if v.is_empty() || v.len() > 20 || !v.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad("a numeric user id"));
            }
            v.to_owned()
        }
        WhitelistKind::TelegramUsername => {
            let name = v.trim_start_matches('@').to_lowercase();
            let ok = (4..=32).contains(&name.len())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(bad("a Telegram username"));
            }
            name
        }
        WhitelistKind::Phone => {
            let digits: String = v.chars().filter(char::is_ascii_digit).collect();
            let clean = v.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
            if !clean || !(8..=15).contains(&digits.len()) {
                return Err(bad("a phone number in international format (+7…)"));
            }
            // A Russian number written the domestic way.
            let digits = match digits.strip_prefix('8') {
                Some(rest) if digits.len() == 11 && !v.starts_with('+') => format!("7{rest}"),
                _ => digits,
            };
            format!("+{digits}")
        }
        WhitelistKind::Email => {
            let email = v.to_lowercase();
            let ok = email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
            });
            if !ok || email.len() > 254 {
                return Err(bad("an e-mail address"));
            }
            email
        }
    };
    Ok(WhitelistEntry { kind, value })
}

/// A contact's identity as a whitelist entry would name it.
fn as_entry(kind: IdentityKind, value: &str) -> Option<WhitelistEntry> {
    let kind = match kind {
        IdentityKind::TelegramUser => WhitelistKind::TelegramUser,
        IdentityKind::TelegramUsername => WhitelistKind::TelegramUsername,
        IdentityKind::AvitoUser => WhitelistKind::AvitoUser,
        IdentityKind::Email => WhitelistKind::Email,
        IdentityKind::Phone | IdentityKind::Whatsapp => WhitelistKind::Phone,
        IdentityKind::Simulator | IdentityKind::Custom => return None,
    };
    let value = value
        .split('@')
        .next()
        .filter(|_| kind == WhitelistKind::Phone)
        .unwrap_or(value);
    normalize(kind, value).ok()
}

/// What the guard lets through: its mode and its list.
struct Rules {
    mode: GuardMode,
    include_people: bool,
    whitelist: Vec<WhitelistEntry>,
}

async fn rules(db: &mut SqliteConnection) -> Result<Rules> {
    let (mode, include_people): (String, bool) =
        sqlx::query_as("SELECT mode, include_people FROM outbox_guard WHERE id = 1")
            .fetch_one(&mut *db)
            .await?;
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, value FROM outbox_whitelist ORDER BY created_at, kind, value")
            .fetch_all(&mut *db)
            .await?;
    Ok(Rules {
        mode: parse_column("outbox_guard.mode", &mode)?,
        include_people,
        whitelist: rows
            .into_iter()
            .map(|(kind, value)| {
                Ok(WhitelistEntry {
                    kind: parse_column("outbox_whitelist.kind", &kind)?,
                    value,
                })
            })
            .collect::<Result<_>>()?,
    })
}

pub async fn load(db: &mut SqliteConnection) -> Result<OutboxGuard> {
    let Rules {
        mode,
        include_people,
        whitelist,
    } = rules(db).await?;
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE held_at IS NOT NULL AND delivery = 'pending'",
    )
    .fetch_one(&mut *db)
    .await?;
    Ok(OutboxGuard {
        mode,
        include_people,
        whitelist,
        held: u32::try_from(held).unwrap_or(u32::MAX),
    })
}

pub async fn set_mode(
    db: &mut SqliteConnection,
    mode: GuardMode,
    include_people: bool,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "UPDATE outbox_guard SET mode = ?1, include_people = ?2, updated_at = ?3 WHERE id = 1",
    )
    .bind(mode.as_str())
    .bind(include_people)
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(())
}

pub async fn add(db: &mut SqliteConnection, entry: &WhitelistEntry, now: Millis) -> Result<()> {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox_whitelist")
        .fetch_one(&mut *db)
        .await?;
    if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_ENTRIES {
        return Err(Error::invalid(format!(
            "the whitelist holds at most {MAX_ENTRIES} recipients"
        )));
    }
    sqlx::query("INSERT INTO outbox_whitelist (kind, value, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")
        .bind(entry.kind.as_str())
        .bind(&entry.value)
        .bind(now)
        .execute(&mut *db)
        .await?;
    Ok(())
}

pub async fn remove(db: &mut SqliteConnection, entry: &WhitelistEntry) -> Result<()> {
    sqlx::query("DELETE FROM outbox_whitelist WHERE kind = ?1 AND value = ?2")
        .bind(entry.kind.as_str())
        .bind(&entry.value)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Whether the reply `message_id` may leave now.
pub async fn allows(db: &mut SqliteConnection, message_id: i64) -> Result<bool> {
    let rules = rules(db).await?;
    allowed_by(db, &rules, message_id).await
}

async fn allowed_by(db: &mut SqliteConnection, guard: &Rules, message_id: i64) -> Result<bool> {
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT m.author_kind, a.kind, c.contact_id FROM messages m
         JOIN conversations c ON c.id = m.conversation_id
         JOIN channel_accounts a ON a.id = m.channel_account_id WHERE m.id = ?1",
    )
    .bind(message_id)
    .fetch_optional(&mut *db)
    .await?;
    let Some((author, channel, contact_id)) = row else {
        return Err(Error::not_found("message", message_id));
    };
    let author: AuthorKind = parse_column("messages.author_kind", &author)?;
    let channel: ChannelKind = parse_column("channel_accounts.kind", &channel)?;
    let automatic = matches!(author, AuthorKind::Assistant | AuthorKind::AutoReply);
    if channel == ChannelKind::Simulator
        || guard.mode == GuardMode::On
        || (!automatic && !guard.include_people)
    {
        return Ok(true);
    }
    if guard.mode == GuardMode::Off {
        return Ok(false);
    }
    let identities: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, value FROM contact_identities WHERE contact_id = ?1")
            .bind(contact_id)
            .fetch_all(&mut *db)
            .await?;
    Ok(identities.iter().any(|(kind, value)| {
        kind.parse::<IdentityKind>()
            .ok()
            .and_then(|kind| as_entry(kind, value))
            .is_some_and(|entry| guard.whitelist.contains(&entry))
    }))
}

/// Marks a reply held (once; a held reply keeps its first time).
pub async fn hold(db: &mut SqliteConnection, message_id: i64, now: Millis) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE messages SET held_at = ?2 WHERE id = ?1 AND held_at IS NULL AND delivery = 'pending'",
    )
    .bind(message_id)
    .bind(now)
    .execute(&mut *db)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Queues again every held reply the guard now allows (or the one given,
/// whatever the guard says: a person chose to send it). Returns their ids.
pub async fn release(
    db: &mut SqliteConnection,
    now: Millis,
    outbox: &Outbox,
    only: Option<i64>,
) -> Result<Vec<(i64, i64)>> {
    let held: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT m.id, m.conversation_id, m.held_at FROM messages m
         WHERE m.held_at IS NOT NULL AND m.delivery = 'pending' AND (?1 IS NULL OR m.id = ?1)
         ORDER BY m.id",
    )
    .bind(only)
    .fetch_all(&mut *db)
    .await?;
    let guard = rules(db).await?;
    let mut released = Vec::new();
    for (message_id, conversation_id, held_at) in held {
        if only.is_none() && !allowed_by(db, &guard, message_id).await? {
            continue;
        }
        sqlx::query("UPDATE messages SET held_at = NULL, delivery_error = NULL WHERE id = ?1")
            .bind(message_id)
            .execute(&mut *db)
            .await?;
        let key = format!("{SEND_JOB}:{message_id}:released-{held_at}");
        outbox.queue_send(&mut *db, now, message_id, key).await?;
        released.push((conversation_id, message_id));
    }
    Ok(released)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_normalized_so_they_match_identities() {
        for (kind, typed, stored) in [
            (WhitelistKind::Phone, "8 (999) 123-45-67", "+79991234567"),
            (WhitelistKind::Phone, "+7 999 123 45 67", "+79991234567"),
            (WhitelistKind::TelegramUsername, "@Sofa_Shop", "sofa_shop"),
            (WhitelistKind::Email, " Anna@Example.RU ", "anna@example.ru"),
            (WhitelistKind::TelegramUser, "123456789", "123456789"),
        ] {
            assert_eq!(
                normalize(kind, typed).ok().map(|e| e.value).as_deref(),
                Some(stored)
            );
        }
        for (kind, bad) in [
            (WhitelistKind::Phone, "call me"),
            (WhitelistKind::Phone, "+7 999"),
            (WhitelistKind::TelegramUser, "@anna"),
            (WhitelistKind::TelegramUsername, "a b"),
            (WhitelistKind::Email, "anna.example.ru"),
            (WhitelistKind::AvitoUser, ""),
        ] {
            assert!(normalize(kind, bad).is_err(), "{bad:?} refused");
        }
        assert_eq!(
            as_entry(IdentityKind::Whatsapp, "79991234567@c.us"),
            Some(WhitelistEntry {
                kind: WhitelistKind::Phone,
                value: "+79991234567".into()
            })
        );
    }
}
