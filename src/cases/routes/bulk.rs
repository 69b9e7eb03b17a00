//! `POST /staff/cases/assign`: a supervisor gives the rows ticked on the list to one unit or
//! person at once. Each case is assigned as if from its own page (same checks, same audit
//! row, same email to the new holder), each at the version the list showed: a case someone
//! changed meanwhile is skipped, not overwritten. Back to the same list, saying how many
//! moved and how many were skipped.

use axum::extract::{RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::access::CurrentUser;
use crate::cases::error::CaseError;
use crate::cases::workflow::{self, Assignment, CaseActor};
use crate::error::{AppError, Msg};
use crate::mail::events::Mailer;
use crate::state::AppState;

/// Most cases one bulk assignment may name (a list page holds fewer).
const MOST: usize = 200;

pub(super) async fn assign_many(
    State(state): State<AppState>,
    user: CurrentUser,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let mut picked: Vec<(i64, i32)> = Vec::new();
    let mut to = String::new();
    let mut back = String::new();
    for (key, value) in url::form_urlencoded::parse(&body) {
        match key.as_ref() {
            // `id:version`, as the list row wrote it.
            "case" => {
                let (id, version) = value
                    .split_once(':')
                    .and_then(|(id, v)| Some((id.parse().ok()?, v.parse().ok()?)))
                    .ok_or_else(|| AppError::BadRequest(Msg::new("case_bulk_unreadable")))?;
                picked.push((id, version));
            }
            "to" => to = value.into_owned(),
            "back" => back = value.into_owned(),
            _ => {}
        }
    }
    if picked.is_empty() {
        return Err(AppError::Unprocessable(Msg::new("case_bulk_none")));
    }
    if picked.len() > MOST {
        return Err(AppError::Unprocessable(
            Msg::new("case_bulk_too_many").arg("max", MOST),
        ));
    }
    let bad = || AppError::Unprocessable(Msg::new("case_error_assign_whom"));
    let assignment = match to.trim().split_once(':') {
        Some(("person", id)) => Assignment::Person(Some(id.parse().map_err(|_| bad())?)),
        Some(("unit", id)) => Assignment::Unit(Some(id.parse().map_err(|_| bad())?)),
        _ if to.trim() == "triage" => Assignment::Unit(None),
        _ => return Err(bad()),
    };
    let actor = CaseActor::new(&user.user, state.stamp(user.actor())).mailing(Mailer::of(&state));
    let (mut moved, mut skipped) = (0, 0);
    for (id, version) in picked {
        match workflow::assign(&state.writes, &actor, id, version, assignment).await {
            Ok(_) => moved += 1,
            Err(e @ CaseError::Db(_)) => return Err(e.into()),
            Err(_) => skipped += 1,
        }
    }
    // Back to the list as it was filtered: its query rebuilt pair by pair, so only a list
    // address can come of it.
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(back.trim_start_matches('?').as_bytes()) {
        if !matches!(key.as_ref(), "moved" | "skipped" | "after") {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("moved", &moved.to_string());
    query.append_pair("skipped", &skipped.to_string());
    Ok(Redirect::to(&format!("/staff/cases?{}", query.finish())).into_response())
}
