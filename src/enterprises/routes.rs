//! Print-staff pages: the register (search, counts per district) and its import.

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::import::{ImportError, ImportReport};
use super::register::{self, Search};
use super::table::{MAX_FILE_BYTES, ReadError};
use crate::access::{Access, CurrentUser, StaffRouter};
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

/// `/staff/enterprises`, `/staff/enterprises/import` and the service-point pages: print staff
/// (and admins).
pub fn staff_routes() -> StaffRouter {
    let routes = StaffRouter::new(Access::Print)
        .get("/staff/enterprises", register_page)
        .get("/staff/enterprises/import", import_page)
        // Room for the file plus the form around it; larger uploads get a 413.
        .post_upload(
            "/staff/enterprises/import",
            import_upload,
            crate::limits::bytes::REGISTER_BODY,
        );
    super::service_point_routes::add(routes)
}

#[derive(Deserialize, Default)]
struct RegisterQuery {
    q: Option<String>,
    district: Option<String>,
    page: Option<String>,
}

async fn register_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(query): Query<RegisterQuery>,
) -> Result<Html<String>, AppError> {
    let search = Search {
        text: query.q.clone(),
        district: query.district.clone(),
        page: query
            .page
            .as_deref()
            .and_then(|p| p.parse().ok())
            .unwrap_or(1),
    };
    let page = register::search(&state.db, &search).await?;
    let counts = register::district_counts(&state.db).await?;
    let q = query.q.as_deref().unwrap_or("");
    let district = query.district.as_deref().unwrap_or("");
    let view = register_view(&page, &counts, q, district);
    user.page(&state.views, "enterprises/register.html", lang, view)
}

/// What the register template shows: the page of rows, its links, the district table.
fn register_view(
    page: &register::Page,
    counts: &[register::DistrictCount],
    q: &str,
    district: &str,
) -> minijinja::Value {
    let rows: Vec<_> = page
        .enterprises
        .iter()
        .map(|e| {
            minijinja::context! {
                name => &e.name, uscc => &e.uscc, district => &e.district,
                address => &e.address, contact_name => &e.contact_name,
                contact_phone => &e.contact_phone,
            }
        })
        .collect();
    let districts: Vec<_> = counts
        .iter()
        .map(|c| {
            let link = register_link("", &c.district, 1);
            minijinja::context! { link => link, ..minijinja::Value::from_serialize(c) }
        })
        .collect();
    minijinja::context! {
        q => q,
        district => district,
        rows => rows,
        found => page.total,
        page => page.page,
        pages => page.pages,
        prev => (page.page > 1).then(|| register_link(q, district, page.page - 1)),
        next => (page.page < page.pages).then(|| register_link(q, district, page.page + 1)),
        counts => districts,
        total => counts.iter().map(|c| c.enterprises).sum::<i64>(),
        with_card => counts.iter().map(|c| c.with_active_card).sum::<i64>(),
    }
}

/// `/staff/enterprises?…` for a search, a district and a page.
fn register_link(q: &str, district: &str, page: u64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        query.append_pair("q", q);
    }
    if !district.is_empty() {
        query.append_pair("district", district);
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    format!("/staff/enterprises?{}", query.finish())
}

async fn import_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
) -> Result<Html<String>, AppError> {
    render_import(&state, lang, &user, None, None)
}

fn render_import(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    report: Option<&ImportReport>,
    error: Option<&str>,
) -> Result<Html<String>, AppError> {
    let report = report.map(|r| {
        let rejected: Vec<_> = r
            .rejected
            .iter()
            .map(|x| {
                let (a, b) = x.reason.args();
                minijinja::context! { line => x.line, key => x.reason.key(), a => a, b => b }
            })
            .collect();
        minijinja::context! {
            imported => r.imported, updated => r.updated, unchanged => r.unchanged,
            rejected_count => r.rejected.len(), rejected => rejected,
        }
    });
    user.page(
        &state.views,
        "enterprises/import.html",
        lang,
        minijinja::context! { max_mb => MAX_FILE_BYTES / 1024 / 1024,
        report => report,
        error => error },
    )
}

fn upload_error(e: &MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        AppError::BadRequest(Msg::new("error_upload_incomplete"))
    }
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge(
        Msg::new("error_file_too_large").arg("mb", MAX_FILE_BYTES / 1024 / 1024),
    )
}

/// The file of an upload form.
async fn read_upload(mut multipart: Multipart) -> Result<Vec<u8>, AppError> {
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| upload_error(&e))? {
        if field.name() == Some("file") {
            file = Some(field.bytes().await.map_err(|e| upload_error(&e))?);
        }
    }
    let file = file.ok_or_else(|| AppError::BadRequest(Msg::new("ent_error_choose_file")))?;
    Ok(file.to_vec())
}

async fn import_upload(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    // Refuse an announced oversize body before reading any of it.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > crate::limits::bytes::REGISTER_BODY) {
        return Err(too_large());
    }
    let multipart = multipart.map_err(|_| AppError::BadRequest(Msg::new("ent_error_use_form")))?;
    let bytes = read_upload(multipart).await?;
    let stamp = state.stamp(user.actor());
    match super::import_file(&state.writes, &state.settings, &stamp, bytes).await {
        Ok(report) => Ok(render_import(&state, lang, &user, Some(&report), None)?.into_response()),
        Err(ImportError::Other(e)) => Err(AppError::Internal(e)),
        Err(ImportError::Read(ReadError::TooLarge)) => Err(too_large()),
        Err(e) => {
            let status = match e {
                ImportError::Busy => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let (a, b) = e.args();
            let message = format!(
                "{}{}",
                state.views.locales.t(lang, "ent_import_failed"),
                state
                    .views
                    .locales
                    .msg(lang, &Msg::new(e.key()).arg("a", a).arg("b", b))
            );
            let page = render_import(&state, lang, &user, None, Some(&message))?;
            Ok((status, page).into_response())
        }
    }
}
