//! The quoted history below a reply: told apart from what the customer wrote
//! now, so the thread shows it folded instead of repeating it.

/// Splits text into (new part, quoted history) — used by [`super::parse`], public for
/// tests.
///
/// History starts at the first of: an attribution line ("On … wrote:", "…
/// написал(а):", "… пишет:") followed by quoted lines; an "Original Message"
/// separator or an Outlook header block ("From:" then "Sent:"); a run of ">"
/// lines that reaches the end, with the line naming its author if there is one.
/// Nothing after a forward marker counts: a forwarded mail is what the sender
/// wants read. When everything would be history, all of it is the new part:
/// the text must never be empty for a mail that says something.
pub fn split_quoted(text: &str) -> (String, Option<String>) {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let whole = || tidy(&lines);
    let Some(start) = history_start(&lines) else {
        return (whole(), None);
    };
    let (new, quoted) = (tidy(&lines[..start]), tidy(&lines[start..]));
    if new.is_empty() || quoted.is_empty() {
        return (whole(), None);
    }
    (new, Some(quoted))
}

/// Lines joined without leading and trailing blank lines.
fn tidy(lines: &[&str]) -> String {
    let Some(first) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return String::new();
    };
    let last = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .unwrap_or(first);
    lines[first..=last].join("\n")
}

fn history_start(all: &[&str]) -> Option<usize> {
    let forward = all.iter().position(|l| is_forward_marker(l));
    let lines = &all[..forward.unwrap_or(all.len())];
    let marked = (0..lines.len())
        .find(|&i| starts_history(lines, i))
        .map(|i| {
            // Outlook draws a rule above its header block.
            match previous_non_blank(lines, i) {
                Some(p) if is_rule(lines[p]) => p,
                _ => i,
            }
        });
    let tail = if forward.is_none() {
        quoted_tail(lines)
    } else {
        None
    };
    marked.into_iter().chain(tail).min()
}

fn starts_history(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    if is_separator(line) || is_header_block(lines, i) {
        return true;
    }
    let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or_default();
    let attribution_end = if is_attribution(line) {
        Some(i)
    } else if !line.is_empty()
        && !line.starts_with('>')
        && !is_attribution(next)
        && is_attribution(&format!("{line} {next}"))
    {
        // Clients wrap long attributions: "On …, Shop <shop@shop.test>\nwrote:".
        Some(i + 1)
    } else {
        None
    };
    attribution_end.is_some_and(|end| {
        next_non_blank(lines, end + 1).is_some_and(|n| lines[n].trim_start().starts_with('>'))
    })
}

fn is_attribution(line: &str) -> bool {
    const RUSSIAN: [&str; 4] = [" написал(а):", " написал:", " написала:", " пишет:"];
    (line.starts_with("On ") && line.ends_with(" wrote:"))
        || RUSSIAN.iter().any(|verb| line.ends_with(verb))
}

/// "-----Original Message-----", "-------- Исходное сообщение --------" and the like.
fn is_separator(line: &str) -> bool {
    line.starts_with("--") && {
        let title = line
            .trim_matches(|c: char| c == '-' || c.is_whitespace())
            .to_lowercase();
        title == "original message" || title == "исходное сообщение"
    }
}

/// Outlook's header block of the answered mail: "From: …" then "Sent: …".
fn is_header_block(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim_start();
    (line.starts_with("From:") || line.starts_with("От:"))
        && next_non_blank(lines, i + 1).is_some_and(|n| {
            ["Sent:", "Date:", "Отправлено:", "Дата:"]
                .iter()
                .any(|field| lines[n].trim_start().starts_with(field))
        })
}

fn is_forward_marker(line: &str) -> bool {
    let line = line.to_lowercase();
    [
        "forwarded message",
        "пересылаемое сообщение",
        "переадресованного сообщения",
    ]
    .iter()
    .any(|marker| line.contains(marker))
}

/// A line of underscores or dashes alone.
fn is_rule(line: &str) -> bool {
    let line = line.trim();
    line.len() >= 8 && (line.chars().all(|c| c == '_') || line.chars().all(|c| c == '-'))
}

/// The first line of a run of ">" lines (blank lines allowed) that reaches the
/// end, or of the line before it when that line names the quoted author in a
/// way no pattern knows ("Понедельник, 3 ноября 2025, 10:00 от Shop <shop@shop.test>:").
fn quoted_tail(lines: &[&str]) -> Option<usize> {
    let mut start = None;
    for (i, line) in lines.iter().enumerate().rev() {
        let line = line.trim_start();
        if line.starts_with('>') {
            start = Some(i);
        } else if !line.is_empty() {
            break;
        }
    }
    let start = start?;
    match previous_non_blank(lines, start) {
        Some(p) if lines[p].trim().ends_with(':') && lines[p].contains('@') => Some(p),
        _ => Some(start),
    }
}

fn next_non_blank(lines: &[&str], from: usize) -> Option<usize> {
    (from..lines.len()).find(|&i| !lines[i].trim().is_empty())
}

fn previous_non_blank(lines: &[&str], before: usize) -> Option<usize> {
    (0..before).rev().find(|&i| !lines[i].trim().is_empty())
}
