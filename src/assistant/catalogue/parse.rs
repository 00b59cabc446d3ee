//! Reading a shop's catalogue (price list) into rows of text for the assistant
//! to quote from. Pure: bytes in, rows out, with a callback for progress.
//!
//! **Tables.** Every worksheet is read (hidden ones too; chart and macro sheets
//! not). Empty rows are skipped, trailing empty cells dropped, cells trimmed.
//! Integers stay integers (`12990`), fractions are rounded to 15 significant
//! digits as Excel shows them, dates become ISO dates (`2024-03-15`, plus
//! ` HH:MM:SS` when there is a time of day); formulas give their last computed
//! value and error cells (`#N/A`) read as empty. A CSV file is UTF-8 (BOM
//! dropped), UTF-16 with a BOM, or else Windows-1251 as Russian Excel saves it;
//! its delimiter is the one of tab, `;`, `,` that splits the first lines most
//! consistently (ties in that order: tabs and semicolons are rarer in text). A
//! file named `.xls`/`.xlsx` that is really delimited text, as some accounting
//! programs export, is read as CSV.
//!
//! **Header rows.** Up to five leading single-cell rows of a table (a CSV file
//! or a sheet) whose rows have three or more cells are titles ("Price list of
//! 1 March"), kept as rows without a header. The next row is the header when it
//! has at least two non-empty cells (mistaking a one-column list's first item
//! for a header would garble every row), at most a quarter (rounded down) of
//! them look like numbers or dates (none of three, one of four to seven), and a
//! row follows it.
//!
//! **Limits.** Files over [`MAX_FILE_BYTES`] are refused before reading. Cells
//! over [`MAX_CELL_CHARS`] characters are cut, ending in "…"; cells past
//! [`MAX_COLUMNS`] are dropped; only the first [`MAX_ROWS`] rows (header rows
//! not counted) are kept and the rest is not read. [`Parsed::warnings`] says so.

use std::fmt;
use std::io::Cursor;
use std::panic::catch_unwind;

use calamine::{Data, ExcelDateTime, Range, Reader, SheetType, Xls, Xlsx, XlsxError};

/// The largest catalogue file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// At most this many rows are kept; later rows are dropped.
pub const MAX_ROWS: usize = 50_000;
/// Longer cells are cut to this many characters, the last being "…".
pub const MAX_CELL_CHARS: usize = 1_000;
/// Cells of a row past this many are dropped.
pub const MAX_COLUMNS: usize = 500;

/// Progress is reported every this many table rows (or CSV records).
const PROGRESS_EVERY: usize = 250;
/// At most this many single-cell title rows may stand before a header.
const MAX_TITLE_ROWS: usize = 5;
/// Lines (and at most bytes) of a CSV file looked at to choose its delimiter.
const DELIMITER_SAMPLE_LINES: usize = 50;
const DELIMITER_SAMPLE_BYTES: usize = 64 * 1024;
/// Candidate CSV delimiters, in the order ties are broken.
const DELIMITERS: [u8; 3] = [b'\t', b';', b','];

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The kind of catalogue file, told by its name's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Csv,
    Xlsx,
    Xls,
}

impl Format {
    /// The format a file name's extension names (case-insensitive), if supported.
    pub fn from_name(file_name: &str) -> Option<Format> {
        let (_, extension) = file_name.trim().rsplit_once('.')?;
        match extension.to_ascii_lowercase().as_str() {
            "pdf" => Some(Format::Pdf),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "xls" => Some(Format::Xls),
            _ => None,
        }
    }

    /// The lower-case extension: "pdf", "csv", "xlsx" or "xls".
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
        }
    }
}

/// One row of the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Sheet name (spreadsheets) or "Page N" (PDF); None for CSV.
    pub sheet: Option<String>,
    /// The row's cells in column order (a PDF row is one cell: the line of text).
    pub cells: Vec<String>,
    /// One line for search and prompts: "Header: value; Header: value" when the
    /// table has a header row, else the cells joined with "; ". Empty cells left out.
    pub text: String,
}

/// A catalogue read into rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The format actually read: a workbook is told by its content, so an XLSX
    /// file named `.xls` reads as [`Format::Xlsx`], delimited text as [`Format::Csv`].
    pub format: Format,
    /// The header of the CSV file or of the first sheet with rows; empty when
    /// that table has no header, and for PDF.
    pub columns: Vec<String>,
    /// The rows, in file order, header rows left out.
    pub rows: Vec<Row>,
    /// What was left out or shortened (rows past [`MAX_ROWS`], long cells, PDF
    /// pages that could not be read), in English; empty when nothing was.
    pub warnings: Vec<String>,
}

/// Why a catalogue could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParseError {
    #[error("the catalogue file is empty (0 bytes)")]
    Empty,
    #[error("\"{name}\" is not a supported catalogue file: upload a PDF, CSV, XLSX or XLS file")]
    Unsupported { name: String },
    #[error("the catalogue file is too large: {} MB, the limit is {} MB", megabytes(.size), megabytes(.max))]
    TooLarge { size: usize, max: usize },
    #[error("the {} file cannot be read: {reason}", .format.as_str().to_ascii_uppercase())]
    Unreadable { format: Format, reason: String },
    #[error(
        "the catalogue contains no text to read: a PDF without a text layer (most likely \
         a scanned image; upload a PDF with selectable text or a spreadsheet instead), or a \
         table whose rows are all empty"
    )]
    NoRows,
}

impl ParseError {
    pub(super) fn unreadable(format: Format, reason: impl Into<String>) -> Self {
        ParseError::Unreadable {
            format,
            reason: reason.into(),
        }
    }
}

fn megabytes(bytes: &usize) -> String {
    let tenths = (*bytes as f64 / (1024.0 * 1024.0) * 10.0).ceil() / 10.0;
    format!("{tenths}")
}

/// Reads the catalogue `bytes` uploaded as `file_name`.
///
/// Checks, in this order, that the file is not empty, that its extension is
/// supported and that it is not over [`MAX_FILE_BYTES`]; then reads it.
/// `progress(done, total)` is called as reading goes (after each PDF page,
/// every few hundred table rows), last with `done == total`. Units are pages
/// for PDF, rows for spreadsheets and bytes for CSV.
pub fn parse(
    file_name: &str,
    bytes: &[u8],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Parsed, ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    let named = Format::from_name(file_name).ok_or_else(|| ParseError::Unsupported {
        name: file_name.to_owned(),
    })?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            max: MAX_FILE_BYTES,
        });
    }
    let mut out = Builder::new(progress);
    let (format, columns) = match named {
        Format::Pdf => super::pdf::parse_pdf(bytes, &mut out)?,
        Format::Csv => parse_csv(bytes, &mut out)?,
        Format::Xlsx | Format::Xls => parse_workbook(named, bytes, &mut out)?,
    };
    (out.progress)(out.total, out.total);
    if out.rows.is_empty() {
        return Err(ParseError::NoRows);
    }
    if out.truncated {
        out.warnings.push(format!(
            "the catalogue has more than {MAX_ROWS} rows; only the first {MAX_ROWS} were kept"
        ));
    }
    if out.cut_cells > 0 {
        out.warnings.push(format!(
            "{} cell(s) longer than {MAX_CELL_CHARS} characters were shortened",
            out.cut_cells
        ));
    }
    Ok(Parsed {
        format,
        columns,
        rows: out.rows,
        warnings: out.warnings,
    })
}

/// Collects rows under the limits and passes progress on.
pub(super) struct Builder<'p> {
    pub(super) rows: Vec<Row>,
    pub(super) warnings: Vec<String>,
    pub(super) truncated: bool,
    cut_cells: usize,
    total: usize,
    progress: &'p mut dyn FnMut(usize, usize),
}

impl<'p> Builder<'p> {
    fn new(progress: &'p mut dyn FnMut(usize, usize)) -> Self {
        Builder {
            rows: Vec::new(),
            warnings: Vec::new(),
            truncated: false,
            cut_cells: 0,
            total: 0,
            progress,
        }
    }

    pub(super) fn report(&mut self, done: usize, total: usize) {
        self.total = total;
        (self.progress)(done, total);
    }

    /// The cell trimmed and cut to [`MAX_CELL_CHARS`].
    pub(super) fn cell(&mut self, raw: &str) -> String {
        let text = raw.trim();
        let mut rest = text.char_indices().skip(MAX_CELL_CHARS - 1);
        match (rest.next(), rest.next()) {
            (Some((end, _)), Some(_)) => {
                self.cut_cells += 1;
                format!("{}…", &text[..end])
            }
            _ => text.to_owned(),
        }
    }

    /// Adds the row's cleaned cells to `table` unless they are all empty;
    /// false once the row limit is reached (a table gives at most one row
    /// less than it holds: its header).
    fn take_row<S: AsRef<str>>(
        &mut self,
        table: &mut Vec<Vec<String>>,
        cells: impl IntoIterator<Item = S>,
    ) -> bool {
        let mut row: Vec<String> = cells
            .into_iter()
            .take(MAX_COLUMNS)
            .map(|c| self.cell(c.as_ref()))
            .collect();
        while row.last().is_some_and(String::is_empty) {
            row.pop();
        }
        if !row.is_empty() {
            if self.rows.len() + table.len() > MAX_ROWS {
                self.truncated = true;
                return false;
            }
            table.push(row);
        }
        true
    }

    pub(super) fn push(&mut self, sheet: Option<&str>, cells: Vec<String>, header: &[String]) {
        if self.rows.len() >= MAX_ROWS {
            self.truncated = true;
            return;
        }
        let text = row_text(&cells, header);
        self.rows.push(Row {
            sheet: sheet.map(str::to_owned),
            cells,
            text,
        });
    }

    /// Adds a table's cleaned rows and returns its header (empty when none).
    fn add_table(&mut self, sheet: Option<&str>, table: Vec<Vec<String>>) -> Vec<String> {
        let header_at = header_index(&table);
        let mut header = Vec::new();
        for (i, cells) in table.into_iter().enumerate() {
            match header_at {
                Some(h) if i == h => header = cells,
                Some(h) if i > h => self.push(sheet, cells, &header),
                _ => self.push(sheet, cells, &[]),
            }
        }
        header
    }
}

fn row_text(cells: &[String], header: &[String]) -> String {
    let mut parts = Vec::new();
    for (i, cell) in cells.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
        match header.get(i).filter(|h| !h.is_empty()) {
            Some(name) => parts.push(format!("{}: {}", one_line(name), one_line(cell))),
            None => parts.push(one_line(cell)),
        }
    }
    parts.join("; ")
}

pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where the table's header row is, by the rule in the module documentation.
fn header_index(table: &[Vec<String>]) -> Option<usize> {
    let filled = |row: &[String]| row.iter().filter(|c| !c.is_empty()).count();
    let width = table.iter().take(20).map(|r| filled(r)).max().unwrap_or(0);
    let mut at = 0;
    if width >= 3 {
        while at < MAX_TITLE_ROWS && at < table.len() && filled(&table[at]) == 1 {
            at += 1;
        }
    }
    let row = table.get(at)?;
    let cells = filled(row);
    let numeric = row.iter().filter(|c| looks_numeric(c)).count();
    (cells >= 2 && numeric <= cells / 4 && at + 1 < table.len()).then_some(at)
}

/// Whether a cell reads as a number, amount, percentage or date rather than a word.
fn looks_numeric(cell: &str) -> bool {
    let compact = cell.replace(char::is_whitespace, "").to_lowercase();
    let mut s = compact.trim_start_matches(['+', '-', '−', '~', '≈', '$', '€', '£', '¥', '₽']);
    s = s.trim_end_matches(['%', '₽', '$', '€', '£', '¥', '.']);
    for unit in ["руб", "р", "rub", "usd", "eur"] {
        s = s.strip_suffix(unit).unwrap_or(s);
    }
    s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || ".,:/-'".contains(c))
}

// ---- CSV ----------------------------------------------------------------

fn parse_csv(bytes: &[u8], out: &mut Builder) -> Result<(Format, Vec<String>), ParseError> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(&text))
        .from_reader(text.as_bytes());
    let total = text.len();
    out.report(0, total);
    let mut table = Vec::new();
    let mut record = csv::StringRecord::new();
    for n in 1.. {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(ParseError::unreadable(Format::Csv, e.to_string())),
        }
        if n % PROGRESS_EVERY == 0 {
            out.report(reader.position().byte() as usize, total);
        }
        if !out.take_row(&mut table, record.iter()) {
            break;
        }
    }
    Ok((Format::Csv, out.add_table(None, table)))
}

/// The text of a CSV file: by its BOM, else UTF-8, else Windows-1251.
fn decode_text(bytes: &[u8]) -> String {
    let (encoding, bom) =
        encoding_rs::Encoding::for_bom(bytes).unwrap_or(match std::str::from_utf8(bytes) {
            Ok(_) => (encoding_rs::UTF_8, 0),
            Err(_) => (encoding_rs::WINDOWS_1251, 0),
        });
    encoding
        .decode_without_bom_handling(&bytes[bom..])
        .0
        .into_owned()
}

/// The delimiter that splits most of the first lines into the same number
/// of fields, more fields breaking ties; `,` when none splits any line.
fn detect_delimiter(text: &str) -> u8 {
    let sample = &text[..text.floor_char_boundary(DELIMITER_SAMPLE_BYTES)];
    let mut best = (b',', (0, 0));
    for delimiter in DELIMITERS {
        let splits: Vec<usize> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(sample.as_bytes())
            .records()
            .take(DELIMITER_SAMPLE_LINES)
            .map_while(Result::ok)
            .map(|record| record.len() - 1)
            .collect();
        let score = splits
            .iter()
            .filter(|&&n| n > 0)
            .map(|&n| (splits.iter().filter(|&&o| o == n).count(), n))
            .max()
            .unwrap_or_default();
        if score > best.1 {
            best = (delimiter, score);
        }
    }
    best.0
}

// ---- XLSX and XLS -------------------------------------------------------

fn parse_workbook(
    named: Format,
    bytes: &[u8],
    out: &mut Builder,
) -> Result<(Format, Vec<String>), ParseError> {
    let is_workbook = bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC);
    if !is_workbook && looks_like_delimited_text(bytes) {
        return parse_csv(bytes, out);
    }
    let (format, sheets) = catch_unwind(|| read_sheets(named, bytes))
        .unwrap_or_else(|_| Err(ParseError::unreadable(named, "the workbook is damaged")))?;
    let total = sheets.iter().map(|(_, range)| range.height()).sum();
    out.report(0, total);
    let mut done = 0;
    let mut columns = None;
    for (name, range) in &sheets {
        let mut table = Vec::new();
        for cells in range.rows() {
            done += 1;
            if done % PROGRESS_EVERY == 0 {
                out.report(done, total);
            }
            if !out.take_row(&mut table, cells.iter().map(render)) {
                break;
            }
        }
        if !table.is_empty() {
            let header = out.add_table(Some(name), table);
            columns.get_or_insert(header);
        }
        if out.truncated {
            break;
        }
    }
    Ok((format, columns.unwrap_or_default()))
}

type Sheets = Vec<(String, Range<Data>)>;

/// The workbook's worksheets, its format told by its first bytes.
fn read_sheets(named: Format, bytes: &[u8]) -> Result<(Format, Sheets), ParseError> {
    const PASSWORD: &str =
        "the workbook is password-protected; remove the password in Excel and upload it again";
    let damaged = |format: Format, error: &dyn fmt::Display| {
        ParseError::unreadable(
            format,
            format!("the workbook is damaged or not an Excel file ({error})"),
        )
    };
    if bytes.starts_with(ZIP_MAGIC) {
        let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| damaged(Format::Xlsx, &e))?;
        let sheets = worksheets(&mut book).map_err(|e| damaged(Format::Xlsx, &e))?;
        return Ok((Format::Xlsx, sheets));
    }
    if bytes.starts_with(OLE_MAGIC) {
        // A password-protected XLSX file is an OLE container holding the encrypted package.
        if let Err(XlsxError::Password) = Xlsx::new(Cursor::new(bytes)) {
            return Err(ParseError::unreadable(named, PASSWORD));
        }
        let mut book = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
            calamine::XlsError::Password => ParseError::unreadable(Format::Xls, PASSWORD),
            e => damaged(Format::Xls, &e),
        })?;
        let sheets = worksheets(&mut book).map_err(|e| damaged(Format::Xls, &e))?;
        return Ok((Format::Xls, sheets));
    }
    Err(ParseError::unreadable(
        named,
        if bytes.trim_ascii_start().starts_with(b"<") {
            "it is a web page or XML file saved under an Excel name; open it in Excel and save it as XLSX"
        } else {
            "it is not an Excel workbook"
        },
    ))
}

fn worksheets<'a, R>(book: &mut R) -> Result<Sheets, R::Error>
where
    R: Reader<Cursor<&'a [u8]>>,
{
    let names: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .collect();
    names
        .into_iter()
        .map(|name| book.worksheet_range(&name).map(|range| (name, range)))
        .collect()
}

/// Whether bytes that are no workbook are delimited text (no NUL bytes, not markup).
fn looks_like_delimited_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let text = decode_text(head);
    !head.contains(&0)
        && !text.trim_start().starts_with('<')
        && DELIMITERS.iter().any(|&d| head.contains(&d))
}

fn render(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(dt) => date_time(dt),
    }
}

/// A number without a trailing ".0", rounded to 15 significant digits.
fn number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
        return format!("{}", value as i64);
    }
    let decimals = (14 - value.abs().log10().floor() as i32).clamp(0, 20) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

fn date_time(dt: &ExcelDateTime) -> String {
    if dt.is_duration() {
        let seconds = (dt.as_f64() * 86_400.0).round() as i64;
        let (hours, minutes) = (seconds / 3600, seconds / 60 % 60);
        return format!("{hours}:{minutes:02}:{:02}", seconds % 60);
    }
    let (year, month, day, hour, minute, second, _) = dt.to_ymd_hms_milli();
    let time = format!("{hour:02}:{minute:02}:{second:02}");
    if dt.as_f64() < 1.0 {
        time
    } else if (hour, minute, second) == (0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {time}")
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
pub(super) mod tests;
