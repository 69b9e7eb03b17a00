//! Statistics for supervisors, as data: reports per item, district, batch and channel per
//! Beijing month, cards against reports per district, how fast and how often on time cases
//! were accepted and concluded, and the ratings. Keys are data (an item's key, a district, a
//! batch number); `None` is "not known", which the page names.
//!
//! Everything is counted by the database (GROUP BY Beijing day of receipt and key), so the
//! memory a request takes grows with the number of keys and days shown, never with the number
//! of cases. Days and months are Beijing ones on both engines: Beijing is UTC+8 all year, so a
//! case's day is that of its receipt time plus eight hours. Durations are working days, the
//! one unit used everywhere (counted as deadlines count them, from the Beijing date of one
//! step to that of the next); the medians stay exact: the database counts the steps per pair
//! of dates (GROUP BY), the working-day calendar turns each pair into days, and the middle is
//! found in those counts, so what is held grows with the days of the period, not the cases.
//!
//! Counting twelve months of 1,000,000 cases takes seconds, so the counts are kept per day of
//! receipt ([`day`] counts them, [`cache`] keeps them and knows when they are out of date): a
//! page counts again only the days whose cases changed since, and adds the days up.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use serde::Serialize;

use crate::clock::BEIJING;
use crate::deadlines::calendar::WorkingCalendar;

mod cache;
mod day;

/// The SQL both engines need written their own way.
pub(super) struct Dialect(pub(super) DbBackend);

impl Dialect {
    /// The Beijing date (`YYYY-MM-DD`, as text on both engines) of timestamp column `col`.
    pub(super) fn day(&self, col: &str) -> String {
        match self.0 {
            DbBackend::Postgres => format!("to_char({}, 'YYYY-MM-DD')", self.date(col)),
            _ => self.date(col),
        }
    }

    /// The Beijing date of timestamp column `col`, comparable with a date column.
    pub(super) fn date(&self, col: &str) -> String {
        match self.0 {
            DbBackend::Postgres => {
                format!("CAST(({col} AT TIME ZONE 'UTC') + INTERVAL '8 hours' AS DATE)")
            }
            _ => format!("date({col}, '+8 hours')"),
        }
    }

    /// `sql`, written with `$1` and `$2` for the period's start and end, as a statement.
    pub(super) fn statement(
        &self,
        sql: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Statement {
        self.with_values(sql, vec![start.into(), end.into()])
    }

    /// `sql`, written with `$1`, `$2`, … for `values`, as a statement (SQLite reads `?1`, …).
    pub(super) fn with_values(&self, sql: &str, values: Vec<Value>) -> Statement {
        let sql = match self.0 {
            DbBackend::Postgres => sql.to_string(),
            _ => sql.replace('$', "?"),
        };
        Statement::from_sql_and_values(self.0, sql, values)
    }
}

/// Working days from one Beijing date (`YYYY-MM-DD`) to another, counted as deadlines count
/// them (the first day not counted: a step on the day of receipt took 0 working days).
pub(super) fn working_days(
    calendar: &WorkingCalendar,
    from: Option<&str>,
    to: Option<&str>,
) -> Option<i64> {
    let parse = |d: Option<&str>| d.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    Some(
        calendar
            .working_days_between(parse(from)?, parse(to)?)
            .max(0),
    )
}

/// A table of counts: one row per key (`None`: not known), one column per month, and the
/// total.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MonthTable<K = Option<String>> {
    pub months: Vec<String>,
    /// (key, counts per month, total), biggest total first.
    pub rows: Vec<(K, Vec<i64>, i64)>,
}

impl<K: Ord + Clone> MonthTable<K> {
    fn build(months: &[String], counts: BTreeMap<K, BTreeMap<String, i64>>) -> Self {
        let mut rows: Vec<(K, Vec<i64>, i64)> = counts
            .into_iter()
            .map(|(key, by_month)| {
                let cells: Vec<i64> = months
                    .iter()
                    .map(|m| by_month.get(m).copied().unwrap_or(0))
                    .collect();
                let total = cells.iter().sum();
                (key, cells, total)
            })
            .collect();
        rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        Self {
            months: months.to_vec(),
            rows,
        }
    }

    /// The same table under other keys (labels): rows that get the same label are added up,
    /// and the order is made again (biggest total first, then by label, numbered labels by
    /// their number: "2. …" before "10. …").
    pub fn relabel(&self, label: impl Fn(&K) -> String) -> MonthTable<String> {
        let mut merged: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (key, cells, _) in &self.rows {
            let sum = merged
                .entry(label(key))
                .or_insert_with(|| vec![0; cells.len()]);
            for (total, n) in sum.iter_mut().zip(cells) {
                *total += n;
            }
        }
        let mut rows: Vec<(String, Vec<i64>, i64)> = merged
            .into_iter()
            .map(|(key, cells)| {
                let total = cells.iter().sum();
                (key, cells, total)
            })
            .collect();
        rows.sort_by(|a, b| b.2.cmp(&a.2).then(numbered(&a.0).cmp(&numbered(&b.0))));
        MonthTable {
            months: self.months.clone(),
            rows,
        }
    }
}

/// A label's leading number, if it has one, then the label: the order of numbered labels.
fn numbered(label: &str) -> (Option<u64>, &str) {
    let digits = label
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(label.len());
    (label[..digits].parse().ok(), label)
}

/// Everything the statistics page shows.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Statistics {
    pub from: String,
    pub to: String,
    pub total: i64,
    /// By item key.
    pub by_item: MonthTable<String>,
    pub by_district: MonthTable,
    pub by_batch: MonthTable,
    pub by_channel: MonthTable,
    /// (district, cards issued, reports); reports without a district have `None`, cards
    /// without one `Some("")`.
    pub cards_vs_reports: Vec<(Option<String>, i64, i64)>,
    /// Median working days from receipt to acceptance, and from acceptance to conclusion
    /// (counted as deadlines count them; the one unit of durations everywhere).
    pub median_days_to_accept: Option<f64>,
    pub median_days_to_conclude: Option<f64>,
    /// Share of steps done by their deadline, in percent, and how many were counted.
    pub accepted_on_time: Option<(f64, i64)>,
    pub concluded_on_time: Option<(f64, i64)>,
    pub satisfied: i64,
    pub not_satisfied: i64,
}

#[cfg(test)]
fn month_of(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&BEIJING);
    format!("{:04}-{:02}", local.year(), local.month())
}

/// The exact median of values given as value → how many times it occurs: the middle one,
/// or the mean of the middle two for an even count.
fn median_of(counts: &BTreeMap<i64, i64>) -> Option<f64> {
    let total: i64 = counts.values().sum();
    let (low, high) = ((total - 1) / 2, total / 2);
    let (mut a, mut b) = (None, None);
    let mut seen = 0;
    for (&value, &n) in counts {
        if a.is_none() && seen + n > low {
            a = Some(value);
        }
        if seen + n > high {
            b = Some(value);
            break;
        }
        seen += n;
    }
    Some((a? + b?) as f64 / 2.0)
}

fn share(on_time: i64, counted: i64) -> Option<(f64, i64)> {
    (counted > 0).then(|| (on_time as f64 * 100.0 / counted as f64, counted))
}

/// Midnight at the start of Beijing date `date`, in UTC.
fn beijing_midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(BEIJING).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Statistics of the reports received in the Beijing months `from` to `to` (inclusive;
/// `from` may be any day of its month, and counts from that day). Each day's counts are read
/// where they are kept and current, and counted again where not ([`cache`]).
pub async fn statistics(
    db: &impl ConnectionTrait,
    calendar: &WorkingCalendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Statistics, DbErr> {
    let mut months = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        months.push(format!("{:04}-{:02}", month.year(), month.month()));
        match month.checked_add_months(chrono::Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    let end = to
        .with_day(1)
        .and_then(|m| m.checked_add_months(chrono::Months::new(1)))
        .unwrap_or(to);
    let dialect = Dialect(db.get_database_backend());
    let facts = cache::facts(db, &dialect, from, end).await?;
    let mut by_item: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut by_district = BTreeMap::new();
    let mut reports_per_district: HashMap<Option<String>, i64> = HashMap::new();
    let mut by_batch = BTreeMap::new();
    let mut by_channel = BTreeMap::new();
    let mut sums = day::Sums::default();
    let (mut to_accept, mut to_conclude) = (BTreeMap::new(), BTreeMap::new());
    for (day, facts) in facts {
        let month = day.get(..7).unwrap_or(&day).to_string();
        for (key, n) in facts.items {
            add(&mut by_item, key, month.clone(), n);
        }
        for (district, n) in facts.districts {
            *reports_per_district.entry(district.clone()).or_default() += n;
            add(&mut by_district, district, month.clone(), n);
        }
        for (batch, channel, n) in facts.provenance {
            add(
                &mut by_batch,
                batch.map(|b| format!("#{b}")),
                month.clone(),
                n,
            );
            add(&mut by_channel, channel, month.clone(), n);
        }
        sums.add(&facts.sums);
        for (counts, pairs) in [
            (&mut to_accept, facts.to_accept),
            (&mut to_conclude, facts.to_conclude),
        ] {
            for (d0, d1, n) in pairs {
                if let Some(days) = working_days(calendar, d0.as_deref(), d1.as_deref()) {
                    *counts.entry(days).or_default() += n;
                }
            }
        }
    }
    let mut cards_vs_reports: Vec<(Option<String>, i64, i64)> =
        crate::cards::active_per_district(db)
            .await?
            .into_iter()
            .map(|(district, cards)| {
                let district = Some(district);
                let reports = reports_per_district.remove(&district).unwrap_or(0);
                (district, cards, reports)
            })
            .collect();
    cards_vs_reports.extend(reports_per_district.into_iter().map(|(d, n)| (d, 0, n)));
    cards_vs_reports.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    Ok(Statistics {
        from: from.format("%Y-%m").to_string(),
        to: to.format("%Y-%m").to_string(),
        total: sums.total,
        by_item: MonthTable::build(&months, by_item),
        by_district: MonthTable::build(&months, by_district),
        by_batch: MonthTable::build(&months, by_batch),
        by_channel: MonthTable::build(&months, by_channel),
        cards_vs_reports,
        median_days_to_accept: median_of(&to_accept),
        median_days_to_conclude: median_of(&to_conclude),
        accepted_on_time: share(sums.accepted_in_time, sums.accepted),
        concluded_on_time: share(sums.concluded_in_time, sums.concluded),
        satisfied: sums.satisfied,
        not_satisfied: sums.not_satisfied,
    })
}

/// Counts again the kept day facts of the twelve Beijing months up to `today`'s (the page's
/// default period) that are out of date, so that the next page finds them current. The
/// server does this on start and after each tick.
pub async fn count_statistics(db: &impl ConnectionTrait, today: NaiveDate) -> Result<(), DbErr> {
    let this_month = today.with_day(1).unwrap_or(today);
    let (Some(from), Some(end)) = (
        this_month.checked_sub_months(chrono::Months::new(11)),
        this_month.checked_add_months(chrono::Months::new(1)),
    ) else {
        return Ok(());
    };
    cache::facts(db, &Dialect(db.get_database_backend()), from, end).await?;
    Ok(())
}

/// Adds `n` to `table` at (`key`, `month`).
fn add<K: Ord>(table: &mut BTreeMap<K, BTreeMap<String, i64>>, key: K, month: String, n: i64) {
    *table.entry(key).or_default().entry(month).or_default() += n;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let counts = |pairs: &[(i64, i64)]| pairs.iter().copied().collect::<BTreeMap<_, _>>();
        assert_eq!(median_of(&counts(&[(2, 1), (3, 1)])), Some(2.5));
        assert_eq!(median_of(&counts(&[(3, 1)])), Some(3.0));
        assert_eq!(median_of(&counts(&[(0, 2), (1, 1), (9, 1)])), Some(0.5));
        assert_eq!(median_of(&counts(&[(0, 1), (1, 3), (9, 1)])), Some(1.0));
        assert_eq!(median_of(&counts(&[])), None);
    }

    #[test]
    fn a_table_named_again_adds_up_the_rows_that_get_the_same_name_and_sorts_again() {
        let months = vec!["2026-11".to_string(), "2026-12".to_string()];
        let mut counts: BTreeMap<Option<String>, BTreeMap<String, i64>> = BTreeMap::new();
        counts.insert(None, BTreeMap::from([("2026-11".to_string(), 1)]));
        counts.insert(
            Some("无".into()),
            BTreeMap::from([("2026-12".to_string(), 2)]),
        );
        counts.insert(
            Some("城东".into()),
            BTreeMap::from([("2026-11".to_string(), 2)]),
        );
        let table = MonthTable::build(&months, counts);
        let named = table.relabel(|key| key.clone().unwrap_or_else(|| "无".into()));
        assert_eq!(
            named.rows,
            vec![
                ("无".to_string(), vec![1, 2], 3),
                ("城东".to_string(), vec![2, 0], 2),
            ]
        );
        assert_eq!(named.months, months);
    }

    #[test]
    fn numbered_labels_with_equal_totals_follow_their_numbers() {
        let months = vec!["2026-11".to_string()];
        let counts: BTreeMap<String, BTreeMap<String, i64>> =
            ["10. 泄露", "2. 吃拿卡要", "1. 态度", "无"]
                .into_iter()
                .map(|k| (k.to_string(), BTreeMap::from([("2026-11".to_string(), 1)])))
                .collect();
        let named = MonthTable::build(&months, counts).relabel(String::clone);
        let labels: Vec<&str> = named.rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(labels, ["无", "1. 态度", "2. 吃拿卡要", "10. 泄露"]);
    }

    #[test]
    fn late_evening_utc_counts_in_the_next_beijing_month() {
        let at = DateTime::parse_from_rfc3339("2026-11-30T17:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(month_of(at), "2026-12");
    }
}
