//! The answer settings on the deadline-policy page: whether a supervisor reviews an answer
//! before the reporter reads it, and the objection window in working days. Admins only (the
//! page's router); every change audited.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::access::CurrentUser;
use crate::cases::{FeedbackSettings, MAX_OBJECTION_DAYS, save_feedback_settings};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub(super) struct FeedbackForm {
    /// `on` when ticked; absent otherwise.
    #[serde(default)]
    review: String,
    #[serde(default)]
    objection_days: String,
}

/// `POST /staff/admin/sla/feedback`.
pub(super) async fn change_feedback_settings(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(form): Form<FeedbackForm>,
) -> Result<Response, AppError> {
    let days = form
        .objection_days
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=MAX_OBJECTION_DAYS).contains(d));
    let Some(objection_days) = days else {
        let error = state.views.locales.t(lang, "fb_settings_error_days");
        let ctx = minijinja::context! { fb_error => error };
        return super::settings::sla_view(
            &state,
            lang,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx,
        )
        .await;
    };
    let review = matches!(form.review.as_str(), "on" | "true" | "1");
    let stamp = state.stamp(user.actor());
    save_feedback_settings(
        &state.writes,
        &stamp,
        FeedbackSettings {
            review,
            objection_days,
        },
    )
    .await?;
    Ok(Redirect::to("/staff/admin/sla?done=feedback").into_response())
}
