//! Text out of a PDF price list: one row per line of text, page by page.
//! pdf-extract places text by its position on the page, so a table row laid
//! out cell by cell stays one line.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::parse::{Builder, Format, ParseError, one_line};

pub(super) fn parse_pdf(
    bytes: &[u8],
    out: &mut Builder,
) -> Result<(Format, Vec<String>), ParseError> {
    let unreadable = |reason: String| ParseError::unreadable(Format::Pdf, reason);
    let mut doc = catch_unwind(|| pdf_extract::Document::load_mem(bytes))
        .map_err(|_| unreadable("the file is damaged".to_owned()))?
        .map_err(|e| unreadable(format!("the file is damaged or not a PDF ({e})")))?;
    if doc.is_encrypted() {
        return Err(unreadable(
            "the PDF is password-protected; remove the password (or print it to a new PDF) and upload it again"
                .to_owned(),
        ));
    }
    let pages = doc.get_pages();
    // A page this fails on is left as it is; extraction then reports it.
    catch_unwind(AssertUnwindSafe(|| {
        pages
            .values()
            .for_each(|&id| spell_out_next_line(&mut doc, id))
    }))
    .ok();
    let pages: Vec<u32> = pages.into_keys().collect();
    out.report(0, pages.len());
    let mut failed = Vec::new();
    for (i, &page) in pages.iter().enumerate() {
        let mut text = String::new();
        let extracted = catch_unwind(AssertUnwindSafe(|| {
            let mut sink = pdf_extract::PlainTextOutput::new(&mut text);
            pdf_extract::output_doc_page(&doc, &mut sink, page)
        }));
        if let Ok(Ok(())) = extracted {
            let sheet = format!("Page {page}");
            for line in text.lines().map(one_line).filter(|l| !l.is_empty()) {
                let cell = out.cell(&line);
                out.push(Some(&sheet), vec![cell], &[]);
            }
        } else {
            failed.push(page.to_string());
        }
        out.report(i + 1, pages.len());
        if out.truncated {
            break;
        }
    }
    if !failed.is_empty() {
        if out.rows.is_empty() {
            return Err(unreadable(format!(
                "its text could not be extracted ({} of {} pages failed)",
                failed.len(),
                pages.len()
            )));
        }
        out.warnings.push(format!(
            "PDF page(s) {} could not be read and were skipped",
            failed.join(", ")
        ));
    }
    Ok((Format::Pdf, Vec::new()))
}

/// Rewrites the page's `'` and `"` operators (move to the next line, then
/// show text), which PostScript converters such as Ghostscript write, as the
/// `T*` and `Tj` they stand for: the text extractor skips them otherwise.
fn spell_out_next_line(doc: &mut pdf_extract::Document, page_id: pdf_extract::ObjectId) {
    use pdf_extract::content::{Content, Operation};
    let Ok(raw) = doc.get_page_content(page_id) else {
        return;
    };
    if !raw.iter().any(|&b| b == b'\'' || b == b'"') {
        return;
    }
    let Ok(content) = Content::decode(&raw) else {
        return;
    };
    let mut operations = Vec::with_capacity(content.operations.len() * 2);
    for op in content.operations {
        let (spacing, text) = match (op.operator.as_str(), op.operands.as_slice()) {
            ("'", [text]) => (None, text.clone()),
            ("\"", [word, char, text]) => (Some((word.clone(), char.clone())), text.clone()),
            _ => {
                operations.push(op);
                continue;
            }
        };
        if let Some((word, char)) = spacing {
            operations.push(Operation::new("Tw", vec![word]));
            operations.push(Operation::new("Tc", vec![char]));
        }
        operations.push(Operation::new("T*", vec![]));
        operations.push(Operation::new("Tj", vec![text]));
    }
    if let Ok(encoded) = (Content { operations }).encode() {
        doc.change_page_content(page_id, encoded).ok();
    }
}

#[cfg(test)]
#[path = "pdf_tests.rs"]
mod tests;
