#![allow(clippy::unwrap_used)]

use super::*;

const XLSX: &[u8] = include_bytes!("../../../tests/fixtures/catalogue/catalogue.xlsx");
const XLS: &[u8] = include_bytes!("../../../tests/fixtures/catalogue/catalogue.xls");

/// Parses and returns the result with every progress call made.
pub(crate) fn run(name: &str, bytes: &[u8]) -> (Result<Parsed, ParseError>, Vec<(usize, usize)>) {
    let mut calls = Vec::new();
    let result = parse(name, bytes, &mut |done, total| calls.push((done, total)));
    (result, calls)
}

/// Parses what must parse, checking that progress went forward and ended at the total.
pub(crate) fn ok(name: &str, bytes: &[u8]) -> Parsed {
    let (result, calls) = run(name, bytes);
    let parsed = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    let &(done, total) = calls.last().expect("progress is reported");
    assert_eq!(done, total, "{calls:?}");
    assert!(
        calls
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].0 <= w[0].1),
        "{calls:?}"
    );
    parsed
}

pub(crate) fn err(name: &str, bytes: &[u8]) -> ParseError {
    run(name, bytes).0.expect_err(name)
}

pub(crate) fn cells(parsed: &Parsed) -> Vec<Vec<&str>> {
    parsed
        .rows
        .iter()
        .map(|r| r.cells.iter().map(String::as_str).collect())
        .collect()
}

pub(crate) fn texts(parsed: &Parsed) -> Vec<&str> {
    parsed.rows.iter().map(|r| r.text.as_str()).collect()
}

// ---- file names, sizes, empty input -------------------------------------

#[test]
fn format_from_name_is_case_insensitive_and_uses_the_last_extension() {
    assert_eq!(Format::from_name("Прайс.PDF"), Some(Format::Pdf));
    assert_eq!(Format::from_name("price.2024.Csv"), Some(Format::Csv));
    assert_eq!(
        Format::from_name("C:\\Users\\shop\\price.XLSX"),
        Some(Format::Xlsx)
    );
    assert_eq!(Format::from_name("price.xls"), Some(Format::Xls));
    assert_eq!(Format::from_name("price.xls.docx"), None);
    assert_eq!(Format::from_name("xlsx"), None);
    assert_eq!(Format::from_name("price.ods"), None);
    let names: Vec<_> = [Format::Pdf, Format::Csv, Format::Xlsx, Format::Xls]
        .map(Format::as_str)
        .into();
    assert_eq!(names, ["pdf", "csv", "xlsx", "xls"]);
}

#[test]
fn empty_file_is_empty_whatever_its_name() {
    assert_eq!(err("price.csv", b""), ParseError::Empty);
    assert_eq!(err("price.docx", b""), ParseError::Empty);
}

#[test]
fn unsupported_extension_is_refused_before_the_size() {
    assert_eq!(
        err("price.docx", b"PK\x03\x04"),
        ParseError::Unsupported {
            name: "price.docx".into()
        }
    );
    let big = vec![b'a'; MAX_FILE_BYTES + 1];
    assert_eq!(
        err("price.docx", &big),
        ParseError::Unsupported {
            name: "price.docx".into()
        }
    );
    assert!(err("price.docx", b"x").to_string().contains("price.docx"));
}

#[test]
fn oversize_file_is_refused_before_parsing() {
    let big = vec![b'a'; MAX_FILE_BYTES + 1];
    let (result, calls) = run("price.csv", &big);
    assert_eq!(
        result,
        Err(ParseError::TooLarge {
            size: MAX_FILE_BYTES + 1,
            max: MAX_FILE_BYTES
        })
    );
    assert!(calls.is_empty(), "nothing was parsed");
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("20.1 MB") && message.contains("limit is 20 MB"),
        "{message}"
    );
    // Exactly at the limit is parsed (and garbage PDF bytes are unreadable, not too large).
    let at_limit = vec![b'a'; MAX_FILE_BYTES];
    assert!(matches!(
        err("x.pdf", &at_limit),
        ParseError::Unreadable { .. }
    ));
}

// ---- CSV -------------------------------------------------------------------

#[test]
fn csv_with_semicolons_and_cyrillic_header() {
    let csv = "\u{feff}Название;Цена;Наличие\r\nМолоток слесарный;12990;есть\r\n;;\r\nОтвёртка;349,50;нет\r\n";
    let parsed = ok("Прайс.csv", csv.as_bytes());
    assert_eq!(parsed.format, Format::Csv);
    assert_eq!(parsed.columns, ["Название", "Цена", "Наличие"]);
    assert_eq!(
        cells(&parsed),
        [
            ["Молоток слесарный", "12990", "есть"],
            ["Отвёртка", "349,50", "нет"]
        ]
    );
    assert_eq!(
        texts(&parsed),
        [
            "Название: Молоток слесарный; Цена: 12990; Наличие: есть",
            "Название: Отвёртка; Цена: 349,50; Наличие: нет"
        ]
    );
    assert!(parsed.rows.iter().all(|r| r.sheet.is_none()));
    assert!(parsed.warnings.is_empty());
}

#[test]
fn csv_in_windows_1251() {
    let text = "Название;Цена;Наличие\nЁлка искусственная;4500;под заказ\nЩётка;120;есть\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture is not UTF-8"
    );
    let parsed = ok("price.csv", &bytes);
    assert_eq!(parsed.columns, ["Название", "Цена", "Наличие"]);
    assert_eq!(
        cells(&parsed),
        [
            ["Ёлка искусственная", "4500", "под заказ"],
            ["Щётка", "120", "есть"]
        ]
    );
}

#[test]
fn csv_in_utf16_with_bom() {
    let text = "Название\tЦена\nМолоток\t12990\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let parsed = ok("price.csv", &bytes);
    assert_eq!(parsed.columns, ["Название", "Цена"]);
    assert_eq!(texts(&parsed), ["Название: Молоток; Цена: 12990"]);
}

#[test]
fn csv_with_commas_and_quoted_fields_holding_the_delimiter() {
    let csv = "Name,Price,Notes\n\"Hammer, steel\",12.5,\"Grip; rubber, \"\"soft\"\"\"\nNails 100 pcs,3,\n\"Saw\nwith two lines\",20,\"a;b;c;d;e\"\n";
    let parsed = ok("price.csv", csv.as_bytes());
    assert_eq!(parsed.columns, ["Name", "Price", "Notes"]);
    assert_eq!(
        cells(&parsed),
        [
            vec!["Hammer, steel", "12.5", "Grip; rubber, \"soft\""],
            vec!["Nails 100 pcs", "3"],
            vec!["Saw\nwith two lines", "20", "a;b;c;d;e"],
        ]
    );
    assert_eq!(
        texts(&parsed),
        [
            "Name: Hammer, steel; Price: 12.5; Notes: Grip; rubber, \"soft\"",
            "Name: Nails 100 pcs; Price: 3",
            "Name: Saw with two lines; Price: 20; Notes: a;b;c;d;e",
        ]
    );
}

#[test]
fn csv_with_tabs() {
    let parsed = ok(
        "price.csv",
        "Товар\tЦена, руб.\nКлей, 50 мл\t99\n".as_bytes(),
    );
    assert_eq!(parsed.columns, ["Товар", "Цена, руб."]);
    assert_eq!(cells(&parsed), [["Клей, 50 мл", "99"]]);
}

#[test]
fn headerless_csv_joins_cells() {
    let parsed = ok(
        "price.csv",
        "Молоток;12990;есть\nОтвёртка;;нет\nКлещи;800\n".as_bytes(),
    );
    assert!(parsed.columns.is_empty());
    assert_eq!(
        texts(&parsed),
        ["Молоток; 12990; есть", "Отвёртка; нет", "Клещи; 800"]
    );
    assert_eq!(cells(&parsed)[1], ["Отвёртка", "", "нет"]);
}

#[test]
fn title_rows_before_the_header_are_kept_as_rows() {
    let csv =
        "Прайс-лист ООО «Ромашка» на 1 марта 2024;;\n;;\nНазвание;Цена;Наличие\nМолоток;100;есть\n";
    let parsed = ok("price.csv", csv.as_bytes());
    assert_eq!(parsed.columns, ["Название", "Цена", "Наличие"]);
    assert_eq!(
        texts(&parsed),
        [
            "Прайс-лист ООО «Ромашка» на 1 марта 2024",
            "Название: Молоток; Цена: 100; Наличие: есть"
        ]
    );
}

#[test]
fn one_column_list_has_no_header() {
    let parsed = ok("price.csv", "Молоток\nОтвёртка\n".as_bytes());
    assert!(parsed.columns.is_empty());
    assert_eq!(texts(&parsed), ["Молоток", "Отвёртка"]);
}

#[test]
fn header_only_table_keeps_its_row() {
    let parsed = ok("price.csv", "Название;Цена\n".as_bytes());
    assert!(parsed.columns.is_empty());
    assert_eq!(texts(&parsed), ["Название; Цена"]);
}

#[test]
fn csv_of_empty_rows_has_no_rows() {
    assert_eq!(
        err("price.csv", b";;;\r\n \r\n ; ;\r\n"),
        ParseError::NoRows
    );
}

#[test]
fn long_cells_are_cut_and_rows_capped() {
    let long = "я".repeat(MAX_CELL_CHARS + 5);
    let exact = "b".repeat(MAX_CELL_CHARS);
    let mut csv = format!("Name;Price\n{long};1\n{exact};2\n");
    for i in 0..MAX_ROWS + 10 {
        csv.push_str(&format!("item {i};{i}\n"));
    }
    let parsed = ok("price.csv", csv.as_bytes());
    assert_eq!(parsed.rows.len(), MAX_ROWS);
    let cut = &parsed.rows[0].cells[0];
    assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
    assert!(cut.ends_with("яя…"));
    assert_eq!(parsed.rows[1].cells[0], exact);
    assert_eq!(
        parsed.rows.last().unwrap().cells,
        [format!("item {}", MAX_ROWS - 3), (MAX_ROWS - 3).to_string()]
    );
    assert_eq!(parsed.warnings.len(), 2, "{:?}", parsed.warnings);
    assert!(parsed.warnings[0].contains("first 50000"));
    assert!(parsed.warnings[1].starts_with("1 cell"));
}

#[test]
fn csv_progress_counts_bytes() {
    let csv: String = (0..1000).map(|i| format!("item {i};{i}\n")).collect();
    let (result, calls) = run("price.csv", csv.as_bytes());
    assert_eq!(result.unwrap().rows.len(), 1000);
    assert_eq!(calls.first(), Some(&(0, csv.len())));
    assert_eq!(calls.last(), Some(&(csv.len(), csv.len())));
    assert!(calls.len() >= 5, "{calls:?}");
}

#[test]
fn delimiter_is_the_most_consistent_one() {
    assert_eq!(detect_delimiter("a;b;c\n1,5;2,25;3\n4;5;6"), b';');
    assert_eq!(detect_delimiter("a,b,c\n\"x;y\",2,3\n"), b',');
    assert_eq!(detect_delimiter("a\tb, c\n1\t2, 3\n"), b'\t');
    assert_eq!(detect_delimiter("one column"), b',');
}

#[test]
fn numeric_cells_are_told_from_words() {
    for cell in [
        "12990",
        "12 990,00 ₽",
        "1299.99",
        "15%",
        "01.03.2024",
        "-5",
        "$20",
        "350 руб.",
        "2024",
    ] {
        assert!(looks_numeric(cell), "{cell}");
    }
    for cell in ["Цена", "Цена, ₽", "1С код", "A-100", "", "3M скотч"] {
        assert!(!looks_numeric(cell), "{cell}");
    }
}

// ---- XLSX and XLS ----------------------------------------------------------

fn check_workbook(parsed: &Parsed, format: Format) {
    assert_eq!(parsed.format, format);
    assert_eq!(
        parsed.columns,
        ["Название", "Цена", "Наличие", "Поступление"]
    );
    let sheets: Vec<_> = parsed
        .rows
        .iter()
        .map(|r| r.sheet.as_deref().unwrap())
        .collect();
    assert_eq!(
        sheets,
        [
            "Инструменты",
            "Инструменты",
            "Инструменты",
            "Крепёж",
            "Крепёж"
        ]
    );
    assert_eq!(
        cells(parsed),
        [
            vec!["Молоток слесарный 500 г", "12990", "есть", "2024-03-15"],
            vec!["Отвёртка крестовая PH2", "349.5", "нет", "2024-01-02"],
            vec!["Ключ разводной 250 мм", "1299.99", "под заказ"],
            vec!["A-100", "Саморез 3,5×25 (1000 шт)", "450"],
            vec!["A-200", "Дюбель 6×40", "2.75"],
        ]
    );
    assert_eq!(
        texts(parsed)[0],
        "Название: Молоток слесарный 500 г; Цена: 12990; Наличие: есть; Поступление: 2024-03-15"
    );
    assert_eq!(
        texts(parsed)[4],
        "Артикул: A-200; Наименование: Дюбель 6×40; Цена, ₽: 2.75"
    );
}

#[test]
fn xlsx_fixture() {
    check_workbook(&ok("catalogue.xlsx", XLSX), Format::Xlsx);
}

#[test]
fn xls_fixture() {
    check_workbook(&ok("Catalogue.XLS", XLS), Format::Xls);
}

#[test]
fn workbook_is_told_by_content_not_by_name() {
    check_workbook(&ok("catalogue.xls", XLSX), Format::Xlsx);
    check_workbook(&ok("catalogue.xlsx", XLS), Format::Xls);
}

#[test]
fn delimited_text_named_xls_reads_as_csv() {
    let parsed = ok("export.xls", "Название\tЦена\nМолоток\t12990\n".as_bytes());
    assert_eq!(parsed.format, Format::Csv);
    assert_eq!(texts(&parsed), ["Название: Молоток; Цена: 12990"]);
}

#[test]
fn broken_workbooks_are_unreadable() {
    let html = err(
        "export.xls",
        b"<html><table><tr><td>1</td></tr></table></html>",
    );
    assert!(
        matches!(&html, ParseError::Unreadable { format: Format::Xls, reason } if reason.contains("web page"))
    );
    let cut = err("catalogue.xlsx", &XLSX[..XLSX.len() / 2]);
    assert!(
        matches!(
            cut,
            ParseError::Unreadable {
                format: Format::Xlsx,
                ..
            }
        ),
        "{cut:?}"
    );
    let cut = err("catalogue.xls", &XLS[..XLS.len() / 2]);
    assert!(
        matches!(
            cut,
            ParseError::Unreadable {
                format: Format::Xls,
                ..
            }
        ),
        "{cut:?}"
    );
    let binary = err("catalogue.xlsx", &[0u8, 1, 2, 3, 0, 0xFF]);
    assert!(
        matches!(
            binary,
            ParseError::Unreadable {
                format: Format::Xlsx,
                ..
            }
        ),
        "{binary:?}"
    );
}

#[test]
fn numbers_read_as_people_write_them() {
    assert_eq!(number(12990.0), "12990");
    assert_eq!(number(-0.0), "0");
    assert_eq!(number(1299.99), "1299.99");
    assert_eq!(number(0.1 + 0.2), "0.3");
    assert_eq!(number(12.990000000000002), "12.99");
    assert_eq!(number(2.5e-7), "0.00000025");
    assert_eq!(number(1e20), "100000000000000000000");
    assert_eq!(number(-1234.5), "-1234.5");
}

#[test]
fn dates_read_as_iso() {
    use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
    assert_eq!(
        date_time(&ExcelDateTime::new(45366.0, DateTime, false)),
        "2024-03-15"
    );
    assert_eq!(
        date_time(&ExcelDateTime::new(45366.75, DateTime, false)),
        "2024-03-15 18:00:00"
    );
    assert_eq!(
        date_time(&ExcelDateTime::new(0.5, DateTime, false)),
        "12:00:00"
    );
    assert_eq!(
        date_time(&ExcelDateTime::new(1.5, TimeDelta, false)),
        "36:00:00"
    );
}
