//! Print-staff pages for service points: list, create, rename, deactivate.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::service_points::{self, Change, NewServicePoint, ServicePointError};
use crate::access::{CurrentUser, StaffRouter};
use crate::entities::service_points as entity;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

/// `/staff/service-points` and its actions, added to the register's routes.
pub(super) fn add(routes: StaffRouter) -> StaffRouter {
    routes
        .get("/staff/service-points", list_page)
        .post("/staff/service-points", create)
        .post("/staff/service-points/{id}/rename", rename)
        .post("/staff/service-points/{id}/active", set_active)
}

fn refused(e: ServicePointError) -> AppError {
    match e {
        ServicePointError::Duplicate { .. } => AppError::Conflict(e.message()),
        ServicePointError::NotFound => AppError::NotFound,
        ServicePointError::Db(e) => e.into(),
        other => AppError::Unprocessable(other.message()),
    }
}

fn render_list(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    points: &[entity::Model],
    error: Option<&str>,
    form: &CreateForm,
) -> Result<Html<String>, AppError> {
    let rows: Vec<_> = points
        .iter()
        .map(|p| minijinja::context! { id => p.id, name => &p.name, hall => &p.hall, district => &p.district, active => p.active })
        .collect();
    user.page(&state.views, "enterprises/service_points.html", lang, minijinja::context! { points => rows,
                error => error,
                form => minijinja::context! { name => &form.name, hall => &form.hall, district => &form.district } })
}

async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
) -> Result<Html<String>, AppError> {
    let points = service_points::list(&state.db).await?;
    render_list(&state, lang, &user, &points, None, &CreateForm::default())
}

#[derive(Deserialize, Default)]
struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    hall: String,
    #[serde(default)]
    district: String,
}

async fn create(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(form): Form<CreateForm>,
) -> Result<Response, AppError> {
    let new = NewServicePoint {
        name: form.name.clone(),
        hall: form.hall.clone(),
        district: Some(form.district.clone()),
    };
    match service_points::apply(
        &state.writes,
        &state.stamp(user.actor()),
        Change::Create(new),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/staff/service-points").into_response()),
        Err(ServicePointError::Db(e)) => Err(e.into()),
        // The form comes back filled in, with the reason, and the status says why.
        Err(e) => {
            let status = refused_status(&e);
            let points = service_points::list(&state.db).await?;
            let error = state.views.locales.msg(lang, &e.message());
            let page = render_list(&state, lang, &user, &points, Some(&error), &form)?;
            Ok((status, page).into_response())
        }
    }
}

fn refused_status(e: &ServicePointError) -> StatusCode {
    match e {
        ServicePointError::Duplicate { .. } => StatusCode::CONFLICT,
        ServicePointError::NotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

#[derive(Deserialize)]
struct RenameForm {
    name: String,
}

async fn rename(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<RenameForm>,
) -> Result<Response, AppError> {
    let change = Change::Rename {
        id,
        name: form.name,
    };
    service_points::apply(&state.writes, &state.stamp(user.actor()), change)
        .await
        .map_err(refused)?;
    Ok(Redirect::to("/staff/service-points").into_response())
}

#[derive(Deserialize)]
struct ActiveForm {
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, AppError> {
    let change = Change::SetActive {
        id,
        active: form.active == "true",
    };
    service_points::apply(&state.writes, &state.stamp(user.actor()), change)
        .await
        .map_err(refused)?;
    Ok(Redirect::to("/staff/service-points").into_response())
}
