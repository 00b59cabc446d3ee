//! Reading PDF price lists made here with lopdf: Cyrillic text through a
//! standard font's encoding, the "next line" operators, scans, damage and
//! passwords.

#![allow(clippy::unwrap_used)]

use lopdf::content::{Content, Operation};
use lopdf::{
    Document, EncryptionState, EncryptionVersion, Object, Permissions, Stream, StringFormat,
    dictionary,
};

use crate::assistant::catalogue::parse::tests::{err, ok, run, texts};
use crate::assistant::catalogue::parse::{Format, ParseError};

/// A Helvetica (not embedded) whose codes 0xC0–0xFF, 0xA8 and 0xB8 name the
/// Cyrillic glyphs where Windows-1251 has those letters, the rest as WinAnsi.
fn cyrillic_helvetica() -> lopdf::Dictionary {
    let afii = |n: u32| Object::Name(format!("afii{n}").into_bytes());
    let mut differences = vec![168.into(), afii(10023), 184.into(), afii(10071), 192.into()];
    // А–Я and а–я, skipping Ё and ё, which sit between Е and Ж in the glyph list.
    differences.extend((0..32).map(|k| afii(10017 + k + u32::from(k >= 6))));
    differences.extend((0..32).map(|k| afii(10065 + k + u32::from(k >= 6))));
    dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "FirstChar" => 32,
        "LastChar" => 255,
        "Widths" => vec![Object::Integer(556); 224],
        "Encoding" => dictionary! {
            "Type" => "Encoding",
            "BaseEncoding" => "WinAnsiEncoding",
            "Differences" => differences,
        },
    }
}

/// Content that writes `lines` one under another in 12-point type.
fn text_page(lines: &[&str]) -> Vec<Operation> {
    let mut ops = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), 12.into()]),
        Operation::new("Td", vec![72.into(), 760.into()]),
    ];
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            ops.push(Operation::new("Td", vec![0.into(), (-24).into()]));
        }
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(line);
        assert!(!unmappable, "{line}");
        ops.push(Operation::new(
            "Tj",
            vec![Object::String(bytes.into_owned(), StringFormat::Literal)],
        ));
    }
    ops.push(Operation::new("ET", vec![]));
    ops
}

/// A PDF document with one page per content.
fn pdf_document(pages: Vec<Vec<Operation>>) -> Document {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(cyrillic_helvetica());
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let count = pages.len() as i64;
    let kids: Vec<Object> = pages
        .into_iter()
        .map(|operations| {
            let content = Content { operations }.encode().unwrap();
            let content_id = doc.add_object(Stream::new(dictionary! {}, content));
            doc.add_object(
                dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id },
            )
            .into()
        })
        .collect();
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    doc
}

fn save(mut doc: Document) -> Vec<u8> {
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

const PAGE_1: &[&str] = &[
    "Прайс-лист ООО Ромашка",
    "Молоток слесарный   12990 руб.",
    "Ёлка искусственная 4500",
];
const PAGE_2: &[&str] = &["Отвёртка крестовая 349,50", "Hammer (steel) 15.00 EUR"];

fn catalogue_pdf() -> Document {
    pdf_document(vec![text_page(PAGE_1), text_page(PAGE_2)])
}

#[test]
fn pdf_lines_become_rows_with_cyrillic_text() {
    let bytes = save(catalogue_pdf());
    let (result, calls) = run("Прайс.pdf", &bytes);
    let parsed = result.unwrap();
    assert_eq!(parsed.format, Format::Pdf);
    assert!(parsed.columns.is_empty());
    assert_eq!(
        texts(&parsed),
        [
            "Прайс-лист ООО Ромашка",
            "Молоток слесарный 12990 руб.",
            "Ёлка искусственная 4500",
            "Отвёртка крестовая 349,50",
            "Hammer (steel) 15.00 EUR",
        ]
    );
    let sheets: Vec<_> = parsed
        .rows
        .iter()
        .map(|r| r.sheet.as_deref().unwrap())
        .collect();
    assert_eq!(sheets, ["Page 1", "Page 1", "Page 1", "Page 2", "Page 2"]);
    assert!(parsed.rows.iter().all(|r| r.cells == [r.text.clone()]));
    assert_eq!(calls, [(0, 2), (1, 2), (2, 2), (2, 2)]);
}

#[test]
fn pdf_next_line_operators_start_new_rows() {
    // As Ghostscript writes lines: `'` and `"` move to the next line, then show text.
    let string = |text: &str| {
        Object::String(
            encoding_rs::WINDOWS_1251.encode(text).0.into_owned(),
            StringFormat::Literal,
        )
    };
    let page = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), 12.into()]),
        Operation::new("Td", vec![72.into(), 760.into()]),
        Operation::new("TL", vec![24.into()]),
        Operation::new("Tj", vec![string("Молоток 100")]),
        Operation::new("'", vec![string("Клещи 200")]),
        Operation::new("\"", vec![0.into(), 0.into(), string("Отвёртка 300")]),
        Operation::new("ET", vec![]),
    ];
    let parsed = ok("gs.pdf", &save(pdf_document(vec![page])));
    assert_eq!(texts(&parsed), ["Молоток 100", "Клещи 200", "Отвёртка 300"]);
}

#[test]
fn pdf_without_text_has_no_rows() {
    let rectangle = vec![
        Operation::new("re", vec![100.into(), 100.into(), 200.into(), 100.into()]),
        Operation::new("f", vec![]),
    ];
    let bytes = save(pdf_document(vec![rectangle]));
    let (result, calls) = run("scan.pdf", &bytes);
    assert_eq!(result, Err(ParseError::NoRows));
    assert!(ParseError::NoRows.to_string().contains("scanned"));
    assert_eq!(calls.last(), Some(&(1, 1)));
}

#[test]
fn garbage_named_pdf_is_unreadable() {
    let e = err("x.pdf", b"this is not a PDF at all \x00\x01\x02");
    assert!(
        matches!(
            e,
            ParseError::Unreadable {
                format: Format::Pdf,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with("the PDF file cannot be read"),
        "{e}"
    );
}

#[test]
fn damaged_pdfs_do_not_panic() {
    let bytes = save(catalogue_pdf());
    for end in [9, bytes.len() / 3, bytes.len() / 2, bytes.len() - 40] {
        // Whatever lopdf recovers, reading returns instead of panicking.
        let _result = run("x.pdf", &bytes[..end]).0;
    }
    // A page whose font dictionary is not a font makes the extractor panic; the page
    // is reported as unreadable.
    let mut doc = catalogue_pdf();
    let font = doc
        .objects
        .values_mut()
        .find(|o| o.as_dict().is_ok_and(|d| d.has(b"BaseFont")))
        .unwrap();
    *font =
        Object::Dictionary(dictionary! { "Type" => "Font", "Subtype" => "Type1", "Encoding" => 7 });
    let e = err("x.pdf", &save(doc));
    assert!(
        matches!(&e, ParseError::Unreadable { format: Format::Pdf, reason } if reason.contains("2 of 2")),
        "{e:?}"
    );
}

#[test]
fn password_protected_pdf_is_unreadable() {
    let mut doc = catalogue_pdf();
    doc.trailer.set(
        "ID",
        vec![
            Object::string_literal("0123456789abcdef"),
            Object::string_literal("0123456789abcdef"),
        ],
    );
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "secret",
        key_length: 128,
        permissions: Permissions::all(),
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    let e = err("x.pdf", &save(doc));
    assert!(
        matches!(&e, ParseError::Unreadable { format: Format::Pdf, reason } if reason.contains("password")),
        "{e:?}"
    );
}

#[test]
fn pdf_with_only_an_owner_password_is_read() {
    let mut doc = catalogue_pdf();
    doc.trailer.set(
        "ID",
        vec![
            Object::string_literal("0123456789abcdef"),
            Object::string_literal("0123456789abcdef"),
        ],
    );
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "",
        key_length: 128,
        permissions: Permissions::PRINTABLE,
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    assert_eq!(ok("x.pdf", &save(doc)).rows.len(), 5);
}
