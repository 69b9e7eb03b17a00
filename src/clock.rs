//! Time as a parameter. Domain code takes `now`; only the edge (a handler, a command, the
//! scheduler) asks the [`Clock`]. Every time a person reads is Beijing time, and every
//! deadline is counted in Beijing dates, whatever the server's own time zone: China has kept
//! one offset, UTC+8, with no daylight saving since 1991, so a fixed offset is exact.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

/// The server's clock: the system clock, shifted by an offset that tests and
/// `jianduka sla tick --now` set. Clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `at` now and runs on from there.
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        let clock = Self::default();
        clock.set(at);
        clock
    }

    /// The current instant, truncated to whole microseconds (what both databases store).
    pub fn now(&self) -> DateTime<Utc> {
        let offset = Duration::microseconds(self.offset_micros.load(Ordering::Relaxed));
        let now = Utc::now() + offset;
        DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
    }

    /// Moves the clock so that it reads `at` now.
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = at.signed_duration_since(Utc::now());
        self.offset_micros
            .store(offset.num_microseconds().unwrap_or(0), Ordering::Relaxed);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.offset_micros
            .fetch_add(by.num_microseconds().unwrap_or(0), Ordering::Relaxed);
    }
}

/// China Standard Time, UTC+8 (checked at compile time).
pub const BEIJING: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The Beijing date at instant `now`.
pub fn china_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&BEIJING).date_naive()
}

/// `2026-11-29 14:05`, Beijing time: how pages, exports and the CLI show an instant.
pub fn beijing(at: DateTime<Utc>) -> String {
    at.with_timezone(&BEIJING)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The Beijing-time year of `at` (a report at 07:00 on 1 January belongs to the new year).
pub fn beijing_year(at: DateTime<Utc>) -> i32 {
    use chrono::Datelike;
    at.with_timezone(&BEIJING).year()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn late_evening_utc_is_already_tomorrow_in_beijing() {
        let now = at("2026-11-29T16:30:00Z");
        assert_eq!(china_today(now).to_string(), "2026-11-30");
        assert_eq!(beijing(now), "2026-11-30 00:30");
        assert_eq!(beijing_year(at("2026-12-31T17:30:00Z")), 2027);
    }

    #[test]
    fn a_clock_set_to_an_instant_reads_it_and_runs_on() {
        let clock = Clock::starting_at(at("2026-12-01T01:00:00Z"));
        let read = clock.now();
        assert!(read >= at("2026-12-01T01:00:00Z"));
        assert!(read < at("2026-12-01T01:01:00Z"));
        let shared = clock.clone();
        shared.advance(Duration::hours(2));
        assert!(clock.now() >= at("2026-12-01T03:00:00Z"));
    }
}
