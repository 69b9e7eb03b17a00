//! What staff write on a case: messages to the reporter (shown on `/q`) and internal notes
//! (never shown to the reporter), each with files if need be. Neither checks the case's
//! version: a note is never lost because someone else moved the case meanwhile.

use sea_orm::{ActiveModelTrait, Set};

use super::error::CaseError;
use super::reporter::insert_message;
use super::workflow::{CaseActor, MAX_TEXT};
use super::{Event, record_event};
use crate::attachments::NewAttachment;
use crate::audit::{AuditAction, AuditEvent};
use crate::db::WriteGate;
use crate::entities::enums::{Direction, EventKind, Origin};
use crate::entities::{attachments, internal_notes};
use crate::error::Msg;

fn body_text(body: &str) -> Result<String, CaseError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(CaseError::Invalid(Msg::new("case_error_empty")));
    }
    if body.chars().count() > MAX_TEXT {
        return Err(CaseError::Invalid(
            Msg::new("case_error_too_long").arg("max", MAX_TEXT),
        ));
    }
    Ok(body.to_string())
}

async fn store_files(
    db: &impl sea_orm::ConnectionTrait,
    case_id: i64,
    actor: &CaseActor<'_>,
    message_id: Option<i64>,
    note_id: Option<i64>,
    files: &[NewAttachment],
) -> Result<(), CaseError> {
    for file in files {
        attachments::ActiveModel {
            case_id: Set(case_id),
            message_id: Set(message_id),
            note_id: Set(note_id),
            uploaded_at: Set(actor.stamp.at),
            origin: Set(Origin::Staff),
            uploaded_by: Set(Some(actor.user.id)),
            filename: Set(file.filename.clone()),
            content_type: Set(file.content_type.clone()),
            size: Set(file.data.len() as i64),
            sha256: Set(crate::crypto::sha256_hex(&file.data)),
            data: Set(file.data.clone()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Sends the reporter a message (a question, or news) on case `case_id`; returns its id.
pub async fn post_message(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    body: &str,
    files: &[NewAttachment],
) -> Result<i64, CaseError> {
    let body = body_text(body)?;
    let txn = writes.begin().await?;
    actor.scope.find(&*txn, case_id).await?;
    let message = insert_message(
        &*txn,
        case_id,
        Direction::Office,
        Some(actor.user.id),
        actor.stamp.at,
        &body,
    )
    .await?;
    store_files(&*txn, case_id, actor, Some(message.id), None, files).await?;
    record_event(
        &*txn,
        Event {
            case_id,
            actor_id: Some(actor.user.id),
            at: actor.stamp.at,
            kind: EventKind::Message,
            from: None,
            to: None,
            note: None,
            // The reporter reads the message itself, not an event about it.
            public: false,
        },
    )
    .await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(AuditAction::MessageSent, "case", case_id)
            .with_detail(serde_json::json!({ "message": message.id, "files": files.len() })),
    )
    .await?;
    txn.commit().await?;
    Ok(message.id)
}

/// Adds an internal note to case `case_id`; returns its id.
pub async fn add_note(
    writes: &WriteGate,
    actor: &CaseActor<'_>,
    case_id: i64,
    body: &str,
    files: &[NewAttachment],
) -> Result<i64, CaseError> {
    let body = body_text(body)?;
    let txn = writes.begin().await?;
    actor.scope.find(&*txn, case_id).await?;
    let note = internal_notes::ActiveModel {
        case_id: Set(case_id),
        at: Set(actor.stamp.at),
        author_id: Set(actor.user.id),
        body: Set(body),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    store_files(&*txn, case_id, actor, None, Some(note.id), files).await?;
    crate::audit::append(
        &*txn,
        &actor.stamp,
        AuditEvent::new(AuditAction::NoteAdded, "case", case_id)
            .with_detail(serde_json::json!({ "note": note.id, "files": files.len() })),
    )
    .await?;
    txn.commit().await?;
    Ok(note.id)
}
