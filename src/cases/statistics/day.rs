//! What the statistics count, per Beijing day of receipt, as the database counts it: reports
//! per item, district, batch and channel, the summary sums, and for the two medians the steps
//! per pair of dates. Nothing here depends on the working-day calendar (the pairs are dates,
//! turned into working days only when shown), so a day's facts can be kept and added to other
//! days' ([`super::cache`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use super::Dialect;

/// Raised when what a day's facts hold or mean changes: kept facts of another format are
/// counted again.
pub(super) const FORMAT: u32 = 1;

/// The sums of one day.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(super) struct Sums {
    pub(super) total: i64,
    pub(super) accepted: i64,
    pub(super) accepted_in_time: i64,
    pub(super) concluded: i64,
    pub(super) concluded_in_time: i64,
    pub(super) satisfied: i64,
    pub(super) not_satisfied: i64,
}

impl Sums {
    pub(super) fn add(&mut self, other: &Sums) {
        self.total += other.total;
        self.accepted += other.accepted;
        self.accepted_in_time += other.accepted_in_time;
        self.concluded += other.concluded;
        self.concluded_in_time += other.concluded_in_time;
        self.satisfied += other.satisfied;
        self.not_satisfied += other.not_satisfied;
    }
}

/// How many steps went from one Beijing date (`YYYY-MM-DD`) to another.
pub(super) type Pair = (Option<String>, Option<String>, i64);

/// Everything counted of the cases received on one Beijing day.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(super) struct DayFacts {
    pub(super) format: u32,
    /// Reports per item key (a report may name several items).
    pub(super) items: Vec<(String, i64)>,
    /// Cases per district (`None`: not known).
    pub(super) districts: Vec<(Option<String>, i64)>,
    /// Cases per (card batch, channel).
    pub(super) provenance: Vec<(Option<i64>, Option<String>, i64)>,
    pub(super) sums: Sums,
    /// Receipt date → acceptance date, for the accepted cases.
    pub(super) to_accept: Vec<Pair>,
    /// Acceptance date → conclusion date, for the concluded cases.
    pub(super) to_conclude: Vec<Pair>,
}

impl Default for DayFacts {
    fn default() -> Self {
        Self {
            format: FORMAT,
            items: Vec::new(),
            districts: Vec::new(),
            provenance: Vec::new(),
            sums: Sums::default(),
            to_accept: Vec::new(),
            to_conclude: Vec::new(),
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct KeyCount {
    day: String,
    key: Option<String>,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct ProvenanceCount {
    day: String,
    batch_id: Option<i64>,
    channel: Option<String>,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct DaySums {
    day: String,
    total: i64,
    accepted: i64,
    accepted_in_time: i64,
    concluded: i64,
    concluded_in_time: i64,
    satisfied: i64,
    not_satisfied: i64,
}

#[derive(Debug, FromQueryResult)]
struct DayPairCount {
    day: String,
    d0: Option<String>,
    d1: Option<String>,
    n: i64,
}

/// The facts of every day with cases received in one of `periods` (each [start, end)), by
/// Beijing date (`YYYY-MM-DD`). Six grouped counts, each one pass over the periods' cases.
pub(super) async fn count(
    db: &impl ConnectionTrait,
    dialect: &Dialect,
    periods: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Result<BTreeMap<String, DayFacts>, DbErr> {
    let mut facts: BTreeMap<String, DayFacts> = BTreeMap::new();
    if periods.is_empty() {
        return Ok(facts);
    }
    let day = dialect.day("c.received_at");
    let period = (0..periods.len())
        .map(|i| {
            format!(
                "(c.received_at >= ${} AND c.received_at < ${})",
                2 * i + 1,
                2 * i + 2
            )
        })
        .collect::<Vec<_>>()
        .join(" OR ");
    let period = format!("({period})");
    let values: Vec<Value> = periods
        .iter()
        .flat_map(|(start, end)| [(*start).into(), (*end).into()])
        .collect();
    let statement = |sql: String| dialect.with_values(&sql, values.clone());
    let items = statement(format!(
        "SELECT {day} AS day, i.item_key AS key, COUNT(*) AS n FROM cases c \
         JOIN report_items ri ON ri.report_id = c.report_id \
         JOIN negative_list_items i ON i.id = ri.item_id \
         WHERE {period} GROUP BY 1, 2"
    ));
    for row in KeyCount::find_by_statement(items).all(db).await? {
        if let Some(key) = row.key {
            facts.entry(row.day).or_default().items.push((key, row.n));
        }
    }
    let districts = statement(format!(
        "SELECT {day} AS day, c.district AS key, COUNT(*) AS n FROM cases c \
         WHERE {period} GROUP BY 1, 2"
    ));
    for row in KeyCount::find_by_statement(districts).all(db).await? {
        let day = facts.entry(row.day).or_default();
        day.districts.push((row.key, row.n));
    }
    let provenance = statement(format!(
        "SELECT {day} AS day, r.batch_id AS batch_id, r.channel AS channel, \
         COUNT(*) AS n FROM cases c LEFT JOIN reports r ON r.id = c.report_id \
         WHERE {period} GROUP BY 1, 2, 3"
    ));
    for row in ProvenanceCount::find_by_statement(provenance)
        .all(db)
        .await?
    {
        let day = facts.entry(row.day).or_default();
        day.provenance.push((row.batch_id, row.channel, row.n));
    }
    let (accepted_date, concluded_date) = (
        dialect.date("c.accepted_at"),
        dialect.date("c.concluded_at"),
    );
    let both = "c.accepted_at IS NOT NULL AND c.concluded_at IS NOT NULL";
    let sums = statement(format!(
        "SELECT {day} AS day, COUNT(*) AS total, COUNT(c.accepted_at) AS accepted, \
         COALESCE(SUM(CASE WHEN c.accepted_at IS NOT NULL AND c.accept_due_on IS NOT NULL \
           AND {accepted_date} <= c.accept_due_on THEN 1 ELSE 0 END), 0) AS accepted_in_time, \
         COALESCE(SUM(CASE WHEN {both} THEN 1 ELSE 0 END), 0) AS concluded, \
         COALESCE(SUM(CASE WHEN {both} AND c.conclude_due_on IS NOT NULL \
           AND {concluded_date} <= c.conclude_due_on THEN 1 ELSE 0 END), 0) AS concluded_in_time, \
         COALESCE(SUM(CASE WHEN c.rating = 'satisfied' THEN 1 ELSE 0 END), 0) AS satisfied, \
         COALESCE(SUM(CASE WHEN c.rating = 'not_satisfied' THEN 1 ELSE 0 END), 0) \
           AS not_satisfied \
         FROM cases c WHERE {period} GROUP BY 1"
    ));
    for row in DaySums::find_by_statement(sums).all(db).await? {
        facts.entry(row.day).or_default().sums = Sums {
            total: row.total,
            accepted: row.accepted,
            accepted_in_time: row.accepted_in_time,
            concluded: row.concluded,
            concluded_in_time: row.concluded_in_time,
            satisfied: row.satisfied,
            not_satisfied: row.not_satisfied,
        };
    }
    let pairs = |from: &str, to: &str, only: &str| {
        let (d0, d1) = (dialect.day(from), dialect.day(to));
        statement(format!(
            "SELECT {day} AS day, {d0} AS d0, {d1} AS d1, COUNT(*) AS n FROM cases c \
             WHERE {period} AND {only} GROUP BY 1, 2, 3"
        ))
    };
    let to_accept = pairs(
        "c.received_at",
        "c.accepted_at",
        "c.accepted_at IS NOT NULL",
    );
    for row in DayPairCount::find_by_statement(to_accept).all(db).await? {
        let day = facts.entry(row.day).or_default();
        day.to_accept.push((row.d0, row.d1, row.n));
    }
    let to_conclude = pairs("c.accepted_at", "c.concluded_at", both);
    for row in DayPairCount::find_by_statement(to_conclude).all(db).await? {
        let day = facts.entry(row.day).or_default();
        day.to_conclude.push((row.d0, row.d1, row.n));
    }
    Ok(facts)
}
