//! The report form: `GET`/`POST /r/{token}` and `/report`.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::draft::{FieldErrors, ReportDraft};
use super::form::{self, Submission};
use super::page::{self, FormPage};
use super::provenance::{self, Provenance};
use super::submit::{IntakeDeps, ReportSubmission, Reservation, SubmitError, submit_report};
use crate::client::ClientAddr;
use crate::error::{AppError, Msg, ResultExt};
use crate::state::AppState;
use crate::web::Lang;

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
    let page = FormPage {
        path,
        provenance,
        version: &version,
        draft: &ReportDraft::default(),
        errors: &FieldErrors::new(),
        notice: None,
        status: StatusCode::OK,
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
    let report = ReportSubmission {
        draft: draft.clone(),
        files: submission.files,
        file_problem: submission.file_problem,
        provenance: &provenance,
        version: &version,
        lang,
    };
    let again = |errors: &FieldErrors, notice, status| {
        let page = FormPage {
            path: path.clone(),
            provenance: &provenance,
            version: &version,
            draft: &draft,
            errors,
            notice,
            status,
        };
        page::form(state, lang, page)
    };
    match submit_report(deps, reservation, report).await {
        Ok(receipt) => page::receipt(state, lang, &receipt),
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
