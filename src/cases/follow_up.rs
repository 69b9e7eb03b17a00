//! 回访: a supervisor or the case's assignee records a follow-up with a reporter who left
//! contact details, once the case is declined or answered: the day, the channel, the outcome
//! (满意 / 基本满意 / 不满意) and a note. A 不满意 outcome puts the case in the supervisors'
//! 不满意重办 queue, as a not-satisfied rating does. The statistics count follow-ups by
//! outcome.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::error::CaseError;
use super::workflow::CaseActor;
use super::{CaseStatus, Event, record_event};
use crate::access::Access;
use crate::audit::{AuditAction, AuditEvent};
use crate::clock::china_today;
use crate::db::WriteGate;
use crate::entities::enums::EventKind;
use crate::entities::{cases, follow_ups, reports};
use crate::error::Msg;

/// How the reporter was reached.
pub const CHANNELS: [&str; 5] = ["phone", "visit", "sms", "email", "other"];
/// What the reporter said of the handling.
pub const OUTCOMES: [&str; 3] = ["satisfied", "basically_satisfied", "not_satisfied"];
/// Longest note, in characters.
pub const MAX_NOTE: usize = 2000;

/// A follow-up as typed.
#[derive(Clone, Debug, Default)]
pub struct NewFollowUp {
    /// `YYYY-MM-DD`.
    pub visited_on: String,
    pub channel: String,
    pub outcome: String,
    pub note: String,
}

/// Whether the reporter of `report` left a way to reach them.
pub fn reachable(report: &reports::Model) -> bool {
    let some = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    some(&report.contact_phone) || some(&report.contact_email)
}

/// Whether `actor` may record a follow-up on `case`: a supervisor, or its assignee.
pub fn may_follow_up(actor_id: i64, supervises: bool, case: &cases::Model) -> bool {
    supervises || case.assignee_id == Some(actor_id)
}

/// Records follow-up `new` on case `case_id`.
pub async fn record_follow_up(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    new: &NewFollowUp,
) -> Result<follow_ups::Model, CaseError> {
    let txn = writes.begin().await?;
    let case = actor.scope.find(&*txn, case_id).await?;
    if !may_follow_up(
        actor.user.id,
        Access::Supervise.allows(actor.user.role),
        &case,
    ) {
        return Err(CaseError::NotAllowed(Msg::new("fb_error_follow_up_who")));
    }
    if !matches!(case.status, CaseStatus::Closed | CaseStatus::Declined) {
        return Err(CaseError::Invalid(Msg::new("fb_error_follow_up_status")));
    }
    let report = reports::Entity::find_by_id(case.report_id)
        .one(&*txn)
        .await?
        .ok_or(CaseError::NotFound)?;
    if !reachable(&report) {
        return Err(CaseError::Invalid(Msg::new(
            "fb_error_follow_up_no_contact",
        )));
    }
    let today = china_today(actor.stamp.at);
    let visited_on = NaiveDate::parse_from_str(new.visited_on.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d <= today && *d >= china_today(case.received_at))
        .ok_or_else(|| CaseError::Invalid(Msg::new("fb_error_follow_up_date")))?;
    let channel = CHANNELS
        .into_iter()
        .find(|c| *c == new.channel.trim())
        .ok_or_else(|| CaseError::Invalid(Msg::new("fb_error_follow_up_channel")))?;
    let outcome = OUTCOMES
        .into_iter()
        .find(|c| *c == new.outcome.trim())
        .ok_or_else(|| CaseError::Invalid(Msg::new("fb_error_follow_up_outcome")))?;
    let note = new.note.trim();
    if note.chars().count() > MAX_NOTE {
        return Err(CaseError::Invalid(
            Msg::new("case_error_field_too_long")
                .arg("what", Msg::new("fb_follow_up_note"))
                .arg("max", MAX_NOTE),
        ));
    }
    let row = follow_ups::ActiveModel {
        case_id: Set(case_id),
        visited_on: Set(visited_on),
        channel: Set(channel.to_string()),
        outcome: Set(outcome.to_string()),
        note: Set(note.to_string()),
        recorded_by: Set(actor.user.id),
        recorded_at: Set(actor.stamp.at),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let mut update = cases::Entity::update_many()
        .col_expr(cases::Column::UpdatedAt, Expr::value(actor.stamp.at))
        .col_expr(
            cases::Column::Version,
            Expr::col(cases::Column::Version).add(1),
        );
    if outcome == "not_satisfied" {
        update = update.col_expr(cases::Column::NeedsSupervisor, Expr::value(true));
    }
    update
        .filter(cases::Column::Id.eq(case_id))
        .exec(&*txn)
        .await?;
    record_event(
        &*txn,
        Event {
            case_id,
            actor_id: Some(actor.user.id),
            at: actor.stamp.at,
            kind: EventKind::FollowedUp,
            from: None,
            to: None,
            note: None,
            public: false,
        },
    )
    .await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(AuditAction::FollowUpRecorded, "case", case_id).with_detail(
            serde_json::json!({
                "case": case.number, "follow_up": row.id, "visited_on": visited_on.to_string(),
                "channel": channel, "outcome": outcome,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The follow-ups of a case, oldest first.
pub async fn follow_ups_of(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<follow_ups::Model>, DbErr> {
    follow_ups::Entity::find()
        .filter(follow_ups::Column::CaseId.eq(case_id))
        .order_by_asc(follow_ups::Column::VisitedOn)
        .order_by_asc(follow_ups::Column::Id)
        .all(db)
        .await
}

/// Follow-ups made in a period, by outcome.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FollowUpCounts {
    pub total: u64,
    pub satisfied: u64,
    pub basically_satisfied: u64,
    pub not_satisfied: u64,
}

/// The follow-ups whose day falls in [`from`, `until`] (Beijing dates).
pub async fn follow_up_counts(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<FollowUpCounts, DbErr> {
    let count = async |outcome: &str| {
        follow_ups::Entity::find()
            .filter(follow_ups::Column::VisitedOn.gte(from))
            .filter(follow_ups::Column::VisitedOn.lte(until))
            .filter(follow_ups::Column::Outcome.eq(outcome))
            .count(db)
            .await
    };
    let satisfied = count("satisfied").await?;
    let basically_satisfied = count("basically_satisfied").await?;
    let not_satisfied = count("not_satisfied").await?;
    Ok(FollowUpCounts {
        total: satisfied + basically_satisfied + not_satisfied,
        satisfied,
        basically_satisfied,
        not_satisfied,
    })
}
