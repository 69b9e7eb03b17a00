//! The reporter's objection (申诉): once per case, to a decline or an answer, within the
//! office's window of working days after it, with a text. It puts the case in the
//! supervisors' 不满意重办 queue (`needs_supervisor`), where a supervisor reopens the case
//! (重办) or answers and keeps the result; either resolves the objection. Sent with the
//! form's one-time id, so a reload or a double tap stores one objection; the unique index on
//! the case holds against two different forms sent at once.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use super::feedback_settings::feedback_settings;
use super::reporter::claim_action;
use super::{CaseStatus, Event, Stage, record_event};
use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::clock::china_today;
use crate::db::WriteGate;
use crate::deadlines::SlaRules;
use crate::entities::enums::EventKind;
use crate::entities::{case_events, cases, objections};
use crate::mail::events::{Event as MailEvent, EventKind as MailKind, Mailer, To};

/// Longest objection, in characters.
pub const MAX_OBJECTION: usize = 2000;
/// Shortest objection, in characters.
pub const MIN_OBJECTION: usize = 5;

/// What happened to an objection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectionOutcome {
    Recorded,
    /// The same form was sent before: nothing new was stored.
    Repeat,
    /// The case is neither declined nor answered.
    NotDecided,
    /// The case was objected to already (once per case).
    Already,
    /// The window of working days after the decision is over.
    TooLate,
}

/// When the case was declined or answered, if it is either.
async fn decided_at(
    db: &impl ConnectionTrait,
    case: &cases::Model,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    match case.status {
        CaseStatus::Closed => Ok(case.closed_at),
        CaseStatus::Declined => Ok(case_events::Entity::find()
            .filter(case_events::Column::CaseId.eq(case.id))
            .filter(case_events::Column::ToStatus.eq(CaseStatus::Declined))
            .order_by_desc(case_events::Column::At)
            .one(db)
            .await?
            .map(|e| e.at)),
        _ => Ok(None),
    }
}

/// The case's objection, if the reporter made one.
pub async fn objection_of(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Option<objections::Model>, DbErr> {
    objections::Entity::find()
        .filter(objections::Column::CaseId.eq(case_id))
        .one(db)
        .await
}

/// The last day the reporter may object to `case`, or `None` when they may not (not
/// decided, or objected already). The day may be past: the caller compares with today.
pub async fn objection_deadline(
    db: &impl ConnectionTrait,
    rules: &SlaRules,
    case: &cases::Model,
) -> Result<Option<NaiveDate>, DbErr> {
    if objection_of(db, case.id).await?.is_some() {
        return Ok(None);
    }
    let Some(decided) = decided_at(db, case).await? else {
        return Ok(None);
    };
    let days = feedback_settings(db).await?.objection_days;
    Ok(Some(
        rules.calendar.add_working_days(china_today(decided), days),
    ))
}

/// Records the reporter's objection `body` (already checked for length) to case `case_id`;
/// `once` is the keyed hash of the form's one-time id.
pub async fn object(
    writes: &WriteGate,
    rules: &SlaRules,
    stamp: &Stamp<'_>,
    case_id: i64,
    body: &str,
    once: Option<&str>,
    mailer: Option<&Mailer>,
) -> Result<ObjectionOutcome, DbErr> {
    let now = stamp.at;
    let txn = writes.begin().await?;
    if !claim_action(&*txn, once, case_id, now).await? {
        return Ok(ObjectionOutcome::Repeat);
    }
    let Some(case) = cases::Entity::find_by_id(case_id).one(&*txn).await? else {
        return Ok(ObjectionOutcome::NotDecided);
    };
    if !matches!(case.status, CaseStatus::Closed | CaseStatus::Declined) {
        return Ok(ObjectionOutcome::NotDecided);
    }
    if objection_of(&*txn, case_id).await?.is_some() {
        return Ok(ObjectionOutcome::Already);
    }
    let Some(last_day) = objection_deadline(&*txn, rules, &case).await? else {
        return Ok(ObjectionOutcome::NotDecided);
    };
    let today = china_today(now);
    if today > last_day {
        return Ok(ObjectionOutcome::TooLate);
    }
    let policy = rules.policy(case.policy_id, case.received_at);
    let due = rules.due(policy, Stage::Feedback, today);
    let inserted = objections::Entity::insert(objections::ActiveModel {
        case_id: Set(case_id),
        at: Set(now),
        body: Set(body.to_string()),
        due_on: Set(due),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(objections::Column::CaseId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&*txn)
    .await?;
    if inserted != 1 {
        return Ok(ObjectionOutcome::Already);
    }
    cases::Entity::update_many()
        .col_expr(cases::Column::NeedsSupervisor, Expr::value(true))
        .col_expr(cases::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            cases::Column::Version,
            Expr::col(cases::Column::Version).add(1),
        )
        .filter(cases::Column::Id.eq(case_id))
        .exec(&*txn)
        .await?;
    record_event(
        &*txn,
        Event {
            case_id,
            actor_id: None,
            at: now,
            kind: EventKind::Objected,
            from: None,
            to: None,
            note: Some(body.to_string()),
            public: true,
        },
    )
    .await?;
    super::queues::mark_reporter_activity(&*txn, case_id, now).await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::CaseObjected, "case", case_id).with_detail(
            serde_json::json!({ "case": case.number, "answer_due_on": due.to_string() }),
        ),
    )
    .await?;
    // Waits for a supervisor, who hears of it at once, as of a "not satisfied" rating.
    if let Some(mailer) = mailer {
        let event = MailEvent {
            kind: MailKind::Unhappy,
            case_id,
            to: To::Supervisors { unit: case.unit_id },
            // Told apart from the rating's email (0): one objection per case.
            about: 1,
        };
        crate::mail::events::queue(&*txn, mailer, event, now).await?;
    }
    txn.commit().await?;
    Ok(ObjectionOutcome::Recorded)
}

/// Marks the case's unresolved objection (if any) resolved by `by` at `at`: `reopened`, or
/// `confirmed` with the supervisor's `answer`. Inside the caller's transaction.
pub(crate) async fn resolve_objection(
    db: &impl ConnectionTrait,
    case_id: i64,
    by: Option<i64>,
    at: DateTime<Utc>,
    resolution: &str,
    answer: Option<String>,
) -> Result<bool, DbErr> {
    let result = objections::Entity::update_many()
        .col_expr(objections::Column::ResolvedAt, Expr::value(at))
        .col_expr(objections::Column::ResolvedBy, Expr::value(by))
        .col_expr(objections::Column::Resolution, Expr::value(resolution))
        .col_expr(objections::Column::Answer, Expr::value(answer))
        .filter(objections::Column::CaseId.eq(case_id))
        .filter(objections::Column::ResolvedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// What the answer rules mean on one case's page: answers reviewed before publication, a
/// reporter who left a way to reach them (回访), an objection waiting for its answer.
pub(super) struct FeedbackState {
    pub review: bool,
    pub reachable: bool,
    pub objection_waits: bool,
}

impl FeedbackState {
    pub(super) async fn of(
        db: &impl ConnectionTrait,
        case: &cases::Model,
        reachable: bool,
    ) -> Result<Self, DbErr> {
        Ok(Self {
            review: feedback_settings(db).await?.review,
            reachable,
            objection_waits: objection_of(db, case.id)
                .await?
                .is_some_and(|o| o.resolved_at.is_none()),
        })
    }
}
