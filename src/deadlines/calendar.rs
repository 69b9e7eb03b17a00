//! The working-day calendar: weekends off, plus public holidays and swapped working days
//! (调休) for the years the State Council has published. Deadlines count working days.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::entities::{calendar_days, calendar_years};

/// The calendar file shipped with the binary (current and next year).
pub const SHIPPED: &str = include_str!("calendar-cn.toml");

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

    /// The first working day after `day`.
    pub fn next_working_day(&self, day: NaiveDate) -> NaiveDate {
        self.add_working_days(day, 1)
    }

    /// Whether the official holidays of `year` are known (else only weekends count).
    pub fn is_published(&self, year: i32) -> bool {
        self.years.get(&year).copied().unwrap_or(false)
    }

    /// The year of `day` when its official holidays are not known (a deadline on that day
    /// was counted with weekends only, and is flagged).
    pub fn unpublished_year(&self, day: NaiveDate) -> Option<i32> {
        Some(day.year()).filter(|year| !self.is_published(*year))
    }
}

/// Parses the shipped calendar file.
pub fn shipped() -> anyhow::Result<WorkingCalendar> {
    let mut calendar = WorkingCalendar::default();
    for year in super::calendar_file::parse(SHIPPED.as_bytes())? {
        calendar.years.insert(year.year, year.published);
        for day in year.days {
            calendar.exceptions.insert(day.date, day.off);
        }
    }
    Ok(calendar)
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

    #[test]
    fn spring_festival_counts_the_swapped_saturdays_and_skips_the_nine_days_off() {
        let cal = shipped().expect("calendar");
        // Received Fri 13 Feb 2026, 3 working days: Sat 14 (worked), then Tue 24, Wed 25.
        assert_eq!(
            cal.add_working_days(day("2026-02-13"), 3),
            day("2026-02-25")
        );
        // From Tue 24 Feb: Wed 25, Thu 26, Fri 27, then the swapped Saturday 28 Feb.
        assert_eq!(
            cal.add_working_days(day("2026-02-24"), 4),
            day("2026-02-28")
        );
        assert_eq!(
            cal.add_working_days(day("2026-02-24"), 5),
            day("2026-03-02")
        );
        assert_eq!(
            cal.working_days_between(day("2026-02-13"), day("2026-02-25")),
            3
        );
        assert_eq!(
            cal.working_days_between(day("2026-02-25"), day("2026-02-13")),
            -3
        );
    }

    #[test]
    fn labour_day_skips_five_days_and_works_the_saturday_after() {
        let cal = shipped().expect("calendar");
        // Thu 30 Apr + 1 working day: 1-5 May off, Wed 6 May.
        assert_eq!(
            cal.add_working_days(day("2026-04-30"), 1),
            day("2026-05-06")
        );
        // Wed 6 May + 3: Thu 7, Fri 8, Sat 9 (a swapped working day).
        assert_eq!(
            cal.add_working_days(day("2026-05-06"), 3),
            day("2026-05-09")
        );
        assert_eq!(cal.next_working_day(day("2026-05-08")), day("2026-05-09"));
    }

    #[test]
    fn a_deadline_into_an_unpublished_year_counts_monday_to_friday() {
        let cal = shipped().expect("calendar");
        assert!(!cal.is_published(2027));
        // Thu 31 Dec 2026 + 3 working days: Fri 1 Jan 2027 counts (no data yet), Mon 4, Tue 5.
        assert_eq!(
            cal.add_working_days(day("2026-12-31"), 3),
            day("2027-01-05")
        );
        // Into a published year the other way: 1-3 Jan 2026 are off, Sunday 4 Jan is worked.
        assert_eq!(
            cal.add_working_days(day("2025-12-31"), 1),
            day("2026-01-04")
        );
    }
}
