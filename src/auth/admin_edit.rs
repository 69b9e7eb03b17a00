//! Correcting an account on the admin page (`POST /staff/admin/users/{id}/edit`: display
//! name, email, role and unit in one form), and `/staff/admin`, which opens the admin section.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Role;
use super::accounts::AccountError;
use super::edit::{AccountEdit, edit_account};
use crate::access::CurrentUser;
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

/// `GET /staff/admin`: the first admin page.
pub(super) async fn admin_home() -> Redirect {
    Redirect::to("/staff/admin/users")
}

/// One account's row of the users page, as typed.
#[derive(Deserialize, Default)]
pub(super) struct EditForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
}

/// `POST /staff/admin/users/{id}/edit`: saves the fields that changed, one audit row each;
/// a refusal comes back on the page with what was typed.
pub(super) async fn edit_user(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    let refuse = async |message: Msg| {
        let extra = minijinja::context! {
            error => state.views.locales.msg(lang, &message),
            edit_form => minijinja::context! {
                id => id, display_name => &form.display_name, email => &form.email,
                role => &form.role, unit => &form.unit,
            },
        };
        super::admin::users_view(&state, lang, &user, StatusCode::UNPROCESSABLE_ENTITY, extra).await
    };
    let Some(role) = Role::parse(&form.role) else {
        return refuse(Msg::new("admin_error_choose_role")).await;
    };
    let unit = match form.unit.trim() {
        "" => None,
        typed => match typed.parse::<i64>() {
            Ok(unit) => Some(unit),
            Err(_) => return refuse(Msg::new("account_error_no_unit").arg("name", typed)).await,
        },
    };
    if id == user.user.id && role != user.user.role {
        return refuse(Msg::new("admin_error_self_change")).await;
    }
    let edit = AccountEdit {
        display_name: Some(form.display_name.clone()),
        email: Some(Some(form.email.clone())),
        role: Some(role),
        unit: Some(unit),
    };
    match edit_account(&state.writes, &state.stamp(user.actor()), id, edit).await {
        Ok(changed) if changed.is_empty() => {
            Ok(Redirect::to("/staff/admin/users?done=unchanged").into_response())
        }
        Ok(_) => Ok(Redirect::to("/staff/admin/users?done=1").into_response()),
        Err(AccountError::Invalid(message)) => refuse(message).await,
        Err(AccountError::NoUnit(name)) => {
            refuse(Msg::new("account_error_no_unit").arg("name", name)).await
        }
        Err(e) => Err(e.into()),
    }
}
