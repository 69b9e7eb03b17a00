//! Who holds a case: an inspector takes one of their unit's, a supervisor gives it to a unit
//! (or back to the triage queue) or to a person.

use sea_orm::{ConnectionTrait, EntityTrait, Set};

use super::{CaseActor, load, save};
use crate::access::{Access, Role};
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::error::CaseError;
use crate::cases::{Event, record_event};
use crate::db::WriteGate;
use crate::entities::enums::EventKind;
use crate::entities::{cases, units, users};
use crate::error::Msg;
use crate::mail::events::{Event as MailEvent, EventKind as MailKind, To};

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
    let case = assign_in(&*txn, actor, case_id, version, assignment).await?;
    txn.commit().await?;
    Ok(case)
}

/// [`assign`] inside the caller's transaction.
pub async fn assign_in(
    db: &impl ConnectionTrait,
    actor: &CaseActor<'_>,
    case_id: i64,
    version: i32,
    assignment: Assignment,
) -> Result<cases::Model, CaseError> {
    let case = load(db, actor, case_id, version).await?;
    let before = case.assignee_id;
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
                    units::Entity::find_by_id(id)
                        .one(db)
                        .await?
                        .ok_or_else(|| CaseError::Invalid(Msg::new("case_error_no_unit")))?,
                ),
                None => None,
            };
            update.unit_id = Set(unit_id);
            if let Some(assignee) = case.assignee_id {
                let holder = users::Entity::find_by_id(assignee).one(db).await?;
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
                        .one(db)
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
    save(db, &case, version, update, &actor.stamp).await?;
    record_event(
        db,
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
        db,
        &actor.stamp,
        AuditEvent::new(AuditAction::CaseAssigned, "case", case_id).with_detail(detail),
    )
    .await?;
    let case = actor.scope.find(db, case_id).await?;
    // The new holder learns of it at once (not someone who took it themself).
    if let Some(holder) = case.assignee_id.filter(|&h| Some(h) != before) {
        actor
            .tell(
                db,
                MailEvent {
                    kind: MailKind::Assigned,
                    case_id,
                    to: To::Person(holder),
                    about: case_id,
                },
            )
            .await?;
    }
    Ok(case)
}
