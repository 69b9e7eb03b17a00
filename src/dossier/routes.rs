//! The dossier's routes: the PDF of a case (for anyone who may see the case), and the page
//! that checks an uploaded dossier. Both need the case workspace's access.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::model::Format;
use super::verify::{Verdict, unreadable_sentence, verify_bytes};
use crate::access::{Access, CurrentUser, StaffRouter};
use crate::cards::assets::PrintAssets;
use crate::cards::render::{FaceSink, ZipSink};
use crate::clock::china_today;
use crate::error::{AppError, Msg, ResultExt};
use crate::i18n::Lang;
use crate::limits::bytes::{DOSSIER_BODY, DOSSIER_FILE_BYTES, megabytes};
use crate::state::AppState;

/// `GET /staff/cases/{id}/dossier.pdf` (and `.zip`, the PDF and the case's files),
/// `GET|POST /staff/dossiers/verify`.
pub fn staff_routes() -> StaffRouter {
    StaffRouter::new(Access::Cases)
        .get("/staff/cases/{id}/dossier.pdf", dossier_pdf)
        .get("/staff/cases/{id}/dossier.zip", dossier_zip)
        .get("/staff/dossiers/verify", verify_page)
        .post_upload("/staff/dossiers/verify", verify_upload, DOSSIER_BODY)
}

/// Dossiers rendered at once: rendering is CPU work, and a burst of exports gets a quick
/// "try again" rather than every core.
static RENDERS: Semaphore = Semaphore::const_new(2);

/// The commission as the reader's language names it.
fn org_name(state: &AppState, lang: Lang) -> String {
    match lang {
        Lang::En => state.settings.org_name_in_english().to_string(),
        Lang::Zh => state.settings.org_name.clone(),
    }
}

async fn dossier_pdf(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    exported(&state, lang, &user, id, Format::Pdf).await
}

async fn dossier_zip(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    exported(&state, lang, &user, id, Format::Zip).await
}

/// The dossier of case `id` as a download: the PDF, or a ZIP of the PDF and the files.
async fn exported(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    id: i64,
    format: Format,
) -> Result<Response, AppError> {
    let _turn = RENDERS.try_acquire().map_err(|_| AppError::busy())?;
    let now = state.clock.now();
    let rules = state.sla.rules(&state.db, now).await?;
    let stamp = state.stamp(user.actor());
    let dossier = super::model::export(
        &state.writes,
        &rules,
        &user.user,
        &stamp,
        id,
        format,
        china_today(now),
        lang,
    )
    .await?;
    let files = match format {
        Format::Pdf => Vec::new(),
        Format::Zip => super::model::file_bytes(&state.db, id).await?,
    };
    // The case number is ASCII (JD2026-000001): safe in a header and an archive as it is.
    let pdf_name = format!("{}-dossier.pdf", dossier.case.number);
    let org = org_name(state, lang);
    let verify_url = format!("{}/staff/dossiers/verify", state.settings.base_url());
    let source = PrintAssets::with_folder(state.settings.print_assets.as_deref());
    let font = state.settings.card_font.clone();
    let entry = pdf_name.clone();
    let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        let assets =
            crate::cards::shared_assets(&source, font.as_deref()).map_err(|e| source.blame(e))?;
        let mut pdf = Vec::new();
        super::render::write(&assets, &dossier, &org, &verify_url, lang, &mut pdf)?;
        if format == Format::Pdf {
            return Ok(pdf);
        }
        let mut zip = ZipSink::new(Vec::new());
        zip.put(&entry, &pdf)?;
        for (name, data) in &files {
            zip.put(name, data)?;
        }
        zip.finish()
    })
    .await
    .internal("the dossier task failed")?
    .internal("rendering a dossier")?;
    let (content_type, name) = match format {
        Format::Pdf => ("application/pdf", pdf_name),
        Format::Zip => ("application/zip", pdf_name.replace(".pdf", ".zip")),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// The page, with a verdict after an upload.
fn verify_view(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, AppError> {
    // Before an upload there is no verdict yet.
    let unset = minijinja::context! { verdict => (), sentence => () };
    let ctx = minijinja::context! { ..ctx, ..unset };
    let page = user.page(&state.views, "dossier/verify.html", lang, ctx)?;
    Ok((status, page).into_response())
}

async fn verify_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
) -> Result<Response, AppError> {
    verify_view(&state, lang, &user, StatusCode::OK, minijinja::context! {})
}

async fn verify_upload(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let locales = &state.views.locales;
    let mut multipart =
        multipart.map_err(|_| AppError::BadRequest(Msg::new("error_form_unreadable")))?;
    let too_large = || {
        let error = locales
            .t(lang, "dossier_verify_too_large")
            .replace("{mb}", &megabytes(DOSSIER_FILE_BYTES).to_string());
        verify_view(
            &state,
            lang,
            &user,
            StatusCode::PAYLOAD_TOO_LARGE,
            minijinja::context! { error => error },
        )
    };
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
            Err(_) => return Err(AppError::BadRequest(Msg::new("error_upload_incomplete"))),
        };
        if field.name() != Some("dossier") {
            continue;
        }
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > DOSSIER_FILE_BYTES {
                        return too_large();
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
                Err(_) => return Err(AppError::BadRequest(Msg::new("error_upload_incomplete"))),
            }
        }
    }
    if bytes.is_empty() {
        let error = locales.t(lang, "dossier_verify_no_file");
        let ctx = minijinja::context! { error => error };
        return verify_view(&state, lang, &user, StatusCode::UNPROCESSABLE_ENTITY, ctx);
    }
    let (kind, sentence) = match verify_bytes(&state.db, state.key(), &bytes).await? {
        Ok(verdict) => {
            let kind = match &verdict {
                Verdict::Genuine { changes, .. } if changes.is_empty() => "genuine",
                Verdict::Genuine { .. } => "changed",
                Verdict::Mismatch { .. } => "mismatch",
                Verdict::Refused { .. } => "refused",
            };
            (kind, verdict.sentence(locales, lang))
        }
        Err(problem) => ("unreadable", unreadable_sentence(&problem, locales, lang)),
    };
    let ctx = minijinja::context! { verdict => kind, sentence => sentence };
    verify_view(&state, lang, &user, StatusCode::OK, ctx)
}
