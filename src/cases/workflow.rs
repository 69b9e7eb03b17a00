//! The steps of a case: accept, decline, investigate, conclude, close, reopen; assignment;
//! deadline extensions; and the record that a case was viewed. Each step is one transaction:
//! the case row (checked against the version the person saw, then bumped), its events, its
//! deadlines and its audit row commit together or not at all.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};

use super::error::CaseError;
use super::scope::CaseScope;
use super::status::{CaseStatus, Finding, Stage};
use super::{Event, record_event};
use crate::access::{Access, Role};
use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::clock::china_today;
use crate::db::WriteGate;
use crate::deadlines::SlaRules;
use crate::entities::enums::EventKind;
use crate::entities::{cases, extensions, users};
use crate::error::Msg;

/// Longest reason, summary or feedback kept, in characters.
pub const MAX_TEXT: usize = 5000;
/// Most working days one extension may add.
pub const MAX_EXTENSION_DAYS: i32 = 60;

/// Who takes a step: the user, what they may see, and the stamp of the act.
pub struct CaseActor<'a> {
    pub user: &'a users::Model,
    pub scope: CaseScope,
    pub stamp: Stamp<'a>,
}

impl<'a> CaseActor<'a> {
    /// `user` acting as stamped.
    pub fn new(user: &'a users::Model, stamp: Stamp<'a>) -> Self {
        Self {
            user,
            scope: CaseScope::of(user),
            stamp,
        }
    }

    fn supervises(&self) -> bool {
        Access::Supervise.allows(self.user.role)
    }

    fn require_supervisor(&self) -> Result<(), CaseError> {
        if self.supervises() {
            Ok(())
        } else {
            Err(CaseError::NotAllowed(Msg::new(
                "case_error_supervisor_only",
            )))
        }
    }
}

/// A step of the workflow.
#[derive(Clone, Debug)]
pub enum Step {
    Accept,
    /// Declined, with the reason the reporter is shown.
    Decline {
        reason: String,
    },
    Investigate,
    /// Concluded with a finding, an internal summary, and the feedback the reporter will see.
    Conclude {
        finding: Finding,
        summary: String,
        feedback: String,
    },
    /// The feedback is given: the reporter now sees it.
    Close,
    /// A supervisor sends a concluded or closed case back to investigation.
    Reopen {
        reason: String,
    },
}

impl Step {
    fn target(&self) -> CaseStatus {
        match self {
            Step::Accept => CaseStatus::Accepted,
            Step::Decline { .. } => CaseStatus::Declined,
            Step::Investigate | Step::Reopen { .. } => CaseStatus::Investigating,
            Step::Conclude { .. } => CaseStatus::Concluded,
            Step::Close => CaseStatus::Closed,
        }
    }

    fn action(&self) -> AuditAction {
        match self {
            Step::Accept => AuditAction::CaseAccepted,
            Step::Decline { .. } => AuditAction::CaseDeclined,
            Step::Investigate => AuditAction::CaseInvestigating,
            Step::Conclude { .. } => AuditAction::CaseConcluded,
            Step::Close => AuditAction::CaseClosed,
            Step::Reopen { .. } => AuditAction::CaseReopened,
        }
    }
}

/// A required text: trimmed, not empty, not too long; `what` names it.
fn required(text: &str, what: Msg) -> Result<String, CaseError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CaseError::Invalid(
            Msg::new("case_error_required").arg("what", what),
        ));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(CaseError::Invalid(
            Msg::new("case_error_field_too_long")
                .arg("what", what)
                .arg("max", MAX_TEXT),
        ));
    }
    Ok(text.to_string())
}

/// Writes `update` to case `case_id` if it is still at `version`, bumping the version.
async fn save(
    db: &impl ConnectionTrait,
    case: &cases::Model,
    version: i32,
    mut update: cases::ActiveModel,
    stamp: &Stamp<'_>,
) -> Result<(), CaseError> {
    update.updated_at = Set(stamp.at);
    let mut query = cases::Entity::update_many()
        .col_expr(
            cases::Column::Version,
            Expr::col(cases::Column::Version).add(1),
        )
        .filter(cases::Column::Id.eq(case.id))
        .filter(cases::Column::Version.eq(version));
    query = query.set(update);
    let result = query.exec(db).await?;
    if result.rows_affected != 1 {
        return Err(CaseError::Conflict);
    }
    Ok(())
}

/// The case for a step: in scope, and at the version the person saw.
async fn load(
    db: &impl ConnectionTrait,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
) -> Result<cases::Model, CaseError> {
    let case = actor.scope.find(db, case_id).await?;
    if case.version != version {
        return Err(CaseError::Conflict);
    }
    Ok(case)
}

/// Takes `step` on case `case_id`, which the person saw at `version`.
pub async fn take_step(
    writes: &WriteGate,
    rules: &SlaRules,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
    step: Step,
) -> Result<cases::Model, CaseError> {
    let txn = writes.begin().await?;
    let case = load(&*txn, actor, case_id, version).await?;
    let from = case.status;
    let to = step.target();
    let allowed = match &step {
        Step::Reopen { .. } => {
            actor.require_supervisor()?;
            matches!(from, CaseStatus::Concluded | CaseStatus::Closed)
        }
        _ => from.can_become(to),
    };
    if !allowed {
        return Err(CaseError::transition(from, to));
    }
    let today = china_today(actor.stamp.at);
    let policy = rules.policy(case.policy_id, case.received_at);
    let mut update = cases::ActiveModel {
        status: Set(to),
        ..Default::default()
    };
    // What the reporter reads on /q beside the new status.
    let mut public_note = None;
    let mut detail = serde_json::json!({ "from": from.as_str(), "to": to.as_str() });
    match &step {
        Step::Accept => {
            let due = rules.due(policy, Stage::Conclude, today);
            // Whoever accepts a case nobody holds takes it on.
            if case.assignee_id.is_none() && Access::Cases.allows(actor.user.role) {
                update.assignee_id = Set(Some(actor.user.id));
                detail["assignee"] = actor.user.id.into();
            }
            update.accepted_at = Set(Some(actor.stamp.at));
            update.conclude_due_on = Set(Some(due));
            update.due_on = Set(Some(due));
        }
        Step::Decline { reason } => {
            let reason = required(reason, Msg::new("case_field_decline_reason"))?;
            update.decline_reason = Set(Some(reason.clone()));
            update.due_on = Set(None);
            public_note = Some(reason);
        }
        Step::Investigate => {}
        Step::Conclude {
            finding,
            summary,
            feedback,
        } => {
            let summary = required(summary, Msg::new("case_field_summary"))?;
            let feedback = required(feedback, Msg::new("case_field_feedback"))?;
            let due = rules.due(policy, Stage::Feedback, today);
            update.concluded_at = Set(Some(actor.stamp.at));
            update.finding = Set(Some(*finding));
            update.summary = Set(Some(summary));
            update.feedback = Set(Some(feedback));
            update.feedback_due_on = Set(Some(due));
            update.due_on = Set(Some(due));
            detail["finding"] = finding.as_str().into();
        }
        Step::Close => {
            update.closed_at = Set(Some(actor.stamp.at));
            update.due_on = Set(None);
            public_note = case.feedback.clone();
        }
        Step::Reopen { reason } => {
            let reason = required(reason, Msg::new("case_field_reopen_reason"))?;
            let due = rules.due(policy, Stage::Conclude, today);
            update.conclude_due_on = Set(Some(due));
            update.due_on = Set(Some(due));
            update.closed_at = Set(None);
            detail["reason"] = reason.clone().into();
        }
    }
    save(&*txn, &case, version, update, &actor.stamp).await?;
    let (kind, note) = match &step {
        Step::Reopen { reason } => (EventKind::Reopened, Some(reason.trim().to_string())),
        _ => (EventKind::Status, public_note),
    };
    record_event(
        &*txn,
        Event {
            case_id,
            actor_id: actor.stamp.user_id(),
            at: actor.stamp.at,
            kind,
            from: Some(from),
            to: Some(to),
            note,
            // A reopening's reason is internal; the reporter sees the case under investigation.
            public: !matches!(step, Step::Reopen { .. }),
        },
    )
    .await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(step.action(), "case", case_id).with_detail(detail),
    )
    .await?;
    let case = actor.scope.find(&*txn, case_id).await?;
    txn.commit().await?;
    Ok(case)
}

/// Who a case goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignment {
    /// The inspector takes a case of their unit that nobody holds.
    Take,
    /// A supervisor gives the case to a unit (`None`: back to the triage queue), clearing the
    /// assignee if they are not of that unit.
    Unit(Option<i64>),
    /// A supervisor gives the case to a person (`None`: nobody); the case moves to their unit.
    Person(Option<i64>),
}

/// Assigns case `case_id` (seen at `version`).
pub async fn assign(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
    assignment: Assignment,
) -> Result<cases::Model, CaseError> {
    let txn = writes.begin().await?;
    let case = load(&*txn, actor, case_id, version).await?;
    let mut update = <cases::ActiveModel as Default>::default();
    let (note, detail) = match assignment {
        Assignment::Take => {
            if case.assignee_id.is_some() && case.assignee_id != Some(actor.user.id) {
                actor.require_supervisor()?;
            }
            if !Access::Cases.allows(actor.user.role) {
                return Err(CaseError::NotAllowed(Msg::new("case_error_may_not_work")));
            }
            update.assignee_id = Set(Some(actor.user.id));
            if let Some(unit) = actor.user.unit_id {
                update.unit_id = Set(Some(unit));
            }
            (
                Msg::new("case_note_taken")
                    .arg("name", actor.user.display_name.as_str())
                    .stored(),
                serde_json::json!({ "assignee": actor.user.id }),
            )
        }
        Assignment::Unit(unit_id) => {
            actor.require_supervisor()?;
            let unit = match unit_id {
                Some(id) => Some(
                    crate::entities::units::Entity::find_by_id(id)
                        .one(&*txn)
                        .await?
                        .ok_or_else(|| CaseError::Invalid(Msg::new("case_error_no_unit")))?,
                ),
                None => None,
            };
            update.unit_id = Set(unit_id);
            if let Some(assignee) = case.assignee_id {
                let holder = users::Entity::find_by_id(assignee).one(&*txn).await?;
                if holder.is_some_and(|h| h.unit_id.is_some() && h.unit_id != unit_id) {
                    update.assignee_id = Set(None);
                }
            }
            (
                match &unit {
                    Some(unit) => Msg::new("case_note_to_unit").arg("unit", unit.name.as_str()),
                    None => Msg::new("case_note_to_triage"),
                }
                .stored(),
                serde_json::json!({ "unit": unit_id }),
            )
        }
        Assignment::Person(person) => {
            actor.require_supervisor()?;
            let holder = match person {
                Some(id) => {
                    let user = users::Entity::find_by_id(id)
                        .one(&*txn)
                        .await?
                        .filter(|u| {
                            u.active && matches!(u.role, Role::Inspector | Role::Supervisor)
                        })
                        .ok_or_else(|| {
                            CaseError::Invalid(Msg::new("case_error_assign_inactive"))
                        })?;
                    if let Some(unit) = user.unit_id {
                        update.unit_id = Set(Some(unit));
                    }
                    Some(user)
                }
                None => None,
            };
            update.assignee_id = Set(person);
            (
                match &holder {
                    Some(user) => {
                        Msg::new("case_note_assigned").arg("name", user.display_name.as_str())
                    }
                    None => Msg::new("case_note_unassigned"),
                }
                .stored(),
                serde_json::json!({ "assignee": person }),
            )
        }
    };
    save(&*txn, &case, version, update, &actor.stamp).await?;
    record_event(
        &*txn,
        Event {
            case_id,
            actor_id: actor.stamp.user_id(),
            at: actor.stamp.at,
            kind: EventKind::Assigned,
            from: None,
            to: None,
            note: Some(note),
            public: false,
        },
    )
    .await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(AuditAction::CaseAssigned, "case", case_id).with_detail(detail),
    )
    .await?;
    let case = actor.scope.find(&*txn, case_id).await?;
    txn.commit().await?;
    Ok(case)
}

/// Asks for `days` more working days for the open stage of case `case_id`, with a reason.
pub async fn request_extension(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    days: i32,
    reason: &str,
) -> Result<extensions::Model, CaseError> {
    let reason = required(reason, Msg::new("case_field_extension_reason"))?;
    if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
        return Err(CaseError::Invalid(
            Msg::new("case_error_extension_days").arg("max", MAX_EXTENSION_DAYS),
        ));
    }
    let txn = writes.begin().await?;
    let case = actor.scope.find(&*txn, case_id).await?;
    let Some(stage) = case.status.open_stage() else {
        return Err(CaseError::Invalid(Msg::new("case_error_no_deadline")));
    };
    let pending = extensions::Entity::find()
        .filter(extensions::Column::CaseId.eq(case_id))
        .filter(extensions::Column::Approved.is_null())
        .one(&*txn)
        .await?;
    if pending.is_some() {
        return Err(CaseError::Invalid(Msg::new("case_error_extension_pending")));
    }
    let user_id = actor.user.id;
    let extension = extensions::ActiveModel {
        case_id: Set(case_id),
        stage: Set(stage),
        working_days: Set(days),
        reason: Set(reason.clone()),
        requested_by: Set(user_id),
        requested_at: Set(actor.stamp.at),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    record_event(
        &*txn,
        Event {
            case_id,
            actor_id: Some(user_id),
            at: actor.stamp.at,
            kind: EventKind::Extension,
            from: None,
            to: None,
            note: Some(
                Msg::new("case_note_extension_asked")
                    .arg("days", days)
                    .arg("reason", reason.as_str())
                    .stored(),
            ),
            public: false,
        },
    )
    .await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(AuditAction::ExtensionRequested, "case", case_id)
            .with_detail(serde_json::json!({ "extension": extension.id, "days": days })),
    )
    .await?;
    txn.commit().await?;
    Ok(extension)
}

/// A supervisor's answer to an extension request.
#[derive(Clone, Debug)]
pub struct ExtensionDecision {
    pub approve: bool,
    pub note: String,
}

/// Approves or refuses extension `extension_id`. An approval moves the stage's deadline by the
/// days asked for, counted from the deadline it had, and tells the reporter the new date.
pub async fn decide_extension(
    writes: &WriteGate,
    rules: &SlaRules,
    actor: &CaseActor<'_>,
    extension_id: i64,
    decision: ExtensionDecision,
) -> Result<cases::Model, CaseError> {
    actor.require_supervisor()?;
    let note = required(&decision.note, Msg::new("case_field_decision_note"))?;
    let txn = writes.begin().await?;
    let extension = extensions::Entity::find_by_id(extension_id)
        .one(&*txn)
        .await?
        .ok_or(CaseError::NotFound)?;
    let case = actor.scope.find(&*txn, extension.case_id).await?;
    if extension.approved.is_some() {
        return Err(CaseError::Conflict);
    }
    let stage = extension.stage;
    let mut new_due: Option<NaiveDate> = None;
    if decision.approve && case.status.open_stage() == Some(stage) {
        let current = match stage {
            Stage::Accept => case.accept_due_on,
            Stage::Conclude => case.conclude_due_on,
            Stage::Feedback => case.feedback_due_on,
        }
        .or(case.due_on)
        .unwrap_or_else(|| china_today(actor.stamp.at));
        let days = u32::try_from(extension.working_days).unwrap_or(0);
        let due = rules.calendar.add_working_days(current, days);
        let mut update = cases::ActiveModel {
            due_on: Set(Some(due)),
            ..Default::default()
        };
        match stage {
            Stage::Accept => update.accept_due_on = Set(Some(due)),
            Stage::Conclude => update.conclude_due_on = Set(Some(due)),
            Stage::Feedback => update.feedback_due_on = Set(Some(due)),
        }
        save(&*txn, &case, case.version, update, &actor.stamp).await?;
        new_due = Some(due);
    }
    let mut row = extension.into_active_model();
    row.approved = Set(Some(decision.approve && new_due.is_some()));
    row.decided_by = Set(Some(actor.user.id));
    row.decided_at = Set(Some(actor.stamp.at));
    row.decision_note = Set(Some(note.clone()));
    let extension = row.update(&*txn).await?;
    let event_note = match new_due {
        Some(due) => Msg::new("case_note_extended").arg("due", due),
        None => Msg::new("case_note_extension_refused").arg("note", note.as_str()),
    }
    .stored();
    record_event(
        &*txn,
        Event {
            case_id: case.id,
            actor_id: Some(actor.user.id),
            at: actor.stamp.at,
            kind: EventKind::Extension,
            from: None,
            to: None,
            note: Some(event_note),
            // The reporter learns of a new date, not of a refusal.
            public: new_due.is_some(),
        },
    )
    .await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(AuditAction::ExtensionDecided, "case", case.id).with_detail(
            serde_json::json!({
                "extension": extension.id,
                "approved": extension.approved,
                "due_on": new_due.map(|d| d.to_string()),
            }),
        ),
    )
    .await?;
    let case = actor.scope.find(&*txn, case.id).await?;
    txn.commit().await?;
    Ok(case)
}

/// Clears the "needs a supervisor" flag (a not-satisfied rating) once a supervisor has looked.
pub async fn clear_flag(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
) -> Result<cases::Model, CaseError> {
    actor.require_supervisor()?;
    let txn = writes.begin().await?;
    let case = load(&*txn, actor, case_id, version).await?;
    let update = cases::ActiveModel {
        needs_supervisor: Set(false),
        ..Default::default()
    };
    save(&*txn, &case, version, update, &actor.stamp).await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(AuditAction::CaseFlagCleared, "case", case_id),
    )
    .await?;
    let case = actor.scope.find(&*txn, case_id).await?;
    txn.commit().await?;
    Ok(case)
}

/// Records that the actor opened case `case_id` (every view of a case is audited).
pub async fn view(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
) -> Result<cases::Model, CaseError> {
    let txn = writes.begin().await?;
    let case = actor.scope.find(&*txn, case_id).await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(AuditAction::CaseViewed, "case", case_id),
    )
    .await?;
    txn.commit().await?;
    Ok(case)
}
