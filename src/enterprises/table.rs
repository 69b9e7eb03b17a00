//! Reading an uploaded register file into rows of text: CSV in UTF-8 (with or without BOM) or
//! GB18030, or the first sheet of an XLSX workbook. The format is told from the content, never
//! from the file name, and every limit is checked before memory is spent.

use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};

/// A register file larger than this is refused before it is read.
pub use crate::limits::bytes::REGISTER_FILE_BYTES as MAX_FILE_BYTES;
/// The most rows one file may have (a county register has a few thousand).
pub const MAX_ROWS: usize = 100_000;
/// The most bytes an XLSX workbook may unpack to (defeats zip bombs).
const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// The most parts an XLSX workbook may have.
const MAX_ZIP_ENTRIES: usize = 1_000;
/// Columns beyond this are ignored (the register has six).
const MAX_COLUMNS: usize = 64;

/// One data row of the file: its line (CSV) or row (XLSX) number, counted from 1 with the
/// header as 1, and its fields as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRow {
    /// Where the row starts in the file, from 1.
    pub line: u64,
    /// The cells, left to right, as text.
    pub fields: Vec<String>,
}

/// The header and the data rows of a register file.
#[derive(Clone, Debug, Default)]
pub struct RawTable {
    /// The first non-empty row.
    pub headers: Vec<String>,
    /// Every later non-empty row.
    pub rows: Vec<RawRow>,
    /// Lines of rows the CSV parser could not read at all.
    pub broken: Vec<u64>,
}

/// Why nothing at all could be read from a file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {} MB", MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the file has more than {MAX_ROWS} rows; split it into smaller files")]
    TooManyRows,
    #[error(
        "this is an old Excel .xls file; save it as .xlsx (Excel Workbook) or CSV and try again"
    )]
    OldExcel,
    #[error("the file is not a CSV or XLSX file (it looks like binary data)")]
    Binary,
    #[error("the text is neither UTF-8 nor GB18030; save it from Excel as CSV or XLSX")]
    Encoding,
    #[error("the XLSX workbook cannot be read: {0}")]
    Workbook(String),
    #[error("the XLSX workbook unpacks to more than {} MB", MAX_UNPACKED_BYTES / 1024 / 1024)]
    Unpacked,
    #[error("the file has no header row")]
    NoHeader,
}

/// Reads `bytes` as XLSX (ZIP content) or CSV text.
pub fn read(bytes: &[u8]) -> Result<RawTable, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ReadError::OldExcel);
    }
    let text = decode(bytes)?;
    read_csv(&text)
}

/// UTF-8 (a BOM is dropped) when the bytes are valid UTF-8, else GB18030, the superset of GBK
/// that Excel on Chinese Windows writes; UTF-16 with a BOM (Excel's "Unicode text") too.
pub fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes)
        && encoding != encoding_rs::UTF_8
    {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return if had_errors {
            Err(ReadError::Encoding)
        } else {
            Ok(text.into_owned())
        };
    }
    let (bytes, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    if bytes.contains(&0) {
        return Err(ReadError::Binary);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text.to_string()),
        // A file that announces UTF-8 and then breaks it is damaged, not GB18030.
        Err(_) if bom => return Err(ReadError::Encoding),
        Err(_) => {}
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or(ReadError::Encoding)
}

/// Text that is mostly control characters is not a spreadsheet export.
fn looks_binary(text: &str) -> bool {
    let sample: Vec<char> = text.chars().take(4096).collect();
    let control = sample
        .iter()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    control * 20 > sample.len()
}

/// Comma, unless the header line has more tabs (Excel's "Unicode text") or semicolons.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let count = |c: char| first.matches(c).count();
    if count('\t') > count(',') && count('\t') >= count(';') {
        b'\t'
    } else if count(';') > count(',') {
        b';'
    } else {
        b','
    }
}

fn read_csv(text: &str) -> Result<RawTable, ReadError> {
    if looks_binary(text) {
        return Err(ReadError::Binary);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let mut table = RawTable::default();
    let mut have_header = false;
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                let fields: Vec<String> = record
                    .iter()
                    .take(MAX_COLUMNS + 1)
                    .map(str::to_string)
                    .collect();
                if fields.iter().all(|f| clean(f).is_empty()) {
                    continue;
                }
                if !have_header {
                    table.headers = fields;
                    have_header = true;
                } else {
                    if table.rows.len() >= MAX_ROWS {
                        return Err(ReadError::TooManyRows);
                    }
                    table.rows.push(RawRow { line, fields });
                }
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                table.broken.push(line);
                if table.broken.len() > MAX_ROWS {
                    return Err(ReadError::TooManyRows);
                }
            }
        }
    }
    if !have_header {
        return Err(ReadError::NoHeader);
    }
    Ok(table)
}

/// Trims spaces of every width, and a stray BOM, from both ends.
pub fn clean(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}')
}

/// Unpacks every part of the workbook once, counting, so that a zip bomb is refused before
/// the XLSX reader keeps anything in memory.
fn check_zip(bytes: &[u8]) -> Result<(), ReadError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::Workbook(e.to_string()))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(ReadError::Workbook("too many parts".into()));
    }
    let mut total: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| ReadError::Workbook(e.to_string()))?;
        loop {
            let n = part
                .read(&mut buffer)
                .map_err(|e| ReadError::Workbook(e.to_string()))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_UNPACKED_BYTES {
                return Err(ReadError::Unpacked);
            }
        }
    }
    Ok(())
}

fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        // Phone numbers typed into Excel become numbers: print whole ones without ".0".
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d.to_string(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// The first worksheet that has the register's header in its first rows (a workbook may open
/// with an instructions sheet), else the first worksheet.
fn read_xlsx(bytes: &[u8]) -> Result<RawTable, ReadError> {
    const MAX_SHEETS: usize = 32;
    check_zip(bytes)?;
    let mut workbook =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Workbook(e.to_string()))?;
    let names = workbook.sheet_names();
    let mut first = None;
    for name in names.iter().take(MAX_SHEETS) {
        let rows = read_sheet(&mut workbook, name)?;
        let has_header = rows.iter().take(11).any(|row| {
            row.fields
                .iter()
                .any(|f| super::columns::Column::from_header(f).is_some())
        });
        if has_header {
            first = Some(rows);
            break;
        }
        if first.is_none() {
            first = Some(rows);
        }
    }
    let rows = first.ok_or_else(|| ReadError::Workbook("it has no worksheet".into()))?;
    let mut rows = rows.into_iter();
    let header = rows.next().ok_or(ReadError::NoHeader)?;
    Ok(RawTable {
        headers: header.fields,
        rows: rows.collect(),
        broken: Vec::new(),
    })
}

/// The non-empty rows of one worksheet, read cell by cell (no full grid in memory).
fn read_sheet(workbook: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Vec<RawRow>, ReadError> {
    let mut cells = workbook
        .worksheet_cells_reader(name)
        .map_err(|e| ReadError::Workbook(e.to_string()))?;
    // Cells arrive row by row, left to right; only used cells are listed.
    let mut rows: Vec<RawRow> = Vec::new();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| ReadError::Workbook(e.to_string()))?
    {
        let (row, col) = cell.get_position();
        let (line, col) = (u64::from(row) + 1, col as usize);
        if col >= MAX_COLUMNS {
            continue;
        }
        let text = cell_text(cell.get_value());
        if rows.last().is_none_or(|r| r.line != line) {
            if rows.len() > MAX_ROWS {
                return Err(ReadError::TooManyRows);
            }
            rows.push(RawRow {
                line,
                fields: Vec::new(),
            });
        }
        if let Some(current) = rows.last_mut() {
            if current.fields.len() <= col {
                current.fields.resize(col + 1, String::new());
            }
            current.fields[col] = text;
        }
    }
    rows.retain(|r| r.fields.iter().any(|f| !clean(f).is_empty()));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_and_gb18030_decode_to_the_same_text() {
        let text = "企业名称,统一社会信用代码\r\n诸暨市鑫垚犇贸易有限公司,x\r\n";
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(text.as_bytes()).expect("utf-8"), text);
        assert_eq!(decode(&bom).expect("bom"), text);
        assert_eq!(decode(&gb).expect("gb18030"), text);
    }

    #[test]
    fn a_utf8_bom_followed_by_invalid_utf8_is_refused_not_guessed() {
        assert!(matches!(
            decode(b"\xEF\xBB\xBFname\xC4\xE3"),
            Err(ReadError::Encoding)
        ));
    }

    #[test]
    fn ragged_rows_and_stray_quotes_become_rows_not_panics() {
        let table = read(b"name,uscc,district\na,b\n\"c,d,e,f\nx\"y,z,w\n").expect("reads");
        assert_eq!(table.headers, ["name", "uscc", "district"]);
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(table.rows[0].fields, ["a", "b"]);
        assert_eq!(table.rows.len(), 2);
    }

    #[test]
    fn binary_and_empty_files_are_refused_with_a_reason() {
        assert!(matches!(read(b""), Err(ReadError::Empty)));
        assert!(matches!(
            read(&[0, 1, 2, 3, 255, 254]),
            Err(ReadError::Binary)
        ));
        assert!(matches!(
            read(b"PK\x03\x04garbage"),
            Err(ReadError::Workbook(_))
        ));
        assert!(matches!(read(b" \r\n\r\n"), Err(ReadError::NoHeader)));
    }

    /// Damaged copies of the fixture workbook and CSV are refused or read, never a panic.
    #[test]
    fn damaged_files_never_panic() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut seed: u64 = 0x5eed;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for name in ["register.xlsx", "register-gb18030.csv"] {
            let original = std::fs::read(dir.join(name)).expect("fixture");
            for _ in 0..300 {
                let mut bytes = original.clone();
                for _ in 0..(1 + next() % 8) {
                    let at = next() % bytes.len();
                    bytes[at] = (next() % 256) as u8;
                }
                if next() % 4 == 0 {
                    bytes.truncate(next() % bytes.len());
                }
                let _ = read(&bytes);
            }
        }
    }

    #[test]
    fn tab_separated_text_is_read_too() {
        let table = read("name\tuscc\tdistrict\na\tb\tc\n".as_bytes()).expect("reads");
        assert_eq!(table.rows[0].fields, ["a", "b", "c"]);
    }
}
