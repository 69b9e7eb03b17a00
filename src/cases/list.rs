//! The case list: filters, three orders, and keyset pages (no OFFSET), so the hundredth page
//! of 100,000 cases costs what the first does. The default order puts the most urgent first:
//! open deadlines soonest (overdue ones first), then the cases with no deadline, newest first.
//! The two parts are read one after the other, so NULL due dates sort the same on both
//! engines and each part walks an index in order. [`case_lines`] names a page's units, people
//! and items for whoever shows it (the workspace, the CSV export, the JSON API, the
//! dashboard); [`count_cases`] counts what a filter matches.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use super::deadlines::{Deadline, deadline};
use super::scope::CaseScope;
use super::status::CaseStatus;
use crate::deadlines::SlaRules;
use crate::entities::{cases, negative_list_items, report_items, units, users};

/// Rows per page.
pub const PAGE_SIZE: u64 = 50;

/// Which status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    Is(CaseStatus),
    /// Not declined or closed.
    Open,
}

/// Which unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitFilter {
    Is(i64),
    /// No unit: the triage queue.
    Triage,
}

/// Whose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssigneeFilter {
    Is(i64),
    Nobody,
}

/// By when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueFilter {
    /// The open deadline has passed.
    Overdue,
    /// Due on or before this date (and not yet overdue).
    By(NaiveDate),
}

impl DueFilter {
    /// Due within three working days of `today`.
    pub fn soon(rules: &SlaRules, today: NaiveDate) -> Self {
        DueFilter::By(rules.calendar.add_working_days(today, 3))
    }

    /// Due within seven days of `today`.
    pub fn within_a_week(today: NaiveDate) -> Self {
        DueFilter::By(today + Duration::days(7))
    }
}

/// The order of the list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Soonest deadline first (overdue on top), then cases without one, newest first.
    #[default]
    Due,
    Newest,
    Oldest,
}

/// What a list shows.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub status: Option<StatusFilter>,
    /// A negative-list item's stable key (`item-3`), across list versions.
    pub item_key: Option<String>,
    pub district: Option<String>,
    pub unit: Option<UnitFilter>,
    pub assignee: Option<AssigneeFilter>,
    pub due: Option<DueFilter>,
    /// Only cases flagged for a supervisor (a not-satisfied rating).
    pub flagged: bool,
    /// Only reports from revoked cards.
    pub revoked: bool,
    /// What a queue or a light adds (built by [`super::queues`] for the reader and the day).
    pub within: Vec<Condition>,
    pub sort: Sort,
}

/// Where a page starts: just after this row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// In the part with deadlines, after (due date, id).
    Due(NaiveDate, i64),
    /// After this id (the part without deadlines, or the newest/oldest orders).
    Id(i64),
}

impl Cursor {
    /// `d2026-12-03.123` or `i123`: safe in a URL.
    pub fn encode(self) -> String {
        match self {
            Cursor::Due(date, id) => format!("d{date}.{id}"),
            Cursor::Id(id) => format!("i{id}"),
        }
    }

    /// The cursor `encode` made; anything else is `None` (the first page).
    pub fn decode(text: &str) -> Option<Cursor> {
        if let Some(rest) = text.strip_prefix('d') {
            let (date, id) = rest.split_once('.')?;
            return Some(Cursor::Due(
                NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
                id.parse().ok()?,
            ));
        }
        text.strip_prefix('i')?.parse().ok().map(Cursor::Id)
    }
}

/// A page of cases.
#[derive(Clone, Debug)]
pub struct CasePage {
    pub cases: Vec<cases::Model>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

fn filter_condition(filter: &CaseFilter, today: NaiveDate) -> Condition {
    let mut cond = Condition::all();
    match filter.status {
        Some(StatusFilter::Is(status)) => cond = cond.add(cases::Column::Status.eq(status)),
        Some(StatusFilter::Open) => {
            cond = cond
                .add(cases::Column::Status.is_not_in([CaseStatus::Declined, CaseStatus::Closed]))
        }
        None => {}
    }
    if let Some(key) = &filter.item_key {
        let reports = Query::select()
            .column((report_items::Entity, report_items::Column::ReportId))
            .from(report_items::Entity)
            .inner_join(
                negative_list_items::Entity,
                Expr::col((negative_list_items::Entity, negative_list_items::Column::Id))
                    .equals((report_items::Entity, report_items::Column::ItemId)),
            )
            .and_where(
                Expr::col((
                    negative_list_items::Entity,
                    negative_list_items::Column::ItemKey,
                ))
                .eq(key.as_str()),
            )
            .to_owned();
        cond = cond.add(cases::Column::ReportId.in_subquery(reports));
    }
    if let Some(district) = &filter.district {
        cond = cond.add(cases::Column::District.eq(district.as_str()));
    }
    match filter.unit {
        Some(UnitFilter::Is(id)) => cond = cond.add(cases::Column::UnitId.eq(id)),
        Some(UnitFilter::Triage) => cond = cond.add(cases::Column::UnitId.is_null()),
        None => {}
    }
    match filter.assignee {
        Some(AssigneeFilter::Is(id)) => cond = cond.add(cases::Column::AssigneeId.eq(id)),
        Some(AssigneeFilter::Nobody) => cond = cond.add(cases::Column::AssigneeId.is_null()),
        None => {}
    }
    match filter.due {
        Some(DueFilter::Overdue) => cond = cond.add(cases::Column::DueOn.lt(today)),
        Some(DueFilter::By(date)) => {
            cond = cond
                .add(cases::Column::DueOn.gte(today))
                .add(cases::Column::DueOn.lte(date))
        }
        None => {}
    }
    if filter.flagged {
        cond = cond.add(cases::Column::NeedsSupervisor.eq(true));
    }
    if filter.revoked {
        cond = cond.add(cases::Column::FromRevokedCard.eq(true));
    }
    for extra in &filter.within {
        cond = cond.add(extra.clone());
    }
    cond
}

/// How many of the cases `scope` may see match `filter` (a count for a queue or a tile).
pub async fn count_cases(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    filter: &CaseFilter,
    today: NaiveDate,
) -> Result<u64, DbErr> {
    scope
        .cases()
        .filter(filter_condition(filter, today))
        .count(db)
        .await
}

/// One page of the cases `scope` may see that match `filter`, starting after `after`.
pub async fn list_cases(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    filter: &CaseFilter,
    today: NaiveDate,
    after: Option<Cursor>,
) -> Result<CasePage, DbErr> {
    let base = scope.cases().filter(filter_condition(filter, today));
    let take = PAGE_SIZE + 1;
    let mut rows = match filter.sort {
        Sort::Newest => {
            let mut q = base.order_by_desc(cases::Column::Id);
            if let Some(Cursor::Id(id)) = after {
                q = q.filter(cases::Column::Id.lt(id));
            }
            q.limit(take).all(db).await?
        }
        Sort::Oldest => {
            let mut q = base.order_by_asc(cases::Column::Id);
            if let Some(Cursor::Id(id)) = after {
                q = q.filter(cases::Column::Id.gt(id));
            }
            q.limit(take).all(db).await?
        }
        Sort::Due => {
            let mut rows = Vec::new();
            if !matches!(after, Some(Cursor::Id(_))) {
                let mut q = base
                    .clone()
                    .filter(cases::Column::DueOn.is_not_null())
                    .order_by_asc(cases::Column::DueOn)
                    .order_by_asc(cases::Column::Id);
                if let Some(Cursor::Due(date, id)) = after {
                    // A row-value comparison: both engines seek the (due_on, id) index to it.
                    let key = Expr::tuple([
                        Expr::col((cases::Entity, cases::Column::DueOn)),
                        Expr::col((cases::Entity, cases::Column::Id)),
                    ]);
                    q = q.filter(key.gt(Expr::tuple([Expr::val(date), Expr::val(id)])));
                }
                rows = q.limit(take).all(db).await?;
            }
            if (rows.len() as u64) < take {
                let mut q = base
                    .filter(cases::Column::DueOn.is_null())
                    .order_by_desc(cases::Column::Id);
                if let Some(Cursor::Id(id)) = after {
                    q = q.filter(cases::Column::Id.lt(id));
                }
                let more = q.limit(take - rows.len() as u64).all(db).await?;
                rows.extend(more);
            }
            rows
        }
    };
    let next = if rows.len() as u64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|last| match (filter.sort, last.due_on) {
            (Sort::Due, Some(due)) => Cursor::Due(due, last.id),
            _ => Cursor::Id(last.id),
        })
    } else {
        None
    };
    Ok(CasePage { cases: rows, next })
}

/// One case of a list with the names it shows (unit, assignee, item positions) and where it
/// stands against its deadline: data, in no language.
#[derive(Clone, Debug, Serialize)]
pub struct CaseLine {
    pub id: i64,
    /// `JD2026-000042`.
    pub number: String,
    /// What a step must name (`version`) to be taken.
    pub version: i32,
    pub status: CaseStatus,
    /// Positions of the negative-list items, in order.
    pub item_numbers: Vec<i32>,
    /// The same items with their texts, in order.
    pub items: Vec<ItemText>,
    pub district: Option<String>,
    pub unit_id: Option<i64>,
    pub unit: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    pub received_at: DateTime<Utc>,
    pub deadline: Deadline,
    /// Flagged for a supervisor (a not-satisfied rating).
    pub flagged: bool,
    /// The report came through a revoked card.
    pub revoked: bool,
}

/// A negative-list item as a list names it: its position and its text in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemText {
    pub position: i32,
    pub text_zh: String,
    pub text_en: String,
}

/// Names for a page of cases: units, people, items (three queries, however many rows), and
/// each case's deadline on `today`.
pub async fn case_lines(
    db: &impl ConnectionTrait,
    rules: &SlaRules,
    page: &[cases::Model],
    today: NaiveDate,
) -> Result<Vec<CaseLine>, DbErr> {
    let unit_ids: HashSet<i64> = page.iter().filter_map(|c| c.unit_id).collect();
    let user_ids: HashSet<i64> = page.iter().filter_map(|c| c.assignee_id).collect();
    let report_ids: Vec<i64> = page.iter().map(|c| c.report_id).collect();
    let unit_names: HashMap<i64, String> = units::Entity::find()
        .filter(units::Column::Id.is_in(unit_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let user_names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let links = report_items::Entity::find()
        .filter(report_items::Column::ReportId.is_in(report_ids))
        .all(db)
        .await?;
    let item_ids: HashSet<i64> = links.iter().map(|l| l.item_id).collect();
    let texts: HashMap<i64, ItemText> = negative_list_items::Entity::find()
        .filter(negative_list_items::Column::Id.is_in(item_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| {
            let text = ItemText {
                position: i.position,
                text_zh: i.text_zh,
                text_en: i.text_en,
            };
            (i.id, text)
        })
        .collect();
    let mut items: HashMap<i64, Vec<ItemText>> = HashMap::new();
    for link in links {
        if let Some(text) = texts.get(&link.item_id) {
            items.entry(link.report_id).or_default().push(text.clone());
        }
    }
    Ok(page
        .iter()
        .map(|c| {
            let mut named = items.get(&c.report_id).cloned().unwrap_or_default();
            named.sort_by_key(|i| i.position);
            let numbers = named.iter().map(|i| i.position).collect();
            CaseLine {
                id: c.id,
                number: c.number.clone(),
                version: c.version,
                status: c.status,
                item_numbers: numbers,
                items: named,
                district: c.district.clone(),
                unit_id: c.unit_id,
                unit: c.unit_id.and_then(|id| unit_names.get(&id).cloned()),
                assignee_id: c.assignee_id,
                assignee: c.assignee_id.and_then(|id| user_names.get(&id).cloned()),
                received_at: c.received_at,
                deadline: deadline(c, rules, today),
                flagged: c.needs_supervisor,
                revoked: c.from_revoked_card,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_survive_a_round_trip_and_nonsense_starts_at_the_top() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
        for cursor in [Cursor::Due(date, 123), Cursor::Id(9)] {
            assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
        for nonsense in ["", "x1", "d2026-13-01.1", "dnope", "i-", "d2026-12-03"] {
            assert_eq!(Cursor::decode(nonsense), None, "{nonsense}");
        }
    }
}
