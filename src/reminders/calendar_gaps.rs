//! Years whose official holiday arrangement is not loaded while open deadlines fall in them:
//! those deadlines were counted with weekends only (the New Year or Spring Festival holiday
//! would move them), and only an admin can load the year. The admins' digest lists each such
//! year with how many open deadlines fall in it; the case page marks the deadline itself.

use chrono::{Datelike, NaiveDate};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;

use crate::deadlines::calendar::WorkingCalendar;
use crate::entities::cases;

/// A year without its official calendar, and the open deadlines that fall in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CalendarGap {
    pub year: i32,
    pub open_deadlines: u64,
}

/// Every year in which an open deadline falls and whose calendar is not published, in
/// order. Two queries to find the years deadlines span (by the index on the due date), then
/// one count per unpublished year among them: no row is read into memory.
pub async fn calendar_gaps(
    db: &impl ConnectionTrait,
    calendar: &WorkingCalendar,
) -> Result<Vec<CalendarGap>, DbErr> {
    // An open case is one with a running deadline (as the queues count them).
    let end = async |order: Order| -> Result<Option<NaiveDate>, DbErr> {
        let day: Option<Option<NaiveDate>> = cases::Entity::find()
            .select_only()
            .column(cases::Column::DueOn)
            .filter(cases::Column::DueOn.is_not_null())
            .order_by(cases::Column::DueOn, order)
            .limit(1)
            .into_tuple()
            .one(db)
            .await?;
        Ok(day.flatten())
    };
    let (Some(first), Some(last)) = (end(Order::Asc).await?, end(Order::Desc).await?) else {
        return Ok(Vec::new());
    };
    let mut gaps = Vec::new();
    for year in first.year()..=last.year() {
        if calendar.is_published(year) {
            continue;
        }
        let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            continue;
        };
        let open_deadlines = cases::Entity::find()
            .filter(cases::Column::DueOn.between(from, to))
            .count(db)
            .await?;
        if open_deadlines > 0 {
            gaps.push(CalendarGap {
                year,
                open_deadlines,
            });
        }
    }
    Ok(gaps)
}
