//! The working-day calendar: weekends off, plus public holidays and swapped working days
//! (调休) for the years the State Council has published. Deadlines count working days.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;

use crate::entities::{calendar_days, calendar_years};

/// The calendar file shipped with the binary (current and next year).
pub const SHIPPED: &str = include_str!("calendar-cn.toml");

#[derive(Debug, Deserialize)]
struct CalendarFile {
    years: Vec<YearEntry>,
}

#[derive(Debug, Deserialize)]
struct YearEntry {
    year: i32,
    published: bool,
    source: String,
    days: Vec<DayEntry>,
}

#[derive(Debug, Deserialize)]
struct DayEntry {
    date: NaiveDate,
    off: bool,
    name: String,
}

/// Which days are working days.
#[derive(Clone, Debug, Default)]
pub struct WorkingCalendar {
    /// Dates that differ from the weekend rule: `true` = day off, `false` = working day.
    exceptions: HashMap<NaiveDate, bool>,
    /// Year → whether its official arrangement is known.
    years: BTreeMap<i32, bool>,
}

impl WorkingCalendar {
    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.exceptions.get(&day) {
            Some(off) => !off,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The date `n` working days after `start` (the start day itself is not counted):
    /// a report received on Friday with 3 days to accept is due on Wednesday.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days from `from` to `to`: positive when `to` is later (the days left), negative
    /// when it is earlier (the days overdue), 0 on the day. `from` itself is not counted.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (start, end, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0;
        let mut day = start;
        while day < end {
            day += Duration::days(1);
            if self.is_working_day(day) {
                count += 1;
            }
        }
        sign * count
    }

    /// Whether the official holidays of `year` are known (else only weekends count).
    pub fn is_published(&self, year: i32) -> bool {
        self.years.get(&year).copied().unwrap_or(false)
    }
}

/// Parses the shipped calendar file.
pub fn shipped() -> anyhow::Result<WorkingCalendar> {
    let file: CalendarFile =
        toml::from_str(SHIPPED).map_err(|e| anyhow::anyhow!("calendar-cn.toml: {e}"))?;
    let mut calendar = WorkingCalendar::default();
    for year in file.years {
        calendar.years.insert(year.year, year.published);
        for day in year.days {
            calendar.exceptions.insert(day.date, day.off);
        }
    }
    Ok(calendar)
}

/// Stores the shipped years the database does not have yet; edits an admin made are kept.
pub async fn seed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> anyhow::Result<Vec<i32>> {
    let file: CalendarFile =
        toml::from_str(SHIPPED).map_err(|e| anyhow::anyhow!("calendar-cn.toml: {e}"))?;
    let mut added = Vec::new();
    for year in file.years {
        if calendar_years::Entity::find_by_id(year.year)
            .one(db)
            .await?
            .is_some()
        {
            continue;
        }
        calendar_years::ActiveModel {
            year: Set(year.year),
            published: Set(year.published),
            source: Set(year.source),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        let days = year.days.into_iter().map(|d| calendar_days::ActiveModel {
            day: Set(d.date),
            is_off_day: Set(d.off),
            name: Set(d.name),
        });
        if days.len() > 0 {
            calendar_days::Entity::insert_many(days).exec(db).await?;
        }
        added.push(year.year);
    }
    Ok(added)
}

/// The calendar as stored in the database.
pub async fn load(db: &impl ConnectionTrait) -> anyhow::Result<WorkingCalendar> {
    let mut calendar = WorkingCalendar::default();
    for year in calendar_years::Entity::find().all(db).await? {
        calendar.years.insert(year.year, year.published);
    }
    for day in calendar_days::Entity::find().all(db).await? {
        calendar.exceptions.insert(day.day, day.is_off_day);
    }
    Ok(calendar)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn weekends_are_off_and_swapped_weekend_days_are_working_days() {
        let cal = shipped().expect("shipped calendar parses");
        assert!(cal.is_working_day(day("2026-11-30"))); // a Monday
        assert!(!cal.is_working_day(day("2026-11-29"))); // a Sunday
        assert!(cal.is_working_day(day("2026-09-20"))); // Sunday, worked for National Day
        assert!(!cal.is_working_day(day("2026-10-05"))); // National Day holiday
    }

    #[test]
    fn three_working_days_from_friday_is_wednesday() {
        let cal = shipped().expect("calendar");
        assert_eq!(
            cal.add_working_days(day("2026-11-27"), 3),
            day("2026-12-02")
        );
    }

    #[test]
    fn deadlines_skip_the_national_day_holiday_and_count_the_swapped_saturday() {
        let cal = shipped().expect("calendar");
        // Received Wed 30 Sep: Oct 1-7 are off, Thu 8 and Fri 9 work, Sat 10 is a swapped
        // working day.
        assert_eq!(
            cal.add_working_days(day("2026-09-30"), 3),
            day("2026-10-10")
        );
    }

    #[test]
    fn next_year_is_marked_unpublished_rather_than_guessed() {
        let cal = shipped().expect("calendar");
        assert!(cal.is_published(2026));
        assert!(!cal.is_published(2027));
        // Until it is published only weekends count: New Year's Day 2027 is a Friday.
        assert!(cal.is_working_day(day("2027-01-01")));
    }
}
