//! The case page: the case as its page shows it, with its forms; after a step, the notice;
//! after a refusal, the message and what the person typed.

use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{choices, feedback, render, today};
use crate::access::CurrentUser;
use crate::cases::error::CaseError;
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

/// A flash after a step: `?done=accept`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    pub done: String,
}

/// What a person typed into the case page's forms, kept through a refusal.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Draft {
    pub reason: String,
    pub summary: String,
    pub feedback: String,
    pub message: String,
    pub note: String,
    pub days: String,
    pub decision_note: String,
    /// 督办: the note and the requested date.
    pub urge_note: String,
    pub requested_on: String,
    /// The supervisor's answer to an unhappy reporter; a follow-up's day and note.
    pub answer: String,
    pub visited_on: String,
    pub visit_note: String,
    /// Which form the draft belongs to, so the page opens it.
    pub form: &'static str,
}

impl Draft {
    pub fn decline(reason: &str) -> Self {
        Self {
            reason: reason.into(),
            form: "decline",
            ..Default::default()
        }
    }
    pub fn reopen(reason: &str) -> Self {
        Self {
            reason: reason.into(),
            form: "reopen",
            ..Default::default()
        }
    }
    pub fn conclude(summary: &str, feedback: &str) -> Self {
        Self {
            summary: summary.into(),
            feedback: feedback.into(),
            form: "conclude",
            ..Default::default()
        }
    }
    pub fn message(body: &str) -> Self {
        Self {
            message: body.into(),
            form: "message",
            ..Default::default()
        }
    }
    pub fn note(body: &str) -> Self {
        Self {
            note: body.into(),
            form: "note",
            ..Default::default()
        }
    }
    pub fn extension(days: &str, reason: &str) -> Self {
        Self {
            days: days.into(),
            reason: reason.into(),
            form: "extension",
            ..Default::default()
        }
    }
    pub fn urge(note: &str, requested_on: &str) -> Self {
        Self {
            urge_note: note.into(),
            requested_on: requested_on.into(),
            form: "urge",
            ..Default::default()
        }
    }
    pub fn returned(reason: &str) -> Self {
        Self {
            reason: reason.into(),
            form: "return",
            ..Default::default()
        }
    }
    pub fn decline_request(reason: &str) -> Self {
        Self {
            reason: reason.into(),
            form: "decline_request",
            ..Default::default()
        }
    }
    pub fn decline_decision(note: &str) -> Self {
        Self {
            decision_note: note.into(),
            form: "decline_decision",
            ..Default::default()
        }
    }
    pub fn confirm(answer: &str) -> Self {
        Self {
            answer: answer.into(),
            form: "confirm",
            ..Default::default()
        }
    }
    pub fn follow_up(visited_on: &str, note: &str) -> Self {
        Self {
            visited_on: visited_on.into(),
            visit_note: note.into(),
            form: "follow_up",
            ..Default::default()
        }
    }
    pub fn decision(note: &str) -> Self {
        Self {
            decision_note: note.into(),
            form: "decision",
            ..Default::default()
        }
    }
}

/// How the case page is shown: after a plain visit, a step, or a refusal.
pub struct Outcome {
    status: StatusCode,
    done: Option<String>,
    error: Option<Msg>,
    draft: Draft,
}

impl Outcome {
    /// A visit (possibly right after a step).
    pub fn shown(flash: Flash) -> Self {
        Self {
            status: StatusCode::OK,
            done: (!flash.done.is_empty()).then_some(flash.done),
            error: None,
            draft: Draft::default(),
        }
    }

    /// A refused step, with what the person typed.
    pub fn refused(status: StatusCode, error: CaseError, draft: Draft) -> Self {
        Self {
            status,
            done: None,
            error: Some(error.message()),
            draft,
        }
    }
}

/// The case page of case `id`.
pub async fn case(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    id: i64,
    outcome: Outcome,
) -> Result<Response, AppError> {
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let detail =
        crate::cases::case_detail(&state.db, &rules, &user.user, id, today(state), lang).await?;
    let urgings = crate::cases::workflow::urgings_of(&state.db, id).await?;
    let calendar_gap = detail
        .due
        .due_on
        .and_then(|d| rules.calendar.unpublished_year(d));
    let ctx = minijinja::context! {
        calendar_gap => calendar_gap,
        c => detail,
        urgings => urgings,
        today => today(state).to_string(),
        done => outcome.done,
        error => outcome.error.map(|e| state.views.locales.msg(lang, &e)),
        draft => outcome.draft,
        choices => choices(state, lang).await?,
        fb => feedback::panel(state, lang, id).await?,
    };
    render(state, lang, user, "cases/case.html", outcome.status, ctx)
}
