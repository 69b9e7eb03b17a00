//! Deadline extensions: an inspector asks for more working days for the open stage, with a
//! reason; a supervisor approves (the stage's deadline moves, and the reporter learns the new
//! date) or refuses.
//!
//! Two people acting at once must not both win. At most one request per case waits for a
//! decision, which the schema enforces (a partial unique index on undecided requests), and a
//! decision is written only if the request is still undecided, checked in the same statement;
//! the deadline change and the audit row follow in the same transaction, so only the winner
//! writes them. The loser gets a conflict (409).

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use super::{CaseActor, pending_or_db, required, save};
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::error::CaseError;
use crate::cases::status::Stage;
use crate::cases::{Event, record_event};
use crate::clock::china_today;
use crate::db::WriteGate;
use crate::deadlines::SlaRules;
use crate::entities::enums::EventKind;
use crate::entities::{cases, extensions};
use crate::error::Msg;
use crate::mail::events::{Asked, Event as MailEvent, EventKind as MailKind, To};

/// Most working days one extension may add.
pub const MAX_EXTENSION_DAYS: i32 = 60;

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
    let extension = request_in(&*txn, actor, case_id, days, reason).await?;
    txn.commit().await?;
    Ok(extension)
}

/// [`request_extension`] inside the caller's transaction, once the request is checked.
async fn request_in(
    db: &impl ConnectionTrait,
    actor: &CaseActor<'_>,
    case_id: i64,
    days: i32,
    reason: String,
) -> Result<extensions::Model, CaseError> {
    let case = actor.scope.find(db, case_id).await?;
    let Some(stage) = case.status.open_stage() else {
        return Err(CaseError::Invalid(Msg::new("case_error_no_deadline")));
    };
    // The common case gets its answer before the insert; two requests sent together both
    // pass this check and meet the unique index on undecided requests instead.
    let pending = extensions::Entity::find()
        .filter(extensions::Column::CaseId.eq(case_id))
        .filter(extensions::Column::DecidedAt.is_null())
        .one(db)
        .await?;
    if pending.is_some() {
        return Err(pending_request());
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
    .insert(db)
    .await
    .map_err(|e| pending_or_db(e, pending_request))?;
    record_event(
        db,
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
        db,
        &actor.stamp,
        AuditEvent::new(AuditAction::ExtensionRequested, "case", case_id)
            .with_detail(serde_json::json!({ "extension": extension.id, "days": days })),
    )
    .await?;
    actor
        .tell(
            db,
            MailEvent {
                kind: MailKind::Request(Asked::Extension),
                case_id,
                to: To::Supervisors { unit: case.unit_id },
                about: extension.id,
            },
        )
        .await?;
    Ok(extension)
}

/// A request while another waits for its decision: 409, saying so.
fn pending_request() -> CaseError {
    CaseError::Clash(Msg::new("case_error_extension_pending"))
}

/// The case an extension request belongs to, whoever asks (the decision checks the scope).
pub async fn extension_case(
    db: &impl ConnectionTrait,
    extension_id: i64,
) -> Result<Option<i64>, DbErr> {
    Ok(extensions::Entity::find_by_id(extension_id)
        .one(db)
        .await?
        .map(|e| e.case_id))
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
    let case = decide_in(&*txn, rules, actor, extension_id, decision.approve, note).await?;
    txn.commit().await?;
    Ok(case)
}

/// [`decide_extension`] inside the caller's transaction, once the decision is checked. The
/// decision is claimed first, by a write conditional on the request being undecided: of two
/// decisions sent together, the second waits for the first's row lock (PostgreSQL) or its
/// turn (SQLite), then changes no row and is refused before it moves a deadline or audits.
async fn decide_in(
    db: &impl ConnectionTrait,
    rules: &SlaRules,
    actor: &CaseActor<'_>,
    extension_id: i64,
    approve: bool,
    note: String,
) -> Result<cases::Model, CaseError> {
    let extension = extensions::Entity::find_by_id(extension_id)
        .one(db)
        .await?
        .ok_or(CaseError::NotFound)?;
    let case = actor.scope.find(db, extension.case_id).await?;
    if extension.decided_at.is_some() {
        return Err(CaseError::Conflict);
    }
    let stage = extension.stage;
    // The new deadline, if this is an approval for the stage still open.
    let new_due: Option<NaiveDate> =
        (approve && case.status.open_stage() == Some(stage)).then(|| {
            let current = match stage {
                Stage::Accept => case.accept_due_on,
                Stage::Conclude => case.conclude_due_on,
                Stage::Feedback => case.feedback_due_on,
            }
            .or(case.due_on)
            .unwrap_or_else(|| china_today(actor.stamp.at));
            let days = u32::try_from(extension.working_days).unwrap_or(0);
            rules.calendar.add_working_days(current, days)
        });
    let approved = new_due.is_some();
    let claimed = extensions::Entity::update_many()
        .set(extensions::ActiveModel {
            approved: Set(Some(approved)),
            decided_by: Set(Some(actor.user.id)),
            decided_at: Set(Some(actor.stamp.at)),
            decision_note: Set(Some(note.clone())),
            ..Default::default()
        })
        .filter(extensions::Column::Id.eq(extension.id))
        .filter(extensions::Column::DecidedAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(CaseError::Conflict);
    }
    if let Some(due) = new_due {
        let mut update = cases::ActiveModel {
            due_on: Set(Some(due)),
            ..Default::default()
        };
        match stage {
            Stage::Accept => update.accept_due_on = Set(Some(due)),
            Stage::Conclude => update.conclude_due_on = Set(Some(due)),
            Stage::Feedback => update.feedback_due_on = Set(Some(due)),
        }
        save(db, &case, case.version, update, &actor.stamp).await?;
    }
    let event_note = match new_due {
        Some(due) => Msg::new("case_note_extended").arg("due", due),
        None => Msg::new("case_note_extension_refused").arg("note", note.as_str()),
    }
    .stored();
    record_event(
        db,
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
        db,
        &actor.stamp,
        AuditEvent::new(AuditAction::ExtensionDecided, "case", case.id).with_detail(
            serde_json::json!({
                "extension": extension.id,
                "approved": approved,
                "due_on": new_due.map(|d| d.to_string()),
            }),
        ),
    )
    .await?;
    actor
        .tell(
            db,
            MailEvent {
                kind: MailKind::Decision {
                    asked: Asked::Extension,
                    approved,
                },
                case_id: case.id,
                to: To::Person(extension.requested_by),
                about: extension.id,
            },
        )
        .await?;
    actor.scope.find(db, case.id).await
}
