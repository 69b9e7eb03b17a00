//! Statistics for supervisors, and the dashboard on the staff home. Counts are made in Rust
//! over one pass of the cases of the period (a few columns each), so months are Beijing
//! months on both engines. Charts are SVG drawn here, with no script and nothing fetched.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use serde::Serialize;

use super::list::{AssigneeFilter, CaseFilter, CaseRow, DueFilter, StatusFilter, UnitFilter};
use super::pages::short_list;
use super::routes::today;
use super::scope::CaseScope;
use super::status::{CaseStatus, Rating};
use crate::access::CurrentUser;
use crate::clock::{BEIJING, china_today};
use crate::entities::{cases, negative_list_items, report_items, reports};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

/// The dashboard on the staff home.
#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    pub by_status: Vec<(String, String, i64)>,
    pub by_item: Vec<(String, i64)>,
    pub mine: Vec<CaseRow>,
    pub due_this_week: Vec<CaseRow>,
    pub overdue: Vec<CaseRow>,
    pub triage: Option<Vec<CaseRow>>,
}

#[derive(Debug, FromQueryResult)]
struct StatusCount {
    status: CaseStatus,
    n: i64,
}

/// The dashboard for `user`, whose cases are `scope`.
pub async fn dashboard(
    state: &AppState,
    user: &CurrentUser,
    scope: CaseScope,
    lang: Lang,
) -> Result<Dashboard, AppError> {
    let db = &state.db;
    let rules = state.sla.rules(db, state.clock.now()).await?;
    let today = today(state);
    let counts: Vec<StatusCount> = cases::Entity::find()
        .select_only()
        .column(cases::Column::Status)
        .column_as(cases::Column::Id.count(), "n")
        .filter(scope.condition())
        .group_by(cases::Column::Status)
        .into_model()
        .all(db)
        .await?;
    let by_status = CaseStatus::ALL
        .iter()
        .map(|s| {
            let n = counts.iter().find(|c| c.status == *s).map_or(0, |c| c.n);
            (s.as_str().to_string(), s.label(lang).to_string(), n)
        })
        .collect();
    let open = Some(StatusFilter::Open);
    let mine = short_list(
        state,
        &rules,
        scope,
        CaseFilter {
            assignee: Some(AssigneeFilter::Is(user.user.id)),
            status: open,
            ..Default::default()
        },
        lang,
    )
    .await?;
    let due_this_week = short_list(
        state,
        &rules,
        scope,
        CaseFilter {
            due: Some(DueFilter::By(today + chrono::Duration::days(7))),
            ..Default::default()
        },
        lang,
    )
    .await?;
    let overdue = short_list(
        state,
        &rules,
        scope,
        CaseFilter {
            due: Some(DueFilter::Overdue),
            ..Default::default()
        },
        lang,
    )
    .await?;
    let triage = if scope.sees_triage() {
        Some(
            short_list(
                state,
                &rules,
                scope,
                CaseFilter {
                    unit: Some(UnitFilter::Triage),
                    status: open,
                    ..Default::default()
                },
                lang,
            )
            .await?,
        )
    } else {
        None
    };
    let by_item = items_of_open_cases(db, scope, lang).await?;
    Ok(Dashboard {
        by_status,
        by_item,
        mine,
        due_this_week,
        overdue,
        triage,
    })
}

#[derive(Debug, FromQueryResult)]
struct ItemCount {
    item_key: String,
    n: i64,
}

/// Open cases per negative-list item (by stable key), labelled from the current list.
async fn items_of_open_cases(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    lang: Lang,
) -> Result<Vec<(String, i64)>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
    let key = (
        negative_list_items::Entity,
        negative_list_items::Column::ItemKey,
    );
    let query = Query::select()
        .column(key)
        .expr_as(
            Func::count(Expr::col((
                report_items::Entity,
                report_items::Column::ReportId,
            ))),
            "n",
        )
        .from(report_items::Entity)
        .inner_join(
            negative_list_items::Entity,
            Expr::col((negative_list_items::Entity, negative_list_items::Column::Id))
                .equals((report_items::Entity, report_items::Column::ItemId)),
        )
        .inner_join(
            cases::Entity,
            Expr::col((cases::Entity, cases::Column::ReportId))
                .equals((report_items::Entity, report_items::Column::ReportId)),
        )
        .cond_where(scope.condition())
        .and_where(
            Expr::col((cases::Entity, cases::Column::Status))
                .is_not_in([CaseStatus::Declined.as_str(), CaseStatus::Closed.as_str()]),
        )
        .group_by_col(key)
        .to_owned();
    let counts = ItemCount::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    let labels = item_labels(db, lang).await?;
    let mut out: Vec<(String, i64)> = counts
        .into_iter()
        .map(|c| (labels.get(&c.item_key).cloned().unwrap_or(c.item_key), c.n))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// Item key → "3. 推诿扯皮……", from the newest version that has the key.
async fn item_labels(
    db: &impl ConnectionTrait,
    lang: Lang,
) -> Result<HashMap<String, String>, DbErr> {
    let mut labels = HashMap::new();
    let mut rows = negative_list_items::Entity::find().all(db).await?;
    rows.sort_by_key(|i| i.version_id);
    for item in rows {
        let text = if lang == Lang::En {
            item.text_en
        } else {
            item.text_zh
        };
        labels.insert(item.item_key, format!("{}. {text}", item.position));
    }
    Ok(labels)
}

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

/// A table of counts: one row per key, one column per month, and the total.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MonthTable {
    pub months: Vec<String>,
    /// (key, counts per month, total), biggest total first.
    pub rows: Vec<(String, Vec<i64>, i64)>,
}

impl MonthTable {
    fn build(months: &[String], counts: BTreeMap<String, BTreeMap<String, i64>>) -> Self {
        let mut rows: Vec<(String, Vec<i64>, i64)> = counts
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
}

/// Everything the statistics page shows.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Statistics {
    pub from: String,
    pub to: String,
    pub total: i64,
    pub by_item: MonthTable,
    pub by_district: MonthTable,
    pub by_batch: MonthTable,
    pub by_channel: MonthTable,
    /// (district, cards issued, reports).
    pub cards_vs_reports: Vec<(String, i64, i64)>,
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
    lang: Lang,
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
    let labels = item_labels(db, lang).await?;
    let mut months = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        months.push(format!("{:04}-{:02}", month.year(), month.month()));
        match month.checked_add_months(chrono::Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    let none = crate::i18n::label(lang, "stats_none");
    let mut by_item: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut by_district = BTreeMap::new();
    let mut by_batch = BTreeMap::new();
    let mut by_channel = BTreeMap::new();
    let mut reports_per_district: HashMap<String, i64> = HashMap::new();
    let (mut to_accept, mut to_conclude) = (Vec::new(), Vec::new());
    let (mut accepted, mut accepted_in_time) = (0, 0);
    let (mut concluded, mut concluded_in_time) = (0, 0);
    let (mut satisfied, mut not_satisfied) = (0, 0);
    let bump = |table: &mut BTreeMap<String, BTreeMap<String, i64>>, key: String, month: &str| {
        *table
            .entry(key)
            .or_default()
            .entry(month.to_string())
            .or_default() += 1;
    };
    for fact in &facts {
        let month = month_of(fact.received_at);
        for key in items.get(&fact.report_id).into_iter().flatten() {
            let label = labels.get(key).cloned().unwrap_or_else(|| key.clone());
            bump(&mut by_item, label, &month);
        }
        let district = fact.district.clone().unwrap_or_else(|| none.to_string());
        *reports_per_district.entry(district.clone()).or_default() += 1;
        bump(&mut by_district, district, &month);
        let p = provenance.get(&fact.report_id);
        let batch = p
            .and_then(|p| p.batch_id)
            .map_or_else(|| none.to_string(), |b| format!("#{b}"));
        bump(&mut by_batch, batch, &month);
        let channel = p
            .and_then(|p| p.channel.clone())
            .unwrap_or_else(|| none.to_string());
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
    let mut cards_vs_reports: Vec<(String, i64, i64)> = crate::cards::active_per_district(db)
        .await?
        .into_iter()
        .map(|(district, cards)| {
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

/// A horizontal bar chart as inline SVG (no script, no style: presentation attributes only).
pub fn bar_chart(title: &str, rows: &[(String, i64)]) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let bar_h = 22;
    let label_w = 260;
    let chart_w = 420;
    let height = rows.len() as i64 * bar_h + 8;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" \
         width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\" font-size=\"12\">",
        escape(title),
        label_w + chart_w + 60,
        label_w + chart_w + 60,
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i as i64 * bar_h + 4;
        let w = value * chart_w / max;
        let short: String = label.chars().take(22).collect();
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1f2328\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"#a8201a\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"#1f2328\">{value}</text>",
            label_w - 6,
            y + 15,
            escape(&short),
            bar_h - 6,
            label_w + w + 6,
            y + 15,
        ));
    }
    svg.push_str("</svg>");
    svg
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
    fn a_bar_chart_escapes_its_labels_and_scales_to_the_largest() {
        let svg = bar_chart("t", &[("<b>".into(), 10), ("x".into(), 5)]);
        assert!(svg.contains("&lt;b&gt;"));
        assert!(svg.contains("width=\"420\""));
        assert!(svg.contains("width=\"210\""));
        assert!(!svg.contains("<b>"));
    }

    #[test]
    fn late_evening_utc_counts_in_the_next_beijing_month() {
        let at = DateTime::parse_from_rfc3339("2026-11-30T17:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(month_of(at), "2026-12");
    }
}
