//! Cases: every report becomes a case that inspectors work through a fixed set of statuses,
//! against a deadline per stage. This module opens a case for a report (routed to the unit of
//! its district, or to the triage queue), and its submodules hold the rest.
//!
//! The model returns data, in no language and without the request: who may see what
//! (`scope`), the steps of the workflow (`workflow/`, one file per family of steps), the
//! exchange with the reporter (`reporter`, `timeline`), the staff's messages and notes
//! (`exchange`), the case list and counts (`list`), the dashboard (`dashboard`), the
//! statistics (`statistics`), deadlines (`deadlines`), the case page's data (`detail`).
//! `labels` puts that data into the reader's words; `pages/` renders it, `routes/` declares
//! the staff routes and `api/` the JSON API. Imports run one way: routes → pages → labels →
//! model, and the model imports none of them.

mod api;
pub mod appraisal;
pub mod cli;
mod dashboard;
mod deadlines;
mod detail;
mod error;
mod exchange;
mod feedback_settings;
mod follow_up;
pub mod handling;
mod handling_view;
mod items;
mod labels;
#[cfg(test)]
mod layering;
mod list;
mod objection;
mod pages;
mod paging;
pub mod queues;
mod report_pdf;
mod reporter;
mod routes;
mod scope;
mod statistics;
mod status;
mod timeline;
mod triage;
mod workflow;

pub use api::api_routes;
pub use dashboard::{
    Dashboard, SHORT_LIST, count_by_status, dashboard, open_cases_by_item, short_list,
};
pub use deadlines::{Deadline, Tone, deadline};
pub use detail::{CaseDetail, case_detail};
pub use error::CaseError;
pub use exchange::{add_note, post_message};
pub use feedback_settings::{
    DEFAULT_OBJECTION_DAYS, FeedbackSettings, MAX_OBJECTION_DAYS, feedback_settings,
    save_feedback_settings,
};
pub use follow_up::{
    CHANNELS as FOLLOW_UP_CHANNELS, FollowUpCounts, NewFollowUp, OUTCOMES as FOLLOW_UP_OUTCOMES,
    follow_up_counts, follow_ups_of, record_follow_up,
};
pub use items::{ItemName, item_names};
pub use labels::{CaseRow, DueState, case_rows, due_state};
pub use list::{
    AssigneeFilter, CaseFilter, CaseLine, DueFilter, Sort, StatusFilter, UnitFilter, case_lines,
    count_cases,
};
pub use objection::{MAX_OBJECTION, MIN_OBJECTION, ObjectionOutcome, object, objection_of};
pub use paging::{CasePage, Cursor, list_cases};
pub use reporter::{
    Added, MAX_REPORTER_FILES, MAX_REPORTER_REPLIES, NewAttachment, RatingOutcome,
    add_reporter_evidence, add_reporter_reply, purge_reporter_actions, rate, reporter_totals,
    store_reporter_files,
};
pub use routes::staff_routes;
pub use scope::CaseScope;
pub use statistics::{MonthTable, Statistics, count_statistics, statistics};
pub use status::{CaseStatus, Finding, Rating, Stage};
pub use timeline::{
    PublicEvent, PublicMessage, PublicObjection, PublicView, find_by_query_hash, public_view,
    with_objection_window,
};
pub use triage::{TriageReason, triage_reasons};
pub use workflow::{
    Assignment, CaseActor, ExtensionDecision, Step, assign, confirm_result, decide_extension,
    request_extension, step_in, take_step, urge, urgings_of, view,
};
pub use workflow::{DeclineDecision, check_step, decide_decline, request_decline, return_case};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::clock::china_today;
use crate::deadlines::SlaRules;
use crate::entities::enums::EventKind;
use crate::entities::{case_events, cases, unit_districts};

/// The OpenAPI description of [`api_routes`] (paths relative to `/api`).
pub fn api_doc() -> utoipa::openapi::OpenApi {
    <api::CasesApiDoc as utoipa::OpenApi>::openapi()
}

/// The case number a reporter and an inspector quote: `JD` + year + the report's number.
/// The year is Beijing time's: a report at 07:00 on 1 January belongs to the new year.
pub fn case_number(report_id: i64, received_at: DateTime<Utc>) -> String {
    let year = crate::clock::beijing_year(received_at);
    format!("JD{year}-{report_id:06}")
}

/// Where a report came from, as far as the case list needs it.
#[derive(Clone, Debug, Default)]
pub struct CaseOrigin {
    pub district: Option<String>,
    /// The unit, when it is known but the district could not be kept (anonymity).
    pub unit_id: Option<i64>,
    pub from_revoked_card: bool,
}

/// Opens the case for a report that was just inserted in the same transaction: status new,
/// routed to the unit that covers its district (none: the triage queue), under the deadline
/// policy in force, due for acceptance so many working days from receipt; and a public
/// 'received' event.
pub async fn open_for_report(
    txn: &impl ConnectionTrait,
    report_id: i64,
    origin: &CaseOrigin,
    received_at: DateTime<Utc>,
    rules: &SlaRules,
) -> Result<cases::Model, DbErr> {
    let unit_id = match &origin.district {
        None => origin.unit_id,
        Some(district) => unit_districts::Entity::find()
            .filter(unit_districts::Column::District.eq(district.as_str()))
            .one(txn)
            .await?
            .map(|row| row.unit_id),
    };
    let (policy_id, policy) = rules.policy_at(received_at);
    let accept_due = rules.due(policy, Stage::Accept, china_today(received_at));
    let case = cases::ActiveModel {
        number: Set(case_number(report_id, received_at)),
        report_id: Set(report_id),
        status: Set(CaseStatus::New),
        unit_id: Set(unit_id),
        received_at: Set(received_at),
        due_on: Set(Some(accept_due)),
        accept_due_on: Set(Some(accept_due)),
        needs_supervisor: Set(false),
        updated_at: Set(received_at),
        version: Set(0),
        district: Set(origin.district.clone()),
        from_revoked_card: Set(origin.from_revoked_card),
        policy_id: Set(policy_id),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    record_event(
        txn,
        Event {
            case_id: case.id,
            actor_id: None,
            at: received_at,
            kind: EventKind::Received,
            from: None,
            to: Some(CaseStatus::New),
            note: None,
            public: true,
        },
    )
    .await?;
    Ok(case)
}

/// A case by id, whoever asks (the reporter's channel has already proved its code).
pub async fn reload(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Option<cases::Model>, DbErr> {
    cases::Entity::find_by_id(case_id).one(db).await
}

/// One event of a case's history.
pub(crate) struct Event {
    pub case_id: i64,
    pub actor_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub from: Option<CaseStatus>,
    pub to: Option<CaseStatus>,
    pub note: Option<String>,
    /// Whether the reporter sees it on `/q`.
    pub public: bool,
}

pub(crate) async fn record_event(
    db: &impl ConnectionTrait,
    event: Event,
) -> Result<case_events::Model, DbErr> {
    case_events::ActiveModel {
        case_id: Set(event.case_id),
        at: Set(event.at),
        actor_id: Set(event.actor_id),
        kind: Set(event.kind),
        from_status: Set(event.from),
        to_status: Set(event.to),
        note: Set(event.note),
        public: Set(event.public),
        ..Default::default()
    }
    .insert(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_early_on_new_years_day_in_beijing_gets_the_new_year() {
        let at = DateTime::parse_from_rfc3339("2026-12-31T17:30:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(case_number(7, at), "JD2027-000007");
    }

    #[test]
    fn case_numbers_carry_the_year_and_the_report_number() {
        let at = DateTime::parse_from_rfc3339("2026-11-29T08:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(case_number(42, at), "JD2026-000042");
    }
}
