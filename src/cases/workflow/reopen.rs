//! What a supervisor does after the answer: reopen a concluded or closed case (重办), with a
//! fresh conclusion deadline, and clear the flag a not-satisfied rating raised.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, Set};

use super::{CaseActor, Change, load, required, save};
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::error::CaseError;
use crate::cases::status::Stage;
use crate::db::WriteGate;
use crate::deadlines::{SlaPolicy, SlaRules};
use crate::entities::cases;
use crate::error::Msg;

/// Reopened on `today` for `reason` (internal): due for conclusion again.
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
