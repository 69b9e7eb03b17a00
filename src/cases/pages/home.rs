//! The staff home: tiles for what the role does, and for those who work cases, the dashboard
//! in the reader's words.

use axum::http::StatusCode;
use axum::response::Response;

use super::{item_label, render, today};
use crate::access::CurrentUser;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::cases::dashboard::{Dashboard, RedCount, dashboard, red_by_holder};
use crate::cases::items::item_names;
use crate::cases::labels::CaseRow;
use crate::cases::queues::{self, Day, Person};
use crate::cases::scope::CaseScope;
use crate::entities::{units, users};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

/// `GET /staff`: tiles for what the role does, and for those who work cases, the dashboard:
/// counts by status and by item, their own cases, what is due this week, what is overdue, the
/// triage queue.
pub async fn home(state: &AppState, lang: Lang, user: &CurrentUser) -> Result<Response, AppError> {
    let scope = CaseScope::for_user(user);
    let shown = if scope == CaseScope::Nothing {
        None
    } else {
        let now = state.clock.now();
        let rules = state.sla.rules(&state.db, now).await?;
        let day = Day::of(&rules, now, today(state));
        let data = dashboard(&state.db, scope, &rules, day.today, user.user.id).await?;
        let mut shown = in_words(state, data, lang).await?;
        if let Some(rows) = shown.triage.as_mut() {
            crate::cases::handling_view::fill_triage_reasons(&state.db, rows, lang).await?;
        }
        shown.queues = queues::counts(&state.db, Person::of(&user.user), day)
            .await?
            .into_iter()
            .map(|(q, n)| QueueCount {
                name: q.as_str(),
                n,
            })
            .collect();
        if scope.sees_triage() {
            shown.red_by = Some(red_rows(state, scope, day).await?);
        }
        Some(shown)
    };
    let ctx = minijinja::context! { dashboard => shown };
    render(state, lang, user, "staff/home.html", StatusCode::OK, ctx)
}

/// A queue's count on the home page, linking to `/staff/cases?queue=<name>`.
#[derive(Serialize)]
struct QueueCount {
    name: &'static str,
    n: u64,
}

/// Red cases of one unit and assignee, named, with the list's query that shows them.
#[derive(Serialize)]
struct RedRow {
    unit: Option<String>,
    assignee: Option<String>,
    query: String,
    n: i64,
}

/// The dashboard as the home shows it.
#[derive(Serialize)]
struct Shown {
    /// The working day's queues, counted, at the top.
    queues: Vec<QueueCount>,
    /// Supervisors: red cases by unit and assignee.
    red_by: Option<Vec<RedRow>>,
    by_status: Vec<(&'static str, &'static str, i64)>,
    by_item: Vec<(String, i64)>,
    mine: Vec<CaseRow>,
    due_this_week: Vec<CaseRow>,
    overdue: Vec<CaseRow>,
    triage: Option<Vec<CaseRow>>,
}

/// The red cases of `scope` by unit and assignee, with their names.
async fn red_rows(state: &AppState, scope: CaseScope, day: Day) -> Result<Vec<RedRow>, AppError> {
    let counts = red_by_holder(&state.db, scope, day).await?;
    let ids = |f: fn(&RedCount) -> Option<i64>| counts.iter().filter_map(f).collect::<Vec<_>>();
    let unit_names: HashMap<i64, String> = units::Entity::find()
        .filter(units::Column::Id.is_in(ids(|c| c.unit_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let people: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids(|c| c.assignee_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(counts
        .into_iter()
        .map(|c| RedRow {
            unit: c.unit_id.and_then(|id| unit_names.get(&id).cloned()),
            assignee: c.assignee_id.and_then(|id| people.get(&id).cloned()),
            query: format!(
                "queue=red&unit={}&assignee={}",
                c.unit_id.map_or("triage".into(), |id| id.to_string()),
                c.assignee_id.map_or("none".into(), |id| id.to_string()),
            ),
            n: c.n,
        })
        .collect())
}

/// The dashboard as the home shows it: statuses and items labelled, cases as rows.
async fn in_words(state: &AppState, data: Dashboard, lang: Lang) -> Result<Shown, AppError> {
    let names = item_names(&state.db).await?;
    let mut by_item: Vec<(String, i64)> = data
        .by_item
        .into_iter()
        .map(|(key, n)| match names.get(&key) {
            Some(name) => (item_label(name, lang), n),
            None => (key, n),
        })
        .collect();
    by_item.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(Shown {
        queues: Vec::new(),
        red_by: None,
        by_status: data
            .by_status
            .iter()
            .map(|(status, n)| (status.as_str(), status.label(lang), *n))
            .collect(),
        by_item,
        mine: CaseRow::all(&data.mine, lang),
        due_this_week: CaseRow::all(&data.due_this_week, lang),
        overdue: CaseRow::all(&data.overdue, lang),
        triage: data.triage.map(|rows| CaseRow::all(&rows, lang)),
    })
}
