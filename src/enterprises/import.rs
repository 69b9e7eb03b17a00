//! Importing the register: map the header, check every row, then store the good rows in one
//! transaction, updating enterprises whose USCC is already known.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
};

pub use super::columns::Column;
use super::columns::ColumnMap;
pub use super::reason::{Reason, Rejection};
use super::table::{RawTable, clean};
use super::uscc::Uscc;
use crate::cards::fonts::FontCoverage;
use crate::entities::enterprises;

/// Why a file was not imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] super::table::ReadError),
    #[error("required column missing: {}; the header row has: {found}", list(.missing))]
    MissingColumns { missing: Vec<Column>, found: String },
    #[error("column {0} appears twice in the header row")]
    DuplicateColumn(Column),
    #[error("another import changed the register at the same time; try again")]
    Busy,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl ImportError {
    /// The locale key of the message (`ent_error_*`); its text has `{a}` and `{b}` for
    /// [`ImportError::args`].
    pub fn key(&self) -> &'static str {
        use super::table::ReadError as R;
        match self {
            ImportError::Read(R::Empty) => "ent_error_empty",
            ImportError::Read(R::TooLarge) => "ent_error_too_large",
            ImportError::Read(R::TooManyRows) => "ent_error_too_many_rows",
            ImportError::Read(R::OldExcel) => "ent_error_old_excel",
            ImportError::Read(R::Binary) => "ent_error_binary",
            ImportError::Read(R::Encoding) => "ent_error_encoding",
            ImportError::Read(R::Workbook(_)) => "ent_error_workbook",
            ImportError::Read(R::Unpacked) => "ent_error_unpacked",
            ImportError::Read(R::NoHeader) => "ent_error_no_header",
            ImportError::MissingColumns { .. } => "ent_error_missing_columns",
            ImportError::DuplicateColumn(_) => "ent_error_duplicate_column",
            ImportError::Busy => "ent_error_busy",
            ImportError::Other(_) => "ent_error_other",
        }
    }

    /// The values the translated text refers to as `{a}` and `{b}`.
    pub fn args(&self) -> (String, String) {
        use super::table::{MAX_FILE_BYTES, MAX_ROWS, ReadError as R};
        match self {
            ImportError::Read(R::TooLarge) => {
                ((MAX_FILE_BYTES / 1024 / 1024).to_string(), String::new())
            }
            ImportError::Read(R::TooManyRows) => (MAX_ROWS.to_string(), String::new()),
            ImportError::Read(R::Workbook(why)) => (why.clone(), String::new()),
            ImportError::MissingColumns { missing, found } => (list(missing), found.clone()),
            ImportError::DuplicateColumn(c) => (c.to_string(), String::new()),
            _ => (String::new(), String::new()),
        }
    }
}

fn list(columns: &[Column]) -> String {
    columns
        .iter()
        .map(Column::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One enterprise as the file describes it, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEnterprise {
    pub uscc: Uscc,
    pub name: String,
    pub district: String,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// The rows of a file sorted into good and rejected.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    /// Rows to store, with their line numbers.
    pub good: Vec<(u64, NewEnterprise)>,
    /// Rows left out, by line.
    pub rejected: Vec<Rejection>,
    /// Optional columns the file does not have: stored values of these are kept, not erased.
    pub absent: Vec<Column>,
}

/// Checks every row of `table`: header mapping, required values, USCC, duplicates within the
/// file, and names the card fonts cannot print.
pub fn check(table: RawTable, fonts: &FontCoverage) -> Result<Checked, ImportError> {
    let (map, expected, skip) = find_header(&table)?;
    let mut checked = Checked {
        absent: Column::OPTIONAL
            .into_iter()
            .filter(|c| !map.has(*c))
            .collect(),
        ..Checked::default()
    };
    let mut seen: HashMap<Uscc, u64> = HashMap::new();
    for line in table.broken {
        checked.rejected.push(Rejection {
            line,
            reason: Reason::Unreadable,
        });
    }
    for row in table.rows.into_iter().skip(skip) {
        let extra = row
            .fields
            .iter()
            .skip(expected)
            .any(|f| !clean(f).is_empty());
        let result = if extra {
            Err(Reason::TooManyFields {
                found: row.fields.len(),
                expected,
            })
        } else {
            check_row(&map, &row.fields, fonts)
        };
        match result.and_then(|e| match seen.get(&e.uscc) {
            Some(first) => Err(Reason::DuplicateInFile { first_line: *first }),
            None => Ok(e),
        }) {
            Ok(enterprise) => {
                seen.insert(enterprise.uscc.clone(), row.line);
                checked.good.push((row.line, enterprise));
            }
            Err(reason) => checked.rejected.push(Rejection {
                line: row.line,
                reason,
            }),
        }
    }
    checked.rejected.sort_by_key(|r| r.line);
    Ok(checked)
}

/// Rows above the header that a spreadsheet may carry (a title such as "2026年企业名录", a
/// date) are skipped: the header is the first of the first few rows that names the required
/// columns. Returns the column map, the header's width and how many data rows to skip.
fn find_header(table: &RawTable) -> Result<(ColumnMap, usize, usize), ImportError> {
    const LOOK_AHEAD: usize = 10;
    let first = match ColumnMap::from_headers(&table.headers) {
        Ok(map) => return Ok((map, table.headers.len(), 0)),
        Err(e) => e,
    };
    for (i, row) in table.rows.iter().take(LOOK_AHEAD).enumerate() {
        if let Ok(map) = ColumnMap::from_headers(&row.fields) {
            return Ok((map, row.fields.len(), i + 1));
        }
    }
    Err(first)
}

fn check_row(
    map: &ColumnMap,
    fields: &[String],
    fonts: &FontCoverage,
) -> Result<NewEnterprise, Reason> {
    let name = map.required(fields, Column::Name)?;
    let uscc = Uscc::parse(map.required(fields, Column::Uscc)?).map_err(Reason::BadUscc)?;
    let district = map.required(fields, Column::District)?;
    let missing = fonts.missing(name);
    if !missing.is_empty() {
        return Err(Reason::Unprintable(missing));
    }
    let optional = |column| map.value(fields, column).map(|v| v.map(str::to_string));
    Ok(NewEnterprise {
        uscc,
        name: name.to_string(),
        district: district.to_string(),
        address: optional(Column::Address)?,
        contact_name: optional(Column::ContactName)?,
        contact_phone: optional(Column::ContactPhone)?,
    })
}

/// `new` with the stored values of the columns the file does not have.
fn keep_absent(new: &NewEnterprise, old: &enterprises::Model, absent: &[Column]) -> NewEnterprise {
    let mut new = new.clone();
    if absent.contains(&Column::Address) {
        new.address.clone_from(&old.address);
    }
    if absent.contains(&Column::ContactName) {
        new.contact_name.clone_from(&old.contact_name);
    }
    if absent.contains(&Column::ContactPhone) {
        new.contact_phone.clone_from(&old.contact_phone);
    }
    new
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    /// New enterprises.
    pub imported: usize,
    /// Known enterprises (same USCC) whose details changed.
    pub updated: usize,
    /// Known enterprises whose details were already the same.
    pub unchanged: usize,
    /// Rows left out, by line.
    pub rejected: Vec<Rejection>,
}

/// Stores the good rows: inserts new USCCs, updates known ones, keeping their values of the
/// `absent` columns. Call inside a transaction.
pub async fn store(
    db: &impl ConnectionTrait,
    good: Vec<(u64, NewEnterprise)>,
    absent: &[Column],
    now: DateTime<Utc>,
) -> Result<ImportReport, DbErr> {
    let mut report = ImportReport::default();
    let mut fresh = Vec::new();
    for chunk in good.chunks(500) {
        let codes: Vec<&str> = chunk.iter().map(|(_, e)| e.uscc.as_str()).collect();
        let known: HashMap<String, enterprises::Model> = enterprises::Entity::find()
            .filter(enterprises::Column::Uscc.is_in(codes))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.uscc.clone(), m))
            .collect();
        for (_, new) in chunk {
            let Some(old) = known.get(new.uscc.as_str()) else {
                fresh.push(new);
                continue;
            };
            let new = keep_absent(new, old, absent);
            let same = old.name == new.name
                && old.district == new.district
                && old.address == new.address
                && old.contact_name == new.contact_name
                && old.contact_phone == new.contact_phone;
            if same {
                report.unchanged += 1;
                continue;
            }
            let mut row = old.clone().into_active_model();
            row.name = Set(new.name.clone());
            row.district = Set(new.district.clone());
            row.address = Set(new.address.clone());
            row.contact_name = Set(new.contact_name.clone());
            row.contact_phone = Set(new.contact_phone.clone());
            row.updated_at = Set(now);
            row.update(db).await?;
            report.updated += 1;
        }
    }
    for chunk in fresh.chunks(500) {
        let rows = chunk.iter().map(|new| enterprises::ActiveModel {
            uscc: Set(new.uscc.to_string()),
            name: Set(new.name.clone()),
            district: Set(new.district.clone()),
            address: Set(new.address.clone()),
            contact_name: Set(new.contact_name.clone()),
            contact_phone: Set(new.contact_phone.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        enterprises::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
        report.imported += chunk.len();
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enterprises::table::RawRow;

    fn fonts() -> FontCoverage {
        FontCoverage::load(&crate::cards::assets::PrintAssets::shipped(), None)
            .expect("shipped font loads")
    }

    fn table(headers: &[&str], rows: &[&[&str]]) -> RawTable {
        RawTable {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| RawRow {
                    line: i as u64 + 2,
                    fields: r.iter().map(|f| f.to_string()).collect(),
                })
                .collect(),
            broken: Vec::new(),
        }
    }

    #[test]
    fn a_district_with_a_terminal_escape_is_refused_naming_the_column() {
        let t = table(
            &["企业名称", "统一社会信用代码", "所属镇街"],
            &[&[
                "诸暨市鑫垚犇贸易有限公司",
                "91330100799655058b",
                "暨阳\u{1b}[2J\u{1b}[31m街道",
            ]],
        );
        let checked = check(t, &fonts()).expect("header maps");
        assert!(checked.good.is_empty());
        assert_eq!(
            checked.rejected[0].reason,
            Reason::ControlCharacter(Column::District)
        );
    }

    #[test]
    fn headers_with_full_width_spaces_bom_and_required_marks_are_recognised() {
        let t = table(
            &[
                "\u{feff}*企业名称",
                "　统一社会信用代码　",
                " District ",
                "联系电话",
            ],
            &[&[
                "诸暨市鑫垚犇贸易有限公司",
                "91330100799655058b",
                "暨阳街道",
                "13800000000",
            ]],
        );
        let checked = check(t, &fonts()).expect("header maps");
        assert!(checked.rejected.is_empty(), "{:?}", checked.rejected);
        let (_, e) = &checked.good[0];
        assert_eq!(e.uscc.as_str(), "91330100799655058B");
        assert_eq!(e.contact_phone.as_deref(), Some("13800000000"));
        assert_eq!(e.address, None);
    }

    #[test]
    fn a_header_without_the_required_columns_names_what_is_missing() {
        let err = check(table(&["企业名称", "地址"], &[]), &fonts()).expect_err("refused");
        let message = err.to_string();
        assert!(message.contains("uscc (统一社会信用代码)"), "{message}");
        assert!(message.contains("district (所属镇街)"), "{message}");
        assert!(message.contains("企业名称, 地址"), "{message}");
    }

    #[test]
    fn title_rows_above_the_header_are_skipped_and_line_numbers_kept() {
        let t = table(
            &["诸暨市企业名录（2026年）", "", ""],
            &[
                &["企业名称", "统一社会信用代码", "所属镇街"],
                &["诸暨市某公司", "91330100799655058B", "暨阳街道"],
            ],
        );
        let checked = check(t, &fonts()).expect("header found");
        assert_eq!(checked.good.len(), 1);
        assert_eq!(checked.good[0].0, 3);
    }

    #[test]
    fn a_value_spanning_lines_is_reported_as_an_unclosed_quote() {
        let t = table(
            &["name", "uscc", "district"],
            &[&["诸暨市\n某公司", "91330100799655058B", "暨阳街道"]],
        );
        let checked = check(t, &fonts()).expect("header maps");
        assert_eq!(checked.rejected[0].reason, Reason::Multiline(Column::Name));
    }
}
