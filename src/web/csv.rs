//! CSV downloads as a spreadsheet opens them.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A CSV download as Excel opens it: UTF-8 with a byte-order mark, and every cell that a
/// spreadsheet would take for a formula (`= + - @`, tab, CR) neutralised with a leading `'`.
pub struct Csv {
    writer: csv::Writer<Vec<u8>>,
}

impl Csv {
    /// A file with this header row.
    pub fn new(header: &[&str]) -> Self {
        let mut csv = Self {
            writer: csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec()),
        };
        csv.row(header);
        csv
    }

    /// One row.
    pub fn row(&mut self, cells: &[&str]) {
        let cells = cells.iter().map(|cell| {
            if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{cell}")
            } else {
                (*cell).to_string()
            }
        });
        // Writing into memory cannot fail.
        let _ = self.writer.write_record(cells);
    }

    /// The finished file.
    pub fn into_bytes(self) -> Vec<u8> {
        self.writer.into_inner().unwrap_or_default()
    }

    /// The file as a download named `filename`.
    pub fn into_response(self, filename: &str) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            self.into_bytes(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_look_like_formulas_are_neutralised() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(&["=1+1", "诸暨市"]);
        csv.row(&["-2", "@x"]);
        let text = String::from_utf8(csv.into_bytes()).expect("utf-8");
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("'=1+1,诸暨市"));
        assert!(text.contains("'-2,'@x"));
    }
}
