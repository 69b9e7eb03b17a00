//! The columns of a register file and where a file's header puts them.

use std::fmt;

use super::import::ImportError;
use super::reason::Reason;
use super::table::clean;

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

    /// The columns a file may leave out.
    pub const OPTIONAL: [Column; 3] = [Column::Address, Column::ContactName, Column::ContactPhone];

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
    pub(super) fn from_header(text: &str) -> Option<Column> {
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

/// Where each column is in the file.
pub(super) struct ColumnMap([Option<usize>; 6]);

impl ColumnMap {
    /// Whether the file has `column`.
    pub(super) fn has(&self, column: Column) -> bool {
        self.0[column as usize].is_some()
    }

    pub(super) fn from_headers(headers: &[String]) -> Result<Self, ImportError> {
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

    pub(super) fn value<'a>(
        &self,
        fields: &'a [String],
        column: Column,
    ) -> Result<Option<&'a str>, Reason> {
        let value = self.0[column as usize]
            .and_then(|i| fields.get(i))
            .map(|f| clean(f))
            .filter(|f| !f.is_empty());
        match value {
            Some(v) if v.chars().count() > column.max_chars() => Err(Reason::TooLong(column)),
            Some(v) if v.contains(['\n', '\r']) => Err(Reason::Multiline(column)),
            Some(v) if crate::text::has_control(v) => Err(Reason::ControlCharacter(column)),
            other => Ok(other),
        }
    }

    pub(super) fn required<'a>(
        &self,
        fields: &'a [String],
        column: Column,
    ) -> Result<&'a str, Reason> {
        self.value(fields, column)?.ok_or(Reason::Missing(column))
    }
}
