//! The steps of a case, by family: the intake decisions (accept, decline), the conclusion
//! (conclude, close), reopening and the supervisor's flag, assignment, and deadline
//! extensions; and the record that a case was viewed. Each step is one transaction: the case
//! row (checked against the version the person saw, then bumped), its events, its deadlines
//! and its audit row commit together or not at all. Every step is written as a function of
//! the connection (`&impl ConnectionTrait`) and the actor's stamp (who, and `now`); the public
//! entry points only open and commit the transaction on the [`WriteGate`].

mod assignment;
mod conclusion;
mod declines;
mod extensions;
mod intake;
mod reopen;
mod returns;
mod urge;

pub use assignment::{Assignment, assign};
pub use declines::{
    DeclineDecision, decide_decline, decline_request_case, pending_for, request_decline,
};
pub use extensions::{ExtensionDecision, decide_extension, extension_case, request_extension};
pub use reopen::{clear_flag, confirm_result};
pub use returns::{return_case, returnable};
pub use urge::{urge, urgings_of};

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::error::CaseError;
use super::scope::CaseScope;
use super::status::{CaseStatus, Finding};
use super::{Event, record_event};
use crate::access::Access;
use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::clock::china_today;
use crate::db::WriteGate;
use crate::deadlines::SlaRules;
use crate::entities::enums::EventKind;
use crate::entities::{cases, users};
use crate::error::Msg;
use crate::mail::events::{Event as MailEvent, Mailer, To};

/// Longest reason, summary or feedback kept, in characters.
pub const MAX_TEXT: usize = 5000;

/// Who takes a step: the user, what they may see, the stamp of the act, and the mailer that
/// tells the next person who must act (none in tests that call the workflow alone).
pub struct CaseActor<'a> {
    pub user: &'a users::Model,
    pub scope: CaseScope,
    pub stamp: Stamp<'a>,
    pub mailer: Option<Mailer>,
}

impl<'a> CaseActor<'a> {
    /// `user` acting as stamped.
    pub fn new(user: &'a users::Model, stamp: Stamp<'a>) -> Self {
        Self {
            user,
            scope: CaseScope::of(user),
            stamp,
            mailer: None,
        }
    }

    /// The same actor, whose steps email the person who must act next.
    pub fn mailing(mut self, mailer: Mailer) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// Queues, in the step's transaction `db`, the email of `event` — unless the person to be
    /// told is the actor themself, or this actor does not mail.
    pub(crate) async fn tell(
        &self,
        db: &impl ConnectionTrait,
        event: MailEvent,
    ) -> Result<(), DbErr> {
        if event.to == To::Person(self.user.id) {
            return Ok(());
        }
        if let Some(mailer) = &self.mailer {
            crate::mail::events::queue(db, mailer, event, self.stamp.at).await?;
        }
        Ok(())
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
    /// A supervisor sends a concluded or closed case back to investigation (or a declined one
    /// the reporter objected to); the reason is shown to the reporter.
    Reopen {
        reason: String,
    },
    /// 办结并答复: concluded and answered together; published at once, or held for a
    /// supervisor's review when the office's setting asks for one.
    ConcludeAndReply {
        finding: Finding,
        summary: String,
        feedback: String,
    },
}

impl Step {
    fn target(&self) -> CaseStatus {
        match self {
            Step::Accept => CaseStatus::Accepted,
            Step::Decline { .. } => CaseStatus::Declined,
            Step::Investigate | Step::Reopen { .. } => CaseStatus::Investigating,
            Step::Conclude { .. } => CaseStatus::Concluded,
            Step::Close | Step::ConcludeAndReply { .. } => CaseStatus::Closed,
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
            Step::ConcludeAndReply { .. } => AuditAction::CaseAnswered,
        }
    }
}

/// What one step changes: the case row, what the reporter reads beside the new status, and
/// the audit row's detail. Each family of steps fills it in.
struct Change {
    update: cases::ActiveModel,
    public_note: Option<String>,
    detail: serde_json::Value,
}

/// A second undecided request for a case (extension or decline) met the unique index on
/// undecided requests: it lost the race to the first and is refused as `pending` says (409).
fn pending_or_db(e: DbErr, pending: fn() -> CaseError) -> CaseError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => pending(),
        _ => CaseError::Db(e),
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
    let case = step_in(&*txn, rules, actor, case_id, version, step).await?;
    txn.commit().await?;
    Ok(case)
}

/// Whether [`take_step`] would be allowed now, without taking it: the step is tried in a
/// transaction that is rolled back (the page then asks the person to confirm it).
pub async fn check_step(
    writes: &WriteGate,
    rules: &SlaRules,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
    step: Step,
) -> Result<cases::Model, CaseError> {
    let txn = writes.begin().await?;
    let result = step_in(&*txn, rules, actor, case_id, version, step).await;
    txn.rollback().await?;
    result
}

/// [`take_step`] inside the caller's transaction; `now` is the actor's stamp.
pub async fn step_in(
    db: &impl ConnectionTrait,
    rules: &SlaRules,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
    step: Step,
) -> Result<cases::Model, CaseError> {
    let case = load(db, actor, case_id, version).await?;
    let from = case.status;
    let review = crate::cases::feedback_settings::feedback_settings(db)
        .await?
        .review;
    let to = match &step {
        // Under review, the answer waits (concluded) for a supervisor to publish it.
        Step::ConcludeAndReply { .. } if review => CaseStatus::Concluded,
        _ => step.target(),
    };
    let allowed = match &step {
        Step::Reopen { .. } => {
            actor.require_supervisor()?;
            reopen::may_reopen(&case)
        }
        Step::ConcludeAndReply { .. } => from.can_become(CaseStatus::Concluded),
        Step::Close if review && from == CaseStatus::Concluded => {
            actor.require_supervisor()?;
            true
        }
        _ => from.can_become(to),
    };
    if !allowed {
        return Err(CaseError::transition(from, to));
    }
    // By default an inspector's decline is a request a supervisor approves (`declines`).
    if matches!(step, Step::Decline { .. })
        && !actor.supervises()
        && !crate::cases::handling::inspectors_decline_directly(db).await?
    {
        return Err(CaseError::Invalid(Msg::new(
            "returns_error_decline_needs_approval",
        )));
    }
    let today = china_today(actor.stamp.at);
    let policy = rules.policy(case.policy_id, case.received_at);
    let mut change = Change {
        update: cases::ActiveModel {
            status: Set(to),
            ..Default::default()
        },
        public_note: None,
        detail: serde_json::json!({ "from": from.as_str(), "to": to.as_str() }),
    };
    match &step {
        Step::Accept => intake::accept(&mut change, rules, policy, actor, &case, today),
        Step::Decline { reason } => intake::decline(&mut change, reason)?,
        Step::Investigate => {}
        Step::Conclude {
            finding,
            summary,
            feedback,
        } => conclusion::conclude(
            &mut change,
            rules,
            policy,
            actor,
            today,
            *finding,
            summary,
            feedback,
        )?,
        Step::Close => conclusion::close(&mut change, actor, &case),
        Step::Reopen { reason } => reopen::reopen(&mut change, rules, policy, today, reason)?,
        Step::ConcludeAndReply {
            finding,
            summary,
            feedback,
        } => conclusion::conclude_and_reply(
            &mut change,
            rules,
            policy,
            actor,
            today,
            *finding,
            summary,
            feedback,
            !review,
        )?,
    }
    if let Step::Reopen { .. } = &step {
        reopen::resolve(db, actor, case_id).await?;
    }
    save(db, &case, version, change.update, &actor.stamp).await?;
    let (kind, note) = match &step {
        Step::Reopen { reason } => (EventKind::Reopened, Some(reason.trim().to_string())),
        _ => (EventKind::Status, change.public_note),
    };
    // A reopening is told to the reporter (重新调查) with its reason.
    record_event(
        db,
        Event {
            case_id,
            actor_id: actor.stamp.user_id(),
            at: actor.stamp.at,
            kind,
            from: Some(from),
            to: Some(to),
            note,
            public: true,
        },
    )
    .await?;
    crate::audit::append(
        db,
        &actor.stamp,
        AuditEvent::new(step.action(), "case", case_id).with_detail(change.detail),
    )
    .await?;
    actor.scope.find(db, case_id).await
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
    // Opening the case is what clears its 新回复 / 新材料 mark for this person.
    crate::cases::queues::mark_read(&*txn, actor.user.id, case_id, actor.stamp.at).await?;
    txn.commit().await?;
    Ok(case)
}
