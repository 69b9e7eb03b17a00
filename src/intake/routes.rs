//! The report form: `GET`/`POST /r/{token}` and `/report`, and the receipt a stored report
//! redirects to (`GET /receipt`).
//!
//! Each form carries a one-time submission id; a stored report answers `303 See Other` to
//! `/receipt` with the id in a short-lived cookie scoped to that path (`HttpOnly`,
//! `SameSite=Strict`, never in a URL), so reloading the receipt shows the same receipt and
//! files nothing again.

use std::net::IpAddr;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::draft::{FieldErrors, ReportDraft};
use super::form::{self, Submission};
use super::page::{self, FormPage};
use super::provenance::card_path;
use super::receipts::{self, KEEP_HOURS};
use super::submission::SubmissionId;
use super::submit::{
    IntakeDeps, Receipt, ReportSubmission, SubmitError, provenance_of, submit_report,
};
use crate::client::ClientAddr;
use crate::cookies::{SameSite, SetCookie, get as cookie};
use crate::entities::enums::ReportSource;
use crate::error::{AppError, Msg, ResultExt};
use crate::i18n::Lang;
use crate::state::AppState;

/// The cookie that carries a submission id from the form's POST to its receipt.
const RECEIPT_COOKIE: &str = "receipt";
/// Where a stored report's receipt is shown.
pub const RECEIPT_PATH: &str = "/receipt";

/// `GET /r/{token}`: the form for the card behind the token (or without provenance).
pub async fn card_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    lang: Lang,
) -> Result<Response, AppError> {
    show(&state, lang, Some(&token), Refill::blank()?).await
}

/// `GET /report`: the form with no card.
pub async fn plain_form(State(state): State<AppState>, lang: Lang) -> Result<Response, AppError> {
    show(&state, lang, None, Refill::blank()?).await
}

/// `POST /r/{token}`.
pub async fn card_submit(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Path(token): Path<String>,
    lang: Lang,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    submit(&state, peer, lang, Some(token), multipart).await
}

/// `POST /report`.
pub async fn plain_submit(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    submit(&state, peer, lang, None, multipart).await
}

/// The form's door: a place within the limits first, then the form read and handed to
/// [`submit_report`]; the answer is the receipt, or the form again, filled in, saying why.
async fn submit(
    state: &AppState,
    peer: IpAddr,
    lang: Lang,
    token: Option<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let deps = IntakeDeps::of(state);
    // The limits come first, before any of the body is read. A refused form has only its
    // text read (files are passed over, never kept or decoded), to come back filled in.
    let Ok(reservation) = deps.reserve(peer, token.as_deref()) else {
        let submission = match multipart {
            Ok(multipart) => form::read_text(multipart).await,
            Err(_) => Submission::default(),
        };
        let refill = Refill::of(&submission)?.refused(SubmitError::RateLimited)?;
        return show(state, lang, token.as_deref(), refill).await;
    };
    let submission = read(multipart).await?;
    let refill = Refill::of(&submission)?;
    let report = ReportSubmission {
        draft: refill.draft.clone(),
        files: submission.files,
        file_problem: submission.file_problem,
        card_token: token.clone(),
        door: ReportSource::Web,
        lang,
        id: Some(refill.submission.clone()),
    };
    match submit_report(&deps, reservation, report).await {
        Ok(_) => Ok(to_receipt(state, &refill.submission)),
        Err(refusal) => show(state, lang, token.as_deref(), refill.refused(refusal)?).await,
    }
}

/// What a form page shows besides its card: what was typed, and why it came back.
struct Refill {
    draft: ReportDraft,
    errors: FieldErrors,
    /// A locale key shown above the form (a refusal that is not about one field).
    notice: Option<&'static str>,
    status: StatusCode,
    submission: SubmissionId,
    /// Files sent with a refused form: none is kept, so the page names them.
    dropped_files: Vec<String>,
}

impl Refill {
    /// A blank form with a fresh submission id.
    fn blank() -> Result<Self, AppError> {
        Ok(Self {
            draft: ReportDraft::default(),
            errors: FieldErrors::new(),
            notice: None,
            status: StatusCode::OK,
            submission: SubmissionId::generate().internal("making a submission id")?,
            dropped_files: Vec::new(),
        })
    }

    /// The form as `submission` filled it in.
    fn of(submission: &Submission) -> Result<Self, AppError> {
        Ok(Self {
            draft: form::draft(submission),
            errors: FieldErrors::new(),
            notice: None,
            status: StatusCode::OK,
            submission: submission_id(submission)?,
            dropped_files: submission.file_names.clone(),
        })
    }

    /// The form sent back for `refusal`: which fields, which notice, which status.
    fn refused(mut self, refusal: SubmitError) -> Result<Self, AppError> {
        (self.notice, self.status) = match refusal {
            SubmitError::RateLimited => (
                Some("intake_error_rate_limited"),
                StatusCode::TOO_MANY_REQUESTS,
            ),
            SubmitError::Busy => (Some("intake_error_busy"), StatusCode::SERVICE_UNAVAILABLE),
            SubmitError::Invalid {
                errors,
                file_problem,
            } => {
                self.errors = errors;
                let status = match file_problem {
                    Some(p) => {
                        self.errors.insert("attachments", p.message_key());
                        p.status()
                    }
                    None => StatusCode::UNPROCESSABLE_ENTITY,
                };
                (None, status)
            }
            SubmitError::Internal(e) => return Err(e),
        };
        Ok(self)
    }
}

/// The form for the card behind `token` (or for no card), as `refill` fills it in.
async fn show(
    state: &AppState,
    lang: Lang,
    token: Option<&str>,
    refill: Refill,
) -> Result<Response, AppError> {
    let provenance = provenance_of(&state.db, token, ReportSource::Web).await?;
    let version = state
        .lists
        .for_card(&state.db, provenance.list_version_id)
        .await
        .internal("loading the negative list")?;
    let page = FormPage {
        path: token.map_or_else(|| "/report".into(), card_path),
        provenance: &provenance,
        version: &version,
        draft: &refill.draft,
        errors: &refill.errors,
        notice: refill.notice,
        status: refill.status,
        submission: &refill.submission,
        dropped_files: &refill.dropped_files,
    };
    let mut response = page::form(state, lang, page)?;
    if refill.status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
    }
    Ok(response)
}

async fn read(multipart: Result<Multipart, MultipartRejection>) -> Result<Submission, AppError> {
    let submission = match multipart {
        Ok(multipart) => form::read(multipart).await,
        Err(_) => Submission {
            malformed: true,
            ..Default::default()
        },
    };
    if submission.malformed && submission.fields.is_empty() {
        return Err(AppError::BadRequest(Msg::new(
            "intake_error_form_unreadable",
        )));
    }
    Ok(submission)
}

/// The submission id the form sent back; a form without one (an old page, a hand-made
/// request) gets a fresh one, so it still redirects to its receipt.
fn submission_id(submission: &Submission) -> Result<SubmissionId, AppError> {
    match SubmissionId::from_form(submission.text("submission")) {
        Some(id) => Ok(id),
        None => SubmissionId::generate().internal("making a submission id"),
    }
}

/// `303 See Other` to the receipt, with the submission id in a cookie only that page gets.
/// (The language goes with the `lang` cookie the form's `?lang=` set.)
fn to_receipt(state: &AppState, id: &SubmissionId) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    SetCookie::new(
        RECEIPT_COOKIE,
        id.as_str().to_string(),
        RECEIPT_PATH,
        SameSite::Strict,
    )
    .max_age(KEEP_HOURS * 3600)
    .secure(state.secure_cookies())
    .add_to(headers);
    headers.insert(header::LOCATION, HeaderValue::from_static(RECEIPT_PATH));
    page::no_store(response)
}

/// `GET /receipt`: the receipt of the report this browser just sent (the same on every
/// reload); once its query code is no longer kept, or without a receipt at all, a page that
/// says so without alarming anyone.
pub async fn receipt(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = cookie(&headers, RECEIPT_COOKIE).and_then(|v| SubmissionId::from_form(&v));
    let kept = match id {
        Some(id) => receipts::find(&state.db, state.key(), &id, state.clock.now())
            .await
            .internal("looking up a receipt")?,
        None => None,
    };
    page::receipt(&state, lang, kept.map(Receipt::from).as_ref())
}
