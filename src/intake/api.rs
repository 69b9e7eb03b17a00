//! The JSON API: `POST /api/v1/reports`, and a case's status by query code (header or body,
//! never the URL). The OpenAPI document is derived from these handlers and the types in
//! `api_json`.

use std::net::IpAddr;

use super::api_json::{CodeJson, CreatedJson, ReportJson, ReportUpload, StatusJson};
use super::follow_up::{Access, open};
use super::form;
use super::reservation::Reservation;
use super::submission::SubmissionId;
use super::submit::{IntakeDeps, ReportSubmission, SubmitError, submit_report};
use crate::attachments::FileProblem;
use crate::cases;
use crate::client::ClientAddr;
use crate::entities::enums::ReportSource;
use crate::error::{ApiError, AppError, Msg, ResultExt};
use crate::i18n::{Lang, LangParam};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

fn bad_json(e: JsonRejection) -> AppError {
    AppError::BadRequest(Msg::new("api_error_bad_json").arg("detail", e.body_text()))
}

/// `POST /api/v1/reports`: a JSON body, or `multipart/form-data` with the JSON in a `report`
/// part and up to five `attachment` parts.
#[utoipa::path(
    post,
    path = "/v1/reports",
    tag = "reports",
    operation_id = "createReport",
    summary = "Send a report (anonymous unless contact details are given)",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to repeat: 16 to 200 visible ASCII characters, unique per report (a UUID). A repeat with the same key within 30 minutes stores nothing and returns the first answer (with `Idempotent-Replayed: true`); within 24 hours, 409.", example = "550e8400-e29b-41d4-a716-446655440000"),
        LangParam,
    ),
    request_body(content(
        (ReportJson = "application/json"),
        (ReportUpload = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Stored; the query code is returned this once only", body = CreatedJson),
        (status = 400, description = "The body is not valid JSON, or has unknown fields, or the Idempotency-Key is malformed", body = ApiError),
        (status = 409, description = "A report with this Idempotency-Key was stored earlier and its query code is no longer kept", body = ApiError),
        (status = 413, description = "An attachment is over 10 MB, or the request over its limit", body = ApiError),
        (status = 415, description = "An attachment is not a JPEG, PNG, WebP or PDF", body = ApiError),
        (status = 422, description = "A field or a file is refused; the message names each field", body = ApiError),
        (status = 429, description = "Too many reports from this client or card; try later", body = ApiError),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    request: Request,
) -> Result<Response, AppError> {
    let deps = IntakeDeps::of(&state);
    let id = idempotency_key(request.headers())?;
    // The per-client limit comes first: a client over it is refused before its body is read.
    let reservation = deps
        .reserve(peer, None)
        .map_err(|e| refusal(&state, lang, e))?;
    let (body, files) = read_report(&state, lang, request).await?;
    create_report(&state, &deps, reservation, lang, id, body, files).await
}

/// The API's door: the parsed report handed to [`submit_report`], its receipt answered as
/// JSON (`201`, or `409` for a repeat whose query code is no longer kept).
async fn create_report(
    state: &AppState,
    deps: &IntakeDeps<'_>,
    reservation: Reservation<'_>,
    lang: Lang,
    id: Option<SubmissionId>,
    body: ReportJson,
    files: Vec<Vec<u8>>,
) -> Result<Response, AppError> {
    let submission = ReportSubmission {
        card_token: body.card_token.clone(),
        draft: body.into_draft(),
        files,
        file_problem: None,
        door: ReportSource::Api,
        lang,
        id,
    };
    let receipt = submit_report(deps, reservation, submission)
        .await
        .map_err(|e| refusal(state, lang, e))?;
    let Some(code) = receipt.query_code else {
        return Err(AppError::Conflict(
            Msg::new("intake_error_idempotency_used").arg("case", receipt.case_number),
        ));
    };
    let created = CreatedJson {
        case_number: receipt.case_number,
        query_code: code.digits().to_string(),
        status: receipt.status,
    };
    let mut response = (StatusCode::CREATED, Json(created)).into_response();
    if receipt.repeated {
        let replayed = axum::http::HeaderValue::from_static("true");
        response
            .headers_mut()
            .insert("idempotent-replayed", replayed);
    }
    Ok(super::page::no_store(response))
}

/// The `Idempotency-Key` header, if sent; a malformed one is refused.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<SubmissionId>, AppError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(SubmissionId::from_api_key)
        .map(Some)
        .ok_or_else(|| AppError::BadRequest(Msg::new("intake_error_idempotency_key")))
}

/// The report a request carries: a JSON body, or the JSON in a multipart `report` part with
/// its files.
async fn read_report(
    state: &AppState,
    lang: Lang,
    request: Request,
) -> Result<(ReportJson, Vec<Vec<u8>>), AppError> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        let Json(body) = Json::<ReportJson>::from_request(request, state)
            .await
            .map_err(bad_json)?;
        return Ok((body, Vec::new()));
    }
    let multipart = Multipart::from_request(request, state).await.map_err(|e| {
        AppError::BadRequest(Msg::new("api_error_request").arg("detail", e.body_text()))
    })?;
    let submission = form::read(multipart).await;
    if let Some(problem) = submission.file_problem {
        return Err(file_error(state, lang, problem));
    }
    let body: ReportJson = serde_json::from_str(submission.text("report")).map_err(|e| {
        AppError::BadRequest(Msg::new("api_error_bad_report_part").arg("detail", e.to_string()))
    })?;
    Ok((body, submission.files))
}

/// What the API answers a submission that was not stored.
fn refusal(state: &AppState, lang: Lang, refusal: SubmitError) -> AppError {
    let t = |key| state.views.locales.t(lang, key).to_string();
    match refusal {
        SubmitError::RateLimited => {
            AppError::TooManyRequests(t("intake_error_rate_limited").into())
        }
        SubmitError::Invalid {
            file_problem: Some(problem),
            ..
        } => file_error(state, lang, problem),
        SubmitError::Invalid { errors, .. } => {
            let text = errors
                .iter()
                .map(|(field, key)| format!("{field}: {}", t(key)))
                .collect::<Vec<_>>()
                .join("; ");
            AppError::Unprocessable(text.into())
        }
        SubmitError::Busy => AppError::busy(),
        SubmitError::Internal(e) => e,
    }
}

fn file_error(state: &AppState, lang: Lang, problem: FileProblem) -> AppError {
    let message = state
        .views
        .locales
        .t(lang, problem.message_key())
        .to_string();
    match problem {
        FileProblem::TooLarge => AppError::PayloadTooLarge(message.into()),
        FileProblem::NotAllowed => AppError::UnsupportedMediaType(message.into()),
        _ => AppError::Unprocessable(message.into()),
    }
}

/// A request without a code at all: a client mistake, answered before any attempt is counted.
/// `key` says where to send it.
fn code_missing(key: &'static str) -> AppError {
    AppError::BadRequest(Msg::new(key))
}

/// `GET /api/v1/reports/status` with the code in `X-Query-Code`.
#[utoipa::path(
    get,
    path = "/v1/reports/status",
    tag = "reports",
    operation_id = "reportStatusByHeader",
    summary = "A case's status and public timeline, code in a header",
    params(
        ("X-Query-Code" = String, Header, description = "The 16-digit query code; spaces and dashes are ignored", example = "1234 5678 9012 3456"),
        LangParam,
    ),
    responses(
        (status = 200, description = "The case", body = StatusJson),
        (status = 400, description = "No X-Query-Code header", body = ApiError),
        (status = 404, description = "No case for that code (the same answer whatever the reason)", body = ApiError),
        (status = 429, description = "Too many wrong codes from this client; wait, or try again in 15 minutes", body = ApiError),
    )
)]
pub async fn status_by_header(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let typed = headers
        .get("x-query-code")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| code_missing("api_error_code_missing_header"))?;
    status(&state, peer, lang, &typed).await
}

/// `POST /api/v1/reports/status` with `{"query_code": "…"}`.
#[utoipa::path(
    post,
    path = "/v1/reports/status",
    tag = "reports",
    operation_id = "reportStatusByBody",
    summary = "A case's status and public timeline, code in the body",
    params(LangParam),
    request_body = CodeJson,
    responses(
        (status = 200, description = "The case", body = StatusJson),
        (status = 400, description = "The body is not valid JSON, or the code is missing or blank", body = ApiError),
        (status = 404, description = "No case for that code (the same answer whatever the reason)", body = ApiError),
        (status = 415, description = "The body is not sent as JSON (Content-Type: application/json)", body = ApiError),
        (status = 429, description = "Too many wrong codes from this client; wait, or try again in 15 minutes", body = ApiError),
    )
)]
pub async fn status_by_body(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    body: Result<Json<CodeJson>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(body) = body.map_err(|e| match e {
        JsonRejection::MissingJsonContentType(_) => {
            AppError::UnsupportedMediaType(Msg::new("api_error_send_json"))
        }
        other => bad_json(other),
    })?;
    if body.query_code.trim().is_empty() {
        return Err(code_missing("api_error_code_missing_body"));
    }
    status(&state, peer, lang, &body.query_code).await
}

/// The intake API's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, status_by_header, status_by_body))]
pub struct IntakeApiDoc;

async fn status(
    state: &AppState,
    peer: IpAddr,
    lang: Lang,
    typed: &str,
) -> Result<Response, AppError> {
    let t = |key| state.views.locales.t(lang, key).to_string();
    let case = match open(state, peer, typed).await? {
        Access::Case(case, _) => case,
        Access::Wrong => return Ok(not_found(t("intake_error_code_wrong"))),
        Access::Wait => {
            return Err(AppError::TooManyRequests(
                t("intake_error_code_wait").into(),
            ));
        }
        Access::Refused => {
            return Err(AppError::TooManyRequests(
                t("intake_error_code_refused").into(),
            ));
        }
    };
    let view = cases::public_view(&state.db, &case, lang)
        .await
        .internal("reading a case")?;
    let body = StatusJson {
        case_number: view.case_number,
        status: view.status,
        status_label: view.status_label,
        received_at: view.received_at,
        timeline: view.events,
        messages: view.messages,
    };
    Ok(super::page::no_store(Json(body).into_response()))
}

/// A 404 whose message the API error layer keeps (a wrong code gets this, whatever the reason).
fn not_found(message: String) -> Response {
    let message = Msg::verbatim(message);
    let mut response = (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({ "error": message.to_string() })),
    )
        .into_response();
    response
        .extensions_mut()
        .insert(crate::error::ErrorInfo { message });
    response
}
