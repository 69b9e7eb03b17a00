//! The case workspace: the list, the case page and its actions, attachment downloads, the
//! CSV export, and the staff home with its dashboard. Who may use each route is declared
//! here; the handlers extract, call the domain, render.

use axum::Form;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::error::CaseError;
use super::pages::{self, ListQuery};
use super::status::Finding;
use super::workflow::{self, Assignment, CaseActor, ExtensionDecision, Step};
use crate::access::{Access, CurrentUser, StaffRouter};
use crate::attachments::{self as files, FileProblem};
use crate::audit::{AuditAction, AuditEvent};
use crate::clock::china_today;
use crate::entities::attachments;
use crate::error::{AppError, Msg, ResultExt};
use crate::i18n::Lang;
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
            .post_upload("/staff/cases/{id}/message", message, upload)
            .post_upload("/staff/cases/{id}/note", note, upload)
            .get("/staff/cases/{id}/files/{file}", download),
        StaffRouter::new(Access::Supervise)
            .get("/staff/stats", stats)
            .get("/staff/stats/{file}", stats_csv)
            .post("/staff/cases/{id}/reopen", reopen)
            .post("/staff/cases/{id}/assign", assign)
            .post("/staff/cases/{id}/flag", clear_flag)
            .post("/staff/extensions/{id}/decide", decide_extension),
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
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    workflow::view(&state.writes, &actor, id).await?;
    pages::case(&state, lang, &user, id, pages::Outcome::shown(flash)).await
}

/// After a step: back to the case page (303), or the page again with the refusal and what
/// the person typed (422/409), or a plain refusal (404/403).
async fn after(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    id: i64,
    result: Result<(), CaseError>,
    done: &str,
    typed: pages::Draft,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/cases/{id}?done={done}")).into_response()),
        Err(e @ (CaseError::Invalid(_) | CaseError::InvalidTransition { .. })) => {
            let outcome = pages::Outcome::refused(StatusCode::UNPROCESSABLE_ENTITY, e, typed);
            pages::case(state, lang, user, id, outcome).await
        }
        Err(e @ CaseError::Conflict) => {
            let outcome = pages::Outcome::refused(StatusCode::CONFLICT, e, typed);
            pages::case(state, lang, user, id, outcome).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct StepForm {
    #[serde(default)]
    version: i32,
    #[serde(default)]
    step: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    finding: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    feedback: String,
}

async fn step(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    let step = match form.step.as_str() {
        "accept" => Step::Accept,
        "decline" => Step::Decline {
            reason: form.reason.clone(),
        },
        "investigate" => Step::Investigate,
        "conclude" => match Finding::parse(&form.finding) {
            Some(finding) => Step::Conclude {
                finding,
                summary: form.summary.clone(),
                feedback: form.feedback.clone(),
            },
            None => {
                let e = CaseError::Invalid(Msg::new("case_error_finding"));
                let typed = pages::Draft::conclude(&form.summary, &form.feedback);
                return after(&state, lang, &user, id, Err(e), "", typed).await;
            }
        },
        "close" => Step::Close,
        other => {
            return Err(AppError::BadRequest(
                Msg::new("case_error_unknown_step").arg("step", other),
            ));
        }
    };
    let typed = match &step {
        Step::Decline { reason } => pages::Draft::decline(reason),
        Step::Conclude {
            summary, feedback, ..
        } => pages::Draft::conclude(summary, feedback),
        _ => pages::Draft::default(),
    };
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    let result = workflow::take_step(&state.writes, &rules, &actor, id, form.version, step)
        .await
        .map(|_| ());
    after(&state, lang, &user, id, result, &form.step, typed).await
}

async fn reopen(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    let reason = form.reason.clone();
    let result = workflow::take_step(
        &state.writes,
        &rules,
        &actor,
        id,
        form.version,
        Step::Reopen {
            reason: reason.clone(),
        },
    )
    .await
    .map(|_| ());
    after(
        &state,
        lang,
        &user,
        id,
        result,
        "reopen",
        pages::Draft::reopen(&reason),
    )
    .await
}

#[derive(Deserialize, Default)]
struct VersionForm {
    #[serde(default)]
    version: i32,
}

async fn take(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    let result = workflow::assign(&state.writes, &actor, id, form.version, Assignment::Take)
        .await
        .map(|_| ());
    after(
        &state,
        lang,
        &user,
        id,
        result,
        "take",
        pages::Draft::default(),
    )
    .await
}

async fn clear_flag(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    let result = workflow::clear_flag(&state.writes, &actor, id, form.version)
        .await
        .map(|_| ());
    after(
        &state,
        lang,
        &user,
        id,
        result,
        "flag",
        pages::Draft::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
struct AssignForm {
    #[serde(default)]
    version: i32,
    /// A unit id, `triage`, or empty for no change.
    #[serde(default)]
    unit: String,
    /// A user id, `none`, or empty for no change.
    #[serde(default)]
    assignee: String,
}

async fn assign(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    let bad = || AppError::BadRequest(Msg::new("case_error_assign_whom"));
    let assignment = match (form.unit.trim(), form.assignee.trim()) {
        (_, "none") => Assignment::Person(None),
        (_, person) if !person.is_empty() => {
            Assignment::Person(Some(person.parse().map_err(|_| bad())?))
        }
        ("triage", _) => Assignment::Unit(None),
        (unit, _) if !unit.is_empty() => Assignment::Unit(Some(unit.parse().map_err(|_| bad())?)),
        _ => return Err(bad()),
    };
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    let result = workflow::assign(&state.writes, &actor, id, form.version, assignment)
        .await
        .map(|_| ());
    after(
        &state,
        lang,
        &user,
        id,
        result,
        "assign",
        pages::Draft::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
struct ExtensionForm {
    #[serde(default)]
    days: String,
    #[serde(default)]
    reason: String,
}

async fn request_extension(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ExtensionForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    let days = form.days.trim().parse().unwrap_or(0);
    let result = workflow::request_extension(&state.writes, &actor, id, days, &form.reason)
        .await
        .map(|_| ());
    let typed = pages::Draft::extension(&form.days, &form.reason);
    after(&state, lang, &user, id, result, "extension", typed).await
}

#[derive(Deserialize, Default)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decide_extension(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(extension_id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    use sea_orm::EntityTrait;
    let case_id = crate::entities::extensions::Entity::find_by_id(extension_id)
        .one(&state.db)
        .await?
        .map(|e| e.case_id)
        .ok_or(AppError::NotFound)?;
    let decision = ExtensionDecision {
        approve: form.decision == "approve",
        note: form.note.clone(),
    };
    let result = workflow::decide_extension(&state.writes, &rules, &actor, extension_id, decision)
        .await
        .map(|_| ());
    let typed = pages::Draft::decision(&form.note);
    after(&state, lang, &user, case_id, result, "decision", typed).await
}

/// A message or a note: its text and files from a multipart form, checked and cleaned.
async fn read_post(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(String, Result<Vec<files::NewAttachment>, FileProblem>), AppError> {
    let upload = match multipart {
        Ok(multipart) => files::read_upload(multipart).await,
        Err(_) => {
            return Err(AppError::BadRequest(Msg::new("error_form_unreadable")));
        }
    };
    let body = upload.text("body").to_string();
    if let Some(problem) = upload.file_problem {
        return Ok((body, Err(problem)));
    }
    let raw = upload.files;
    let cleaned = tokio::task::spawn_blocking(move || files::prepare_all(raw))
        .await
        .internal("preparing files")?;
    Ok((body, cleaned))
}

async fn message(
    state: State<AppState>,
    lang: Lang,
    user: CurrentUser,
    id: Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    write(state, lang, user, id, multipart, false).await
}

async fn note(
    state: State<AppState>,
    lang: Lang,
    user: CurrentUser,
    id: Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    write(state, lang, user, id, multipart, true).await
}

async fn write(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
    internal: bool,
) -> Result<Response, AppError> {
    let (body, cleaned) = read_post(multipart).await?;
    let typed = if internal {
        pages::Draft::note(&body)
    } else {
        pages::Draft::message(&body)
    };
    let files = match cleaned {
        Ok(files) => files,
        Err(problem) => {
            let refusal = CaseError::Invalid(Msg::new(problem.message_key()));
            let outcome = pages::Outcome::refused(problem.status(), refusal, typed);
            return pages::case(&state, lang, &user, id, outcome).await;
        }
    };
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    let result = if internal {
        super::add_note(&state.writes, &actor, id, &body, &files).await
    } else {
        super::post_message(&state.writes, &actor, id, &body, &files).await
    }
    .map(|_| ());
    let done = if internal { "note" } else { "message" };
    after(&state, lang, &user, id, result, done, typed).await
}

/// `GET /staff/cases/{id}/files/{file}`: a file of a case the user may see, as a download.
async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let scope = super::CaseScope::for_user(&user);
    let txn = state.writes.begin().await?;
    scope.find(&*txn, id).await?;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let file = attachments::Entity::find_by_id(file_id)
        .filter(attachments::Column::CaseId.eq(id))
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::audit::append(
        &*txn,
        &state.stamp(user.actor()),
        AuditEvent::new(AuditAction::AttachmentDownloaded, "case", id)
            .with_detail(serde_json::json!({ "attachment": file.id })),
    )
    .await?;
    txn.commit().await?;
    // The stored names are neutral (attachment-1.jpg); anything else is replaced.
    let name: String = file
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        file.data,
    )
        .into_response())
}

/// The Beijing date today, for filters and due states.
pub(super) fn today(state: &AppState) -> chrono::NaiveDate {
    china_today(state.clock.now())
}
