//! The dashboard on the staff home, as data: how many cases of the scope are in each status,
//! open cases per negative-list item, and short lists (the person's own open cases, what is
//! due this week, what is overdue, the triage queue). Each part is a query of the scope, so
//! the queues and the digest to come count and list the same way.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, FromQueryResult, QueryFilter, QuerySelect};
use serde::Serialize;

use super::list::{
    AssigneeFilter, CaseFilter, CaseLine, DueFilter, StatusFilter, UnitFilter, case_lines,
};
use super::paging::list_cases;
use super::scope::CaseScope;
use super::status::CaseStatus;
use crate::deadlines::SlaRules;
use crate::entities::{cases, negative_list_items, report_items};

/// Rows in each short list of the dashboard.
pub const SHORT_LIST: usize = 10;

/// The dashboard of one person.
#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    /// Every status, in the workflow's order, with its count.
    pub by_status: Vec<(CaseStatus, i64)>,
    /// Open cases per item key, most first.
    pub by_item: Vec<(String, i64)>,
    pub mine: Vec<CaseLine>,
    pub due_this_week: Vec<CaseLine>,
    pub overdue: Vec<CaseLine>,
    /// The triage queue, for those who see it.
    pub triage: Option<Vec<CaseLine>>,
}

/// The dashboard of user `me`, whose cases are `scope`, on `today` (a Beijing date).
pub async fn dashboard(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    rules: &SlaRules,
    today: NaiveDate,
    me: i64,
) -> Result<Dashboard, DbErr> {
    let open = Some(StatusFilter::Open);
    let short = async |filter: CaseFilter| short_list(db, scope, rules, today, &filter).await;
    let mine = short(CaseFilter {
        assignee: Some(AssigneeFilter::Is(me)),
        status: open,
        ..Default::default()
    })
    .await?;
    let due_this_week = short(CaseFilter {
        due: Some(DueFilter::within_a_week(today)),
        ..Default::default()
    })
    .await?;
    let overdue = short(CaseFilter {
        due: Some(DueFilter::Overdue),
        ..Default::default()
    })
    .await?;
    let triage = if scope.sees_triage() {
        Some(
            short(CaseFilter {
                unit: Some(UnitFilter::Triage),
                status: open,
                ..Default::default()
            })
            .await?,
        )
    } else {
        None
    };
    Ok(Dashboard {
        by_status: count_by_status(db, scope).await?,
        by_item: open_cases_by_item(db, scope).await?,
        mine,
        due_this_week,
        overdue,
        triage,
    })
}

/// The first [`SHORT_LIST`] cases of `filter`, most urgent first.
pub async fn short_list(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    rules: &SlaRules,
    today: NaiveDate,
    filter: &CaseFilter,
) -> Result<Vec<CaseLine>, DbErr> {
    let mut page = list_cases(db, scope, filter, today, None).await?;
    page.cases.truncate(SHORT_LIST);
    case_lines(db, rules, &page.cases, today).await
}

#[derive(Debug, FromQueryResult)]
struct StatusCount {
    status: CaseStatus,
    n: i64,
}

/// How many cases of `scope` are in each status (every status, zero included).
pub async fn count_by_status(
    db: &impl ConnectionTrait,
    scope: CaseScope,
) -> Result<Vec<(CaseStatus, i64)>, DbErr> {
    let counts: Vec<StatusCount> = scope
        .cases()
        .select_only()
        .column(cases::Column::Status)
        .column_as(cases::Column::Id.count(), "n")
        .group_by(cases::Column::Status)
        .into_model()
        .all(db)
        .await?;
    Ok(CaseStatus::ALL
        .iter()
        .map(|s| {
            let n = counts.iter().find(|c| c.status == *s).map_or(0, |c| c.n);
            (*s, n)
        })
        .collect())
}

#[derive(Debug, FromQueryResult)]
struct ItemCount {
    item_key: String,
    n: i64,
}

/// Open cases of `scope` per negative-list item (by stable key), most first.
pub async fn open_cases_by_item(
    db: &impl ConnectionTrait,
    scope: CaseScope,
) -> Result<Vec<(String, i64)>, DbErr> {
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
    let mut out: Vec<(String, i64)> = counts.into_iter().map(|c| (c.item_key, c.n)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// Red cases of one unit and assignee (either may be none), for the supervisor's home.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct RedCount {
    pub unit_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub n: i64,
}

/// How many red cases each unit and assignee holds on `day`, most first.
pub async fn red_by_holder(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    day: super::queues::Day,
) -> Result<Vec<RedCount>, DbErr> {
    let mut rows: Vec<RedCount> = scope
        .cases()
        .filter(day.light_condition(crate::deadlines::lights::Light::Red))
        .select_only()
        .column(cases::Column::UnitId)
        .column(cases::Column::AssigneeId)
        .column_as(cases::Column::Id.count(), "n")
        .group_by(cases::Column::UnitId)
        .group_by(cases::Column::AssigneeId)
        .into_model()
        .all(db)
        .await?;
    rows.sort_by(|a, b| b.n.cmp(&a.n).then(a.unit_id.cmp(&b.unit_id)));
    Ok(rows)
}
