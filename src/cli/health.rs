//! `tuberry doctor`, `tuberry retry|discard JOB` and `tuberry stats`: what is
//! broken and how to fix it, and how the shop answers.

use super::Output;
use crate::api::GuardrailKind;
use crate::api::{Fix, Health};
use crate::{ApiError, Engine, api};

fn fix_words(fix: Fix) -> &'static str {
    match fix {
        Fix::Reconnect => "enter the current password or token again (Accounts)",
        Fix::Wait => "the network or the provider is down; it retries by itself",
        Fix::ReadError => "read the error; if it stays, remove the account and connect it again",
        Fix::GroupRights => "give the bot what the work group lacks (Projects → the project)",
        Fix::UnlockKeyring => "unlock the system's keyring: log in to the desktop session",
        Fix::StartModelServer => "start the model server or check its address (Assistant)",
        Fix::FreeDisk => "free some disk space",
        Fix::Restore => "quit Tuberry and restore the last backup (tuberry restore FILE)",
        Fix::BackUp => "take a backup: tuberry backup now",
    }
}

fn mark(ok: bool) -> &'static str {
    if ok { "ok  " } else { "FIX " }
}

fn text(h: &Health) -> String {
    let mut out = String::new();
    let mut line = |ok: bool, what: String, fix: Option<Fix>| {
        out.push_str(mark(ok));
        out.push_str(&what);
        if let Some(fix) = fix {
            out.push_str(" — ");
            out.push_str(fix_words(fix));
        }
        out.push('\n');
    };
    for a in &h.accounts {
        let error = a
            .last_error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        line(
            a.fix.is_none(),
            format!("{} ({}) {}{error}", a.name, a.kind, a.state),
            a.fix,
        );
    }
    for g in &h.work_groups {
        let missing: Vec<&str> = g.missing.iter().map(|m| m.as_str()).collect();
        line(
            g.missing.is_empty(),
            format!(
                "work group “{}” of {}{}",
                g.title,
                g.project,
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(": lacks {}", missing.join(", "))
                }
            ),
            (!g.missing.is_empty()).then_some(Fix::GroupRights),
        );
    }
    let waiting: i64 = h.queue.waiting.iter().map(|(_, n)| n).sum();
    line(
        true,
        format!(
            "queue: {waiting} waiting, {} held by the outbox guard",
            h.queue.held_replies
        ),
        None,
    );
    for j in &h.queue.failed {
        line(
            false,
            format!(
                "failed job {} ({}) after {} attempts: {}",
                j.id,
                j.kind,
                j.attempts,
                j.last_error.as_deref().unwrap_or("")
            ),
            None,
        );
    }
    if !h.queue.failed.is_empty() {
        line(
            false,
            "tuberry retry JOB sends a failed job again; tuberry discard JOB gives it up".into(),
            None,
        );
    }
    line(
        h.keyring.ok,
        format!(
            "keyring{}",
            h.keyring
                .detail
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ),
        h.keyring.fix,
    );
    if let Some(m) = &h.model_server {
        line(
            m.ok,
            format!(
                "model server{}",
                m.detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
            m.fix,
        );
    }
    match (&h.lan.listen, &h.lan.listening, &h.lan.error) {
        (None, _, _) => line(true, "LAN endpoint off".into(), None),
        (_, Some(addr), _) => line(true, format!("LAN endpoint listening on {addr}"), None),
        (Some(want), None, error) => line(
            false,
            format!(
                "LAN endpoint not listening on {want}: {}",
                error.as_deref().unwrap_or("")
            ),
            None,
        ),
    }
    let d = &h.database;
    line(
        d.fix.is_none(),
        format!(
            "database {} ({} MiB, schema {}, {} MiB free){}",
            d.path,
            d.size_bytes / (1024 * 1024),
            d.schema_version,
            d.free_disk_bytes
                .map_or("?".to_owned(), |f| (f / (1024 * 1024)).to_string()),
            if d.intact { "" } else { ": damaged" }
        ),
        d.fix,
    );
    line(
        h.backup_fix.is_none(),
        match &h.last_backup {
            Some(b) => format!("last backup {} ({})", super::time(b.created_at), b.path),
            None => "no backup yet".into(),
        },
        h.backup_fix,
    );
    for g in &h.guardrails {
        line(
            !g.crossed,
            format!(
                "last 24 h, {}: {} of {} ({:.1} %, threshold {:.0} %)",
                guardrail_words(g.kind),
                g.events,
                g.total,
                g.ratio * 100.0,
                g.threshold * 100.0
            ),
            None,
        );
    }
    out
}

fn guardrail_words(kind: GuardrailKind) -> &'static str {
    match kind {
        GuardrailKind::NoSender => "inbound events without a usable sender",
        GuardrailKind::FailedReplies => "replies that failed",
        GuardrailKind::LateMirrors => "mirrors into the work group later than a minute",
        GuardrailKind::Handovers => "customer messages the assistant handed to a person",
    }
}

pub async fn doctor(engine: &Engine, bundle: Option<String>, out: &Output) -> Result<(), ApiError> {
    let health = api::health(engine).await?;
    out.print(&health, || text(&health));
    if let Some(folder) = bundle {
        let path = api::support_bundle(engine, Some(folder)).await?;
        // On standard error, so that --json stays one document.
        eprintln!("support bundle: {path}");
    }
    Ok(())
}

pub async fn retry(engine: &Engine, job: i64, out: &Output) -> Result<(), ApiError> {
    api::retry_job(engine, job).await?;
    out.print(&(), || format!("job {job} queued again\n"));
    Ok(())
}

pub async fn discard(engine: &Engine, job: i64, out: &Output) -> Result<(), ApiError> {
    api::discard_job(engine, job).await?;
    out.print(&(), || format!("job {job} discarded\n"));
    Ok(())
}

/// `tuberry stats`: a period's Dashboard.
pub async fn stats(
    engine: &Engine,
    period: &str,
    project: Option<i64>,
    channel: Option<&str>,
    csv: bool,
    out: &Output,
) -> Result<(), ApiError> {
    let days = match period.trim() {
        "today" | "1d" => 1,
        p => p
            .strip_suffix('d')
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| {
                ApiError::from(crate::error::Error::invalid(format!(
                    "a period is `today` or a number of days such as `7d`, not `{p}`"
                )))
            })?,
    };
    let channel = channel
        .map(|c| c.parse::<crate::model::ChannelKind>())
        .transpose()
        .map_err(crate::error::Error::from)?;
    let query = crate::stats::DashboardQuery {
        period: api::last_days(engine, days).await?,
        project_id: project,
        channel,
    };
    let d = api::dashboard(engine, query).await?;
    if csv {
        print!("{}", d.to_csv());
        return Ok(());
    }
    out.print(&d, || stats_text(&d));
    Ok(())
}

fn duration(ms: Option<i64>) -> String {
    ms.map_or("—".to_owned(), |ms| match ms / 1000 {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, s / 60 % 60),
    })
}

fn stats_text(d: &crate::stats::Dashboard) -> String {
    use std::fmt::Write;
    let f = &d.figures;
    let mut out = format!(
        "New conversations: {}, answered: {}, needed a person: {}\n\
         First response: median {}, 90% within {}\n\
         Resolved: {}, median {}, 90% within {}\n\
         Replies: people {}, assistant {}, auto-reply {}\n",
        f.new_conversations,
        f.answered,
        d.needed_a_person,
        duration(f.first_response_median_ms),
        duration(f.first_response_p90_ms),
        d.resolved,
        duration(d.resolution_median_ms),
        duration(d.resolution_p90_ms),
        f.replies_by_people,
        f.replies_by_assistant,
        f.replies_by_auto_reply
    );
    out.push_str("\nDay         new    in   out\n");
    for day in &d.days {
        let _ = writeln!(
            out,
            "{}  {:>4}  {:>4}  {:>4}",
            day.day, day.new_conversations, day.messages_in, day.messages_out
        );
    }
    let waiting: Vec<String> = d
        .waiting
        .iter()
        .map(|w| format!("{} {}", w.band.as_str(), w.conversations))
        .collect();
    let _ = writeln!(out, "\nWaiting now: {}", waiting.join(", "));
    if !d.people.is_empty() {
        out.push_str("\nPerson                replies  median response\n");
        for p in &d.people {
            let _ = writeln!(
                out,
                "{:<20}  {:>7}  {}",
                p.name,
                p.replies,
                duration(p.median_response_ms)
            );
        }
    }
    let busiest = d
        .busiest_hours
        .iter()
        .enumerate()
        .flat_map(|(day, hours)| hours.iter().enumerate().map(move |(h, n)| (*n, day, h)))
        .max();
    if let Some((n, day, hour)) = busiest.filter(|(n, _, _)| *n > 0) {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let _ = writeln!(
            out,
            "Busiest hour: {} {hour:02}:00 ({n} messages in), times in {}",
            DAYS[day], d.zone
        );
    }
    out
}
