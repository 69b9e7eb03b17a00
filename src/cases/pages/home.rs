//! The staff home: tiles for what the role does, and for those who work cases, the dashboard
//! in the reader's words.

use axum::http::StatusCode;
use axum::response::Response;

use super::{item_label, render, today};
use crate::access::CurrentUser;
use crate::cases::dashboard::{Dashboard, dashboard};
use crate::cases::items::item_names;
use crate::cases::labels::CaseRow;
use crate::cases::scope::CaseScope;
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
        let rules = state.sla.rules(&state.db, state.clock.now()).await?;
        let data = dashboard(&state.db, scope, &rules, today(state), user.user.id).await?;
        Some(in_words(state, data, lang).await?)
    };
    let ctx = minijinja::context! { dashboard => shown };
    render(state, lang, user, "staff/home.html", StatusCode::OK, ctx)
}

/// The dashboard as the home shows it: statuses and items labelled, cases as rows.
async fn in_words(
    state: &AppState,
    data: Dashboard,
    lang: Lang,
) -> Result<minijinja::Value, AppError> {
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
    let by_status: Vec<(&str, &str, i64)> = data
        .by_status
        .iter()
        .map(|(status, n)| (status.as_str(), status.label(lang), *n))
        .collect();
    Ok(minijinja::context! {
        by_status => by_status,
        by_item => by_item,
        mine => CaseRow::all(&data.mine, lang),
        due_this_week => CaseRow::all(&data.due_this_week, lang),
        overdue => CaseRow::all(&data.overdue, lang),
        triage => data.triage.map(|rows| CaseRow::all(&rows, lang)),
    })
}
