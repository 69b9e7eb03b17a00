//! Issuing a batch: deciding who gets a new card, then writing the batch row and one card per
//! holder in a single transaction.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, Set, Statement};

use super::print::PrintKind;
use super::targets::{candidates, holders_with_active_cards};
use super::{CardError, CardStatus, Channel, Holder, IssuedBy, serial_for};
use crate::db::WriteGate;
use crate::entities::{card_batches, cards};
use crate::error::Msg;

/// Rows per `INSERT`: well under the bind-parameter limits of SQLite and PostgreSQL.
pub(super) const CHUNK: usize = 500;

/// Who a batch is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Every enterprise in the register.
    AllEnterprises,
    /// Every enterprise of one district (镇街).
    District(String),
    /// Chosen enterprises, by USCC.
    Enterprises(Vec<String>),
    /// Desk signs: every active service point (`None`) or the chosen ids.
    ServicePoints(Option<Vec<i64>>),
}

impl Target {
    /// Cards for enterprises, desk signs for service points.
    pub fn kind(&self) -> PrintKind {
        match self {
            Target::ServicePoints(_) => PrintKind::DeskSign,
            _ => PrintKind::Card,
        }
    }
}

/// A request to issue one batch.
#[derive(Clone, Debug)]
pub struct IssueRequest {
    pub target: Target,
    /// Default: visit for cards, window for desk signs.
    pub channel: Option<Channel>,
    /// Issue again to holders that already have an active card.
    pub again: bool,
    /// The number of cards the person was shown and confirmed: when the register changed
    /// meanwhile and the batch would be another size, nothing is issued.
    pub expected: Option<usize>,
    pub issued_by: IssuedBy,
}

/// What issuing a target would make, counted before anything is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Preview {
    /// Cards (or desk signs) that would be made.
    pub count: usize,
    /// Holders that would be left out because they already have an active card.
    pub skipped: usize,
}

/// Counts what issuing `target` would make, without writing anything.
pub async fn preview(
    db: &impl ConnectionTrait,
    target: &Target,
    again: bool,
) -> Result<Preview, CardError> {
    let (holders, total) = holders_for(db, target, again).await?;
    Ok(Preview {
        count: holders.len(),
        skipped: total - holders.len(),
    })
}

/// The holders that get a card, in print order, and how many the target named.
async fn holders_for(
    db: &impl ConnectionTrait,
    target: &Target,
    again: bool,
) -> Result<(Vec<Holder>, usize), CardError> {
    let candidates = candidates(db, target).await?;
    let total = candidates.len();
    let holders: Vec<Holder> = if again {
        candidates
    } else {
        let active = holders_with_active_cards(db, target.kind()).await?;
        candidates
            .into_iter()
            .filter(|h| !active.contains(h))
            .collect()
    };
    if holders.is_empty() {
        return Err(CardError::Refused(
            Msg::new("cards_error_all_carded").arg("total", total),
        ));
    }
    Ok((holders, total))
}

/// What an issue produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    pub batch_id: i64,
    pub count: usize,
    /// Holders left out because they already have an active card.
    pub skipped: usize,
}

/// Issues one batch and records it in the audit log, in one transaction.
pub async fn issue(
    writes: &WriteGate,
    audit_key: &[u8],
    request: IssueRequest,
) -> Result<Issued, CardError> {
    let txn = writes.begin().await?;
    serialize_issuing(&*txn).await?;
    let issued = issue_in(&*txn, &request).await?;
    crate::audit::append(
        &*txn,
        &request.issued_by.stamp(audit_key),
        crate::audit::AuditEvent::new(
            crate::audit::AuditAction::CardsIssued,
            "card_batch",
            issued.batch_id,
        )
        .with_detail(serde_json::json!({
            "count": issued.count,
            "skipped": issued.skipped,
            "scope": scope_of(&request.target),
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(issued)
}

/// Makes issuing transactions on PostgreSQL take turns, across server instances, so that two
/// people issuing at once cannot both give the same enterprise a new card (or both reissue
/// one card). SQLite serialises writers by itself (the write gate).
pub(super) async fn serialize_issuing(txn: &impl ConnectionTrait) -> Result<(), CardError> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(7220003)",
        ))
        .await?;
    }
    Ok(())
}

/// Issues one batch on `db` (a transaction the caller owns).
pub async fn issue_in(
    db: &impl ConnectionTrait,
    request: &IssueRequest,
) -> Result<Issued, CardError> {
    let (holders, total) = holders_for(db, &request.target, request.again).await?;
    if let Some(expected) = request.expected
        && expected != holders.len()
    {
        return Err(CardError::Changed {
            expected,
            now: holders.len(),
        });
    }
    let kind = request.target.kind();
    let channel = request.channel.unwrap_or(match kind {
        PrintKind::Card => Channel::Visit,
        PrintKind::DeskSign => Channel::Window,
    });
    let batch = insert_batch(
        db,
        kind,
        channel,
        &scope_of(&request.target),
        holders.len(),
        &request.issued_by,
    )
    .await?;
    insert_cards(db, &batch, kind, &holders).await?;
    Ok(Issued {
        batch_id: batch.id,
        count: holders.len(),
        skipped: total - holders.len(),
    })
}

/// The batch row; its id numbers the serials of its cards.
pub(super) async fn insert_batch(
    db: &impl ConnectionTrait,
    kind: PrintKind,
    channel: Channel,
    scope: &str,
    count: usize,
    by: &IssuedBy,
) -> Result<card_batches::Model, CardError> {
    let list = crate::negative_list::current(db).await?;
    Ok(card_batches::ActiveModel {
        kind: Set(super::batch_kind(kind)),
        channel: Set(channel),
        template: Set(super::template_for(kind).to_string()),
        list_version_id: Set(list.id),
        scope: Set(scope.to_string()),
        card_count: Set(i32::try_from(count).unwrap_or(i32::MAX)),
        created_by: Set(by.user_id),
        created_by_label: Set(by.label.clone()),
        created_at: Set(by.at),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// One new card per holder, numbered from 1 in the given order, inserted in chunks.
pub(super) async fn insert_cards(
    db: &impl ConnectionTrait,
    batch: &card_batches::Model,
    kind: PrintKind,
    holders: &[Holder],
) -> Result<(), CardError> {
    let now = batch.created_at;
    for (chunk_index, chunk) in holders.chunks(CHUNK).enumerate() {
        let mut rows = Vec::with_capacity(chunk.len());
        for (i, holder) in chunk.iter().enumerate() {
            let position = (chunk_index * CHUNK + i + 1) as i32;
            let (enterprise_id, service_point_id) = match holder {
                Holder::Enterprise(id) => (Some(*id), None),
                Holder::ServicePoint(id) => (None, Some(*id)),
            };
            rows.push(cards::ActiveModel {
                serial: Set(serial_for(kind, batch.id, position)),
                token: Set(crate::crypto::random_token::<16>()?),
                batch_id: Set(batch.id),
                position_in_batch: Set(position),
                enterprise_id: Set(enterprise_id),
                service_point_id: Set(service_point_id),
                status: Set(CardStatus::Active),
                issued_at: Set(now),
                revoked_at: Set(None),
                revoked_reason: Set(None),
                replaced_by_card_id: Set(None),
                ..Default::default()
            });
        }
        cards::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// How a batch's scope is stored: short, readable, and shown in the batch list.
pub fn scope_of(target: &Target) -> String {
    match target {
        Target::AllEnterprises => "all".into(),
        Target::District(name) => format!("district:{}", name.trim()),
        Target::Enterprises(list) => format!("enterprises:{}", list.len()),
        Target::ServicePoints(None) => "service_points:all".into(),
        Target::ServicePoints(Some(ids)) => format!(
            "service_points:{}",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
    }
}
