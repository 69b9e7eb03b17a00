//! `/q`: the reporter's follow-up channel. Every action carries the query code in a POST
//! body (a hidden field), never in a URL or a cookie.

use std::net::IpAddr;

use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::form;
use super::page;
use super::query_code::QueryCode;
use super::submission::SubmissionId;
use super::submit::IntakeDeps;
use crate::attachments;
use crate::cases::{self, Added, RatingOutcome};
use crate::client::ClientAddr;
use crate::entities::cases as case_rows;
use crate::error::{AppError, Msg, ResultExt};
use crate::i18n::Lang;
use crate::limits::{CodeGate, client_key};
use crate::mail::events::Mailer;
use crate::pool::PoolError;
use crate::state::AppState;

pub(super) type Fields = Vec<(String, String)>;

pub(super) fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// What a typed code opens.
pub enum Access {
    Case(Box<case_rows::Model>, QueryCode),
    /// Wrong, malformed or unknown: one answer for all.
    Wrong,
    /// Too soon after several wrong codes: try again in a few seconds.
    Wait,
    /// Too many wrong codes from this client.
    Refused,
}

/// Checks a typed code for `ip`: after a few wrong codes each attempt must wait a little
/// longer, and after more the client is refused for a while.
pub async fn open(state: &AppState, ip: IpAddr, typed: &str) -> Result<Access, AppError> {
    let client = client_key(state.key(), ip);
    match state.limits.code_attempt(&client, state.clock.now()) {
        CodeGate::Refused => return Ok(Access::Refused),
        CodeGate::Wait(_) => return Ok(Access::Wait),
        CodeGate::Open => {}
    }
    let found = match QueryCode::parse(typed) {
        Some(code) => {
            let hash = code.hash(state.key());
            cases::find_by_query_hash(&state.db, &hash)
                .await
                .internal("looking up a query code")?
                .map(|case| (case, code))
        }
        None => None,
    };
    match found {
        Some((case, code)) => {
            state.limits.code_was_right(&client);
            Ok(Access::Case(Box::new(case), code))
        }
        None => Ok(Access::Wrong),
    }
}

/// `GET /q`: enter the code.
pub async fn entry(State(state): State<AppState>, lang: Lang) -> Result<Response, AppError> {
    page::entry(&state, lang, StatusCode::OK, None)
}

/// `POST /q`: the case page for a code.
pub async fn lookup(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    with_case(&state, lang, peer, field(&fields, "code"), async |_| {
        Ok((StatusCode::OK, None))
    })
    .await
}

/// `POST /q/reply`: the reporter answers the office.
pub async fn reply(
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
        if !(2..=2000).contains(&length) {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(("intake_error_reply", false)),
            ));
        }
        let added = cases::add_reporter_reply(
            &state.writes,
            case.id,
            state.clock.now(),
            &body,
            once.as_deref(),
            Some(&Mailer::of(&state)),
        )
        .await
        .internal("storing a reply")?;
        Ok(match added {
            Added::Stored | Added::Repeat => (StatusCode::OK, Some(("intake_reply_sent", true))),
            Added::CaseFull => (
                StatusCode::TOO_MANY_REQUESTS,
                Some(("intake_error_case_full", false)),
            ),
        })
    })
    .await
}

/// `POST /q/evidence`: more files for the case.
pub async fn evidence(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    // The limits come first, before the body (up to five files) is read: a client refused
    // for wrong codes, or over its hourly uploads, is answered at once.
    let client = client_key(state.key(), peer);
    match state.limits.code_gate(&client, state.clock.now()) {
        CodeGate::Refused => {
            return page::entry(
                &state,
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                Some("intake_error_code_refused"),
            );
        }
        CodeGate::Wait(_) => {
            return page::entry(
                &state,
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                Some("intake_error_code_wait"),
            );
        }
        CodeGate::Open => {}
    }
    let deps = IntakeDeps::of(&state);
    let Ok(reservation) = deps.reserve_evidence(peer) else {
        return page::entry(
            &state,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            Some("intake_error_rate_limited_early"),
        );
    };
    let submission = match multipart {
        Ok(multipart) => form::read(multipart).await,
        Err(_) => {
            return Err(AppError::BadRequest(Msg::new("error_form_unreadable")));
        }
    };
    let code = submission.text("code").to_string();
    let once =
        SubmissionId::from_form(submission.text("once")).map(|id| id.action_hash(state.key()));
    let problem = submission.file_problem;
    let files = submission.files;
    with_case(&state, lang, peer, &code, async |case| {
        if let Some(problem) = problem {
            return Ok((problem.status(), Some((problem.message_key(), false))));
        }
        if files.is_empty() {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(("intake_error_no_file", false)),
            ));
        }
        // A cheap early answer for a full case; the storing transaction checks again.
        let (sent, _) = cases::reporter_totals(&state.db, case.id)
            .await
            .internal("counting evidence")?;
        if sent + files.len() as u64 > cases::MAX_REPORTER_FILES {
            return Ok((
                StatusCode::TOO_MANY_REQUESTS,
                Some(("intake_error_case_full", false)),
            ));
        }
        let cleaned = state
            .pools
            .images
            .run(move || attachments::prepare_all(files))
            .await;
        let cleaned = match cleaned {
            Ok(cleaned) => cleaned,
            Err(PoolError::Busy(_)) => {
                return Ok((
                    StatusCode::SERVICE_UNAVAILABLE,
                    Some(("intake_error_busy", false)),
                ));
            }
            Err(e) => return Err(AppError::Internal(e.into())),
        };
        let cleaned = match cleaned {
            Ok(cleaned) => cleaned,
            Err(problem) => return Ok((problem.status(), Some((problem.message_key(), false)))),
        };
        let added = cases::add_reporter_evidence(
            &state.writes,
            case.id,
            state.clock.now(),
            &cleaned,
            once.as_deref(),
            Some(&Mailer::of(&state)),
        )
        .await
        .internal("storing evidence")?;
        Ok(match added {
            Added::Stored => {
                reservation.keep();
                (StatusCode::OK, Some(("intake_evidence_added", true)))
            }
            Added::Repeat => (StatusCode::OK, Some(("intake_evidence_added", true))),
            Added::CaseFull => (
                StatusCode::TOO_MANY_REQUESTS,
                Some(("intake_error_case_full", false)),
            ),
        })
    })
    .await
}

/// `POST /q/rate`: satisfied or not, once the case is closed.
pub async fn rate(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    lang: Lang,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let satisfied = match field(&fields, "rating") {
        "satisfied" => Some(true),
        "not_satisfied" => Some(false),
        _ => None,
    };
    let comment = field(&fields, "comment").trim().to_string();
    with_case(&state, lang, peer, field(&fields, "code"), async |case| {
        let Some(satisfied) = satisfied.filter(|_| comment.chars().count() <= 1000) else {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(("intake_error_rating", false)),
            ));
        };
        let comment = (!comment.is_empty()).then(|| comment.clone());
        match cases::rate(
            &state.writes,
            case.id,
            state.clock.now(),
            satisfied,
            comment,
            Some(&Mailer::of(&state)),
        )
        .await
        .internal("storing a rating")?
        {
            RatingOutcome::Recorded => Ok((StatusCode::OK, Some(("intake_rating_thanks", true)))),
            RatingOutcome::NotOpen => Ok((
                StatusCode::CONFLICT,
                Some(("intake_error_rating_closed", false)),
            )),
        }
    })
    .await
}

pub(super) type Outcome = (StatusCode, Option<(&'static str, bool)>);

/// Opens the case for `typed`, runs `action` on it, then shows the case page (fresh, so the
/// action's effect is visible) or the same refusal for every wrong code.
pub(super) async fn with_case(
    state: &AppState,
    lang: Lang,
    ip: IpAddr,
    typed: &str,
    action: impl AsyncFnOnce(&case_rows::Model) -> Result<Outcome, AppError>,
) -> Result<Response, AppError> {
    match open(state, ip, typed).await? {
        Access::Refused => page::entry(
            state,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            Some("intake_error_code_refused"),
        ),
        Access::Wrong => page::entry(
            state,
            lang,
            StatusCode::NOT_FOUND,
            Some("intake_error_code_wrong"),
        ),
        Access::Wait => page::entry(
            state,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            Some("intake_error_code_wait"),
        ),
        Access::Case(case, code) => {
            let (status, notice) = action(&case).await?;
            let case = cases::reload(&state.db, case.id)
                .await
                .internal("reloading a case")?
                .unwrap_or(*case);
            let view = cases::public_view(&state.db, &case, lang)
                .await
                .internal("reading a case")?;
            let rules = state.sla.rules(&state.db, state.clock.now()).await?;
            let view = cases::with_objection_window(
                &state.db,
                &rules,
                &case,
                view,
                state.clock.now(),
                lang,
            )
            .await
            .internal("reading the objection window")?;
            page::case(state, lang, &view, &code.grouped(), status, notice)
        }
    }
}
