//! The exchange with the reporter: office messages, replies, evidence and the rating.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set, TransactionSession, TransactionTrait,
};

use super::{CaseStatus, record_event};
use crate::entities::{attachments, cases, messages};

/// A file ready to store: already checked and, for photos, re-encoded without metadata.
#[derive(Clone, Debug)]
pub struct NewAttachment {
    /// A neutral name (`attachment-1.jpg`): the reporter's own file name may identify them.
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// Stores reporter files for a case (inside the caller's transaction).
pub async fn store_reporter_files(
    db: &impl ConnectionTrait,
    case_id: i64,
    files: &[NewAttachment],
) -> Result<(), DbErr> {
    let now = Utc::now();
    for file in files {
        attachments::ActiveModel {
            case_id: Set(case_id),
            message_id: Set(None),
            uploaded_at: Set(now),
            origin: Set("reporter".into()),
            uploaded_by: Set(None),
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

/// Posts a message from the office to the reporter; it appears on the query-code page.
pub async fn post_office_message(
    db: &impl ConnectionTrait,
    case_id: i64,
    author_id: Option<i64>,
    body: &str,
) -> Result<messages::Model, DbErr> {
    insert_message(db, case_id, "office", author_id, body).await
}

/// Stores the reporter's reply to the office.
pub async fn add_reporter_reply(
    db: &impl ConnectionTrait,
    case_id: i64,
    body: &str,
) -> Result<messages::Model, DbErr> {
    insert_message(db, case_id, "reporter", None, body).await
}

async fn insert_message(
    db: &impl ConnectionTrait,
    case_id: i64,
    direction: &str,
    author_id: Option<i64>,
    body: &str,
) -> Result<messages::Model, DbErr> {
    messages::ActiveModel {
        case_id: Set(case_id),
        at: Set(Utc::now()),
        direction: Set(direction.to_string()),
        author_id: Set(author_id),
        body: Set(body.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Adds evidence the reporter sent after the report, all files or none.
pub async fn add_reporter_evidence<C: TransactionTrait>(
    db: &C,
    case_id: i64,
    files: &[NewAttachment],
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    store_reporter_files(&txn, case_id, files).await?;
    txn.commit().await
}

/// Most files a reporter may send for one case, with the report and after it.
pub const MAX_REPORTER_FILES: u64 = 25;
/// Most replies a reporter may send for one case.
pub const MAX_REPORTER_REPLIES: u64 = 100;

/// How many files and replies the reporter has sent for a case (to enforce the caps above).
pub async fn reporter_totals(db: &impl ConnectionTrait, case_id: i64) -> Result<(u64, u64), DbErr> {
    let files = attachments::Entity::find()
        .filter(attachments::Column::CaseId.eq(case_id))
        .filter(attachments::Column::Origin.eq("reporter"))
        .count(db)
        .await?;
    let replies = messages::Entity::find()
        .filter(messages::Column::CaseId.eq(case_id))
        .filter(messages::Column::Direction.eq("reporter"))
        .count(db)
        .await?;
    Ok((files, replies))
}

/// What happened to a rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatingOutcome {
    Recorded,
    /// The case is not closed yet, or was already rated.
    NotOpen,
}

/// Records the reporter's satisfaction with a closed case. "Not satisfied" flags the case
/// for a supervisor.
pub async fn rate(
    db: &impl ConnectionTrait,
    case_id: i64,
    satisfied: bool,
    comment: Option<String>,
) -> Result<RatingOutcome, DbErr> {
    let Some(case) = cases::Entity::find_by_id(case_id).one(db).await? else {
        return Ok(RatingOutcome::NotOpen);
    };
    if case.status != CaseStatus::Closed.as_str() || case.rating.is_some() {
        return Ok(RatingOutcome::NotOpen);
    }
    let now = Utc::now();
    let mut active: cases::ActiveModel = case.into();
    active.rating = Set(Some(
        if satisfied {
            "satisfied"
        } else {
            "not_satisfied"
        }
        .to_string(),
    ));
    active.rating_comment = Set(comment);
    active.rated_at = Set(Some(now));
    active.updated_at = Set(now);
    if !satisfied {
        active.needs_supervisor = Set(true);
    }
    active.update(db).await?;
    record_event(db, case_id, None, "rated", None, None, None).await?;
    Ok(RatingOutcome::Recorded)
}
