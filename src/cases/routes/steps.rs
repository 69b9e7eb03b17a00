//! The steps a person takes on the case page: a form in, the workflow called, and either
//! back to the case page (303) or the page again with the refusal and what was typed.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::returns::{Unconfirmed, confirm_step};
use crate::access::CurrentUser;
use crate::access::confirm::confirmed;
use crate::cases::error::CaseError;
use crate::cases::pages;
use crate::cases::status::Finding;
use crate::cases::workflow::{self, Assignment, CaseActor, ExtensionDecision, Step};
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::mail::events::Mailer;
use crate::state::AppState;

/// After a step: back to the case page (303), or the page again with the refusal and what
/// the person typed (422/409), or a plain refusal (404/403).
pub(super) async fn after(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    id: i64,
    result: Result<(), CaseError>,
    done: &str,
    typed: pages::Draft,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/cases/{id}?done={done}")).into_response()),
        Err(e @ (CaseError::Invalid(_) | CaseError::InvalidTransition { .. })) => {
            let outcome = pages::Outcome::refused(StatusCode::UNPROCESSABLE_ENTITY, e, typed);
            pages::case(state, lang, user, id, outcome).await
        }
        Err(e @ CaseError::Conflict) => {
            let outcome = pages::Outcome::refused(StatusCode::CONFLICT, e, typed);
            pages::case(state, lang, user, id, outcome).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct StepForm {
    #[serde(default)]
    version: i32,
    #[serde(default)]
    step: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    finding: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    feedback: String,
    /// `1` once the person confirmed an irreversible step.
    #[serde(default)]
    confirm: String,
}

impl StepForm {
    /// What the person typed, kept through a refusal.
    fn typed(&self) -> pages::Draft {
        match self.step.as_str() {
            "decline" => pages::Draft::decline(&self.reason),
            "conclude" | "conclude_reply" => pages::Draft::conclude(&self.summary, &self.feedback),
            _ => pages::Draft::default(),
        }
    }

    /// The step asked for: an unknown step is a bad request, a conclusion without a finding
    /// a refusal the page shows.
    fn step(&self) -> Result<Result<Step, CaseError>, AppError> {
        Ok(Ok(match self.step.as_str() {
            "accept" => Step::Accept,
            "decline" => Step::Decline {
                reason: self.reason.clone(),
            },
            "investigate" => Step::Investigate,
            "conclude" => match Finding::parse(&self.finding) {
                Some(finding) => Step::Conclude {
                    finding,
                    summary: self.summary.clone(),
                    feedback: self.feedback.clone(),
                },
                None => return Ok(Err(CaseError::Invalid(Msg::new("case_error_finding")))),
            },
            "close" => Step::Close,
            "conclude_reply" => match Finding::parse(&self.finding) {
                Some(finding) => Step::ConcludeAndReply {
                    finding,
                    summary: self.summary.clone(),
                    feedback: self.feedback.clone(),
                },
                None => return Ok(Err(CaseError::Invalid(Msg::new("case_error_finding")))),
            },
            other => {
                return Err(AppError::BadRequest(
                    Msg::new("case_error_unknown_step").arg("step", other),
                ));
            }
        }))
    }
}

pub(super) async fn step(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    let step = match form.step()? {
        Ok(step) => step,
        Err(refusal) => {
            return after(&state, lang, &user, id, Err(refusal), "", form.typed()).await;
        }
    };
    // Irreversible: a decline, a closing, and an answer published to the reporter at once
    // (under review the supervisor's publication is the step that cannot be undone).
    let irreversible = match step {
        Step::Decline { .. } | Step::Close => true,
        Step::ConcludeAndReply { .. } => {
            !crate::cases::feedback_settings::feedback_settings(&state.db)
                .await?
                .review
        }
        _ => false,
    };
    if irreversible && !confirmed(&form.confirm) {
        let version = form.version.to_string();
        let fields = [
            ("version", version.as_str()),
            ("step", form.step.as_str()),
            ("reason", form.reason.as_str()),
            ("finding", form.finding.as_str()),
            ("summary", form.summary.as_str()),
            ("feedback", form.feedback.as_str()),
        ];
        let asked = Unconfirmed {
            id,
            version: form.version,
            step,
            fields: &fields,
            typed: form.typed(),
        };
        return confirm_step(&state, lang, &user, asked).await;
    }
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let result = workflow::take_step(&state.writes, &rules, &actor, id, form.version, step)
        .await
        .map(|_| ());
    after(&state, lang, &user, id, result, &form.step, form.typed()).await
}

pub(super) async fn reopen(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    let reason = form.reason.clone();
    if !confirmed(&form.confirm) {
        let version = form.version.to_string();
        let fields = [("version", version.as_str()), ("reason", reason.as_str())];
        let step = Step::Reopen {
            reason: reason.clone(),
        };
        let asked = Unconfirmed {
            id,
            version: form.version,
            step,
            fields: &fields,
            typed: pages::Draft::reopen(&reason),
        };
        return confirm_step(&state, lang, &user, asked).await;
    }
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let result = workflow::take_step(
        &state.writes,
        &rules,
        &actor,
        id,
        form.version,
        Step::Reopen {
            reason: reason.clone(),
        },
    )
    .await
    .map(|_| ());
    after(
        &state,
        lang,
        &user,
        id,
        result,
        "reopen",
        pages::Draft::reopen(&reason),
    )
    .await
}

#[derive(Deserialize, Default)]
pub(super) struct VersionForm {
    #[serde(default)]
    version: i32,
}

pub(super) async fn take(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let result = workflow::assign(&state.writes, &actor, id, form.version, Assignment::Take)
        .await
        .map(|_| ());
    after(
        &state,
        lang,
        &user,
        id,
        result,
        "take",
        pages::Draft::default(),
    )
    .await
}

pub(super) async fn clear_flag(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let result = workflow::clear_flag(&state.writes, &actor, id, form.version)
        .await
        .map(|_| ());
    after(
        &state,
        lang,
        &user,
        id,
        result,
        "flag",
        pages::Draft::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub(super) struct AssignForm {
    #[serde(default)]
    version: i32,
    /// A unit id, `triage`, or empty for no change.
    #[serde(default)]
    unit: String,
    /// A user id, `none`, or empty for no change.
    #[serde(default)]
    assignee: String,
}

pub(super) async fn assign(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    let bad = || AppError::BadRequest(Msg::new("case_error_assign_whom"));
    let assignment = match (form.unit.trim(), form.assignee.trim()) {
        (_, "none") => Assignment::Person(None),
        (_, person) if !person.is_empty() => {
            Assignment::Person(Some(person.parse().map_err(|_| bad())?))
        }
        ("triage", _) => Assignment::Unit(None),
        (unit, _) if !unit.is_empty() => Assignment::Unit(Some(unit.parse().map_err(|_| bad())?)),
        _ => return Err(bad()),
    };
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let result = workflow::assign(&state.writes, &actor, id, form.version, assignment)
        .await
        .map(|_| ());
    after(
        &state,
        lang,
        &user,
        id,
        result,
        "assign",
        pages::Draft::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub(super) struct ExtensionForm {
    #[serde(default)]
    days: String,
    #[serde(default)]
    reason: String,
}

pub(super) async fn request_extension(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ExtensionForm>,
) -> Result<Response, AppError> {
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let days = form.days.trim().parse().unwrap_or(0);
    let result = workflow::request_extension(&state.writes, &actor, id, days, &form.reason)
        .await
        .map(|_| ());
    let typed = pages::Draft::extension(&form.days, &form.reason);
    after(&state, lang, &user, id, result, "extension", typed).await
}

#[derive(Deserialize, Default)]
pub(super) struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub(super) async fn decide_extension(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(extension_id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let case_id = workflow::extension_case(&state.db, extension_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let decision = ExtensionDecision {
        approve: form.decision == "approve",
        note: form.note.clone(),
    };
    let result = workflow::decide_extension(&state.writes, &rules, &actor, extension_id, decision)
        .await
        .map(|_| ());
    let typed = pages::Draft::decision(&form.note);
    after(&state, lang, &user, case_id, result, "decision", typed).await
}
