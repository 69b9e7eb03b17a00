//! `POST /q/object`: the reporter objects (申诉) once to a decline or an answer, within the
//! office's window, with a text. The form carries a one-time id: a reload or a double tap
//! stores one objection.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::follow_up::{Fields, field, with_case};
use super::submission::SubmissionId;
use crate::audit::Actor;
use crate::cases::{self, MAX_OBJECTION, MIN_OBJECTION, ObjectionOutcome};
use crate::client::ClientAddr;
use crate::error::{AppError, ResultExt};
use crate::i18n::Lang;
use crate::state::AppState;

/// `POST /q/object`.
pub async fn object(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let body = field(&fields, "body").trim().to_string();
    let once =
        SubmissionId::from_form(field(&fields, "once")).map(|id| id.action_hash(state.key()));
    with_case(&state, lang, peer, field(&fields, "code"), async |case| {
        let length = body.chars().count();
        if !(MIN_OBJECTION..=MAX_OBJECTION).contains(&length) {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(("fb_error_objection_text", false)),
            ));
        }
        let rules = state.sla.rules(&state.db, state.clock.now()).await?;
        let stamp = state.stamp(Actor::Reporter);
        let outcome = cases::object(
            &state.writes,
            &rules,
            &stamp,
            case.id,
            &body,
            once.as_deref(),
            Some(&crate::mail::events::Mailer::of(&state)),
        )
        .await
        .internal("storing an objection")?;
        Ok(match outcome {
            ObjectionOutcome::Recorded | ObjectionOutcome::Repeat => {
                (StatusCode::OK, Some(("fb_objection_thanks", true)))
            }
            ObjectionOutcome::NotDecided => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(("fb_error_objection_not_decided", false)),
            ),
            ObjectionOutcome::Already => (
                StatusCode::CONFLICT,
                Some(("fb_error_objection_once", false)),
            ),
            ObjectionOutcome::TooLate => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(("fb_error_objection_late", false)),
            ),
        })
    })
    .await
}
