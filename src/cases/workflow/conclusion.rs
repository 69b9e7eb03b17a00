//! The conclusion: a finding with an internal summary and the feedback for the reporter
//! (the feedback deadline starts), then closing, which publishes the feedback.

use chrono::NaiveDate;
use sea_orm::Set;

use super::{CaseActor, Change, required};
use crate::cases::error::CaseError;
use crate::cases::status::{Finding, Stage};
use crate::deadlines::{SlaPolicy, SlaRules};
use crate::entities::cases;
use crate::error::Msg;

/// Concluded on `today` with `finding`; both texts are required.
#[allow(clippy::too_many_arguments)] // each is one fact of the conclusion
pub(super) fn conclude(
    change: &mut Change,
    rules: &SlaRules,
    policy: SlaPolicy,
    actor: &CaseActor<'_>,
    today: NaiveDate,
    finding: Finding,
    summary: &str,
    feedback: &str,
) -> Result<(), CaseError> {
    let summary = required(summary, Msg::new("case_field_summary"))?;
    let feedback = required(feedback, Msg::new("case_field_feedback"))?;
    let due = rules.due(policy, Stage::Feedback, today);
    let update = &mut change.update;
    update.concluded_at = Set(Some(actor.stamp.at));
    update.finding = Set(Some(finding));
    update.summary = Set(Some(summary));
    update.feedback = Set(Some(feedback));
    update.feedback_due_on = Set(Some(due));
    update.due_on = Set(Some(due));
    change.detail["finding"] = finding.as_str().into();
    Ok(())
}

/// Closed: the reporter now reads the feedback beside the status.
pub(super) fn close(change: &mut Change, actor: &CaseActor<'_>, case: &cases::Model) {
    change.update.closed_at = Set(Some(actor.stamp.at));
    change.update.due_on = Set(None);
    change.public_note = case.feedback.clone();
}

/// Concluded and answered in one step (办结并答复): the finding, the internal summary and the
/// reply to the reporter together. Published at once (closed, the reporter reads the reply),
/// or, when the office reviews answers first, concluded and waiting for a supervisor, with
/// the answer's deadline as the date the reporter is told to expect.
#[allow(clippy::too_many_arguments)] // each is one fact of the conclusion
pub(super) fn conclude_and_reply(
    change: &mut Change,
    rules: &SlaRules,
    policy: SlaPolicy,
    actor: &CaseActor<'_>,
    today: NaiveDate,
    finding: Finding,
    summary: &str,
    feedback: &str,
    publish: bool,
) -> Result<(), CaseError> {
    conclude(
        change, rules, policy, actor, today, finding, summary, feedback,
    )?;
    change.detail["review"] = (!publish).into();
    if publish {
        change.update.closed_at = Set(Some(actor.stamp.at));
        change.update.due_on = Set(None);
        change.public_note = Some(feedback.trim().to_string());
    }
    Ok(())
}
