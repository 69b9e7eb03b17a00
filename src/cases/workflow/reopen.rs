//! What a supervisor does after the answer: reopen a concluded or closed case (重办), with a
//! fresh conclusion deadline and a reason the reporter reads, or a declined one the reporter
//! objected to; answer an objection or a not-satisfied rating and keep the result; clear the
//! flag a not-satisfied rating raised. Reopening or answering takes the case out of the
//! 不满意重办 queue and resolves the objection.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, Set};

use super::{CaseActor, Change, load, required, save};
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::error::CaseError;
use crate::cases::objection::{objection_of, resolve_objection};
use crate::cases::status::{CaseStatus, Stage};
use crate::cases::{Event, record_event};
use crate::db::WriteGate;
use crate::deadlines::{SlaPolicy, SlaRules};
use crate::entities::cases;
use crate::entities::enums::EventKind;
use crate::error::Msg;

/// Whether a supervisor may reopen `case`: once concluded or answered, or declined and
/// waiting in the 不满意重办 queue (an objection).
pub(super) fn may_reopen(case: &cases::Model) -> bool {
    match case.status {
        CaseStatus::Concluded | CaseStatus::Closed => true,
        CaseStatus::Declined => case.needs_supervisor,
        _ => false,
    }
}

/// After a reopening: the case's objection, if one waits, is resolved as reopened.
pub(super) async fn resolve(
    db: &impl ConnectionTrait,
    actor: &CaseActor<'_>,
    case_id: i64,
) -> Result<(), CaseError> {
    resolve_objection(
        db,
        case_id,
        actor.stamp.user_id(),
        actor.stamp.at,
        "reopened",
        None,
    )
    .await?;
    Ok(())
}

/// Reopened on `today` for `reason` (the reporter reads it): due for conclusion again, and
/// out of the 不满意重办 queue.
pub(super) fn reopen(
    change: &mut Change,
    rules: &SlaRules,
    policy: SlaPolicy,
    today: NaiveDate,
    reason: &str,
) -> Result<(), CaseError> {
    let reason = required(reason, Msg::new("case_field_reopen_reason"))?;
    let due = rules.due(policy, Stage::Conclude, today);
    change.update.conclude_due_on = Set(Some(due));
    change.update.due_on = Set(Some(due));
    change.update.closed_at = Set(None);
    change.update.needs_supervisor = Set(false);
    change.detail["reason"] = reason.into();
    Ok(())
}

/// Clears the "needs a supervisor" flag (a not-satisfied rating) once a supervisor has looked.
pub async fn clear_flag(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
) -> Result<cases::Model, CaseError> {
    let txn = writes.begin().await?;
    let case = clear_flag_in(&*txn, actor, case_id, version).await?;
    txn.commit().await?;
    Ok(case)
}

/// [`clear_flag`] inside the caller's transaction.
pub async fn clear_flag_in(
    db: &impl ConnectionTrait,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
) -> Result<cases::Model, CaseError> {
    actor.require_supervisor()?;
    let case = load(db, actor, case_id, version).await?;
    // An objection is owed an answer or a reopening, not a silent clearing.
    if objection_of(db, case_id)
        .await?
        .is_some_and(|o| o.resolved_at.is_none())
    {
        return Err(CaseError::Invalid(Msg::new(
            "fb_error_objection_needs_answer",
        )));
    }
    let update = cases::ActiveModel {
        needs_supervisor: Set(false),
        ..Default::default()
    };
    save(db, &case, version, update, &actor.stamp).await?;
    crate::audit::append(
        db,
        &actor.stamp,
        AuditEvent::new(AuditAction::CaseFlagCleared, "case", case_id),
    )
    .await?;
    actor.scope.find(db, case_id).await
}

/// A supervisor answers the reporter's objection or not-satisfied rating and keeps the result
/// (维持原结果): the answer is shown to the reporter, the case leaves the 不满意重办 queue.
pub async fn confirm_result(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
    answer: &str,
) -> Result<cases::Model, CaseError> {
    let txn = writes.begin().await?;
    actor.require_supervisor()?;
    let case = load(&*txn, actor, case_id, version).await?;
    if !case.needs_supervisor {
        return Err(CaseError::Invalid(Msg::new("fb_error_not_unhappy")));
    }
    let answer = required(answer, Msg::new("fb_field_answer"))?;
    let update = cases::ActiveModel {
        needs_supervisor: Set(false),
        ..Default::default()
    };
    save(&*txn, &case, version, update, &actor.stamp).await?;
    let objection = resolve_objection(
        &*txn,
        case_id,
        actor.stamp.user_id(),
        actor.stamp.at,
        "confirmed",
        Some(answer.clone()),
    )
    .await?;
    record_event(
        &*txn,
        Event {
            case_id,
            actor_id: actor.stamp.user_id(),
            at: actor.stamp.at,
            kind: EventKind::ObjectionAnswered,
            from: None,
            to: None,
            note: Some(answer),
            public: true,
        },
    )
    .await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(AuditAction::ObjectionConfirmed, "case", case_id)
            .with_detail(serde_json::json!({ "case": case.number, "objection": objection })),
    )
    .await?;
    let case = actor.scope.find(&*txn, case_id).await?;
    txn.commit().await?;
    Ok(case)
}
