//! HTML mail: rendered to readable text for the thread, and sanitized for
//! showing the original.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use html2text::render::RichAnnotation;

/// The width HTML is laid out in when rendered to text. Wide, because the
/// inbox wraps text itself: breaks inside a sentence would show as ragged lines.
const RENDER_WIDTH: usize = 2000;

/// Renders HTML as readable text: paragraphs, lists, tables laid out in
/// columns, quotes as "> " lines (so [`super::split_quoted`] folds them like plain
/// text quotes) and links as "text (address)".
pub(super) fn html_to_text(html: &str) -> String {
    let rendered = html2text::config::rich()
        .no_table_borders()
        .allow_width_overflow()
        .lines_from_read(html.as_bytes(), RENDER_WIDTH);
    // html2text only fails on input it cannot make a document of at all; such
    // HTML has no text to show.
    let Ok(lines) = rendered else {
        return String::new();
    };
    let mut out = String::new();
    for line in lines {
        // The link being written, and its text so far.
        let mut link: Option<(&str, String)> = None;
        for piece in line.tagged_strings() {
            let url = piece.tag.iter().find_map(|a| match a {
                RichAnnotation::Link(url) => Some(url.as_str()),
                _ => None,
            });
            if link.as_ref().map(|(u, _)| *u) != url {
                if let Some((u, text)) = link.take() {
                    out.push_str(&link_suffix(u, &text));
                }
                link = url.map(|u| (u, String::new()));
            }
            if let Some((_, text)) = link.as_mut() {
                text.push_str(&piece.s);
            }
            out.push_str(&piece.s);
        }
        if let Some((u, text)) = link {
            out.push_str(&link_suffix(u, &text));
        }
        out.push('\n');
    }
    out
}

/// What follows a link's text so that the reader sees where it leads: nothing
/// when the text already is the address, or when the link leads nowhere a
/// person could follow (`#anchors`, `javascript:`).
fn link_suffix(url: &str, text: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    if !["http://", "https://", "mailto:", "tel:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return String::new();
    }
    let shown = url.trim();
    let shown = shown
        .strip_prefix("mailto:")
        .or_else(|| shown.strip_prefix("tel:"))
        .unwrap_or(shown);
    let text = text.trim();
    if text == shown || text == url.trim() {
        String::new()
    } else if text.is_empty() {
        shown.to_owned()
    } else {
        format!(" ({shown})")
    }
}

/// The HTML sanitizer: ammonia's defaults (no scripts, style sheets, event
/// handlers, forms or unknown tags; links get `rel="noopener noreferrer"`) and
/// more, because a mail is shown to someone who did not choose to open a page:
/// nothing may load from elsewhere, which would tell the sender the mail was
/// read, so images keep only `cid:` and `data:` sources.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_clean_content_tags(&["title", "iframe", "object", "embed", "noscript"])
        .add_url_schemes(&["cid", "data"])
        .url_relative(ammonia::UrlRelative::Deny)
        .add_generic_attributes(&["style"])
        .filter_style_properties(HashSet::from([
            "color",
            "background-color",
            "font-weight",
            "font-style",
            "font-size",
            "text-align",
            "text-decoration",
        ]))
        .attribute_filter(embedded_sources_only);
    builder
});

/// Keeps an attribute unless it points at content that is not plain web
/// navigation: images only from the mail itself, no `data:` pages.
fn embedded_sources_only<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
) -> Option<Cow<'u, str>> {
    let lower = value.trim_start().to_ascii_lowercase();
    let embedded = lower.starts_with("cid:") || lower.starts_with("data:image/");
    let keep = match (element, attribute) {
        ("img", "src") => embedded,
        // A data: link opens a page the mail wrote; cid: leads nowhere outside an image.
        _ => !lower.starts_with("data:") && !lower.starts_with("cid:"),
    };
    keep.then_some(Cow::Borrowed(value))
}

pub(super) fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string().trim().to_owned()
}
