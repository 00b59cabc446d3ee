//! One person, one contact: a buyer who wrote on Avito and later on WhatsApp
//! or Telegram is two contacts until someone merges them. Merging moves the
//! identities (Avito user, Telegram id, phone…) and the conversations to the
//! contact that stays, so the next message on any of those channels finds it.

use sqlx::FromRow;

use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::inbox;
use crate::model::{Contact, ContactMatch};
use crate::store::Store;

/// Contacts whose name, phone, e-mail or channel identity contains `text`
/// (all contacts when it is empty), most recently active first.
pub async fn search(store: &Store, text: &str, limit: u32) -> Result<Vec<ContactMatch>> {
    #[derive(FromRow)]
    struct Row {
        id: i64,
        display_name: String,
        phone: Option<String>,
        email: Option<String>,
        conversation_count: i64,
        last_message_at: Option<Millis>,
    }
    let text = text.trim().to_lowercase();
    let pattern = format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.id, c.display_name, c.phone, c.email,
                (SELECT count(*) FROM conversations v WHERE v.contact_id = c.id) AS conversation_count,
                (SELECT max(v.last_message_at) FROM conversations v WHERE v.contact_id = c.id) AS last_message_at
         FROM contacts c
         WHERE c.merged_into IS NULL
           AND (?1 = '' OR c.search_key LIKE ?2 ESCAPE '\\'
                OR lower(coalesce(c.phone, '')) LIKE ?2 ESCAPE '\\'
                OR lower(coalesce(c.email, '')) LIKE ?2 ESCAPE '\\'
                OR EXISTS (SELECT 1 FROM contact_identities i
                           WHERE i.contact_id = c.id AND lower(i.value) LIKE ?2 ESCAPE '\\'))
         ORDER BY last_message_at DESC NULLS LAST, c.id DESC
         LIMIT ?3",
    )
    .bind(&text)
    .bind(&pattern)
    .bind(i64::from(limit.clamp(1, 200)))
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ContactMatch {
            id: r.id,
            display_name: r.display_name,
            phone: r.phone,
            email: r.email,
            conversation_count: r.conversation_count,
            last_message_at: r.last_message_at,
        })
        .collect())
}

/// Merges `other` into `keep`: identities and conversations move, empty
/// details (phone, e-mail, note) are filled from `other`, and `other` is
/// kept only as a pointer to `keep`. Returns the merged contact.
pub async fn merge(store: &Store, now: Millis, keep: i64, other: i64) -> Result<Contact> {
    if keep == other {
        return Err(Error::invalid("a contact cannot be merged with itself"));
    }
    let mut tx = store.write().await?;
    for id in [keep, other] {
        let merged: Option<Option<i64>> =
            sqlx::query_scalar("SELECT merged_into FROM contacts WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match merged {
            None => return Err(Error::not_found("contact", id)),
            Some(Some(_)) => {
                return Err(Error::invalid(format!(
                    "contact {id} was merged into another one already"
                )));
            }
            Some(None) => {}
        }
    }
    sqlx::query("UPDATE contact_identities SET contact_id = ?1 WHERE contact_id = ?2")
        .bind(keep)
        .bind(other)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE conversations SET contact_id = ?1, updated_at = ?3 WHERE contact_id = ?2")
        .bind(keep)
        .bind(other)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE contacts SET
            phone = coalesce(phone, (SELECT phone FROM contacts WHERE id = ?2)),
            email = coalesce(email, (SELECT email FROM contacts WHERE id = ?2)),
            note = CASE
                WHEN note IS NULL THEN (SELECT note FROM contacts WHERE id = ?2)
                WHEN (SELECT note FROM contacts WHERE id = ?2) IS NULL THEN note
                ELSE note || char(10) || (SELECT note FROM contacts WHERE id = ?2)
            END,
            updated_at = ?3
         WHERE id = ?1",
    )
    .bind(keep)
    .bind(other)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // Earlier merges into `other` now lead to `keep`.
    sqlx::query(
        "UPDATE contacts SET merged_into = ?1, updated_at = ?3 WHERE id = ?2 OR merged_into = ?2",
    )
    .bind(keep)
    .bind(other)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(keep, other, "contacts merged");
    inbox::contact(store, keep).await
}

fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// Other contacts with the same phone as contact `contact_id` (its phone,
/// or a phone it is known by on a channel), compared by digits: the same
/// person met on another channel, offered for merging.
pub async fn same_phone(store: &Store, contact_id: i64) -> Result<Vec<ContactMatch>> {
    let mut phones: Vec<String> = sqlx::query_scalar(
        "SELECT value FROM contact_identities WHERE contact_id = ?1 AND kind = 'phone'
         UNION SELECT phone FROM contacts WHERE id = ?1 AND phone IS NOT NULL",
    )
    .bind(contact_id)
    .fetch_all(store.pool())
    .await?;
    phones = phones
        .iter()
        .map(|p| digits(p))
        .filter(|d| d.len() >= 7)
        .collect();
    if phones.is_empty() {
        return Ok(Vec::new());
    }
    let others: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, phone FROM contacts WHERE merged_into IS NULL AND id != ?1 AND phone IS NOT NULL
         UNION SELECT i.contact_id, i.value FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
         WHERE i.kind = 'phone' AND c.merged_into IS NULL AND i.contact_id != ?1",
    )
    .bind(contact_id)
    .fetch_all(store.pool())
    .await?;
    let mut ids: Vec<i64> = others
        .into_iter()
        .filter(|(_, phone)| phones.contains(&digits(phone)))
        .map(|(id, _)| id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut found = Vec::new();
    for id in ids {
        let contact = inbox::contact(store, id).await?;
        found.push(ContactMatch {
            id: contact.id,
            display_name: contact.display_name,
            phone: contact.phone,
            email: contact.email,
            conversation_count: contact.conversation_count,
            last_message_at: None,
        });
    }
    Ok(found)
}

/// A customer first met on a channel that knows them by `phone` (+E.164):
/// the phone becomes the contact's, and when exactly one other contact has
/// that phone, they are the same person and are merged into it. Answers the
/// contact they are now.
pub async fn join_by_phone(
    store: &Store,
    now: Millis,
    contact_id: i64,
    phone: &str,
) -> Result<i64> {
    sqlx::query("UPDATE contacts SET phone = ?2, updated_at = ?3 WHERE id = ?1 AND phone IS NULL")
        .bind(contact_id)
        .bind(phone)
        .bind(now)
        .execute(store.pool())
        .await?;
    let same = same_phone(store, contact_id).await?;
    if let [other] = same.as_slice() {
        merge(store, now, other.id, contact_id).await?;
        return Ok(other.id);
    }
    Ok(contact_id)
}
