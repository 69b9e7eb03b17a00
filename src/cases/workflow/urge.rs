//! 督办: a supervisor's formal urging of an open case, with a note for the person who holds
//! it and the date by which the supervisor asks for it to be done. The urging and its audit
//! row commit together; the `urged` queue counts it once its date has come.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::CaseActor;
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::error::CaseError;
use crate::clock::china_today;
use crate::db::WriteGate;
use crate::entities::{urgings, users};
use crate::error::Msg;
use crate::mail::events::{Event as MailEvent, EventKind as MailKind, To};

/// An urging as the case page shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Urging {
    /// Who urged (display name).
    pub by: String,
    /// Beijing time, `2026-12-07 10:30`.
    pub at: String,
    pub note: String,
    /// The date the supervisor asked for, `YYYY-MM-DD`.
    pub requested_on: NaiveDate,
}

/// Urges case `case_id`: `note` must say something and `requested_on` (`YYYY-MM-DD`) must not
/// lie in the past (Beijing date); the case must be open.
pub async fn urge(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    note: &str,
    requested_on: &str,
) -> Result<urgings::Model, CaseError> {
    actor.require_supervisor()?;
    let note = super::required(note, Msg::new("urge_note"))?;
    let today = china_today(actor.stamp.at);
    let requested_on = NaiveDate::parse_from_str(requested_on.trim(), "%Y-%m-%d")
        .map_err(|_| CaseError::Invalid(Msg::new("case_error_urge_date")))?;
    if requested_on < today {
        return Err(CaseError::Invalid(Msg::new("case_error_urge_past")));
    }
    let txn = writes.begin().await?;
    let case = actor.scope.find(&*txn, case_id).await?;
    if case.status.open_stage().is_none() {
        return Err(CaseError::Invalid(Msg::new("case_error_urge_closed")));
    }
    let urging = urgings::ActiveModel {
        case_id: Set(case_id),
        urged_by: Set(actor.user.id),
        note: Set(note),
        requested_on: Set(requested_on),
        created_at: Set(actor.stamp.at),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(AuditAction::CaseUrged, "case", case_id)
            .with_detail(serde_json::json!({ "urging": urging.id, "requested_on": requested_on })),
    )
    .await?;
    if let Some(assignee) = case.assignee_id {
        actor
            .tell(
                &*txn,
                MailEvent {
                    kind: MailKind::Urged,
                    case_id,
                    to: To::Person(assignee),
                    about: urging.id,
                },
            )
            .await?;
    }
    txn.commit().await?;
    Ok(urging)
}

/// The urgings of case `case_id`, newest first, with who urged.
pub async fn urgings_of(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<Urging>, sea_orm::DbErr> {
    let rows = urgings::Entity::find()
        .filter(urgings::Column::CaseId.eq(case_id))
        .order_by_desc(urgings::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let by = users::Entity::find_by_id(row.urged_by)
            .one(db)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        out.push(Urging {
            by,
            at: crate::clock::beijing(row.created_at),
            note: row.note,
            requested_on: row.requested_on,
        });
    }
    Ok(out)
}
