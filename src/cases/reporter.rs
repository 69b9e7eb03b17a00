//! The exchange with the reporter: office messages, replies, evidence and the rating. A case's
//! caps on replies and files are checked inside the transaction that stores, so requests sent
//! at the same moment cannot slip past them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

use super::{CaseStatus, Event, Rating, record_event};
use crate::db::WriteGate;
use crate::entities::enums::{Direction, EventKind, Origin};
use crate::entities::{attachments, cases, messages, reporter_actions};
use crate::mail::events::{Event as MailEvent, EventKind as MailKind, Mailer, To};

pub use crate::attachments::NewAttachment;

/// Stores reporter files for a case (inside the caller's transaction).
pub async fn store_reporter_files(
    db: &impl ConnectionTrait,
    case_id: i64,
    now: DateTime<Utc>,
    files: &[NewAttachment],
) -> Result<(), DbErr> {
    for file in files {
        attachments::ActiveModel {
            case_id: Set(case_id),
            message_id: Set(None),
            uploaded_at: Set(now),
            origin: Set(Origin::Reporter),
            uploaded_by: Set(None),
            filename: Set(file.filename.clone()),
            content_type: Set(file.content_type.clone()),
            size: Set(file.data.len() as i64),
            sha256: Set(crate::crypto::sha256_hex(&file.data)),
            data: Set(file.data.clone()),
            note_id: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Whether the reporter's addition was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    Stored,
    /// The same form was sent before (a reload, a double tap): nothing new was stored.
    Repeat,
    /// The case already holds as many as it may.
    CaseFull,
}

/// Claims a reporter action by the keyed hash of its form's one-time id, in the storing
/// transaction: true for the first send, false for every repeat. Racing sends meet at the
/// primary key (on PostgreSQL the later insert waits for the first to commit, then skips).
pub(super) async fn claim_action(
    db: &impl ConnectionTrait,
    once: Option<&str>,
    case_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(hash) = once else {
        return Ok(true);
    };
    let inserted = reporter_actions::Entity::insert(reporter_actions::ActiveModel {
        action_hash: Set(hash.to_string()),
        case_id: Set(case_id),
        created_at: Set(now),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(reporter_actions::Column::ActionHash)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}

/// Forgets reporter actions older than `before` (a repeat a day later is a new action).
pub async fn purge_reporter_actions(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = reporter_actions::Entity::delete_many()
        .filter(reporter_actions::Column::CreatedAt.lt(before))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Stores the reporter's reply to the office, unless the case has its fill of replies or the
/// same form (one-time id hash `once`) was sent before.
pub async fn add_reporter_reply(
    writes: &WriteGate,
    case_id: i64,
    now: DateTime<Utc>,
    body: &str,
    once: Option<&str>,
    mailer: Option<&Mailer>,
) -> Result<Added, DbErr> {
    let txn = writes.begin().await?;
    if !claim_action(&*txn, once, case_id, now).await? {
        return Ok(Added::Repeat);
    }
    let (_, replies) = reporter_totals(&*txn, case_id).await?;
    if replies >= MAX_REPORTER_REPLIES {
        return Ok(Added::CaseFull);
    }
    insert_message(&*txn, case_id, Direction::Reporter, None, now, body).await?;
    record_event(&*txn, reporter_event(case_id, now)).await?;
    // Marks the case 新回复 / 新材料 for every staff member until they open it.
    super::queues::mark_reporter_activity(&*txn, case_id, now).await?;
    tell_assignee(&*txn, mailer, case_id, now).await?;
    txn.commit().await?;
    Ok(Added::Stored)
}

/// Emails the case's holder that the reporter added something (at most once an hour; see
/// [`crate::mail::events`]); nobody while the case has no holder (the digest carries it).
async fn tell_assignee(
    db: &impl ConnectionTrait,
    mailer: Option<&Mailer>,
    case_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(mailer) = mailer else {
        return Ok(());
    };
    let holder = cases::Entity::find_by_id(case_id)
        .one(db)
        .await?
        .and_then(|c| c.assignee_id);
    if let Some(holder) = holder {
        let event = MailEvent {
            kind: MailKind::ReporterReply,
            case_id,
            to: To::Person(holder),
            about: case_id,
        };
        crate::mail::events::queue(db, mailer, event, now).await?;
    }
    Ok(())
}

/// The staff timeline's note that the reporter added something (not shown on `/q`).
fn reporter_event(case_id: i64, at: DateTime<Utc>) -> Event {
    Event {
        case_id,
        actor_id: None,
        at,
        kind: EventKind::ReporterAdded,
        from: None,
        to: None,
        note: None,
        public: false,
    }
}

pub(super) async fn insert_message(
    db: &impl ConnectionTrait,
    case_id: i64,
    direction: Direction,
    author_id: Option<i64>,
    now: DateTime<Utc>,
    body: &str,
) -> Result<messages::Model, DbErr> {
    messages::ActiveModel {
        case_id: Set(case_id),
        at: Set(now),
        direction: Set(direction),
        author_id: Set(author_id),
        body: Set(body.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Adds evidence the reporter sent after the report: all files or none, and none once the
/// case would hold more than [`MAX_REPORTER_FILES`].
pub async fn add_reporter_evidence(
    writes: &WriteGate,
    case_id: i64,
    now: DateTime<Utc>,
    files: &[NewAttachment],
    once: Option<&str>,
    mailer: Option<&Mailer>,
) -> Result<Added, DbErr> {
    let txn = writes.begin().await?;
    if !claim_action(&*txn, once, case_id, now).await? {
        return Ok(Added::Repeat);
    }
    let (sent, _) = reporter_totals(&*txn, case_id).await?;
    if sent + files.len() as u64 > MAX_REPORTER_FILES {
        return Ok(Added::CaseFull);
    }
    store_reporter_files(&*txn, case_id, now, files).await?;
    record_event(&*txn, reporter_event(case_id, now)).await?;
    // Marks the case 新回复 / 新材料 for every staff member until they open it.
    super::queues::mark_reporter_activity(&*txn, case_id, now).await?;
    tell_assignee(&*txn, mailer, case_id, now).await?;
    txn.commit().await?;
    Ok(Added::Stored)
}

/// Most files a reporter may send for one case, with the report and after it.
pub const MAX_REPORTER_FILES: u64 = 25;
/// Most replies a reporter may send for one case.
pub const MAX_REPORTER_REPLIES: u64 = 100;

/// How many files and replies the reporter has sent for a case (to enforce the caps above).
pub async fn reporter_totals(db: &impl ConnectionTrait, case_id: i64) -> Result<(u64, u64), DbErr> {
    let files = attachments::Entity::find()
        .filter(attachments::Column::CaseId.eq(case_id))
        .filter(attachments::Column::Origin.eq(Origin::Reporter))
        .count(db)
        .await?;
    let replies = messages::Entity::find()
        .filter(messages::Column::CaseId.eq(case_id))
        .filter(messages::Column::Direction.eq(Direction::Reporter))
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

/// Records the reporter's satisfaction with a closed case, once: the update itself checks
/// that the case is closed and unrated, so two ratings sent together record one. "Not
/// satisfied" flags the case for a supervisor.
pub async fn rate(
    writes: &WriteGate,
    case_id: i64,
    now: DateTime<Utc>,
    satisfied: bool,
    comment: Option<String>,
    mailer: Option<&Mailer>,
) -> Result<RatingOutcome, DbErr> {
    let rating = if satisfied {
        Rating::Satisfied
    } else {
        Rating::NotSatisfied
    };
    let txn = writes.begin().await?;
    let mut update = cases::Entity::update_many()
        .col_expr(cases::Column::Rating, Expr::value(rating.as_str()))
        .col_expr(cases::Column::RatingComment, Expr::value(comment))
        .col_expr(cases::Column::RatedAt, Expr::value(now))
        .col_expr(cases::Column::UpdatedAt, Expr::value(now));
    if !satisfied {
        update = update.col_expr(cases::Column::NeedsSupervisor, Expr::value(true));
    }
    let updated = update
        .filter(cases::Column::Id.eq(case_id))
        .filter(cases::Column::Status.eq(CaseStatus::Closed))
        .filter(cases::Column::Rating.is_null())
        .exec(&*txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(RatingOutcome::NotOpen);
    }
    record_event(
        &*txn,
        Event {
            case_id,
            actor_id: None,
            at: now,
            kind: EventKind::Rated,
            from: None,
            to: None,
            note: None,
            public: true,
        },
    )
    .await?;
    // "Not satisfied" waits for a supervisor, who hears of it at once.
    if let (false, Some(mailer)) = (satisfied, mailer) {
        let unit = cases::Entity::find_by_id(case_id)
            .one(&*txn)
            .await?
            .and_then(|c| c.unit_id);
        let event = MailEvent {
            kind: MailKind::Unhappy,
            case_id,
            to: To::Supervisors { unit },
            about: 0,
        };
        crate::mail::events::queue(&*txn, mailer, event, now).await?;
    }
    txn.commit().await?;
    Ok(RatingOutcome::Recorded)
}
