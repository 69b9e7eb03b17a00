//! The report form: `GET`/`POST /r/{token}` and `/report`, and the receipt a stored report
//! redirects to (`GET /receipt`).
//!
//! Each form carries a one-time submission id; a stored report answers `303 See Other` to
//! `/receipt` with the id in a short-lived cookie scoped to that path (`HttpOnly`,
//! `SameSite=Strict`, never in a URL), so reloading the receipt shows the same receipt and
//! files nothing again.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::draft::{FieldErrors, ReportDraft};
use super::form::{self, Submission};
use super::page::{self, FormPage};
use super::provenance::{self, Provenance};
use super::receipts::{self, KEEP_HOURS};
use super::submission::SubmissionId;
use super::submit::{
    IntakeDeps, Receipt, ReportSubmission, Reservation, SubmitError, submit_report,
};
use crate::client::ClientAddr;
use crate::cookies::{SameSite, SetCookie, get as cookie};
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
    let provenance = provenance::for_token(&state.db, &token)
        .await
        .internal("looking up a card")?;
    show_blank(&state, lang, card_path(&token), &provenance).await
}

/// `GET /report`: the form with no card.
pub async fn plain_form(State(state): State<AppState>, lang: Lang) -> Result<Response, AppError> {
    show_blank(
        &state,
        lang,
        "/report".into(),
        &Provenance::without_card("web"),
    )
    .await
}

/// `POST /r/{token}`.
pub async fn card_submit(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Path(token): Path<String>,
    lang: Lang,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let deps = IntakeDeps::of(&state);
    // The limits come first, before any of the body is read.
    let reservation = deps.reserve(peer, Some(&token));
    let provenance = provenance::for_token(&state.db, &token)
        .await
        .internal("looking up a card")?;
    let Ok(reservation) = reservation else {
        return refused(&state, lang, card_path(&token), &provenance, multipart).await;
    };
    let submission = read(multipart).await?;
    submit(
        &state,
        &deps,
        reservation,
        lang,
        card_path(&token),
        provenance,
        submission,
    )
    .await
}

/// `POST /report`.
pub async fn plain_submit(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let deps = IntakeDeps::of(&state);
    let provenance = Provenance::without_card("web");
    let Ok(reservation) = deps.reserve(peer, None) else {
        return refused(&state, lang, "/report".into(), &provenance, multipart).await;
    };
    let submission = read(multipart).await?;
    submit(
        &state,
        &deps,
        reservation,
        lang,
        "/report".into(),
        provenance,
        submission,
    )
    .await
}

/// The refusal of a client over its report limit, decided before the body was read. Only the
/// text is read then (files are passed over, never kept or decoded), so that the form comes
/// back filled in.
async fn refused(
    state: &AppState,
    lang: Lang,
    path: String,
    provenance: &Provenance,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let submission = match multipart {
        Ok(multipart) => form::read_text(multipart).await,
        Err(_) => Submission::default(),
    };
    let version = state
        .lists
        .for_card(&state.db, provenance.list_version_id)
        .await
        .internal("loading the negative list")?;
    let page = FormPage {
        path,
        provenance,
        version: &version,
        draft: &form::draft(&submission),
        errors: &FieldErrors::new(),
        notice: Some("intake_error_rate_limited"),
        status: StatusCode::TOO_MANY_REQUESTS,
        submission: &submission_id(&submission)?,
        dropped_files: &submission.file_names,
    };
    let mut response = page::form(state, lang, page)?;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
    Ok(response)
}

/// Where the form for `token` posts: the same URL, unless the token is not a token at all.
fn card_path(token: &str) -> String {
    if provenance::plausible(token) {
        format!("/r/{token}")
    } else {
        "/report".into()
    }
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

async fn show_blank(
    state: &AppState,
    lang: Lang,
    path: String,
    provenance: &Provenance,
) -> Result<Response, AppError> {
    let version = state
        .lists
        .for_card(&state.db, provenance.list_version_id)
        .await
        .internal("loading the negative list")?;
    let id = SubmissionId::generate().internal("making a submission id")?;
    let page = FormPage {
        path,
        provenance,
        version: &version,
        draft: &ReportDraft::default(),
        errors: &FieldErrors::new(),
        notice: None,
        status: StatusCode::OK,
        submission: &id,
        dropped_files: &[],
    };
    page::form(state, lang, page)
}

async fn submit(
    state: &AppState,
    deps: &IntakeDeps<'_>,
    reservation: Reservation<'_>,
    lang: Lang,
    path: String,
    provenance: Provenance,
    submission: Submission,
) -> Result<Response, AppError> {
    let version = state
        .lists
        .for_card(&state.db, provenance.list_version_id)
        .await
        .internal("loading the negative list")?;
    let draft = form::draft(&submission);
    let id = submission_id(&submission)?;
    let report = ReportSubmission {
        draft: draft.clone(),
        files: submission.files,
        file_problem: submission.file_problem,
        provenance: &provenance,
        version: &version,
        lang,
        id: Some(id.clone()),
    };
    let file_names = submission.file_names;
    let again = |errors: &FieldErrors, notice, status| {
        let page = FormPage {
            path: path.clone(),
            provenance: &provenance,
            version: &version,
            draft: &draft,
            errors,
            notice,
            status,
            submission: &id,
            dropped_files: &file_names,
        };
        page::form(state, lang, page)
    };
    match submit_report(deps, reservation, report).await {
        Ok(_) => Ok(to_receipt(state, &id)),
        // Reserved before the body was read; kept for completeness.
        Err(SubmitError::RateLimited) => {
            let mut response = again(
                &FieldErrors::new(),
                Some("intake_error_rate_limited"),
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
            Ok(response)
        }
        Err(SubmitError::Busy) => again(
            &FieldErrors::new(),
            Some("intake_error_busy"),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        Err(SubmitError::Invalid {
            mut errors,
            file_problem,
        }) => {
            let status = match file_problem {
                Some(p) => {
                    errors.insert("attachments", p.message_key());
                    p.status()
                }
                None => StatusCode::UNPROCESSABLE_ENTITY,
            };
            again(&errors, None, status)
        }
        Err(SubmitError::Internal(e)) => Err(e),
    }
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
