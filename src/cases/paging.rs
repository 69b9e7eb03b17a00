//! Keyset pages of the case list (no OFFSET), so the hundredth page of 100,000 cases costs
//! what the first does. Each order that puts one part of the cases before another (deadlines
//! before none; new from the reporter before the rest) reads the parts one after the other,
//! so NULLs sort the same on both engines and each part walks an index in order; the cursor
//! says which part a page ends in.

use chrono::NaiveDate;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, QueryFilter, QueryOrder, QuerySelect, Select};

use super::list::{CaseFilter, Sort, filter_condition};
use super::scope::CaseScope;
use crate::entities::cases;

/// Rows per page.
pub const PAGE_SIZE: u64 = 50;

/// Where a page starts: just after this row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// In the part with deadlines, after (due date, id).
    Due(NaiveDate, i64),
    /// After this id (the part without deadlines, or the newest/oldest orders).
    Id(i64),
    /// In the part new from the reporter, after this id.
    Fresh(i64),
}

impl Cursor {
    /// `d2026-12-03.123` or `i123`: safe in a URL.
    pub fn encode(self) -> String {
        match self {
            Cursor::Due(date, id) => format!("d{date}.{id}"),
            Cursor::Id(id) => format!("i{id}"),
            Cursor::Fresh(id) => format!("u{id}"),
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
        if let Some(rest) = text.strip_prefix('u') {
            return rest.parse().ok().map(Cursor::Fresh);
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
    // How many of the rows read belong to the first part of a two-part order.
    let mut first_part = 0;
    let mut rows = match filter.sort {
        Sort::Newest => {
            after_id(base.order_by_desc(cases::Column::Id), after, false)
                .limit(take)
                .all(db)
                .await?
        }
        Sort::Oldest => {
            after_id(base.order_by_asc(cases::Column::Id), after, true)
                .limit(take)
                .all(db)
                .await?
        }
        Sort::Unread => {
            let fresh = filter.unread.clone().unwrap_or_else(Condition::any);
            let mut rows = Vec::new();
            if !matches!(after, Some(Cursor::Id(_))) {
                let mut q = base
                    .clone()
                    .filter(fresh.clone())
                    .order_by_desc(cases::Column::Id);
                if let Some(Cursor::Fresh(id)) = after {
                    q = q.filter(cases::Column::Id.lt(id));
                }
                rows = q.limit(take).all(db).await?;
            }
            first_part = rows.len();
            if (rows.len() as u64) < take {
                // `NOT IN`, not `NOT (…)`: the condition may be NULL for a row (no assignee),
                // which would leave that row out of both parts.
                let fresh_ids = Query::select()
                    .column(cases::Column::Id)
                    .from(cases::Entity)
                    .cond_where(fresh)
                    .to_owned();
                let rest = base
                    .filter(cases::Column::Id.not_in_subquery(fresh_ids))
                    .order_by_desc(cases::Column::Id);
                let more = after_id(rest, after, false)
                    .limit(take - rows.len() as u64)
                    .all(db)
                    .await?;
                rows.extend(more);
            }
            rows
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
            first_part = rows.len();
            if (rows.len() as u64) < take {
                let rest = base
                    .filter(cases::Column::DueOn.is_null())
                    .order_by_desc(cases::Column::Id);
                let more = after_id(rest, after, false)
                    .limit(take - rows.len() as u64)
                    .all(db)
                    .await?;
                rows.extend(more);
            }
            rows
        }
    };
    let next = if rows.len() as u64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        let in_first_part = first_part >= PAGE_SIZE as usize;
        rows.last().map(|last| match (filter.sort, last.due_on) {
            (Sort::Due, Some(due)) if in_first_part => Cursor::Due(due, last.id),
            (Sort::Unread, _) if in_first_part => Cursor::Fresh(last.id),
            _ => Cursor::Id(last.id),
        })
    } else {
        None
    };
    Ok(CasePage { cases: rows, next })
}

/// `q` (ordered by id) from just after a [`Cursor::Id`] cursor: ids above it when `ascending`.
fn after_id(
    q: Select<cases::Entity>,
    after: Option<Cursor>,
    ascending: bool,
) -> Select<cases::Entity> {
    match after {
        Some(Cursor::Id(id)) if ascending => q.filter(cases::Column::Id.gt(id)),
        Some(Cursor::Id(id)) => q.filter(cases::Column::Id.lt(id)),
        _ => q,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_survive_a_round_trip_and_nonsense_starts_at_the_top() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
        for cursor in [Cursor::Due(date, 123), Cursor::Id(9), Cursor::Fresh(4)] {
            assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
        for nonsense in [
            "",
            "x1",
            "d2026-13-01.1",
            "dnope",
            "i-",
            "d2026-12-03",
            "u",
            "ux",
        ] {
            assert_eq!(Cursor::decode(nonsense), None, "{nonsense}");
        }
    }
}
