//! The JSON API: `POST /api/v1/reports`, and a case's status by query code (header or body,
//! never the URL).

use std::net::IpAddr;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::client::ClientAddr;
use super::draft::ReportDraft;
use super::follow_up::{Access, open};
use super::form;
use super::provenance::{self, Provenance};
use super::submit::{IntakeDeps, ReportSubmission, SubmitError, submit_report};
use crate::cases::{self, PublicEvent, PublicMessage};
use crate::error::{AppError, ResultExt};
use crate::files::FileProblem;
use crate::state::AppState;
use crate::web::Lang;

/// Contact details in a JSON report.
#[derive(Debug, Default, Deserialize)]
pub struct ContactJson {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The body of `POST /api/v1/reports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportJson {
    /// Positions (1–10) of the negative-list items.
    pub items: Vec<i32>,
    pub description: String,
    /// `YYYY-MM-DD`.
    pub occurred_on: Option<String>,
    pub department: Option<String>,
    /// Leave out to report anonymously.
    pub contact: Option<ContactJson>,
    /// The token of the card the report comes from, if any.
    pub card_token: Option<String>,
    /// Say which enterprise the reporter is (only with an enterprise card).
    #[serde(default)]
    pub identify: bool,
}

/// The answer to a stored report.
#[derive(Debug, Serialize)]
pub struct CreatedJson {
    pub case_number: String,
    /// 16 digits; shown once, stored only as a keyed hash.
    pub query_code: String,
    pub status: cases::CaseStatus,
}

/// The status of a case.
#[derive(Debug, Serialize)]
pub struct StatusJson {
    pub case_number: String,
    pub status: cases::CaseStatus,
    pub status_label: String,
    pub received_at: String,
    pub timeline: Vec<PublicEvent>,
    pub messages: Vec<PublicMessage>,
}

/// The body of `POST /api/v1/reports/status`.
#[derive(Debug, Deserialize)]
pub struct CodeJson {
    pub query_code: String,
}

fn bad_json(e: JsonRejection) -> AppError {
    AppError::BadRequest(format!("invalid JSON body: {}", e.body_text()))
}

/// `POST /api/v1/reports`: a JSON body, or `multipart/form-data` with the JSON in a `report`
/// part and up to five `attachment` parts.
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    request: Request,
) -> Result<Response, AppError> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (body, files) = if is_multipart {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        let submission = form::read(multipart).await;
        if let Some(problem) = submission.file_problem {
            return Err(file_error(&state, lang, problem));
        }
        let body: ReportJson = serde_json::from_str(submission.text("report")).map_err(|e| {
            AppError::BadRequest(format!("the 'report' part is not a valid report: {e}"))
        })?;
        (body, submission.files)
    } else {
        let Json(body) = Json::<ReportJson>::from_request(request, &state)
            .await
            .map_err(bad_json)?;
        (body, Vec::new())
    };
    create_report(&state, peer, lang, body, files).await
}

fn file_error(state: &AppState, lang: Lang, problem: FileProblem) -> AppError {
    let message = state
        .views
        .locales
        .t(lang, problem.message_key())
        .to_string();
    match problem {
        FileProblem::TooLarge => AppError::PayloadTooLarge(message),
        FileProblem::NotAllowed => AppError::UnsupportedMediaType(message),
        _ => AppError::Unprocessable(message),
    }
}

async fn create_report(
    state: &AppState,
    peer: IpAddr,
    lang: Lang,
    body: ReportJson,
    files: Vec<Vec<u8>>,
) -> Result<Response, AppError> {
    let provenance = match body.card_token.as_deref() {
        Some(token) => provenance::for_token(&state.db, token)
            .await
            .internal("looking up a card")?,
        None => Provenance::without_card("api"),
    };
    let version = state
        .lists
        .for_card(&state.db, provenance.list_version_id)
        .await
        .internal("loading the negative list")?;
    let contact = body.contact;
    let draft = ReportDraft {
        items: body.items,
        description: body.description,
        occurred_on: body.occurred_on.unwrap_or_default(),
        department: body.department.unwrap_or_default(),
        with_contact: contact.is_some(),
        contact_name: contact
            .as_ref()
            .and_then(|c| c.name.clone())
            .unwrap_or_default(),
        contact_phone: contact
            .as_ref()
            .and_then(|c| c.phone.clone())
            .unwrap_or_default(),
        contact_email: contact
            .as_ref()
            .and_then(|c| c.email.clone())
            .unwrap_or_default(),
        identify: body.identify,
    };
    let submission = ReportSubmission {
        draft,
        files,
        file_problem: None,
        provenance: &provenance,
        version: &version,
        lang,
        client: peer,
        card_token: body.card_token.as_deref(),
    };
    let t = |key| state.views.locales.t(lang, key).to_string();
    let receipt = match submit_report(&IntakeDeps::of(state), submission).await {
        Ok(receipt) => receipt,
        Err(SubmitError::RateLimited) => {
            return Err(AppError::TooManyRequests(t("intake_error_rate_limited")));
        }
        Err(SubmitError::Invalid {
            file_problem: Some(problem),
            ..
        }) => return Err(file_error(state, lang, problem)),
        Err(SubmitError::Invalid { errors, .. }) => {
            let text = errors
                .iter()
                .map(|(field, key)| format!("{field}: {}", t(key)))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(AppError::Unprocessable(text));
        }
        Err(SubmitError::Internal(e)) => return Err(e),
    };
    let created = CreatedJson {
        case_number: receipt.case_number,
        query_code: receipt.query_code.digits().to_string(),
        status: receipt.status,
    };
    let response = (StatusCode::CREATED, Json(created)).into_response();
    Ok(super::page::no_store(response))
}

/// `GET /api/v1/reports/status` with the code in `X-Query-Code`.
pub async fn status_by_header(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let typed = headers
        .get("x-query-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    status(&state, peer, lang, &typed).await
}

/// `POST /api/v1/reports/status` with `{"query_code": "…"}`.
pub async fn status_by_body(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    body: Result<Json<CodeJson>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(body) = body.map_err(bad_json)?;
    status(&state, peer, lang, &body.query_code).await
}

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
        Access::Wait => return Err(AppError::TooManyRequests(t("intake_error_code_wait"))),
        Access::Refused => return Err(AppError::TooManyRequests(t("intake_error_code_refused"))),
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
    let mut response = (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({ "error": &message })),
    )
        .into_response();
    response
        .extensions_mut()
        .insert(crate::error::ErrorInfo { message });
    response
}
