//! Statistics for supervisors, as data: reports per item, district, batch and channel per
//! Beijing month, cards against reports per district, how fast and how often on time cases
//! were accepted and concluded, and the ratings. Keys are data (an item's key, a district, a
//! batch number); `None` is "not known", which the page names. Counts are made in Rust over
//! one pass of the cases of the period (a few columns each), so months are Beijing months on
//! both engines.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use serde::Serialize;

use super::status::{CaseStatus, Rating};
use crate::clock::{BEIJING, china_today};
use crate::entities::{cases, negative_list_items, report_items, reports};

/// One case, as the statistics need it.
#[derive(Debug, FromQueryResult)]
struct Fact {
    report_id: i64,
    status: CaseStatus,
    received_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
    concluded_at: Option<DateTime<Utc>>,
    accept_due_on: Option<NaiveDate>,
    conclude_due_on: Option<NaiveDate>,
    district: Option<String>,
    rating: Option<Rating>,
}

#[derive(Debug, FromQueryResult)]
struct Provenance {
    id: i64,
    batch_id: Option<i64>,
    channel: Option<String>,
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
    /// Median hours from receipt to acceptance, and from acceptance to conclusion.
    pub median_hours_to_accept: Option<f64>,
    pub median_hours_to_conclude: Option<f64>,
    /// Share of steps done by their deadline, in percent, and how many were counted.
    pub accepted_on_time: Option<(f64, i64)>,
    pub concluded_on_time: Option<(f64, i64)>,
    pub satisfied: i64,
    pub not_satisfied: i64,
}

fn month_of(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&BEIJING);
    format!("{:04}-{:02}", local.year(), local.month())
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

fn share(on_time: i64, counted: i64) -> Option<(f64, i64)> {
    (counted > 0).then(|| (on_time as f64 * 100.0 / counted as f64, counted))
}

/// Statistics of the reports received in the Beijing months `from` to `to` (inclusive).
pub async fn statistics(
    db: &impl ConnectionTrait,
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
    let facts: Vec<Fact> = cases::Entity::find()
        .select_only()
        .columns([
            cases::Column::ReportId,
            cases::Column::Status,
            cases::Column::ReceivedAt,
            cases::Column::AcceptedAt,
            cases::Column::ConcludedAt,
            cases::Column::AcceptDueOn,
            cases::Column::ConcludeDueOn,
            cases::Column::District,
            cases::Column::Rating,
        ])
        .filter(cases::Column::ReceivedAt.gte(start))
        .filter(cases::Column::ReceivedAt.lt(end))
        .into_model()
        .all(db)
        .await?;
    let report_ids: Vec<i64> = facts.iter().map(|f| f.report_id).collect();
    let mut provenance: HashMap<i64, Provenance> = HashMap::new();
    let mut items: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in report_ids.chunks(500) {
        let rows: Vec<Provenance> = reports::Entity::find()
            .select_only()
            .columns([
                reports::Column::Id,
                reports::Column::BatchId,
                reports::Column::Channel,
            ])
            .filter(reports::Column::Id.is_in(chunk.to_vec()))
            .into_model()
            .all(db)
            .await?;
        provenance.extend(rows.into_iter().map(|p| (p.id, p)));
        for link in item_links(db, chunk).await? {
            items.entry(link.report_id).or_default().push(link.item_key);
        }
    }
    let mut months = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        months.push(format!("{:04}-{:02}", month.year(), month.month()));
        match month.checked_add_months(chrono::Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    let mut by_item: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut by_district = BTreeMap::new();
    let mut by_batch = BTreeMap::new();
    let mut by_channel = BTreeMap::new();
    let mut reports_per_district: HashMap<Option<String>, i64> = HashMap::new();
    let (mut to_accept, mut to_conclude) = (Vec::new(), Vec::new());
    let (mut accepted, mut accepted_in_time) = (0, 0);
    let (mut concluded, mut concluded_in_time) = (0, 0);
    let (mut satisfied, mut not_satisfied) = (0, 0);
    fn bump<K: Ord>(table: &mut BTreeMap<K, BTreeMap<String, i64>>, key: K, month: &str) {
        *table
            .entry(key)
            .or_default()
            .entry(month.to_string())
            .or_default() += 1;
    }
    for fact in &facts {
        let month = month_of(fact.received_at);
        for key in items.get(&fact.report_id).into_iter().flatten() {
            bump(&mut by_item, key.clone(), &month);
        }
        let district = fact.district.clone();
        *reports_per_district.entry(district.clone()).or_default() += 1;
        bump(&mut by_district, district, &month);
        let p = provenance.get(&fact.report_id);
        let batch = p.and_then(|p| p.batch_id).map(|b| format!("#{b}"));
        bump(&mut by_batch, batch, &month);
        let channel = p.and_then(|p| p.channel.clone());
        bump(&mut by_channel, channel, &month);
        if let Some(at) = fact.accepted_at {
            to_accept.push((at - fact.received_at).num_minutes() as f64 / 60.0);
            accepted += 1;
            if fact.accept_due_on.is_some_and(|due| china_today(at) <= due) {
                accepted_in_time += 1;
            }
            if let Some(done) = fact.concluded_at {
                to_conclude.push((done - at).num_minutes() as f64 / 60.0);
                concluded += 1;
                if fact
                    .conclude_due_on
                    .is_some_and(|due| china_today(done) <= due)
                {
                    concluded_in_time += 1;
                }
            }
        }
        match fact.rating {
            Some(Rating::Satisfied) => satisfied += 1,
            Some(Rating::NotSatisfied) => not_satisfied += 1,
            None => {}
        }
        let _ = fact.status;
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
        total: facts.len() as i64,
        by_item: MonthTable::build(&months, by_item),
        by_district: MonthTable::build(&months, by_district),
        by_batch: MonthTable::build(&months, by_batch),
        by_channel: MonthTable::build(&months, by_channel),
        cards_vs_reports,
        median_hours_to_accept: median(to_accept),
        median_hours_to_conclude: median(to_conclude),
        accepted_on_time: share(accepted_in_time, accepted),
        concluded_on_time: share(concluded_in_time, concluded),
        satisfied,
        not_satisfied,
    })
}

#[derive(Debug, FromQueryResult)]
struct ItemLink {
    report_id: i64,
    item_key: String,
}

/// The item keys of these reports.
async fn item_links(db: &impl ConnectionTrait, report_ids: &[i64]) -> Result<Vec<ItemLink>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let query = Query::select()
        .column((report_items::Entity, report_items::Column::ReportId))
        .column((
            negative_list_items::Entity,
            negative_list_items::Column::ItemKey,
        ))
        .from(report_items::Entity)
        .inner_join(
            negative_list_items::Entity,
            Expr::col((negative_list_items::Entity, negative_list_items::Column::Id))
                .equals((report_items::Entity, report_items::Column::ItemId)),
        )
        .and_where(
            Expr::col((report_items::Entity, report_items::Column::ReportId))
                .is_in(report_ids.iter().copied()),
        )
        .to_owned();
    ItemLink::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(vec![5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(Vec::new()), None);
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
