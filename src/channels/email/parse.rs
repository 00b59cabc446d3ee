//! Reading a raw e-mail (RFC 5322 / MIME) into what the inbox stores.
//!
//! The inbox shows conversations, not mailboxes: of a mail it keeps who wrote,
//! what is new in it (the quoted history folded away), a copy of its HTML that
//! is safe to display, and its files. Mail from real customers is messy —
//! wrong or missing charsets, unusual clients, damaged encodings — so reading
//! degrades rather than fails: an undecodable part becomes less text, never a
//! lost message. The one hard failure is a mail without a sender, which no
//! conversation could belong to.
//!
//! Everything here is pure: bytes in, values out.

use mailparse::body::Body;
use mailparse::{
    DispositionType, MailAddr, MailHeader, MailHeaderMap, ParsedContentDisposition,
    ParsedMail as Part,
};
use sha2::{Digest, Sha256};

use self::html::{html_to_text, sanitize_html};
pub use self::quoted::split_quoted;

/// A mail as the inbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMail {
    /// Message-ID without angle brackets; when the mail has none,
    /// "sha256-<hex of raw bytes>@tuberry.invalid", so that fetching the same
    /// mail again still recognises it.
    pub message_id: String,
    /// Ids (without `<>`) of the messages this one answers.
    pub in_reply_to: Vec<String>,
    /// Ids (without `<>`) of the thread this one belongs to, oldest first.
    pub references: Vec<String>,
    /// The sender's address (addr-spec), lower-cased so it compares as the
    /// same contact whatever case the client wrote it in.
    pub from_address: String,
    /// The sender's display name, decoded; "" when the mail gives none.
    pub from_name: String,
    /// Where the sender wants answers to go (lower-cased), if not to `from_address`.
    pub reply_to: Option<String>,
    /// The recipients of To and Cc, lower-cased, each once.
    pub to: Vec<String>,
    /// The subject, decoded and trimmed; "" when there is none.
    pub subject: String,
    /// The Date header as Unix milliseconds, when it can be read.
    pub date_ms: Option<i64>,
    /// The new part of the message as readable text: for text/plain the decoded
    /// text; for an HTML-only mail the HTML rendered to text (links kept
    /// readable, no markup). Quoted history removed.
    pub text: String,
    /// The quoted history that followed the new part (folded away in the UI), if any.
    pub quoted: Option<String>,
    /// The mail's HTML body, sanitized so that showing it can neither run code
    /// nor tell the sender it was opened: no scripts, event handlers, forms or
    /// frames, and images only from the mail itself (`cid:`) or inline `data:`.
    pub html: Option<String>,
    /// Files, inline images and forwarded mails carried by the message.
    pub attachments: Vec<MailAttachment>,
    /// Sent by a machine: an auto-reply (Auto-Submitted other than "no") or a
    /// delivery report / bounce (multipart/report, From MAILER-DAEMON or
    /// postmaster). The engine does not treat these as customer messages.
    pub automatic: bool,
}

/// A file carried by a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    /// The decoded file name (RFC 2231 or encoded-word), made safe to save
    /// under; "attachment-N.<ext>" when the sender gave none.
    pub name: String,
    /// The MIME type, lower-cased, e.g. "image/png".
    pub mime: String,
    /// The Content-ID (without `<>`) the HTML refers to it by as `cid:`.
    pub content_id: Option<String>,
    /// Meant to be shown within the message (e.g. an image the HTML shows)
    /// rather than offered as a download.
    pub inline: bool,
    /// The content, transfer encoding undone.
    pub bytes: Vec<u8>,
}

/// Why a mail could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The bytes do not even have the shape of a mail (a header block).
    #[error("the message could not be read as e-mail: {0}")]
    Malformed(#[from] mailparse::MailParseError),
    /// Nobody to attribute the mail to.
    #[error("the message has no sender (From)")]
    NoSender,
}

/// Reads a raw mail as fetched over IMAP.
pub fn parse(raw: &[u8]) -> Result<ParsedMail, ParseError> {
    let mail = mailparse::parse_mail(raw)?;
    let headers = &mail.headers;
    let (from_address, from_name) = headers
        .get_first_header("From")
        .and_then(|h| mailboxes(h).into_iter().next())
        .ok_or(ParseError::NoSender)?;
    let reply_to = headers
        .get_first_header("Reply-To")
        .and_then(|h| mailboxes(h).into_iter().next())
        .map(|(address, _)| address);
    let mut to: Vec<String> = Vec::new();
    for header in headers
        .get_all_headers("To")
        .into_iter()
        .chain(headers.get_all_headers("Cc"))
    {
        for (address, _) in mailboxes(header) {
            if !to.contains(&address) {
                to.push(address);
            }
        }
    }
    let ids = |name: &str| {
        headers
            .get_first_value(name)
            .map(|v| message_ids(&v))
            .unwrap_or_default()
    };
    let message_id = ids("Message-ID")
        .into_iter()
        .next()
        .unwrap_or_else(|| format!("sha256-{:x}@tuberry.invalid", Sha256::digest(raw)));
    let date_ms = headers
        .get_first_value("Date")
        .and_then(|d| mailparse::dateparse(&d).ok())
        .and_then(|s| s.checked_mul(1000));

    let mut attachments = Vec::new();
    let content = collect(&mail, &mut attachments);
    let text = match (content.plain, &content.html) {
        (Some(plain), _) => plain,
        (None, Some(html)) => html_to_text(html),
        (None, None) => String::new(),
    };
    let (text, quoted) = split_quoted(&text);
    Ok(ParsedMail {
        message_id,
        in_reply_to: ids("In-Reply-To"),
        references: ids("References"),
        automatic: is_automatic(&mail, &from_address),
        from_address,
        from_name,
        reply_to,
        to,
        subject: headers
            .get_first_value("Subject")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
        date_ms,
        text,
        quoted,
        html: content.html.as_deref().map(sanitize_html),
        attachments,
    })
}

/// The mailboxes a header names, as (lower-cased address, display name). A
/// header mailparse cannot read as an address list still yields the addresses
/// visibly in it: a sender written sloppily is still the sender.
fn mailboxes(header: &MailHeader) -> Vec<(String, String)> {
    let Ok(list) = mailparse::addrparse_header(header) else {
        return header
            .get_value()
            .split(|c: char| c.is_whitespace() || "<>()\",;".contains(c))
            .filter(|word| word.contains('@'))
            .map(|word| (word.to_lowercase(), String::new()))
            .collect();
    };
    list.iter()
        .flat_map(|addr| match addr {
            MailAddr::Single(info) => std::slice::from_ref(info),
            MailAddr::Group(group) => group.addrs.as_slice(),
        })
        .map(|info| {
            let name = info.display_name.as_deref().unwrap_or_default();
            (info.addr.trim().to_lowercase(), name.trim().to_owned())
        })
        .filter(|(address, _)| !address.is_empty())
        .collect()
}

/// The message ids a header names, without angle brackets, each once. Ids are
/// taken from between `<` and `>` wherever they are, so that the comments some
/// clients add (`<id> (Ivan's message of …)`) do not hide them; a header with
/// no brackets at all is read as bare ids.
fn message_ids(value: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut rest = value;
    while let Some((_, after)) = rest.split_once('<') {
        let Some((id, next)) = after.split_once('>') else {
            break;
        };
        let id = id.trim();
        if !id.is_empty() && !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
        rest = next;
    }
    if ids.is_empty() {
        ids.extend(
            value
                .split_whitespace()
                .filter(|w| w.contains('@'))
                .map(str::to_owned),
        );
    }
    ids
}

/// What a MIME subtree offers as the body.
#[derive(Default)]
struct Content {
    plain: Option<String>,
    html: Option<String>,
}

/// Walks a MIME subtree: text parts become its [`Content`], everything else
/// (files, images, forwarded mails) goes to `attachments`.
fn collect(part: &Part, attachments: &mut Vec<MailAttachment>) -> Content {
    let mime = part.ctype.mimetype.as_str();
    if mime.starts_with("multipart/") {
        let children = part
            .subparts
            .iter()
            .map(|p| collect(p, attachments))
            .collect();
        return if mime == "multipart/alternative" {
            alternative(children)
        } else {
            together(children)
        };
    }
    let disposition = part.get_content_disposition();
    let file_name = disposition
        .params
        .get("filename")
        .or_else(|| part.ctype.params.get("name"))
        .map(|name| clean_file_name(name))
        .filter(|name| !name.is_empty());
    // A text part with a file name is a file the sender attached (notes.txt),
    // not what they wrote.
    let is_file = disposition.disposition == DispositionType::Attachment || file_name.is_some();
    match mime {
        "text/plain" if !is_file => Content {
            plain: Some(plain_text(part)),
            html: None,
        },
        "text/html" if !is_file => Content {
            plain: None,
            html: Some(part_text(part)),
        },
        _ => {
            let number = attachments.len() + 1;
            attachments.push(attachment(part, file_name, &disposition, number));
            Content::default()
        }
    }
}

/// The parts of a multipart/alternative say the same thing: the first plain
/// text that says anything is the text, the last (richest) HTML is the HTML.
fn alternative(children: Vec<Content>) -> Content {
    let mut out = Content::default();
    for child in children {
        if out.plain.is_none() {
            out.plain = child.plain.filter(|p| !p.trim().is_empty());
        }
        if child.html.is_some() {
            out.html = child.html;
        }
    }
    out
}

/// The parts of any other multipart follow one another. When some of them have
/// plain text, an HTML-only part among them is rendered to text in its place,
/// so the text keeps everything the mail says, in order.
fn together(children: Vec<Content>) -> Content {
    let any_plain = children.iter().any(|c| c.plain.is_some());
    let mut out = Content::default();
    for child in children {
        let text = match (child.plain, &child.html) {
            (Some(plain), _) => Some(plain),
            (None, Some(html)) if any_plain => Some(html_to_text(html)),
            _ => None,
        };
        append(&mut out.plain, text, "\n\n");
        append(&mut out.html, child.html, "\n");
    }
    out
}

/// Adds a piece that says something after what is already there.
fn append(to: &mut Option<String>, piece: Option<String>, separator: &str) {
    let Some(piece) = piece else {
        return;
    };
    let piece = piece.trim_end().trim_start_matches(['\r', '\n']);
    match to {
        _ if piece.is_empty() => {}
        Some(text) => {
            text.push_str(separator);
            text.push_str(piece);
        }
        None => *to = Some(piece.to_owned()),
    }
}

/// A part's bytes with the transfer encoding undone. A part whose encoding is
/// damaged keeps its bytes as they came: damaged content is more use to a
/// person than none.
fn body_bytes(part: &Part) -> Vec<u8> {
    part.get_body_raw()
        .unwrap_or_else(|_| match part.get_body_encoded() {
            Body::Base64(body) | Body::QuotedPrintable(body) => body.get_raw().to_vec(),
            Body::SevenBit(body) | Body::EightBit(body) => body.get_raw().to_vec(),
            Body::Binary(body) => body.get_raw().to_vec(),
        })
}

/// A text part as a string. Mail that declares no charset, or plain ASCII, yet
/// carries UTF-8 is common, and text is hardly ever valid UTF-8 by accident, so
/// such mail is read as UTF-8; anything else goes through its declared charset.
fn part_text(part: &Part) -> String {
    let declared = part
        .ctype
        .params
        .get("charset")
        .map(|c| c.trim().to_ascii_lowercase());
    if matches!(declared.as_deref(), None | Some("us-ascii" | "ascii"))
        && let Ok(text) = String::from_utf8(body_bytes(part))
    {
        return text;
    }
    part.get_body()
        .unwrap_or_else(|_| String::from_utf8_lossy(&body_bytes(part)).into_owned())
}

/// A text/plain part as text, with `format=flowed` lines joined back.
fn plain_text(part: &Part) -> String {
    let text = part_text(part).replace("\r\n", "\n");
    let param = |name: &str| {
        part.ctype
            .params
            .get(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if param("format").as_deref() == Some("flowed") {
        unflow(&text, param("delsp").as_deref() == Some("yes"))
    } else {
        text
    }
}

/// Joins the lines of a `format=flowed` text (RFC 3676), where a line ending
/// in a space goes on in the next one: the text then reads as the paragraphs
/// that were written rather than as lines cut at 72 characters.
fn unflow(text: &str, delsp: bool) -> String {
    let mut lines: Vec<String> = Vec::new();
    // The quote depth of the previous line, when it goes on in this one.
    let mut open: Option<usize> = None;
    for line in text.lines() {
        let depth = line.chars().take_while(|&c| c == '>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let flowed = content.ends_with(' ') && content != "-- ";
        let piece = match content.strip_suffix(' ') {
            Some(cut) if flowed && delsp => cut,
            _ => content,
        };
        match lines.last_mut() {
            Some(last) if open == Some(depth) => last.push_str(piece),
            _ => {
                let prefix = if depth > 0 {
                    ">".repeat(depth) + " "
                } else {
                    String::new()
                };
                lines.push(prefix + piece);
            }
        }
        open = flowed.then_some(depth);
    }
    lines.join("\n")
}

/// A part that is not text to read, as an attachment.
fn attachment(
    part: &Part,
    file_name: Option<String>,
    disposition: &ParsedContentDisposition,
    number: usize,
) -> MailAttachment {
    let mime = part.ctype.mimetype.clone();
    let bytes = body_bytes(part);
    let name = file_name
        .or_else(|| {
            (mime == "message/rfc822")
                .then(|| forwarded_name(&bytes))
                .flatten()
        })
        .unwrap_or_else(|| format!("attachment-{number}.{}", extension(&mime)));
    let content_id = part
        .headers
        .get_first_value("Content-ID")
        .map(|id| id.trim().trim_matches(['<', '>']).trim().to_owned())
        .filter(|id| !id.is_empty());
    // Without a Content-Disposition, a part with a Content-ID is there to be
    // referred to by the HTML (multipart/related); one without is a file.
    let declared = part
        .headers
        .get_first_header("Content-Disposition")
        .is_some();
    let inline =
        disposition.disposition == DispositionType::Inline && (declared || content_id.is_some());
    MailAttachment {
        name,
        mime,
        content_id,
        inline,
        bytes,
    }
}

/// "<subject>.eml" for a forwarded mail, when it has a subject.
fn forwarded_name(message: &[u8]) -> Option<String> {
    let (headers, _) = mailparse::parse_headers(message).ok()?;
    let subject = headers.get_first_value("Subject")?;
    let name = clean_file_name(&subject);
    (!name.is_empty()).then(|| format!("{name}.eml"))
}

/// File names come from the sender: path separators and control characters
/// are replaced, and a name of dots alone dropped, so that a name can never
/// point outside the folder it is saved in.
fn clean_file_name(name: &str) -> String {
    let cleaned = name
        .trim()
        .replace(['/', '\\'], "_")
        .replace(char::is_control, "_");
    if cleaned.chars().all(|c| c == '.') {
        String::new()
    } else {
        cleaned
    }
}

/// The usual file name extension of a MIME type, for unnamed attachments.
fn extension(mime: &str) -> &'static str {
    match mime {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "text/html" => "html",
        "text/calendar" => "ics",
        "message/rfc822" => "eml",
        "text/plain" | "message/delivery-status" | "text/rfc822-headers" => "txt",
        _ => "bin",
    }
}

/// Whether a machine, not a person, sent the mail: an auto-reply (RFC 3834
/// Auto-Submitted, or the older headers autoresponders still send) or a
/// delivery report. The inbox must not answer these, or two robots could keep
/// a conversation going forever.
fn is_automatic(mail: &Part, from_address: &str) -> bool {
    let value = |name: &str| {
        mail.headers
            .get_first_value(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let auto_submitted = value("Auto-Submitted").is_some_and(|v| {
        let kind = v.split([';', '(', ' ', '\t']).next().unwrap_or_default();
        !kind.is_empty() && kind != "no"
    });
    let autoreply = value("X-Autoreply").is_some_and(|v| v != "no")
        || value("Precedence").is_some_and(|v| v == "auto_reply");
    let report = mail.ctype.mimetype == "multipart/report";
    let local = from_address
        .rsplit_once('@')
        .map_or(from_address, |(l, _)| l);
    auto_submitted || autoreply || report || matches!(local, "mailer-daemon" | "postmaster")
}

/// Reply and forward prefixes in the languages the inbox sees, lower-cased.
const SUBJECT_PREFIXES: [&str; 8] = ["re", "fwd", "fw", "aw", "wg", "ответ", "отв", "пересл"];

/// The subject as threads compare it: "Re:", "RE:", "Fwd:", "FW:", "AW:",
/// "Ответ:", "Отв:", "Re[2]:", "Re: Re:" prefixes removed repeatedly,
/// whitespace collapsed, lower-cased — so a reply finds its thread even when
/// its headers do not name it.
pub fn thread_subject(subject: &str) -> String {
    let collapsed = subject
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let mut rest = collapsed.as_str();
    while let Some(shorter) = strip_subject_prefix(rest) {
        rest = shorter;
    }
    rest.to_owned()
}

fn strip_subject_prefix(subject: &str) -> Option<&str> {
    SUBJECT_PREFIXES.iter().find_map(|prefix| {
        let rest = subject.strip_prefix(prefix)?;
        let rest = skip_counter(rest.trim_start()).trim_start();
        let rest = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))?;
        Some(rest.trim_start())
    })
}

/// Skips the reply counter some clients write after the prefix: "[2]" or "(2)".
fn skip_counter(s: &str) -> &str {
    for (open, close) in [('[', ']'), ('(', ')')] {
        if let Some(inner) = s.strip_prefix(open)
            && let Some((number, rest)) = inner.split_once(close)
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
        {
            return rest;
        }
    }
    s
}

mod html;
mod quoted;
#[cfg(test)]
mod tests;
