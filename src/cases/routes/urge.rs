//! `POST /staff/cases/{id}/urge`: a supervisor's 督办 from the case page's form.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::steps::after;
use crate::access::CurrentUser;
use crate::cases::pages;
use crate::cases::workflow::{self, CaseActor};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::mail::events::Mailer;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub(super) struct UrgeForm {
    #[serde(default)]
    note: String,
    /// `YYYY-MM-DD`, as a date input sends it.
    #[serde(default)]
    requested_on: String,
}

pub(super) async fn urge(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<UrgeForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let result = workflow::urge(&state.writes, &actor, id, &form.note, &form.requested_on)
        .await
        .map(|_| ());
    let typed = pages::Draft::urge(&form.note, &form.requested_on);
    after(&state, lang, &user, id, result, "urge", typed).await
}
