//! Reading a mailbox: connect, read what is new in the folder, then wait for
//! more (IMAP IDLE when the server has it, polling otherwise); on any failure,
//! reconnect with a growing pause.
//!
//! The folder's (UIDVALIDITY, last UID) is stored in the transaction that
//! stores the mail, so a restart neither misses nor repeats anything. Mail is
//! fetched with BODY.PEEK (which leaves it unread); once stored it is marked
//! read (not while importing existing mail) and moved when the mailbox says so.

use std::sync::Arc;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use futures_util::TryStreamExt;
use tokio_util::sync::CancellationToken;

use super::model::{ImportProgress, MailError, MailProblem, MailboxState};
use super::net::{self, Session};
use super::store::{Outcome, store_mail};
use super::{Account, Core};
use crate::error::Error;
use crate::model::IngestOutcome;
use crate::relay::Relay;

/// Runs one mailbox until cancelled.
pub(super) async fn run(core: Arc<Core>, relay: Relay, account_id: i64, cancel: CancellationToken) {
    let min = core.settings.reconnect_min_ms.max(1);
    let max = core.settings.reconnect_max_ms.max(min);
    let mut pause = min;
    while !cancel.is_cancelled() {
        core.set_status(account_id, |s| s.state = MailboxState::Connecting);
        let mut connected = false;
        let failure =
            match connect_and_read(&core, &relay, account_id, &cancel, &mut connected).await {
                Ok(()) => break,
                Err(e) => e,
            };
        if cancel.is_cancelled() {
            break;
        }
        if connected {
            pause = min;
        }
        tracing::warn!(account_id, problem = ?failure.problem, error = %failure.message,
            retry_in_ms = pause, "mailbox offline");
        core.set_status(account_id, |s| {
            s.state = MailboxState::Offline;
            s.last_error = Some(failure);
            s.import = None;
        });
        let pause_ms = u64::try_from(pause).unwrap_or(0);
        let wait = Duration::from_millis(pause_ms + fastrand::u64(0..=pause_ms / 4).min(60_000));
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(wait) => {}
        }
        pause = (pause * 2).min(max);
    }
    core.set_status(account_id, |s| {
        s.state = MailboxState::Stopped;
        s.import = None;
    });
}

fn store_error(e: Error) -> MailError {
    MailError::new(MailProblem::Protocol, format!("storing mail: {e}"))
}

async fn connect_and_read(
    core: &Core,
    relay: &Relay,
    account_id: i64,
    cancel: &CancellationToken,
    connected: &mut bool,
) -> Result<(), MailError> {
    let account = core.account(account_id).await.map_err(|e| match e {
        Error::Keyring(m) => MailError::new(MailProblem::Auth, m),
        other => store_error(other),
    })?;
    let s = &account.stored;
    let mut session = net::imap_session(
        &s.imap,
        &s.login,
        &account.password,
        &core.roots,
        core.timeout(),
    )
    .await?;
    *connected = true;
    // Asked once per connection: IDLE decides how to wait, MOVE how to move.
    let (idle, moves) = net::call(core.timeout(), "CAPABILITY", session.capabilities())
        .await
        .map(|c| (c.has_str("IDLE"), c.has_str("MOVE")))
        .unwrap_or((false, false));
    tracing::info!(account_id, idle, moves, "mailbox connected");
    core.set_status(account_id, |st| st.last_error = None);
    loop {
        read_new(core, relay, &account, &mut session, moves).await?;
        if cancel.is_cancelled() {
            let _ignored = session.logout().await;
            return Ok(());
        }
        session = if idle {
            core.set_status(account_id, |st| st.state = MailboxState::Listening);
            match wait_idle(core, session, cancel).await? {
                Some(session) => session,
                None => return Ok(()),
            }
        } else {
            core.set_status(account_id, |st| st.state = MailboxState::Polling);
            let poll = Duration::from_secs(u64::from(s.poll_interval_s));
            tokio::select! {
                () = cancel.cancelled() => {
                    let _ignored = session.logout().await;
                    return Ok(());
                }
                () = tokio::time::sleep(poll) => session,
            }
        };
    }
}

/// Waits in IDLE until the server tells of a change, the renewal time passes
/// or the mailbox is stopped (`None`).
async fn wait_idle(
    core: &Core,
    session: Session,
    cancel: &CancellationToken,
) -> Result<Option<Session>, MailError> {
    let mut handle = session.idle();
    handle
        .init()
        .await
        .map_err(|e| net::imap_failure("IDLE", e))?;
    let (wait, stop) = handle.wait_with_timeout(Duration::from_secs(core.settings.idle_renew_s));
    let stopped = tokio::select! {
        response = wait => {
            match response.map_err(|e| net::imap_failure("IDLE", e))? {
                IdleResponse::NewData(_) | IdleResponse::Timeout | IdleResponse::ManualInterrupt => false,
            }
        }
        () = cancel.cancelled() => true,
    };
    drop(stop);
    let session = net::call(core.timeout(), "IDLE", handle.done()).await?;
    if stopped {
        let mut session = session;
        let _ignored = session.logout().await;
        return Ok(None);
    }
    Ok(Some(session))
}

/// IMAP's date for SEARCH SINCE: "1-Feb-2025".
fn imap_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%-d-%b-%Y")
        .to_string()
}

fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The UIDs a SEARCH finds after `after`, in order.
async fn search(
    session: &mut Session,
    query: &str,
    after: u32,
    limit: Duration,
) -> Result<Vec<u32>, MailError> {
    let found = net::call(limit, "SEARCH", session.uid_search(query)).await?;
    let mut uids: Vec<u32> = found.into_iter().filter(|uid| *uid > after).collect();
    uids.sort_unstable();
    Ok(uids)
}

/// Reads everything in the folder after the stored position.
async fn read_new(
    core: &Core,
    relay: &Relay,
    account: &Account,
    session: &mut Session,
    moves: bool,
) -> Result<(), MailError> {
    let folder = &account.stored.folder;
    let selected = net::select(session, folder).await?;
    let validity = i64::from(selected.uid_validity.unwrap_or(0));
    let position: Option<(i64, i64)> = sqlx::query_as(
        "SELECT uid_validity, last_uid FROM email_folders WHERE channel_account_id = ?1 AND folder = ?2",
    )
    .bind(account.id)
    .bind(folder)
    .fetch_optional(core.store.pool())
    .await
    .map_err(|e| store_error(e.into()))?;

    let limit = core.timeout();
    let (after, importing) = match position {
        Some((v, last)) if v == validity => (u32::try_from(last).unwrap_or(0), false),
        Some((old, _)) => {
            tracing::warn!(
                account_id = account.id,
                old,
                new = validity,
                "the folder's UIDVALIDITY changed: reading it again, known mail is recognised"
            );
            (0, true)
        }
        None => (0, true),
    };
    // The first connection may import only recent mail: the position then
    // starts after everything already in the folder.
    let (uids, floor) = match (position, account.stored.import_days) {
        (None, Some(days)) => {
            let top = search(session, "ALL", after, limit)
                .await?
                .last()
                .copied()
                .unwrap_or(0);
            let uids = if days == 0 {
                Vec::new()
            } else {
                let since = core.clock.now_ms() - i64::from(days) * 86_400_000;
                search(
                    session,
                    &format!("SINCE {}", imap_date(since)),
                    after,
                    limit,
                )
                .await?
            };
            (uids, top)
        }
        _ => (
            search(session, &format!("UID {}:*", after + 1), after, limit).await?,
            after,
        ),
    };
    if uids.is_empty() {
        if position != Some((validity, i64::from(floor))) {
            save_position(core, account.id, folder, validity, floor).await?;
        }
        return Ok(());
    }

    let total = u32::try_from(uids.len()).unwrap_or(u32::MAX);
    let mut done = 0u32;
    if importing {
        core.set_status(account.id, |s| {
            s.state = MailboxState::Importing;
            s.import = Some(ImportProgress { done, total });
        });
        tracing::info!(account_id = account.id, total, "importing mail");
    }
    // The next chunk is fetched while the last one is stored.
    let chunks: Vec<&[u32]> = uids.chunks(core.settings.batch.max(1)).collect();
    let mut next = match chunks.first() {
        Some(first) => Some(fetch_chunk(session, first, limit).await?),
        None => None,
    };
    for (i, chunk) in chunks.iter().enumerate() {
        let Some(fetched) = next.take() else { break };
        let set = uid_set(chunk);
        let last = chunk.last().copied().unwrap_or(after);
        let (stored, following) = tokio::join!(
            store_batch(core, relay, account, &fetched, validity, last),
            async {
                match chunks.get(i + 1) {
                    Some(c) => Some(fetch_chunk(session, c, limit).await),
                    None => None,
                }
            }
        );
        relay.after_commit_all(&stored?).await;
        if !importing {
            net::call(limit, "STORE", async {
                session
                    .uid_store(&set, "+FLAGS.SILENT (\\Seen)")
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
        }
        if let Some(to) = &account.stored.move_to {
            move_processed(session, moves, &set, to, limit).await?;
        }
        done += u32::try_from(chunk.len()).unwrap_or(0);
        if importing {
            core.set_status(account.id, |s| {
                s.import = Some(ImportProgress { done, total })
            });
        }
        // The chunk stored is marked and moved whatever the next fetch met.
        next = following.transpose()?;
    }
    if floor > uids.last().copied().unwrap_or(0) {
        save_position(core, account.id, folder, validity, floor).await?;
    }
    if importing {
        tracing::info!(account_id = account.id, total, "import finished");
        core.set_status(account.id, |s| s.import = None);
    }
    Ok(())
}

async fn save_position(
    core: &Core,
    account_id: i64,
    folder: &str,
    validity: i64,
    last: u32,
) -> Result<(), MailError> {
    async {
        let mut tx = core.store.write().await?;
        position_in(
            &mut tx,
            core.clock.now_ms(),
            account_id,
            folder,
            validity,
            last,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, Error>(())
    }
    .await
    .map_err(store_error)
}

async fn position_in(
    db: &mut sqlx::SqliteConnection,
    now: i64,
    account_id: i64,
    folder: &str,
    validity: i64,
    last: u32,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO email_folders (channel_account_id, folder, uid_validity, last_uid, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (channel_account_id, folder) DO UPDATE SET uid_validity = excluded.uid_validity,
             last_uid = excluded.last_uid, updated_at = excluded.updated_at",
    )
    .bind(account_id)
    .bind(folder)
    .bind(validity)
    .bind(i64::from(last))
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The whole mails of `chunk`, by UID, in UID order.
async fn fetch_chunk(
    session: &mut Session,
    chunk: &[u32],
    limit: Duration,
) -> Result<Vec<(u32, Vec<u8>)>, MailError> {
    let set = uid_set(chunk);
    let mut fetched: Vec<(u32, Vec<u8>)> = net::call(limit * 4, "FETCH", async {
        session
            .uid_fetch(&set, "(UID BODY.PEEK[])")
            .await?
            .try_filter_map(|f| async move { Ok(f.uid.zip(f.body().map(<[u8]>::to_vec))) })
            .try_collect()
            .await
    })
    .await?;
    fetched.sort_by_key(|(uid, _)| *uid);
    Ok(fetched)
}

/// Stores a batch of mail and the folder position after it, all or nothing.
async fn store_batch(
    core: &Core,
    relay: &Relay,
    account: &Account,
    fetched: &[(u32, Vec<u8>)],
    validity: i64,
    last: u32,
) -> Result<Vec<IngestOutcome>, MailError> {
    async {
        let mut tx = core.store.write().await?;
        let mut stored = Vec::new();
        for (uid, raw) in fetched {
            match store_mail(core, relay, &mut tx, account, raw).await? {
                Outcome::Stored(outcome) => stored.push(outcome),
                Outcome::Skipped(why) => {
                    tracing::debug!(
                        account_id = account.id,
                        uid,
                        ?why,
                        "mail not stored as a message"
                    );
                }
            }
        }
        position_in(
            &mut tx,
            core.clock.now_ms(),
            account.id,
            &account.stored.folder,
            validity,
            last,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, Error>(stored)
    }
    .await
    .map_err(store_error)
}

/// Moves stored mail to the mailbox's folder for processed mail, creating it
/// when missing; MOVE when the server has it, else COPY + \Deleted + EXPUNGE.
async fn move_processed(
    session: &mut Session,
    has_move: bool,
    set: &str,
    to: &str,
    limit: Duration,
) -> Result<(), MailError> {
    // CREATE answers NO when the folder exists; that is fine.
    let to = &net::folder_name(to);
    if let Ok(Err(e)) = tokio::time::timeout(limit, session.create(to)).await {
        tracing::debug!(error = %e, folder = to, "CREATE");
    }
    if has_move {
        return net::call(limit, "MOVE", session.uid_mv(set, to)).await;
    }
    net::call(limit, "COPY", session.uid_copy(set, to)).await?;
    net::call(limit, "EXPUNGE", async {
        session
            .uid_store(set, "+FLAGS.SILENT (\\Deleted)")
            .await?
            .try_collect::<Vec<_>>()
            .await?;
        session.expunge().await?.try_collect::<Vec<_>>().await
    })
    .await?;
    Ok(())
}
