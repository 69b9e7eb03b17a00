//! The steps of returns and declines on the case page: 退回 to triage, a decline request and
//! a supervisor's decision on it; and the confirmation asked before an irreversible step
//! (decline, close, reopen, an approved decline request).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::steps::after;
use crate::access::CurrentUser;
use crate::access::confirm::{Confirmation, confirmed};
use crate::cases::pages;
use crate::cases::workflow::{self, CaseActor, DeclineDecision, Step};
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::mail::events::Mailer;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub(super) struct ReturnForm {
    #[serde(default)]
    version: i32,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/cases/{id}/return`: back to triage, then to the list (the case has left the
/// inspector's unit), which names it.
pub(super) async fn return_case(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ReturnForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    match workflow::return_case(&state.writes, &actor, id, form.version, &form.reason).await {
        Ok(case) => {
            let number: String =
                url::form_urlencoded::byte_serialize(case.number.as_bytes()).collect();
            Ok(Redirect::to(&format!("/staff/cases?returned={number}")).into_response())
        }
        Err(e) => {
            let typed = pages::Draft::returned(&form.reason);
            after(&state, lang, &user, id, Err(e), "return", typed).await
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct DeclineRequestForm {
    #[serde(default)]
    reason: String,
}

/// `POST /staff/cases/{id}/decline-request`: ask a supervisor to approve declining the case.
pub(super) async fn request_decline(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<DeclineRequestForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let result = workflow::request_decline(&state.writes, &actor, id, &form.reason)
        .await
        .map(|_| ());
    let typed = pages::Draft::decline_request(&form.reason);
    after(&state, lang, &user, id, result, "decline_request", typed).await
}

#[derive(Deserialize, Default)]
pub(super) struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /staff/decline-requests/{id}/decide`: approve (after a confirmation: the case is
/// declined) or refuse (with the note the inspector reads).
pub(super) async fn decide_decline(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(request_id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let case_id = workflow::decline_request_case(&state.db, request_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        other => {
            return Err(AppError::BadRequest(
                Msg::new("returns_error_unknown_decision").arg("decision", other),
            ));
        }
    };
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let typed = pages::Draft::decline_decision(&form.note);
    if approve && !confirmed(&form.confirm) {
        // What the approval would decline, and for which reason the reporter will read.
        let pending = workflow::pending_for(&state.db, case_id).await?;
        let Some(request) = pending.filter(|r| r.id == request_id) else {
            let refusal = Err(crate::cases::CaseError::Conflict);
            return after(&state, lang, &user, case_id, refusal, "", typed).await;
        };
        let case = actor.scope.find(&state.db, case_id).await?;
        let locales = state.views.locales;
        let confirmation = Confirmation::new(
            locales.t(lang, "returns_confirm_approve_title").to_string(),
            locales.msg(
                lang,
                &Msg::new("returns_confirm_decline")
                    .arg("number", case.number.as_str())
                    .arg("reason", request.reason.as_str()),
            ),
            format!("/staff/decline-requests/{request_id}/decide"),
            format!("/staff/cases/{case_id}"),
        )
        .field("decision", "approve")
        .field("note", form.note.clone());
        return confirmation.page(&state.views, &user, lang);
    }
    let decision = DeclineDecision {
        approve,
        note: form.note.clone(),
    };
    let result = workflow::decide_decline(&state.writes, &rules, &actor, request_id, decision)
        .await
        .map(|_| ());
    after(
        &state,
        lang,
        &user,
        case_id,
        result,
        "decline_decision",
        typed,
    )
    .await
}

/// An irreversible step asked for on case `id` (seen at `version`), not yet confirmed.
pub(super) struct Unconfirmed<'a> {
    pub id: i64,
    pub version: i32,
    pub step: Step,
    /// The form's fields, posted again once confirmed.
    pub fields: &'a [(&'a str, &'a str)],
    /// What the person typed, kept if the step is refused.
    pub typed: pages::Draft,
}

/// The confirmation of the step, if it would be allowed now; otherwise the case page with
/// the refusal, as if it had been tried.
pub(super) async fn confirm_step(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    asked: Unconfirmed<'_>,
) -> Result<Response, AppError> {
    let Unconfirmed {
        id,
        version,
        step,
        fields,
        typed,
    } = asked;
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let actor = CaseActor::new(&user.user, state.stamp(user.actor()));
    let (title, consequence, action) = match &step {
        Step::Decline { reason } => (
            "returns_confirm_decline_title",
            Msg::new("returns_confirm_decline").arg("reason", reason.trim()),
            "step",
        ),
        Step::Close => (
            "returns_confirm_close_title",
            Msg::new("returns_confirm_close"),
            "step",
        ),
        Step::ConcludeAndReply { feedback, .. } => (
            "returns_confirm_reply_title",
            Msg::new("returns_confirm_reply").arg("feedback", feedback.trim()),
            "step",
        ),
        Step::Reopen { .. } => (
            "returns_confirm_reopen_title",
            Msg::new("returns_confirm_reopen"),
            "reopen",
        ),
        _ => return Err(AppError::BadRequest(Msg::new("returns_error_no_confirm"))),
    };
    let case = match workflow::check_step(&state.writes, &rules, &actor, id, version, step.clone())
        .await
    {
        // The trial ran on the case as it is now; the number is the same.
        Ok(case) => case,
        Err(e) => return after(state, lang, user, id, Err(e), "", typed).await,
    };
    let locales = state.views.locales;
    let mut confirmation = Confirmation::new(
        locales.t(lang, title).to_string(),
        locales.msg(lang, &consequence.arg("number", case.number.as_str())),
        format!("/staff/cases/{id}/{action}"),
        format!("/staff/cases/{id}"),
    );
    for (name, value) in fields {
        confirmation = confirmation.field(name, *value);
    }
    confirmation.page(&state.views, user, lang)
}
