//! The case workspace as a JSON API under `/api/v1/cases`, for a personal API token. It is
//! another door to the same use cases as the pages — `list_cases` and `case_rows`, `view` and
//! `case_detail`, `take_step`, `post_message`, `add_note` — so every rule (scope, workflow,
//! versions, audit) holds whichever door is used. Errors are `{"error": "…"}`: 400 for a
//! malformed request, 401/403 from the bearer guard, 404 for a case out of scope, 409 for a
//! stale version, 422 for a step the workflow refuses.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::detail::{CaseDetail, case_detail};
use super::list::{
    AssigneeFilter, CaseFilter, CaseRow, Cursor, DueFilter, Sort, StatusFilter, UnitFilter,
    case_rows, list_cases,
};
use super::routes::today;
use super::scope::CaseScope;
use super::status::{CaseStatus, Finding};
use super::workflow::{self, CaseActor, Step};
use crate::access::{Access, ApiRouter, CurrentUser};
use crate::error::{ApiError, AppError};
use crate::state::AppState;
use crate::web::{Lang, LangParam};

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

/// Which status: one, or `open` (neither declined nor closed).
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusParam {
    Open,
    New,
    Accepted,
    Declined,
    Investigating,
    Concluded,
    Closed,
}

/// By when: overdue, due within three working days, or within seven days.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueParam {
    Overdue,
    Soon,
    Week,
}

/// The order: soonest deadline first (the default), newest or oldest first.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortParam {
    Due,
    Newest,
    Oldest,
}

/// The filters of `GET /api/v1/cases`, as the workspace's list offers them. An unknown
/// parameter or value is refused (400) rather than ignored.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    #[param(inline)]
    status: Option<StatusParam>,
    /// A negative-list item's stable key, `item-3`.
    item: Option<String>,
    district: Option<String>,
    /// A unit id, or `triage` (no unit yet; supervisors only see it).
    #[param(pattern = "^([0-9]+|triage)$")]
    unit: Option<String>,
    /// A user id, `me`, or `none` (nobody holds it).
    #[param(pattern = "^([0-9]+|me|none)$")]
    assignee: Option<String>,
    #[param(inline)]
    due: Option<DueParam>,
    /// Only cases flagged for a supervisor (a not-satisfied rating).
    flagged: Option<bool>,
    /// Only reports that came through a revoked card.
    revoked: Option<bool>,
    #[param(inline)]
    sort: Option<SortParam>,
    /// The `next` of the previous page.
    after: Option<String>,
    /// Language of labels: `zh-CN` or `en`.
    #[param(value_type = Option<Lang>, inline)]
    // Read by the `Lang` extractor; a field so that it is not refused as unknown.
    #[allow(dead_code)]
    lang: Option<String>,
}

fn bad(message: String) -> AppError {
    AppError::BadRequest(message)
}

impl ListParams {
    /// The domain's filter for `user` on `today`, and where the page starts.
    fn filter(
        &self,
        user: &CurrentUser,
        rules: &crate::sla::SlaRules,
        today: chrono::NaiveDate,
    ) -> Result<(CaseFilter, Option<Cursor>), AppError> {
        let text = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let id = |name: &str, value: &str| {
            value
                .parse::<i64>()
                .map_err(|_| bad(format!("{name}: '{value}' is not an id or a keyword")))
        };
        let unit = match self.unit.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("triage") => Some(UnitFilter::Triage),
            Some(value) => Some(UnitFilter::Is(id("unit", value)?)),
        };
        let assignee = match self.assignee.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("me") => Some(AssigneeFilter::Is(user.user.id)),
            Some("none") => Some(AssigneeFilter::Nobody),
            Some(value) => Some(AssigneeFilter::Is(id("assignee", value)?)),
        };
        let after = match text(&self.after) {
            None => None,
            Some(cursor) => Some(Cursor::decode(&cursor).ok_or_else(|| {
                bad("after: not a cursor this list gave (use its 'next')".into())
            })?),
        };
        let filter = CaseFilter {
            status: self.status.map(|s| match s {
                StatusParam::Open => StatusFilter::Open,
                StatusParam::New => StatusFilter::Is(CaseStatus::New),
                StatusParam::Accepted => StatusFilter::Is(CaseStatus::Accepted),
                StatusParam::Declined => StatusFilter::Is(CaseStatus::Declined),
                StatusParam::Investigating => StatusFilter::Is(CaseStatus::Investigating),
                StatusParam::Concluded => StatusFilter::Is(CaseStatus::Concluded),
                StatusParam::Closed => StatusFilter::Is(CaseStatus::Closed),
            }),
            item_key: text(&self.item),
            district: text(&self.district),
            unit,
            assignee,
            due: self.due.map(|d| match d {
                DueParam::Overdue => DueFilter::Overdue,
                DueParam::Soon => DueFilter::soon(rules, today),
                DueParam::Week => DueFilter::within_a_week(today),
            }),
            flagged: self.flagged.unwrap_or(false),
            revoked: self.revoked.unwrap_or(false),
            sort: match self.sort {
                None | Some(SortParam::Due) => Sort::Due,
                Some(SortParam::Newest) => Sort::Newest,
                Some(SortParam::Oldest) => Sort::Oldest,
            },
        };
        Ok((filter, after))
    }
}

/// A page of cases.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseList {
    /// Up to 50 cases.
    pub cases: Vec<CaseRow>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
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
    let Query(params) = params.map_err(|e| bad(e.body_text()))?;
    let today = today(&state);
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let (filter, after) = params.filter(&user, &rules, today)?;
    let scope = CaseScope::for_user(&user);
    let page = list_cases(&state.db, scope, &filter, today, after).await?;
    let cases = case_rows(&state.db, &rules, &page.cases, today, lang).await?;
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
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    workflow::view(&state.writes, &actor, id).await?;
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let detail = case_detail(&state.db, &rules, &user.user, id, today(&state), lang).await?;
    Ok(Json(detail))
}

/// A step's name.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Accept,
    Decline,
    Investigate,
    Conclude,
    Close,
    /// Supervisors only: a concluded or closed case back to investigation.
    Reopen,
}

/// The body of `POST /api/v1/cases/{id}/transition`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionJson {
    /// The case's `version` as last read; if it changed since, the step is refused (409).
    pub version: i32,
    pub step: StepName,
    /// Required to decline (the reporter reads it) and to reopen (internal).
    #[schema(max_length = 5000)]
    pub reason: Option<String>,
    /// Required to conclude.
    pub finding: Option<Finding>,
    /// Required to conclude: the internal summary.
    #[schema(max_length = 5000)]
    pub summary: Option<String>,
    /// Required to conclude: what the reporter is told when the case is closed.
    #[schema(max_length = 5000)]
    pub feedback: Option<String>,
}

impl TransitionJson {
    fn into_step(self) -> Result<Step, AppError> {
        let text = |t: Option<String>| t.unwrap_or_default();
        Ok(match self.step {
            StepName::Accept => Step::Accept,
            StepName::Decline => Step::Decline {
                reason: text(self.reason),
            },
            StepName::Investigate => Step::Investigate,
            StepName::Conclude => Step::Conclude {
                finding: self.finding.ok_or_else(|| {
                    AppError::Unprocessable("请选择核查结论 · Choose a finding".into())
                })?,
                summary: text(self.summary),
                feedback: text(self.feedback),
            },
            StepName::Close => Step::Close,
            StepName::Reopen => Step::Reopen {
                reason: text(self.reason),
            },
        })
    }
}

/// Where a case stands after a step.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseState {
    pub id: i64,
    pub number: String,
    /// Name it in the next step.
    pub version: i32,
    pub status: CaseStatus,
    pub status_label: String,
    /// The open deadline, `YYYY-MM-DD`.
    pub due_on: Option<String>,
}

/// A JSON body, or the refusal that says what is wrong with it.
fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    match body {
        Ok(Json(value)) => Ok(value),
        Err(e @ JsonRejection::JsonDataError(_)) => Err(AppError::Unprocessable(e.body_text())),
        Err(e @ JsonRejection::MissingJsonContentType(_)) => {
            Err(AppError::UnsupportedMediaType(e.body_text()))
        }
        Err(e) => Err(bad(e.body_text())),
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
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
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

/// The body of a message or a note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextJson {
    /// 1 to 5000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

/// What was written.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Written {
    pub id: i64,
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
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
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
