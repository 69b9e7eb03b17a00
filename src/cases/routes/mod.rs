//! The case workspace's routes: the list, the case page and its actions, attachment
//! downloads, the CSV exports, the statistics, and the staff home with its dashboard. Who may
//! use each route is declared here; the handlers extract, call the domain, render (through
//! `pages`).

mod bulk;
mod feedback;
mod handling;
mod returns;
mod steps;
mod urge;
mod writes;

use axum::extract::{Path, Query, State};
use axum::response::Response;

use self::steps::{assign, clear_flag, decide_extension, reopen, request_extension, step, take};
use self::writes::{download, message, note};
use super::pages::{self, ListQuery};
use super::workflow::{self, CaseActor};
use crate::access::{Access, CurrentUser, StaffRouter};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::mail::events::Mailer;
use crate::state::AppState;

/// The workspace's routes: the home for every staff member, the cases for inspectors and
/// supervisors, and the steps only supervisors take.
pub fn staff_routes() -> Vec<StaffRouter> {
    let upload = crate::limits::bytes::ATTACHMENTS_BODY;
    vec![
        StaffRouter::new(Access::AnyStaff).get("/staff", home),
        StaffRouter::new(Access::Cases)
            .get("/staff/cases", list)
            .get("/staff/cases/export.csv", export)
            .get("/staff/cases/{id}", case_page)
            .post("/staff/cases/{id}/step", step)
            .post("/staff/cases/{id}/take", take)
            .post("/staff/cases/{id}/extension", request_extension)
            .post("/staff/cases/{id}/return", returns::return_case)
            .post(
                "/staff/cases/{id}/decline-request",
                returns::request_decline,
            )
            .post_upload("/staff/cases/{id}/message", message, upload)
            .post_upload("/staff/cases/{id}/note", note, upload)
            .get("/staff/cases/{id}/files/{file}", download)
            .post("/staff/cases/{id}/follow-up", feedback::follow_up),
        StaffRouter::new(Access::Supervise)
            .get("/staff/stats", stats)
            .get("/staff/stats/{file}", stats_csv)
            .post("/staff/cases/{id}/reopen", reopen)
            .post("/staff/cases/{id}/assign", assign)
            .post("/staff/cases/{id}/flag", clear_flag)
            .post("/staff/cases/{id}/urge", urge::urge)
            .post("/staff/cases/assign", bulk::assign_many)
            .post("/staff/extensions/{id}/decide", decide_extension)
            .post("/staff/cases/{id}/confirm", feedback::confirm)
            .post(
                "/staff/decline-requests/{id}/decide",
                returns::decide_decline,
            )
            .get("/staff/appraisal", appraisal)
            .get("/staff/appraisal/{file}", appraisal_file),
        StaffRouter::new(Access::Admin)
            .get("/staff/admin/handling", handling::handling_page)
            .post("/staff/admin/handling", handling::change_handling),
    ]
}

async fn home(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
) -> Result<Response, AppError> {
    pages::home(&state, lang, &user).await
}

async fn stats(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(period): Query<pages::Period>,
) -> Result<Response, AppError> {
    pages::stats(&state, lang, &user, &period).await
}

async fn stats_csv(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(period): Query<pages::Period>,
) -> Result<Response, AppError> {
    pages::stats_csv(&state, lang, &user, &file, &period).await
}

async fn appraisal(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(query): Query<pages::appraisal::PeriodQuery>,
) -> Result<Response, AppError> {
    pages::appraisal::appraisal_page(&state, lang, &user, &query).await
}

async fn appraisal_file(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(query): Query<pages::appraisal::PeriodQuery>,
) -> Result<Response, AppError> {
    pages::appraisal::appraisal_file(&state, lang, &user, &file, &query).await
}

async fn list(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    pages::list(&state, lang, &user, &query).await
}

async fn export(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    pages::export(&state, lang, &user, &query).await
}

async fn case_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<pages::Flash>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    workflow::view(&state.writes, &actor, id).await?;
    pages::case(&state, lang, &user, id, pages::Outcome::shown(flash)).await
}
