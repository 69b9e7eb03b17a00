//! 退回: an inspector who receives a case that belongs to another unit sends it back to the
//! triage queue with a reason. The case keeps its status and deadlines; its unit and assignee
//! are cleared, and a supervisor assigns it again. The return is a `returned` event whose
//! actor is the inspector and whose note is the reason — what triage shows and what the
//! statistics count per unit and inspector.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{CaseActor, load, required, save};
use crate::access::Role;
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::error::CaseError;
use crate::cases::status::CaseStatus;
use crate::cases::{Event, record_event};
use crate::db::WriteGate;
use crate::entities::enums::EventKind;
use crate::entities::{cases, decline_requests};
use crate::error::Msg;

/// Whether `status` is one a case may be returned from: before it is concluded.
pub fn returnable(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::New | CaseStatus::Accepted | CaseStatus::Investigating
    )
}

/// Sends case `case_id` (seen at `version`) back to triage for `reason`.
pub async fn return_case(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
    reason: &str,
) -> Result<cases::Model, CaseError> {
    let txn = writes.begin().await?;
    let case = return_in(&*txn, actor, case_id, version, reason).await?;
    txn.commit().await?;
    Ok(case)
}

/// [`return_case`] inside the caller's transaction.
pub async fn return_in(
    db: &impl ConnectionTrait,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
    reason: &str,
) -> Result<cases::Model, CaseError> {
    // Supervisors move a case with 分派 (to another unit or to triage); 退回 is the
    // inspector's word that the case is not their unit's.
    if actor.user.role != Role::Inspector {
        return Err(CaseError::NotAllowed(Msg::new(
            "returns_error_inspector_only",
        )));
    }
    let reason = required(reason, Msg::new("returns_field_reason"))?;
    let case = load(db, actor, case_id, version).await?;
    if case.assignee_id.is_some_and(|a| a != actor.user.id) {
        return Err(CaseError::NotAllowed(Msg::new("returns_error_not_yours")));
    }
    if !returnable(case.status) {
        return Err(CaseError::Invalid(
            Msg::new("returns_error_status").arg("status", Msg::new(case.status.label_key())),
        ));
    }
    let Some(unit_id) = case.unit_id else {
        return Err(CaseError::Invalid(Msg::new("returns_error_in_triage")));
    };
    let pending = decline_requests::Entity::find()
        .filter(decline_requests::Column::CaseId.eq(case_id))
        .filter(decline_requests::Column::DecidedAt.is_null())
        .one(db)
        .await?;
    if pending.is_some() {
        return Err(CaseError::Invalid(Msg::new(
            "returns_error_decline_pending",
        )));
    }
    let update = cases::ActiveModel {
        unit_id: Set(None),
        assignee_id: Set(None),
        ..Default::default()
    };
    save(db, &case, version, update, &actor.stamp).await?;
    record_event(
        db,
        Event {
            case_id,
            actor_id: Some(actor.user.id),
            at: actor.stamp.at,
            kind: EventKind::Returned,
            from: None,
            to: None,
            note: Some(reason),
            public: false,
        },
    )
    .await?;
    crate::audit::append(
        db,
        &actor.stamp,
        AuditEvent::new(AuditAction::CaseReturned, "case", case_id)
            .with_detail(serde_json::json!({ "unit": unit_id, "assignee": case.assignee_id })),
    )
    .await?;
    // The case has left the inspector's unit, so their scope may no longer find it.
    cases::Entity::find_by_id(case_id)
        .one(db)
        .await?
        .ok_or(CaseError::NotFound)
}
