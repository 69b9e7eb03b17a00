//! Print-staff pages for service points: list, create, rename, deactivate.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::service_points::{self, NewServicePoint, ServicePointError};
use crate::app::AppState;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{CurrentUser, Role, staff_context};
use crate::entities::service_points as entity;
use crate::error::{AppError, ResultExt};
use crate::web::Lang;

/// `/staff/service-points` and its actions.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/service-points", get(list_page).post(create))
        .route("/staff/service-points/{id}/rename", post(rename))
        .route("/staff/service-points/{id}/active", post(set_active))
}

fn refused(e: ServicePointError) -> AppError {
    match e {
        ServicePointError::Duplicate { .. } => AppError::Conflict(e.to_string()),
        ServicePointError::NotFound => AppError::NotFound,
        ServicePointError::Db(e) => e.into(),
        other => AppError::Unprocessable(other.to_string()),
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
    state
        .views
        .page(
            "enterprises/service_points.html",
            lang,
            minijinja::context! {
                me => staff_context(user),
                points => rows,
                error => error,
                form => minijinja::context! { name => &form.name, hall => &form.hall, district => &form.district },
            },
        )
        .internal("rendering the service points")
}

async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
) -> Result<Html<String>, AppError> {
    user.require(&[Role::PrintStaff])?;
    let points = service_points::list(&state.db).await?;
    render_list(&state, lang, &user, &points, None, &CreateForm::default())
}

#[derive(Deserialize, Default)]
struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    hall: String,
    #[serde(default)]
    district: String,
}

async fn audit(
    state: &AppState,
    user: &CurrentUser,
    action: &'static str,
    point: &entity::Model,
) -> Result<(), AppError> {
    crate::audit::append(
        &state.db,
        state.settings.secret_key.expose(),
        AuditEvent::new(Actor::User(user.user.id), action, "service_point", point.id).with_detail(
            serde_json::json!({ "hall": &point.hall, "name": &point.name, "active": point.active }),
        ),
    )
    .await
    .internal("auditing a service point change")
}

async fn create(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(form): Form<CreateForm>,
) -> Result<Response, AppError> {
    user.require(&[Role::PrintStaff])?;
    user.check_csrf(&form.csrf)?;
    let new = NewServicePoint {
        name: form.name.clone(),
        hall: form.hall.clone(),
        district: Some(form.district.clone()),
    };
    match service_points::create(&state.db, new).await {
        Ok(point) => {
            audit(&state, &user, "service_point_created", &point).await?;
            Ok(Redirect::to("/staff/service-points").into_response())
        }
        Err(ServicePointError::Db(e)) => Err(e.into()),
        // The form comes back filled in, with the reason, and the status says why.
        Err(e) => {
            let status = refused_status(&e);
            let points = service_points::list(&state.db).await?;
            let page = render_list(&state, lang, &user, &points, Some(&e.to_string()), &form)?;
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
    csrf: String,
    name: String,
}

async fn rename(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<RenameForm>,
) -> Result<Response, AppError> {
    user.require(&[Role::PrintStaff])?;
    user.check_csrf(&form.csrf)?;
    let point = service_points::rename(&state.db, id, &form.name)
        .await
        .map_err(refused)?;
    audit(&state, &user, "service_point_renamed", &point).await?;
    Ok(Redirect::to("/staff/service-points").into_response())
}

#[derive(Deserialize)]
struct ActiveForm {
    csrf: String,
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, AppError> {
    user.require(&[Role::PrintStaff])?;
    user.check_csrf(&form.csrf)?;
    let active = form.active == "true";
    let point = service_points::set_active(&state.db, id, active)
        .await
        .map_err(refused)?;
    let action = if active {
        "service_point_activated"
    } else {
        "service_point_deactivated"
    };
    audit(&state, &user, action, &point).await?;
    Ok(Redirect::to("/staff/service-points").into_response())
}
