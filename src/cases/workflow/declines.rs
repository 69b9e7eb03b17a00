//! 不予受理 by approval: by default an inspector's decline is a request with the reason the
//! reporter would read; a supervisor approves it (the case is declined with that reason, as a
//! direct decline would) or refuses it with a note the inspector reads, and the case stays
//! with them. An office may let inspectors decline directly ([`crate::cases::handling`]).
//!
//! As for extensions, two people acting at once must not both win: at most one request per
//! case waits (a partial unique index on undecided rows), and a decision is written only if
//! the request is still undecided, checked by the row count of the same statement; the decline,
//! the events and the audit rows follow in the transaction, so only the winner writes them.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use super::{CaseActor, MAX_TEXT, Step, pending_or_db, required, step_in};
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::error::CaseError;
use crate::cases::status::CaseStatus;
use crate::cases::{Event, record_event};
use crate::db::WriteGate;
use crate::deadlines::SlaRules;
use crate::entities::enums::EventKind;
use crate::entities::{cases, decline_requests};
use crate::error::Msg;
use crate::mail::events::{Asked, Event as MailEvent, EventKind as MailKind, To};

/// Asks a supervisor to approve declining case `case_id` for `reason` (shown to the reporter
/// once approved).
pub async fn request_decline(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    reason: &str,
) -> Result<decline_requests::Model, CaseError> {
    let reason = required(reason, Msg::new("case_field_decline_reason"))?;
    let txn = writes.begin().await?;
    let request = request_in(&*txn, actor, case_id, reason).await?;
    txn.commit().await?;
    Ok(request)
}

async fn request_in(
    db: &impl ConnectionTrait,
    actor: &CaseActor<'_>,
    case_id: i64,
    reason: String,
) -> Result<decline_requests::Model, CaseError> {
    let case = actor.scope.find(db, case_id).await?;
    if !case.status.can_become(CaseStatus::Declined) {
        return Err(CaseError::transition(case.status, CaseStatus::Declined));
    }
    // The common case gets its answer here; two requests sent together both pass and meet
    // the unique index on undecided requests instead.
    if pending_for(db, case_id).await?.is_some() {
        return Err(pending_request());
    }
    let request = decline_requests::ActiveModel {
        case_id: Set(case_id),
        requested_by: Set(actor.user.id),
        reason: Set(reason.clone()),
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
            actor_id: Some(actor.user.id),
            at: actor.stamp.at,
            kind: EventKind::DeclineRequest,
            from: None,
            to: None,
            note: Some(
                Msg::new("returns_note_decline_asked")
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
        AuditEvent::new(AuditAction::DeclineRequested, "case", case_id)
            .with_detail(serde_json::json!({ "decline_request": request.id })),
    )
    .await?;
    actor
        .tell(
            db,
            MailEvent {
                kind: MailKind::Request(Asked::Decline),
                case_id,
                to: To::Supervisors { unit: case.unit_id },
                about: request.id,
            },
        )
        .await?;
    Ok(request)
}

/// The request of case `case_id` waiting for a decision, if any.
pub async fn pending_for(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Option<decline_requests::Model>, DbErr> {
    decline_requests::Entity::find()
        .filter(decline_requests::Column::CaseId.eq(case_id))
        .filter(decline_requests::Column::DecidedAt.is_null())
        .one(db)
        .await
}

/// A request while another waits: 409, saying so.
fn pending_request() -> CaseError {
    CaseError::Clash(Msg::new("returns_error_decline_pending_request"))
}

/// The case a decline request belongs to, whoever asks (the decision checks the scope).
pub async fn decline_request_case(
    db: &impl ConnectionTrait,
    request_id: i64,
) -> Result<Option<i64>, DbErr> {
    Ok(decline_requests::Entity::find_by_id(request_id)
        .one(db)
        .await?
        .map(|r| r.case_id))
}

/// A supervisor's answer to a decline request: approve (the note is optional) or refuse (the
/// note, which the inspector reads, is required).
#[derive(Clone, Debug)]
pub struct DeclineDecision {
    pub approve: bool,
    pub note: String,
}

/// Approves or refuses decline request `request_id`.
pub async fn decide_decline(
    writes: &WriteGate,
    rules: &SlaRules,
    actor: &CaseActor<'_>,
    request_id: i64,
    decision: DeclineDecision,
) -> Result<cases::Model, CaseError> {
    actor.require_supervisor()?;
    let note = if decision.approve {
        let note = decision.note.trim();
        if note.chars().count() > MAX_TEXT {
            return Err(CaseError::Invalid(
                Msg::new("case_error_field_too_long")
                    .arg("what", Msg::new("case_field_decision_note"))
                    .arg("max", MAX_TEXT),
            ));
        }
        Some(note.to_string()).filter(|n| !n.is_empty())
    } else {
        Some(required(
            &decision.note,
            Msg::new("case_field_decision_note"),
        )?)
    };
    let txn = writes.begin().await?;
    let case = decide_in(&*txn, rules, actor, request_id, decision.approve, note).await?;
    txn.commit().await?;
    Ok(case)
}

/// [`decide_decline`] inside the caller's transaction. The decision is claimed first, by a
/// write conditional on the request being undecided; of two decisions sent together the
/// second then changes no row and is refused (409) before it declines or audits anything.
async fn decide_in(
    db: &impl ConnectionTrait,
    rules: &SlaRules,
    actor: &CaseActor<'_>,
    request_id: i64,
    approve: bool,
    note: Option<String>,
) -> Result<cases::Model, CaseError> {
    let request = decline_requests::Entity::find_by_id(request_id)
        .one(db)
        .await?
        .ok_or(CaseError::NotFound)?;
    let case = actor.scope.find(db, request.case_id).await?;
    if request.decided_at.is_some() {
        return Err(CaseError::Conflict);
    }
    let claimed = decline_requests::Entity::update_many()
        .set(decline_requests::ActiveModel {
            approved: Set(Some(approve)),
            decided_by: Set(Some(actor.user.id)),
            decided_at: Set(Some(actor.stamp.at)),
            decision_note: Set(note.clone()),
            ..Default::default()
        })
        .filter(decline_requests::Column::Id.eq(request.id))
        .filter(decline_requests::Column::DecidedAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(CaseError::Conflict);
    }
    if approve {
        // Declined as a supervisor declines: the reason the inspector gave is what the
        // reporter reads; the case's version is the one just read in this transaction.
        let case = cases::Entity::find_by_id(case.id)
            .one(db)
            .await?
            .ok_or(CaseError::NotFound)?;
        step_in(
            db,
            rules,
            actor,
            case.id,
            case.version,
            Step::Decline {
                reason: request.reason.clone(),
            },
        )
        .await?;
    }
    let event_note = if approve {
        Msg::new("returns_note_decline_approved").arg("note", note.as_deref().unwrap_or("—"))
    } else {
        Msg::new("returns_note_decline_refused").arg("note", note.as_deref().unwrap_or(""))
    }
    .stored();
    record_event(
        db,
        Event {
            case_id: case.id,
            actor_id: Some(actor.user.id),
            at: actor.stamp.at,
            kind: EventKind::DeclineRequest,
            from: None,
            to: None,
            note: Some(event_note),
            public: false,
        },
    )
    .await?;
    crate::audit::append(
        db,
        &actor.stamp,
        AuditEvent::new(AuditAction::DeclineDecided, "case", case.id)
            .with_detail(serde_json::json!({ "decline_request": request.id, "approved": approve })),
    )
    .await?;
    actor
        .tell(
            db,
            MailEvent {
                kind: MailKind::Decision {
                    asked: Asked::Decline,
                    approved: approve,
                },
                case_id: case.id,
                to: To::Person(request.requested_by),
                about: request.id,
            },
        )
        .await?;
    actor.scope.find(db, case.id).await
}
