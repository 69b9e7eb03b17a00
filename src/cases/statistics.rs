//! Statistics for supervisors, as data: reports per item, district, batch and channel per
//! Beijing month, cards against reports per district, how fast and how often on time cases
//! were accepted and concluded, and the ratings. Keys are data (an item's key, a district, a
//! batch number); `None` is "not known", which the page names.
//!
//! Everything is counted by the database (GROUP BY month and key), so the memory a request
//! takes grows with the number of keys and months shown, never with the number of cases.
//! Months are Beijing months on both engines: Beijing is UTC+8 all year, so a case's month is
//! that of its receipt time plus eight hours. Durations are working days, the one unit used
//! everywhere (counted as deadlines count them, from the Beijing date of one step to that of
//! the next); the medians stay exact: the database counts the steps per pair of dates
//! (GROUP BY), the working-day calendar turns each pair into days, and the middle is found in
//! those counts, so what is held grows with the days of the period, not with the cases.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use serde::Serialize;

use crate::clock::BEIJING;
use crate::deadlines::calendar::WorkingCalendar;

/// The SQL both engines need written their own way.
pub(super) struct Dialect(pub(super) DbBackend);

impl Dialect {
    /// The Beijing month (`YYYY-MM`) of timestamp column `col`.
    pub(super) fn month(&self, col: &str) -> String {
        match self.0 {
            DbBackend::Postgres => {
                format!("to_char(({col} AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM')")
            }
            _ => format!("strftime('%Y-%m', {col}, '+8 hours')"),
        }
    }

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
        let sql = match self.0 {
            DbBackend::Postgres => sql.to_string(),
            _ => sql.replace("$1", "?1").replace("$2", "?2"),
        };
        let values: Vec<Value> = vec![start.into(), end.into()];
        Statement::from_sql_and_values(self.0, sql, values)
    }
}

/// Cases of the period whose receipt falls in [$1, $2).
const PERIOD: &str = "c.received_at >= $1 AND c.received_at < $2";

#[derive(Debug, FromQueryResult)]
struct KeyCount {
    month: String,
    key: Option<String>,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct ProvenanceCount {
    month: String,
    batch_id: Option<i64>,
    channel: Option<String>,
    n: i64,
}

#[derive(Debug, Default, FromQueryResult)]
struct Summary {
    total: i64,
    accepted: i64,
    accepted_in_time: i64,
    concluded: i64,
    concluded_in_time: i64,
    satisfied: i64,
    not_satisfied: i64,
}

/// How many steps went from one Beijing date to another.
#[derive(Debug, FromQueryResult)]
pub(super) struct DayPair {
    pub(super) d0: Option<String>,
    pub(super) d1: Option<String>,
    pub(super) n: i64,
}

impl DayPair {
    /// Working days from the first date to the second, counted as deadlines count them (the
    /// first day not counted: a step on the day of receipt took 0 working days).
    pub(super) fn working_days(&self, calendar: &WorkingCalendar) -> Option<i64> {
        let parse = |d: &Option<String>| {
            d.as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        };
        Some(
            calendar
                .working_days_between(parse(&self.d0)?, parse(&self.d1)?)
                .max(0),
        )
    }
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
    /// and the order is made again (biggest total first, then by label).
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
        rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        MonthTable {
            months: self.months.clone(),
            rows,
        }
    }
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

/// Statistics of the reports received in the Beijing months `from` to `to` (inclusive).
pub async fn statistics(
    db: &impl ConnectionTrait,
    calendar: &WorkingCalendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Statistics, DbErr> {
    let start = from
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(BEIJING).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    let end = to
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(BEIJING).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now);
    let mut months = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        months.push(format!("{:04}-{:02}", month.year(), month.month()));
        match month.checked_add_months(chrono::Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    let dialect = Dialect(db.get_database_backend());
    let month = dialect.month("c.received_at");
    let counts = |sql: String| {
        let statement = dialect.statement(&sql, start, end);
        async move { KeyCount::find_by_statement(statement).all(db).await }
    };
    let mut by_item: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for row in counts(format!(
        "SELECT {month} AS month, i.item_key AS key, COUNT(*) AS n FROM cases c \
         JOIN report_items ri ON ri.report_id = c.report_id \
         JOIN negative_list_items i ON i.id = ri.item_id \
         WHERE {PERIOD} GROUP BY 1, 2"
    ))
    .await?
    {
        if let Some(key) = row.key {
            add(&mut by_item, key, row.month, row.n);
        }
    }
    let mut by_district = BTreeMap::new();
    let mut reports_per_district: HashMap<Option<String>, i64> = HashMap::new();
    for row in counts(format!(
        "SELECT {month} AS month, c.district AS key, COUNT(*) AS n FROM cases c \
         WHERE {PERIOD} GROUP BY 1, 2"
    ))
    .await?
    {
        *reports_per_district.entry(row.key.clone()).or_default() += row.n;
        add(&mut by_district, row.key, row.month, row.n);
    }
    let mut by_batch = BTreeMap::new();
    let mut by_channel = BTreeMap::new();
    let provenance = dialect.statement(
        &format!(
            "SELECT {month} AS month, r.batch_id AS batch_id, r.channel AS channel, \
             COUNT(*) AS n FROM cases c LEFT JOIN reports r ON r.id = c.report_id \
             WHERE {PERIOD} GROUP BY 1, 2, 3"
        ),
        start,
        end,
    );
    for row in ProvenanceCount::find_by_statement(provenance)
        .all(db)
        .await?
    {
        let batch = row.batch_id.map(|b| format!("#{b}"));
        add(&mut by_batch, batch, row.month.clone(), row.n);
        add(&mut by_channel, row.channel, row.month, row.n);
    }
    let (accepted_date, concluded_date) = (
        dialect.date("c.accepted_at"),
        dialect.date("c.concluded_at"),
    );
    let both = "c.accepted_at IS NOT NULL AND c.concluded_at IS NOT NULL";
    let summary = dialect.statement(
        &format!(
            "SELECT COUNT(*) AS total, COUNT(c.accepted_at) AS accepted, \
             COALESCE(SUM(CASE WHEN c.accepted_at IS NOT NULL AND c.accept_due_on IS NOT NULL \
               AND {accepted_date} <= c.accept_due_on THEN 1 ELSE 0 END), 0) AS accepted_in_time, \
             COALESCE(SUM(CASE WHEN {both} THEN 1 ELSE 0 END), 0) AS concluded, \
             COALESCE(SUM(CASE WHEN {both} AND c.conclude_due_on IS NOT NULL \
               AND {concluded_date} <= c.conclude_due_on THEN 1 ELSE 0 END), 0) AS concluded_in_time, \
             COALESCE(SUM(CASE WHEN c.rating = 'satisfied' THEN 1 ELSE 0 END), 0) AS satisfied, \
             COALESCE(SUM(CASE WHEN c.rating = 'not_satisfied' THEN 1 ELSE 0 END), 0) \
               AS not_satisfied \
             FROM cases c WHERE {PERIOD}"
        ),
        start,
        end,
    );
    let summary = Summary::find_by_statement(summary)
        .one(db)
        .await?
        .unwrap_or_default();
    let median = |from: &str, to: &str, only: &'static str| {
        let (d0, d1) = (dialect.day(from), dialect.day(to));
        let statement = dialect.statement(
            &format!(
                "SELECT {d0} AS d0, {d1} AS d1, COUNT(*) AS n FROM cases c \
                 WHERE {PERIOD} AND {only} GROUP BY 1, 2"
            ),
            start,
            end,
        );
        async move {
            let mut counts: BTreeMap<i64, i64> = BTreeMap::new();
            for pair in DayPair::find_by_statement(statement).all(db).await? {
                if let Some(days) = pair.working_days(calendar) {
                    *counts.entry(days).or_default() += pair.n;
                }
            }
            Ok::<_, DbErr>(median_of(&counts))
        }
    };
    let median_days_to_accept = median(
        "c.received_at",
        "c.accepted_at",
        "c.accepted_at IS NOT NULL",
    )
    .await?;
    let median_days_to_conclude = median("c.accepted_at", "c.concluded_at", both).await?;
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
        total: summary.total,
        by_item: MonthTable::build(&months, by_item),
        by_district: MonthTable::build(&months, by_district),
        by_batch: MonthTable::build(&months, by_batch),
        by_channel: MonthTable::build(&months, by_channel),
        cards_vs_reports,
        median_days_to_accept,
        median_days_to_conclude,
        accepted_on_time: share(summary.accepted_in_time, summary.accepted),
        concluded_on_time: share(summary.concluded_in_time, summary.concluded),
        satisfied: summary.satisfied,
        not_satisfied: summary.not_satisfied,
    })
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
    fn late_evening_utc_counts_in_the_next_beijing_month() {
        let at = DateTime::parse_from_rfc3339("2026-11-30T17:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(month_of(at), "2026-12");
    }
}
