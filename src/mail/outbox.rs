//! The `email_outbox` table: queueing an email inside the caller's transaction, the claims
//! and marks a sender makes (each conditional on the lease it holds), and what the admin
//! pages read and change.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::audit::{self, AuditAction, AuditEvent, Stamp};
use crate::db::WriteGate;
use crate::entities::email_outbox::{self, Column, Entity};
use crate::entities::enums::{MailKind, OutboxStatus};

/// One email to send, as the code that causes it describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// Makes the email unique: a second [`enqueue`] with the same key does nothing. The
    /// Message-ID derives from it, so a receiver can recognise a resend too. Reminders use
    /// e.g. `reminder:case:42:accept:due:2026-12-03:user:7`.
    pub dedupe_key: String,
    /// What sort of email it is, shown on the outbox page.
    pub kind: MailKind,
    /// The case it is about, if any.
    pub case_id: Option<i64>,
    /// The recipient's address.
    pub to: String,
    /// One line; line breaks are folded into spaces.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML alternative, self-contained (no remote images or styles).
    pub html: Option<String>,
}

/// Queues `email` inside the caller's transaction, so that it is sent if and only if the
/// change that caused it commits. Returns false, and changes nothing, when an email with the
/// same `dedupe_key` is already queued or sent (`ON CONFLICT DO NOTHING`, which does not
/// abort a PostgreSQL transaction the way a failed insert would).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    email: OutgoingEmail,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(enqueue_many(db, vec![email], now).await? > 0)
}

/// Rows one INSERT carries at most (well under both engines' bound-parameter limits).
const INSERT_CHUNK: usize = 500;

/// Queues many emails inside the caller's transaction, a few hundred rows per statement;
/// emails whose `dedupe_key` is already queued or sent are skipped. Returns how many rows
/// were new.
pub async fn enqueue_many(
    db: &impl ConnectionTrait,
    emails: Vec<OutgoingEmail>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut queued = 0;
    let mut emails = emails.into_iter().peekable();
    while emails.peek().is_some() {
        let rows: Vec<email_outbox::ActiveModel> = emails
            .by_ref()
            .take(INSERT_CHUNK)
            .map(|email| new_row(email, now))
            .collect();
        let inserted = Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(Column::DedupeKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await;
        match inserted {
            Ok(rows) => queued += rows,
            Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(queued)
}

/// Of `keys`, those already in the outbox (queued, sent or failed): lets a tick skip
/// rendering what an earlier tick queued.
pub async fn existing_keys(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut found = std::collections::HashSet::new();
    for chunk in keys.chunks(INSERT_CHUNK) {
        let rows: Vec<String> = Entity::find()
            .select_only()
            .column(Column::DedupeKey)
            .filter(Column::DedupeKey.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// The row that queues `email` now.
fn new_row(email: OutgoingEmail, now: DateTime<Utc>) -> email_outbox::ActiveModel {
    let subject = email
        .subject
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    email_outbox::ActiveModel {
        dedupe_key: Set(email.dedupe_key),
        kind: Set(email.kind),
        case_id: Set(email.case_id),
        to_addr: Set(email.to.trim().to_string()),
        subject: Set(subject),
        body_text: Set(email.text),
        body_html: Set(email.html),
        status: Set(OutboxStatus::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
}

/// The row queued under `dedupe_key`, if any.
pub async fn find_by_key(
    db: &impl ConnectionTrait,
    dedupe_key: &str,
) -> Result<Option<email_outbox::Model>, DbErr> {
    Entity::find()
        .filter(Column::DedupeKey.eq(dedupe_key))
        .one(db)
        .await
}

/// Row `id`, if it exists.
pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<email_outbox::Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// Takes up to `limit` rows due at `now` (queued, `next_attempt_at` reached) with no live
/// lease at `wall` — or only row `only` — for the holder of `token` until `wall + lease`, in
/// one short transaction. `now` is the domain clock (`sla tick --now` moves it); `wall` is the
/// real time every other sender reads, so a simulated clock never shortens a lease. On
/// PostgreSQL `FOR UPDATE SKIP LOCKED` hands concurrent senders disjoint rows, and a row
/// whose lease another sender committed meanwhile is re-checked and skipped; on SQLite the
/// write gate's lock makes claims one at a time.
pub(crate) async fn claim(
    writes: &WriteGate,
    token: &str,
    only: Option<i64>,
    limit: u64,
    now: DateTime<Utc>,
    wall: DateTime<Utc>,
    lease: Duration,
) -> Result<Vec<email_outbox::Model>, DbErr> {
    let txn = writes.begin().await?;
    let mut due = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::Status.eq(OutboxStatus::Queued))
        .filter(Column::NextAttemptAt.lte(now))
        .filter(
            Condition::any()
                .add(Column::LockedUntil.is_null())
                .add(Column::LockedUntil.lte(wall)),
        )
        .order_by_asc(Column::NextAttemptAt)
        .order_by_asc(Column::Id)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    if let Some(id) = only {
        due = due.filter(Column::Id.eq(id));
    }
    let ids: Vec<i64> = due.into_tuple().all(&*txn).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Entity::update_many()
        .col_expr(Column::LockedBy, Expr::value(token))
        .col_expr(Column::LockedUntil, Expr::value(wall + lease))
        .filter(Column::Id.is_in(ids.clone()))
        .exec(&*txn)
        .await?;
    let rows = Entity::find()
        .filter(Column::Id.is_in(ids))
        .order_by_asc(Column::NextAttemptAt)
        .order_by_asc(Column::Id)
        .all(&*txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// What became of one claimed row after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    /// The SMTP server accepted it.
    Sent,
    /// This attempt failed; try again at the given time.
    Retry(DateTime<Utc>),
    /// Given up: out of attempts, or not an email that can be sent at all.
    Failed,
}

/// The wait after the `attempts`-th failed attempt: one minute, doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 7) - 1;
    Duration::minutes(1_i64 << exponent).min(Duration::hours(1))
}

/// Records `mark` on row `row` if `token` still holds its lease, and ends the lease. Returns
/// false when the lease was lost (expired and taken by another sender): then the other
/// sender's outcome stands and nothing is written.
pub(crate) async fn record(
    writes: &WriteGate,
    row: &email_outbox::Model,
    token: &str,
    mark: Mark,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    update = match mark {
        Mark::Sent => update
            .col_expr(Column::Status, Expr::value(OutboxStatus::Sent))
            .col_expr(Column::SentAt, Expr::value(now))
            .col_expr(Column::Attempts, Expr::value(row.attempts + 1))
            .col_expr(Column::LastError, Expr::value(Option::<String>::None)),
        Mark::Retry(at) => update
            .col_expr(Column::Attempts, Expr::value(row.attempts + 1))
            .col_expr(Column::NextAttemptAt, Expr::value(at))
            .col_expr(Column::LastError, Expr::value(error.map(short))),
        Mark::Failed => update
            .col_expr(Column::Status, Expr::value(OutboxStatus::Failed))
            .col_expr(Column::Attempts, Expr::value(row.attempts + 1))
            .col_expr(Column::LastError, Expr::value(error.map(short))),
    };
    let txn = writes.begin().await?;
    let done = update
        .filter(Column::Id.eq(row.id))
        .filter(Column::LockedBy.eq(token))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(done.rows_affected == 1)
}

/// Gives rows back untried (a pass that ran out of time or is stopping), so that the next
/// pass of any sender takes them at once instead of after the lease.
pub(crate) async fn release(writes: &WriteGate, ids: &[i64], token: &str) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let txn = writes.begin().await?;
    Entity::update_many()
        .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(Column::LockedBy.eq(token))
        .exec(&*txn)
        .await?;
    txn.commit().await
}

/// An error as stored: one line, at most 300 characters.
fn short(error: &str) -> String {
    let line = error.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// How many rows are in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    /// Waiting for an attempt, or being sent right now.
    pub queued: u64,
    /// Accepted by the SMTP server.
    pub sent: u64,
    /// Given up; waiting for an admin's retry.
    pub failed: u64,
}

/// Counts the outbox by status.
pub async fn counts(db: &impl ConnectionTrait) -> Result<OutboxCounts, DbErr> {
    let count = async |status| {
        Entity::find()
            .filter(Column::Status.eq(status))
            .count(db)
            .await
    };
    Ok(OutboxCounts {
        queued: count(OutboxStatus::Queued).await?,
        sent: count(OutboxStatus::Sent).await?,
        failed: count(OutboxStatus::Failed).await?,
    })
}

/// Up to `limit` rows, newest first, of one status or all, older than id `before` if given.
pub async fn list(
    db: &impl ConnectionTrait,
    status: Option<OutboxStatus>,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<email_outbox::Model>, DbErr> {
    let mut query = Entity::find().order_by_desc(Column::Id).limit(limit);
    if let Some(status) = status {
        query = query.filter(Column::Status.eq(status));
    }
    if let Some(before) = before {
        query = query.filter(Column::Id.lt(before));
    }
    query.all(db).await
}

/// Puts failed row `id` back in the queue with its attempts reset, audited. Returns false
/// (and records nothing) if the row is not failed.
pub async fn retry(writes: &WriteGate, stamp: &Stamp<'_>, id: i64) -> Result<bool, DbErr> {
    let txn = writes.begin().await?;
    let done = requeue(&*txn, Condition::all().add(Column::Id.eq(id)), stamp.at).await?;
    if done == 1 {
        audit::append(
            &*txn,
            stamp,
            AuditEvent::new(AuditAction::MailRetried, "email_outbox", id),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(done == 1)
}

/// Puts every failed row back in the queue, audited as one action. Returns how many.
pub async fn retry_all_failed(writes: &WriteGate, stamp: &Stamp<'_>) -> Result<u64, DbErr> {
    let txn = writes.begin().await?;
    let done = requeue(&*txn, Condition::all(), stamp.at).await?;
    if done > 0 {
        let event = AuditEvent {
            subject_id: None,
            ..AuditEvent::new(AuditAction::MailRetried, "email_outbox", "")
        }
        .with_detail(serde_json::json!({ "all_failed": done }));
        audit::append(&*txn, stamp, event).await?;
    }
    txn.commit().await?;
    Ok(done)
}

async fn requeue(
    db: &impl ConnectionTrait,
    which: Condition,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(Entity::update_many()
        .col_expr(Column::Status, Expr::value(OutboxStatus::Queued))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::NextAttemptAt, Expr::value(now))
        .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(which)
        .filter(Column::Status.eq(OutboxStatus::Failed))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_a_minute_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn a_stored_error_is_one_short_line() {
        assert_eq!(short("451 try\r\n again  later"), "451 try again later");
        let long = "x".repeat(500);
        assert_eq!(short(&long).chars().count(), 301);
    }
}
