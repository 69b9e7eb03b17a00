//! Receipts kept for a repeat of the same submission: found by the keyed hash of its
//! [`SubmissionId`], the query code sealed under that id for [`CODE_MINUTES`], the row itself
//! kept for [`KEEP_HOURS`] so that a late repeat still files nothing new. The deadline tick
//! purges what is past its time.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use super::query_code::QueryCode;
use super::submission::SubmissionId;
use crate::entities::report_receipts as rows;

/// Minutes a receipt can show its query code again (a reload, a repeated submission).
pub const CODE_MINUTES: i64 = 30;
/// Hours a submission id is remembered, so that a late repeat files nothing new.
pub const KEEP_HOURS: i64 = 24;

/// A receipt found again.
#[derive(Debug)]
pub struct Kept {
    pub case_number: String,
    pub received_at: DateTime<Utc>,
    /// `None` once [`CODE_MINUTES`] have passed: the reporter must use the code they noted.
    pub query_code: Option<QueryCode>,
}

/// The receipt of the submission `id`, if it was stored and is still remembered.
pub async fn find(
    db: &impl ConnectionTrait,
    server_key: &[u8],
    id: &SubmissionId,
    now: DateTime<Utc>,
) -> Result<Option<Kept>, DbErr> {
    // A row past `expires_at` still counts until the tick purges it: its submission was
    // stored, and a repeat must not store it again.
    let row = rows::Entity::find_by_id(id.hash(server_key))
        .one(db)
        .await?;
    Ok(row.map(|row| {
        let query_code = row
            .sealed_code
            .as_deref()
            .filter(|_| row.code_expires_at > now)
            .and_then(|sealed| id.open(server_key, sealed));
        Kept {
            case_number: row.case_number,
            received_at: row.received_at,
            query_code,
        }
    }))
}

/// Remembers the receipt of submission `id` (inside the report's transaction). Fails with a
/// unique-constraint violation when the same submission was stored first by another request.
pub async fn remember(
    db: &impl ConnectionTrait,
    server_key: &[u8],
    id: &SubmissionId,
    case_number: &str,
    code: &QueryCode,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let sealed = id
        .seal(server_key, code)
        .map_err(|e| DbErr::Custom(format!("{e:#}")))?;
    rows::ActiveModel {
        submission_hash: Set(id.hash(server_key)),
        case_number: Set(case_number.to_string()),
        received_at: Set(now),
        sealed_code: Set(Some(sealed)),
        code_expires_at: Set(now + Duration::minutes(CODE_MINUTES)),
        expires_at: Set(now + Duration::hours(KEEP_HOURS)),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Drops sealed codes past their time and rows past theirs; returns the rows deleted.
pub async fn purge_expired(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    rows::Entity::update_many()
        .col_expr(
            rows::Column::SealedCode,
            Expr::value(Option::<String>::None),
        )
        .filter(rows::Column::CodeExpiresAt.lte(now))
        .filter(rows::Column::SealedCode.is_not_null())
        .exec(db)
        .await?;
    let deleted = rows::Entity::delete_many()
        .filter(rows::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
