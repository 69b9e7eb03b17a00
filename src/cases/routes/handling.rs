//! `/staff/admin/handling` (办理规则): whether inspectors decline directly or by a
//! supervisor's approval (the default). Admins only; the change is audited.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::access::CurrentUser;
use crate::cases::handling;
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub(super) struct Notice {
    #[serde(default)]
    done: String,
}

pub(super) async fn handling_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(notice): Query<Notice>,
) -> Result<Response, AppError> {
    let direct = handling::inspectors_decline_directly(&state.db).await?;
    let ctx = minijinja::context! { direct => direct, done => !notice.done.is_empty() };
    let page = user.page(&state.views, "admin/handling.html", lang, ctx)?;
    Ok((StatusCode::OK, page).into_response())
}

#[derive(Deserialize, Default)]
pub(super) struct HandlingForm {
    /// `approval` or `direct`.
    #[serde(default)]
    decline: String,
}

pub(super) async fn change_handling(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<HandlingForm>,
) -> Result<Response, AppError> {
    let direct = match form.decline.as_str() {
        "direct" => true,
        "approval" => false,
        _ => {
            return Err(AppError::Unprocessable(Msg::new(
                "returns_error_choose_decline_rule",
            )));
        }
    };
    handling::set_inspectors_decline_directly(&state.writes, &state.stamp(user.actor()), direct)
        .await?;
    Ok(Redirect::to("/staff/admin/handling?done=1").into_response())
}
