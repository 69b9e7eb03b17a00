//! The case list: filters, three orders, and keyset pages (no OFFSET), so the hundredth page
//! of 100,000 cases costs what the first does. The default order puts the most urgent first:
//! open deadlines soonest (overdue ones first), then the cases with no deadline, newest first.
//! The two parts are read one after the other, so NULL due dates sort the same on both
//! engines and each part walks an index in order.

use chrono::NaiveDate;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::scope::CaseScope;
use super::status::CaseStatus;
use crate::entities::{cases, negative_list_items, report_items};

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

/// One row of the list as the pages show it (built in `routes`).
pub type CaseRow = cases::Model;

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
    cond
}

/// One page of the cases `scope` may see that match `filter`, starting after `after`.
pub async fn list_cases(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    filter: &CaseFilter,
    today: NaiveDate,
    after: Option<Cursor>,
) -> Result<CasePage, DbErr> {
    let base = cases::Entity::find()
        .filter(scope.condition())
        .filter(filter_condition(filter, today));
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
