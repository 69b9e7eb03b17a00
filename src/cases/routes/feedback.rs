//! The supervisor's answer to an unhappy reporter (answer and keep the result) and the
//! follow-up (回访) record: a form in, the domain called, back to the case page or the page
//! again with the refusal and what was typed.

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
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    version: i32,
    #[serde(default)]
    answer: String,
}

/// `POST /staff/cases/{id}/confirm`: a supervisor answers and keeps the result.
pub(super) async fn confirm(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    let result = workflow::confirm_result(&state.writes, &actor, id, form.version, &form.answer)
        .await
        .map(|_| ());
    let typed = pages::Draft::confirm(&form.answer);
    after(&state, lang, &user, id, result, "confirm", typed).await
}

#[derive(Deserialize, Default)]
pub(super) struct FollowUpForm {
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

/// `POST /staff/cases/{id}/follow-up`: a supervisor or the assignee records a 回访.
pub(super) async fn follow_up(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<FollowUpForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    let new = crate::cases::NewFollowUp {
        visited_on: form.visited_on.clone(),
        channel: form.channel.clone(),
        outcome: form.outcome.clone(),
        note: form.note.clone(),
    };
    let result = crate::cases::record_follow_up(&state.writes, &actor, id, &new)
        .await
        .map(|_| ());
    let typed = pages::Draft::follow_up(&form.visited_on, &form.note);
    after(&state, lang, &user, id, result, "follow_up", typed).await
}
