//! `/staff/admin/units`: units and the districts each covers, offered from the enterprise
//! register and the cards' service points; a district neither knows is refused with the close
//! matches named, until the admin ticks that it is a new one.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::accounts::{self, AccountError};
use super::admin::{Notice, render};
use super::districts::{self, NewDistricts};
use crate::access::CurrentUser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

async fn units_view(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, AppError> {
    let units = accounts::list_units(&state.db).await?;
    let known = districts::known(&state.db).await?;
    let mut covered_by: HashMap<&str, &str> = HashMap::new();
    for unit in &units {
        for district in &unit.districts {
            covered_by.insert(district, &unit.name);
        }
    }
    let coverage: Vec<_> = known
        .iter()
        .map(|d| minijinja::context! { district => d, unit => covered_by.get(d.as_str()) })
        .collect();
    let uncovered = known
        .iter()
        .filter(|d| !covered_by.contains_key(d.as_str()))
        .count();
    let rows: Vec<_> = units
        .iter()
        .map(|u| {
            let unknown: Vec<&String> = u
                .districts
                .iter()
                .filter(|d| !known.is_empty() && !known.contains(d))
                .collect();
            minijinja::context! { unknown => unknown, ..minijinja::Value::from_serialize(u) }
        })
        .collect();
    let ctx = minijinja::context! {
        units => rows, known => known, coverage => coverage, uncovered => uncovered, ..extra
    };
    render(state, lang, user, "admin/units.html", status, ctx)
}

/// `GET /staff/admin/units`.
pub(super) async fn units_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(notice): Query<Notice>,
) -> Result<Response, AppError> {
    let extra = minijinja::context! { done => notice.done };
    units_view(&state, lang, &user, StatusCode::OK, extra).await
}

/// A unit's name and districts as typed.
#[derive(Deserialize, Default)]
pub(super) struct UnitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    districts: String,
    /// Ticked after a refusal: the districts not in the register are new ones.
    #[serde(default)]
    new_district: String,
}

impl UnitForm {
    fn new_districts(&self) -> NewDistricts {
        if self.new_district.is_empty() {
            NewDistricts::Refuse
        } else {
            NewDistricts::Allow
        }
    }
}

/// Answers a refused change: the page with the message and what was typed (for unit
/// `unit`, or the new-unit form), offering to save an unknown district as a new one.
async fn refused(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    unit: Option<i64>,
    form: &UnitForm,
    error: AccountError,
) -> Result<Response, AppError> {
    let AccountError::Invalid(message) = error else {
        return Err(error.into());
    };
    let unknown_district = matches!(
        message.key(),
        Some("acct_error_district_close" | "acct_error_district_unknown")
    );
    let extra = minijinja::context! {
        error => state.views.locales.msg(lang, &message),
        form => minijinja::context! {
            unit => unit, name => &form.name, districts => &form.districts,
            offer_new => unknown_district,
        },
    };
    units_view(state, lang, user, StatusCode::UNPROCESSABLE_ENTITY, extra).await
}

/// `POST /staff/admin/units`: a new unit.
pub(super) async fn create_unit(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(form): Form<UnitForm>,
) -> Result<Response, AppError> {
    let list = vec![form.districts.clone()];
    if let Err(e) = districts::vet(&state.db, None, &list, form.new_districts()).await {
        return refused(&state, lang, &user, None, &form, e).await;
    }
    let stamp = state.stamp(user.actor());
    match accounts::create_unit(&state.writes, &stamp, &form.name, &list).await {
        Ok(_) => Ok(Redirect::to("/staff/admin/units?done=1").into_response()),
        Err(e) => refused(&state, lang, &user, None, &form, e).await,
    }
}

/// `POST /staff/admin/units/{id}`: the districts unit `id` covers.
pub(super) async fn change_unit(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<UnitForm>,
) -> Result<Response, AppError> {
    let list = vec![form.districts.clone()];
    if let Err(e) = districts::vet(&state.db, Some(id), &list, form.new_districts()).await {
        return refused(&state, lang, &user, Some(id), &form, e).await;
    }
    let stamp = state.stamp(user.actor());
    match accounts::change_unit_districts(&state.writes, &stamp, id, &list).await {
        Ok(()) => Ok(Redirect::to("/staff/admin/units?done=1").into_response()),
        Err(e) => refused(&state, lang, &user, Some(id), &form, e).await,
    }
}
