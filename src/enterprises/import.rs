//! Importing the register: map the header, check every row, then store the good rows in one
//! transaction, updating enterprises whose USCC is already known.

use std::collections::HashMap;
use std::fmt;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
};

pub use super::reason::{Reason, Rejection};
use super::table::{RawTable, clean};
use super::uscc::Uscc;
use crate::cards::fonts::FontCoverage;
use crate::entities::enterprises;

/// A column of the register, with the English and Chinese header names it is known by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Name,
    Uscc,
    District,
    Address,
    ContactName,
    ContactPhone,
}

impl Column {
    const ALL: [Column; 6] = [
        Column::Name,
        Column::Uscc,
        Column::District,
        Column::Address,
        Column::ContactName,
        Column::ContactPhone,
    ];

    /// The English header name.
    pub fn english(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Uscc => "uscc",
            Column::District => "district",
            Column::Address => "address",
            Column::ContactName => "contact_name",
            Column::ContactPhone => "contact_phone",
        }
    }

    /// The Chinese header name.
    pub fn chinese(self) -> &'static str {
        match self {
            Column::Name => "企业名称",
            Column::Uscc => "统一社会信用代码",
            Column::District => "所属镇街",
            Column::Address => "地址",
            Column::ContactName => "联系人",
            Column::ContactPhone => "联系电话",
        }
    }

    fn required(self) -> bool {
        matches!(self, Column::Name | Column::Uscc | Column::District)
    }

    /// The most characters a value may have.
    pub fn max_chars(self) -> usize {
        match self {
            Column::Name | Column::Address => 200,
            Column::Uscc => 18,
            Column::District | Column::ContactName | Column::ContactPhone => 50,
        }
    }

    /// Recognises a header cell: either name, any case, spaces of any width and a leading
    /// `*` (Excel templates mark required columns so) ignored.
    fn from_header(text: &str) -> Option<Column> {
        let text: String = clean(text)
            .trim_start_matches(['*', '＊'])
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        Column::ALL
            .into_iter()
            .find(|c| text == c.english() || text == c.chinese())
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.english(), self.chinese())
    }
}

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
    pub good: Vec<(u64, NewEnterprise)>,
    pub rejected: Vec<Rejection>,
}

/// Where each column is in the file.
struct ColumnMap([Option<usize>; 6]);

impl ColumnMap {
    fn from_headers(headers: &[String]) -> Result<Self, ImportError> {
        let mut map = [None; 6];
        for (i, header) in headers.iter().enumerate() {
            if let Some(column) = Column::from_header(header) {
                let slot = &mut map[column as usize];
                if slot.is_some() {
                    return Err(ImportError::DuplicateColumn(column));
                }
                *slot = Some(i);
            }
        }
        let missing: Vec<Column> = Column::ALL
            .into_iter()
            .filter(|c| c.required() && map[*c as usize].is_none())
            .collect();
        if !missing.is_empty() {
            let found = headers
                .iter()
                .map(|h| clean(h))
                .filter(|h| !h.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ImportError::MissingColumns { missing, found });
        }
        Ok(Self(map))
    }

    fn value<'a>(&self, fields: &'a [String], column: Column) -> Result<Option<&'a str>, Reason> {
        let value = self.0[column as usize]
            .and_then(|i| fields.get(i))
            .map(|f| clean(f))
            .filter(|f| !f.is_empty());
        match value {
            Some(v) if v.chars().count() > column.max_chars() => Err(Reason::TooLong(column)),
            Some(v) if v.contains(['\n', '\r']) => Err(Reason::Multiline(column)),
            other => Ok(other),
        }
    }

    fn required<'a>(&self, fields: &'a [String], column: Column) -> Result<&'a str, Reason> {
        self.value(fields, column)?.ok_or(Reason::Missing(column))
    }
}

/// Checks every row of `table`: header mapping, required values, USCC, duplicates within the
/// file, and names the card fonts cannot print.
pub fn check(table: RawTable, fonts: &FontCoverage) -> Result<Checked, ImportError> {
    let map = ColumnMap::from_headers(&table.headers)?;
    let expected = table.headers.len();
    let mut checked = Checked::default();
    let mut seen: HashMap<Uscc, u64> = HashMap::new();
    for line in table.broken {
        checked.rejected.push(Rejection {
            line,
            reason: Reason::Unreadable,
        });
    }
    for row in table.rows {
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

/// Stores the good rows: inserts new USCCs, updates known ones. Call inside a transaction.
pub async fn store(
    db: &impl ConnectionTrait,
    good: Vec<(u64, NewEnterprise)>,
) -> Result<ImportReport, DbErr> {
    let mut report = ImportReport::default();
    let now = Utc::now();
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
        FontCoverage::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("print-assets"),
            None,
        )
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
    fn a_value_spanning_lines_is_reported_as_an_unclosed_quote() {
        let t = table(
            &["name", "uscc", "district"],
            &[&["诸暨市\n某公司", "91330100799655058B", "暨阳街道"]],
        );
        let checked = check(t, &fonts()).expect("header maps");
        assert_eq!(checked.rejected[0].reason, Reason::Multiline(Column::Name));
    }
}
