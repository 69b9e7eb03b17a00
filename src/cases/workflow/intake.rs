//! The intake decisions: accept a case (its conclusion deadline starts) or decline it (with
//! the reason the reporter reads).

use chrono::NaiveDate;
use sea_orm::Set;

use super::{CaseActor, Change, required};
use crate::access::Access;
use crate::cases::error::CaseError;
use crate::cases::status::Stage;
use crate::deadlines::{SlaPolicy, SlaRules};
use crate::entities::cases;
use crate::error::Msg;

/// Accepted on `today`: due for conclusion so many working days on; whoever accepts a case
/// nobody holds takes it on.
pub(super) fn accept(
    change: &mut Change,
    rules: &SlaRules,
    policy: SlaPolicy,
    actor: &CaseActor<'_>,
    case: &cases::Model,
    today: NaiveDate,
) {
    let due = rules.due(policy, Stage::Conclude, today);
    if case.assignee_id.is_none() && Access::Cases.allows(actor.user.role) {
        change.update.assignee_id = Set(Some(actor.user.id));
        change.detail["assignee"] = actor.user.id.into();
    }
    change.update.accepted_at = Set(Some(actor.stamp.at));
    change.update.conclude_due_on = Set(Some(due));
    change.update.due_on = Set(Some(due));
}

/// Declined for `reason`, which the reporter is shown; no deadline runs any more.
pub(super) fn decline(change: &mut Change, reason: &str) -> Result<(), CaseError> {
    let reason = required(reason, Msg::new("case_field_decline_reason"))?;
    change.update.decline_reason = Set(Some(reason.clone()));
    change.update.due_on = Set(None);
    change.public_note = Some(reason);
    Ok(())
}
