//! Calendar years in and out of the database: the shipped file (TOML), a year an admin loads
//! the day the State Council publishes it (the same TOML, or the holiday-cn JSON the data is
//! commonly passed around in), and what the database holds per year.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::{Deserialize, Serialize};

use super::calendar::SHIPPED;
use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::db::WriteGate;
use crate::entities::{calendar_days, calendar_years};
use crate::error::Msg;

/// The `source` of a year the shipped file does not know yet: weekends only, until replaced.
pub const PLACEHOLDER_SOURCE: &str = "尚未发布 (not yet published)";

/// One year of holidays and swapped working days.
#[derive(Clone, Debug, Deserialize)]
pub struct YearData {
    pub year: i32,
    pub published: bool,
    pub source: String,
    pub days: Vec<DayData>,
}

/// A day that differs from the weekend rule.
#[derive(Clone, Debug, Deserialize)]
pub struct DayData {
    pub date: NaiveDate,
    /// `true`: a day off; `false`: a (weekend) working day.
    pub off: bool,
    pub name: String,
}

#[derive(Debug, Deserialize)]
struct TomlFile {
    years: Vec<YearData>,
}

/// The holiday-cn JSON shape: `{ "year", "papers": [...], "days": [{name, date, isOffDay}] }`.
#[derive(Debug, Deserialize)]
struct HolidayCn {
    year: i32,
    #[serde(default)]
    papers: Vec<String>,
    days: Vec<HolidayCnDay>,
}

#[derive(Debug, Deserialize)]
struct HolidayCnDay {
    name: String,
    date: NaiveDate,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

/// Why a calendar file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("{}", self.message())]
    Unreadable(String),
    #[error("{}", self.message())]
    WrongYear(i32, NaiveDate),
    #[error("{}", self.message())]
    Empty(i32),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl CalendarError {
    /// What the person is told (the parser's detail stays as the parser wrote it).
    pub fn message(&self) -> Msg {
        match self {
            CalendarError::Unreadable(detail) => {
                Msg::new("calendar_error_unreadable").arg("detail", detail.as_str())
            }
            CalendarError::WrongYear(year, day) => Msg::new("calendar_error_wrong_year")
                .arg("year", *year)
                .arg("day", day.to_string()),
            CalendarError::Empty(year) => Msg::new("calendar_error_empty").arg("year", *year),
            CalendarError::Db(_) => Msg::new("error_internal"),
        }
    }
}

/// Parses a calendar file: the shipped TOML shape, or one year of holiday-cn JSON. Every day
/// must fall in its year.
pub fn parse(bytes: &[u8]) -> Result<Vec<YearData>, CalendarError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| CalendarError::Unreadable("not UTF-8".into()))?
        .trim_start_matches('\u{feff}');
    let years = if text.trim_start().starts_with('{') {
        let file: HolidayCn =
            serde_json::from_str(text).map_err(|e| CalendarError::Unreadable(e.to_string()))?;
        vec![YearData {
            year: file.year,
            published: true,
            source: file
                .papers
                .first()
                .cloned()
                .unwrap_or_else(|| "holiday-cn".into()),
            days: file
                .days
                .into_iter()
                .map(|d| DayData {
                    date: d.date,
                    off: d.is_off_day,
                    name: d.name,
                })
                .collect(),
        }]
    } else {
        let file: TomlFile =
            toml::from_str(text).map_err(|e| CalendarError::Unreadable(e.message().to_string()))?;
        file.years
    };
    for year in &years {
        if let Some(day) = year.days.iter().find(|d| d.date.year() != year.year) {
            return Err(CalendarError::WrongYear(year.year, day.date));
        }
        if year.published && year.days.is_empty() {
            return Err(CalendarError::Empty(year.year));
        }
    }
    Ok(years)
}

/// Replaces year `data.year` in the database.
async fn store_year(
    db: &impl ConnectionTrait,
    data: &YearData,
    source: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    calendar_days::Entity::delete_many()
        .filter(calendar_days::Column::Day.gte(NaiveDate::from_ymd_opt(data.year, 1, 1)))
        .filter(calendar_days::Column::Day.lte(NaiveDate::from_ymd_opt(data.year, 12, 31)))
        .exec(db)
        .await?;
    calendar_years::Entity::delete_by_id(data.year)
        .exec(db)
        .await?;
    calendar_years::ActiveModel {
        year: Set(data.year),
        published: Set(data.published),
        source: Set(source.to_string()),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let days: Vec<_> = data
        .days
        .iter()
        .map(|d| calendar_days::ActiveModel {
            day: Set(d.date),
            is_off_day: Set(d.off),
            name: Set(d.name.clone()),
        })
        .collect();
    if !days.is_empty() {
        calendar_days::Entity::insert_many(days).exec(db).await?;
    }
    Ok(())
}

/// Stores the shipped years the database does not have yet, and replaces a placeholder year
/// (never published, never edited by an admin) once the shipped file has it published. Years an
/// admin loaded are kept. Returns the years stored.
pub async fn seed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> anyhow::Result<Vec<i32>> {
    let mut stored = Vec::new();
    for year in parse(SHIPPED.as_bytes())? {
        let existing = calendar_years::Entity::find_by_id(year.year)
            .one(db)
            .await?;
        let replace = match &existing {
            None => true,
            Some(row) => !row.published && row.source == PLACEHOLDER_SOURCE && year.published,
        };
        if replace {
            store_year(db, &year, &year.source, now).await?;
            stored.push(year.year);
        }
    }
    Ok(stored)
}

/// Loads an admin's calendar file (one or more years), replacing those years; audited.
pub async fn load_file(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    bytes: &[u8],
    file_name: &str,
) -> Result<Vec<i32>, CalendarError> {
    let years = parse(bytes)?;
    let txn = writes.begin().await?;
    let mut loaded = Vec::new();
    for year in &years {
        let source = format!("{} · {}", year.source, file_name);
        store_year(&*txn, year, &source, stamp.at).await?;
        loaded.push(year.year);
    }
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::CalendarLoaded, "calendar", file_name)
            .with_detail(serde_json::json!({ "years": loaded })),
    )
    .await?;
    txn.commit().await?;
    Ok(loaded)
}

/// What the database holds for one year.
#[derive(Clone, Debug, Serialize)]
pub struct YearStatus {
    pub year: i32,
    pub published: bool,
    /// Where the arrangement comes from; empty for a year not yet published (the
    /// placeholder's bilingual note is not shown: `published` says it in one language).
    pub source: String,
    pub days_off: usize,
    pub working_weekend_days: usize,
}

/// Every stored year, and whether each is the official arrangement or weekends only.
pub async fn status(db: &impl ConnectionTrait) -> Result<Vec<YearStatus>, DbErr> {
    let days = calendar_days::Entity::find().all(db).await?;
    Ok(calendar_years::Entity::find()
        .order_by_asc(calendar_years::Column::Year)
        .all(db)
        .await?
        .into_iter()
        .map(|y| {
            let of_year = days.iter().filter(|d| d.day.year() == y.year);
            let days_off = of_year.clone().filter(|d| d.is_off_day).count();
            let working = of_year.filter(|d| !d.is_off_day).count();
            YearStatus {
                year: y.year,
                published: y.published,
                source: if y.source == PLACEHOLDER_SOURCE {
                    String::new()
                } else {
                    y.source
                },
                days_off,
                working_weekend_days: working,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holiday_cn_json_and_the_shipped_toml_read_the_same_way() {
        let json = r#"{"year": 2027, "papers": ["https://www.gov.cn/x"], "days": [
            {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
            {"name": "春节", "date": "2027-02-07", "isOffDay": false}]}"#;
        let years = parse(json.as_bytes()).expect("json");
        assert_eq!(years.len(), 1);
        assert!(years[0].published);
        assert_eq!(years[0].days.len(), 2);
        assert!(!years[0].days[1].off);
        let shipped = parse(SHIPPED.as_bytes()).expect("shipped");
        assert!(shipped.iter().any(|y| y.year == 2026 && y.published));
    }

    #[test]
    fn a_day_outside_its_year_or_a_garbled_file_is_refused() {
        let wrong =
            br#"{"year": 2027, "days": [{"name": "x", "date": "2026-12-31", "isOffDay": true}]}"#;
        assert!(matches!(
            parse(wrong),
            Err(CalendarError::WrongYear(2027, _))
        ));
        assert!(matches!(
            parse(b"\xff\xfe"),
            Err(CalendarError::Unreadable(_))
        ));
        assert!(matches!(
            parse(b"{ nope"),
            Err(CalendarError::Unreadable(_))
        ));
        let empty = br#"{"year": 2028, "days": []}"#;
        assert!(matches!(parse(empty), Err(CalendarError::Empty(2028))));
    }
}
