//! The report form: `GET`/`POST /r/{token}` and `/report`.

use std::net::IpAddr;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::attachments::{self, FileProblem};
use super::client::ClientAddr;
use super::draft::{FieldErrors, ReportDraft, today_in_china};
use super::form::{self, Submission};
use super::guards::{card_key, client_key};
use super::page::{self, FormPage};
use super::provenance::{self, Provenance};
use super::submit;
use crate::app::AppState;
use crate::error::{AppError, ResultExt};
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
    let provenance = provenance::for_token(&state.db, &token)
        .await
        .internal("looking up a card")?;
    let submission = read(multipart).await?;
    let card = Some(card_key(state.settings.secret_key.expose(), &token));
    submit(
        &state,
        lang,
        peer,
        card,
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
    let submission = read(multipart).await?;
    let provenance = Provenance::without_card("web");
    submit(
        &state,
        lang,
        peer,
        None,
        "/report".into(),
        provenance,
        submission,
    )
    .await
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
        return Err(AppError::BadRequest(
            "表单无法读取，请返回重新提交 · The form could not be read; please go back and send it again"
                .into(),
        ));
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
        .intake
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
    lang: Lang,
    ip: IpAddr,
    card: Option<String>,
    path: String,
    provenance: Provenance,
    submission: Submission,
) -> Result<Response, AppError> {
    let version = state
        .intake
        .lists
        .for_card(&state.db, provenance.list_version_id)
        .await
        .internal("loading the negative list")?;
    let draft = submission.draft();
    let client = client_key(state.settings.secret_key.expose(), ip);
    let mut limits = vec![(client.as_str(), state.settings.intake_client_limit)];
    if let Some(card) = &card {
        limits.push((card.as_str(), state.settings.intake_card_limit));
    }
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
    if !state.intake.report_allowed(&limits) {
        let mut response = again(
            &FieldErrors::new(),
            Some("intake_error_rate_limited"),
            StatusCode::TOO_MANY_REQUESTS,
        )?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
        return Ok(response);
    }
    let (mut errors, valid) = match draft.validate(&version, today_in_china()) {
        Ok(valid) => (FieldErrors::new(), Some(valid)),
        Err(errors) => (errors, None),
    };
    // Cheap checks on the files first, so one answer names every problem.
    let problem = submission.file_problem.or_else(|| {
        submission
            .files
            .iter()
            .any(|f| attachments::sniff(f).is_none())
            .then_some(FileProblem::NotAllowed)
    });
    let files = submission.files;
    let refuse = |mut errors: FieldErrors, problem: Option<FileProblem>| {
        let status = match problem {
            Some(p) => {
                errors.insert("attachments", p.message_key());
                p.status()
            }
            None => StatusCode::UNPROCESSABLE_ENTITY,
        };
        again(&errors, None, status)
    };
    let Some(valid) = valid.filter(|_| problem.is_none()) else {
        return refuse(std::mem::take(&mut errors), problem);
    };
    let cleaned = tokio::task::spawn_blocking(move || attachments::prepare_all(files))
        .await
        .internal("preparing attachments")?;
    let cleaned = match cleaned {
        Ok(cleaned) => cleaned,
        Err(problem) => return refuse(FieldErrors::new(), Some(problem)),
    };
    let receipt = submit::store(state, valid, &provenance, lang, cleaned).await?;
    let keys: Vec<&str> = limits.iter().map(|(k, _)| *k).collect();
    state.intake.report_stored(&keys);
    page::receipt(state, lang, &receipt)
}
