//! The case workspace as a JSON API under `/api/v1/cases`, for a personal API token. It is
//! another door to the same use cases as the pages — `list_cases` and `case_rows`, `view` and
//! `case_detail`, `take_step`, `post_message`, `add_note` — so every rule (scope, workflow,
//! versions, audit) holds whichever door is used. Errors are `{"error": "…"}`: 400 for a
//! malformed request, 401/403 from the bearer guard, 404 for a case out of scope, 409 for a
//! stale version, 422 for a step the workflow refuses.

mod bodies;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use self::bodies::{CaseList, CaseState, ListParams, TextJson, TransitionJson, Written, bad};
use super::detail::{CaseDetail, case_detail};
use super::labels::marked_rows;
use super::pages::today;
use super::paging::{Cursor, list_cases};
use super::queues::Day;
use super::scope::CaseScope;
use super::workflow::{self, CaseActor};
use crate::access::{Access, ApiRouter, CurrentUser};
use crate::error::{ApiError, AppError, Msg};
use crate::i18n::{Lang, LangParam};
use crate::mail::events::Mailer;
use crate::state::AppState;

/// The case API's routes: what inspectors and supervisors may do on the workspace.
pub fn api_routes() -> Vec<ApiRouter> {
    vec![
        ApiRouter::new(Access::Cases)
            .get("/api/v1/cases", list)
            .get("/api/v1/cases/{id}", read)
            .post("/api/v1/cases/{id}/transition", transition)
            .post("/api/v1/cases/{id}/messages", message)
            .post("/api/v1/cases/{id}/notes", note),
    ]
}

/// `GET /api/v1/cases`: the cases the token's user may see, filtered, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/cases",
    tag = "cases",
    operation_id = "listCases",
    summary = "The cases you may see, most urgent first, 50 a page",
    params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of cases", body = CaseList),
        (status = 400, description = "An unknown parameter, value or cursor", body = ApiError),
        (status = 401, description = "No token, or a revoked or unknown one, or a disabled account", body = ApiError),
        (status = 403, description = "The token's role does not work cases", body = ApiError),
    )
)]
async fn list(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<CaseList>, AppError> {
    let Query(params) =
        params.map_err(|e| bad(Msg::new("api_error_bad_query").arg("detail", e.body_text())))?;
    let today = today(&state);
    let now = state.clock.now();
    let rules = state.sla.rules(&state.db, now).await?;
    let (filter, after) = params.filter(&user, &rules, Day::of(&rules, now, today))?;
    let scope = CaseScope::for_user(&user);
    let page = list_cases(&state.db, scope, &filter, today, after).await?;
    let cases = marked_rows(&state.db, &rules, &page.cases, today, lang, user.user.id).await?;
    Ok(Json(CaseList {
        cases,
        next: page.next.map(Cursor::encode),
    }))
}

/// `GET /api/v1/cases/{id}`: the case as its page shows it; the read is audited.
#[utoipa::path(
    get,
    path = "/v1/cases/{id}",
    tag = "cases",
    operation_id = "readCase",
    summary = "A case: the report, history, messages, notes, deadlines (the read is audited)",
    params(("id" = i64, Path, description = "The case id"), LangParam),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The case", body = CaseDetail),
        (status = 400, description = "The id is not a number", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The token's role does not work cases", body = ApiError),
        (status = 404, description = "No such case, or not one you may see", body = ApiError),
    )
)]
async fn read(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<CaseDetail>, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    workflow::view(&state.writes, &actor, id).await?;
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let detail = case_detail(&state.db, &rules, &user.user, id, today(&state), lang).await?;
    Ok(Json(detail))
}

/// A JSON body, or the refusal that says what is wrong with it.
fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    match body {
        Ok(Json(value)) => Ok(value),
        Err(e @ JsonRejection::JsonDataError(_)) => Err(AppError::Unprocessable(
            Msg::new("api_error_bad_json").arg("detail", e.body_text()),
        )),
        Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::UnsupportedMediaType(
            Msg::new("api_error_send_json"),
        )),
        Err(e) => Err(bad(
            Msg::new("api_error_bad_json").arg("detail", e.body_text())
        )),
    }
}

/// `POST /api/v1/cases/{id}/transition`: one step of the workflow.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/transition",
    tag = "cases",
    operation_id = "transitionCase",
    summary = "Take a step: accept, decline, investigate, conclude, close, or (supervisors) reopen",
    params(("id" = i64, Path, description = "The case id"), LangParam),
    request_body = TransitionJson,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done; the case's new status and version", body = CaseState),
        (status = 400, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The role may not take this step (reopen needs a supervisor)", body = ApiError),
        (status = 404, description = "No such case, or not one you may see", body = ApiError),
        (status = 409, description = "The case changed since `version`; read it again", body = ApiError),
        (status = 415, description = "The body is not sent as application/json", body = ApiError),
        (status = 422, description = "The workflow does not allow this step now, or a reason, finding, summary or feedback is missing", body = ApiError),
    )
)]
async fn transition(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<TransitionJson>, JsonRejection>,
) -> Result<Json<CaseState>, AppError> {
    let body = json_body(body)?;
    let version = body.version;
    let step = body.into_step()?;
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let case = workflow::take_step(&state.writes, &rules, &actor, id, version, step).await?;
    Ok(Json(CaseState {
        id: case.id,
        number: case.number,
        version: case.version,
        status: case.status,
        status_label: case.status.label(lang).to_string(),
        due_on: case.due_on.map(|d| d.to_string()),
    }))
}

/// `POST /api/v1/cases/{id}/messages`: a message to the reporter (read on `/q`).
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/messages",
    tag = "cases",
    operation_id = "messageReporter",
    summary = "Write to the reporter; they read it with their query code",
    params(("id" = i64, Path, description = "The case id"), LangParam),
    request_body = TextJson,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Sent", body = Written),
        (status = 400, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The token's role does not work cases", body = ApiError),
        (status = 404, description = "No such case, or not one you may see", body = ApiError),
        (status = 415, description = "The body is not sent as application/json", body = ApiError),
        (status = 422, description = "The body is empty or too long", body = ApiError),
    )
)]
async fn message(
    state: State<AppState>,
    user: CurrentUser,
    id: Path<i64>,
    body: Result<Json<TextJson>, JsonRejection>,
) -> Result<(StatusCode, Json<Written>), AppError> {
    write(state, user, id, body, false).await
}

/// `POST /api/v1/cases/{id}/notes`: an internal note (never shown to the reporter).
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/notes",
    tag = "cases",
    operation_id = "addNote",
    summary = "Add an internal note; the reporter never sees it",
    params(("id" = i64, Path, description = "The case id"), LangParam),
    request_body = TextJson,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Written),
        (status = 400, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The token's role does not work cases", body = ApiError),
        (status = 404, description = "No such case, or not one you may see", body = ApiError),
        (status = 415, description = "The body is not sent as application/json", body = ApiError),
        (status = 422, description = "The body is empty or too long", body = ApiError),
    )
)]
async fn note(
    state: State<AppState>,
    user: CurrentUser,
    id: Path<i64>,
    body: Result<Json<TextJson>, JsonRejection>,
) -> Result<(StatusCode, Json<Written>), AppError> {
    write(state, user, id, body, true).await
}

async fn write(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<TextJson>, JsonRejection>,
    internal: bool,
) -> Result<(StatusCode, Json<Written>), AppError> {
    let body = json_body(body)?;
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let id = if internal {
        super::add_note(&state.writes, &actor, id, &body.body, &[]).await?
    } else {
        super::post_message(&state.writes, &actor, id, &body.body, &[]).await?
    };
    Ok((StatusCode::CREATED, Json(Written { id })))
}

/// The case API's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, read, transition, message, note))]
pub struct CasesApiDoc;
