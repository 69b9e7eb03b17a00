//! What the print-staff pages read: batches, the cards of a batch, one card, search and
//! statistics. Holder names are joined in Rust from one query per page.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{BatchKind, CardError, CardStatus, Holder};
use crate::entities::{card_batches, cards, enterprises, service_points};
use crate::error::Msg;

/// Cards per page of a batch.
pub const PAGE_SIZE: u64 = 100;
/// Most search results shown.
const SEARCH_LIMIT: u64 = 50;

/// A batch as listed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BatchRow {
    pub id: i64,
    pub kind: BatchKind,
    pub channel: String,
    pub template: String,
    pub list_version: i32,
    pub scope: String,
    /// `all`, `district`, `enterprises`, `service_points` or `reissue` (for the label).
    pub scope_kind: String,
    /// What follows the kind: district name, count, ids or the replaced serial.
    pub scope_value: String,
    pub card_count: i32,
    pub created_by: String,
    pub created_at: String,
}

/// A card as listed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CardRow {
    pub id: i64,
    pub serial: String,
    pub batch_id: i64,
    pub position: i32,
    pub status: CardStatus,
    pub holder_name: String,
    /// District of an enterprise, hall of a service point.
    pub holder_detail: String,
    pub issued_at: String,
}

/// One card with everything its page shows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CardDetail {
    pub card: CardRow,
    pub batch: BatchRow,
    pub revoked_at: Option<String>,
    /// Why it was revoked, as staff wrote it; `None` when it was reissued (see `reissued`).
    pub revoked_reason: Option<String>,
    /// Revoked because it was reissued.
    pub reissued: bool,
    pub replaced_by: Option<CardRow>,
    pub replaces: Option<CardRow>,
}

/// Beijing time, as every page and command shows an instant.
fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    crate::clock::beijing(t)
}

async fn batch_rows(
    db: &impl ConnectionTrait,
    batches: Vec<card_batches::Model>,
) -> Result<Vec<BatchRow>, CardError> {
    let versions: HashMap<i64, i32> = crate::entities::negative_list_versions::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.version))
        .collect();
    Ok(batches
        .into_iter()
        .map(|b| BatchRow {
            id: b.id,
            scope_kind: b.scope.split(':').next().unwrap_or_default().to_string(),
            scope_value: match b.scope.split_once(':') {
                Some((_, "all")) | None => String::new(),
                Some((_, value)) => value.to_string(),
            },
            list_version: versions.get(&b.list_version_id).copied().unwrap_or(0),
            kind: b.kind,
            channel: b.channel.as_str().to_string(),
            template: b.template,
            scope: b.scope,
            card_count: b.card_count,
            created_by: b.created_by_label,
            created_at: time(b.created_at),
        })
        .collect())
}

/// Batches, newest first, one page of `PAGE_SIZE`; and how many pages there are.
pub async fn list_batches(
    db: &impl ConnectionTrait,
    page: u64,
) -> Result<(Vec<BatchRow>, u64), CardError> {
    let paginator = card_batches::Entity::find()
        .order_by_desc(card_batches::Column::Id)
        .paginate(db, PAGE_SIZE);
    let pages = paginator.num_pages().await?;
    let batches = paginator.fetch_page(page).await?;
    Ok((batch_rows(db, batches).await?, pages))
}

/// One batch, or a clear not-found.
pub async fn find_batch(db: &impl ConnectionTrait, id: i64) -> Result<BatchRow, CardError> {
    let batch = card_batches::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| CardError::NotFound(Msg::new("cards_error_no_batch").arg("id", id)))?;
    batch_rows(db, vec![batch])
        .await?
        .pop()
        .ok_or_else(|| CardError::NotFound(Msg::new("cards_error_no_batch").arg("id", id)))
}

/// One page (from 0) of the cards of a batch, in print order; and how many pages there are.
pub async fn batch_cards(
    db: &impl ConnectionTrait,
    batch_id: i64,
    page: u64,
) -> Result<(Vec<CardRow>, u64), CardError> {
    let paginator = cards::Entity::find()
        .filter(cards::Column::BatchId.eq(batch_id))
        .order_by_asc(cards::Column::PositionInBatch)
        .paginate(db, PAGE_SIZE);
    let pages = paginator.num_pages().await?;
    let list = paginator.fetch_page(page).await?;
    Ok((card_rows(db, list).await?, pages))
}

/// The card at `position` of a batch.
pub(super) async fn card_at(
    db: &impl ConnectionTrait,
    batch_id: i64,
    position: i32,
) -> Result<Option<cards::Model>, CardError> {
    Ok(cards::Entity::find()
        .filter(cards::Column::BatchId.eq(batch_id))
        .filter(cards::Column::PositionInBatch.eq(position))
        .one(db)
        .await?)
}

/// Names of the holders of `list`: (name, district or hall).
pub(super) async fn holder_names(
    db: &impl ConnectionTrait,
    list: &[cards::Model],
) -> Result<HashMap<Holder, (String, String)>, CardError> {
    let enterprise_ids: Vec<i64> = list.iter().filter_map(|c| c.enterprise_id).collect();
    let point_ids: Vec<i64> = list.iter().filter_map(|c| c.service_point_id).collect();
    let mut names = HashMap::new();
    if !enterprise_ids.is_empty() {
        let rows: Vec<(i64, String, String)> = enterprises::Entity::find()
            .select_only()
            .columns([
                enterprises::Column::Id,
                enterprises::Column::Name,
                enterprises::Column::District,
            ])
            .filter(enterprises::Column::Id.is_in(enterprise_ids))
            .into_tuple()
            .all(db)
            .await?;
        for (id, name, district) in rows {
            names.insert(Holder::Enterprise(id), (name, district));
        }
    }
    if !point_ids.is_empty() {
        for point in service_points::Entity::find()
            .filter(service_points::Column::Id.is_in(point_ids))
            .all(db)
            .await?
        {
            names.insert(Holder::ServicePoint(point.id), (point.name, point.hall));
        }
    }
    Ok(names)
}

/// The holder of a card.
pub(super) fn holder_of(card: &cards::Model) -> Option<Holder> {
    match (card.enterprise_id, card.service_point_id) {
        (Some(id), _) => Some(Holder::Enterprise(id)),
        (None, Some(id)) => Some(Holder::ServicePoint(id)),
        (None, None) => None,
    }
}

async fn card_rows(
    db: &impl ConnectionTrait,
    list: Vec<cards::Model>,
) -> Result<Vec<CardRow>, CardError> {
    let names = holder_names(db, &list).await?;
    Ok(list
        .into_iter()
        .map(|c| {
            let (holder_name, holder_detail) = holder_of(&c)
                .and_then(|h| names.get(&h).cloned())
                .unwrap_or_default();
            CardRow {
                id: c.id,
                serial: c.serial,
                batch_id: c.batch_id,
                position: c.position_in_batch,
                status: c.status,
                holder_name,
                holder_detail,
                issued_at: time(c.issued_at),
            }
        })
        .collect())
}

async fn card_row(db: &impl ConnectionTrait, id: i64) -> Result<Option<CardRow>, CardError> {
    match cards::Entity::find_by_id(id).one(db).await? {
        Some(card) => Ok(card_rows(db, vec![card]).await?.pop()),
        None => Ok(None),
    }
}

/// One card with its batch and what it replaced or was replaced by.
pub async fn card_by_id(db: &impl ConnectionTrait, id: i64) -> Result<CardDetail, CardError> {
    let card = cards::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| CardError::NotFound(Msg::new("cards_error_no_card").arg("id", id)))?;
    let batch = find_batch(db, card.batch_id).await?;
    let replaced_by = match card.replaced_by_card_id {
        Some(next) => card_row(db, next).await?,
        None => None,
    };
    let replaces = match cards::Entity::find()
        .filter(cards::Column::ReplacedByCardId.eq(card.id))
        .one(db)
        .await?
    {
        Some(previous) => card_rows(db, vec![previous]).await?.pop(),
        None => None,
    };
    let revoked_at = card.revoked_at.map(time);
    let reissued = card.revoked_reason.as_deref().is_some_and(|r| {
        r == super::lifecycle::REISSUED_REASON || r == super::lifecycle::LEGACY_REISSUED_REASON
    });
    let revoked_reason = card.revoked_reason.clone().filter(|_| !reissued);
    let row = card_rows(db, vec![card])
        .await?
        .pop()
        .ok_or_else(|| CardError::NotFound(Msg::new("cards_error_no_card").arg("id", id)))?;
    Ok(CardDetail {
        card: row,
        batch,
        revoked_at,
        revoked_reason,
        reissued,
        replaced_by,
        replaces,
    })
}

/// The card with this serial (any case, surrounding spaces ignored).
pub async fn card_by_serial(
    db: &impl ConnectionTrait,
    serial: &str,
) -> Result<cards::Model, CardError> {
    let serial = serial.trim().to_ascii_uppercase();
    cards::Entity::find()
        .filter(cards::Column::Serial.eq(&serial))
        .one(db)
        .await?
        .ok_or_else(|| CardError::NotFound(Msg::new("cards_error_no_serial").arg("serial", serial)))
}

/// Cards whose serial starts with `q`, or whose enterprise's name contains it or whose USCC
/// is it; newest first, at most 50.
pub async fn search_cards(db: &impl ConnectionTrait, q: &str) -> Result<Vec<CardRow>, CardError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let enterprise_ids: Vec<i64> = enterprises::Entity::find()
        .select_only()
        .column(enterprises::Column::Id)
        .filter(
            Condition::any()
                .add(enterprises::Column::Name.contains(q))
                .add(enterprises::Column::Uscc.eq(q.to_ascii_uppercase())),
        )
        .limit(SEARCH_LIMIT)
        .into_tuple()
        .all(db)
        .await?;
    let list = cards::Entity::find()
        .filter(
            Condition::any()
                .add(cards::Column::Serial.starts_with(q.to_ascii_uppercase()))
                .add(cards::Column::EnterpriseId.is_in(enterprise_ids)),
        )
        .order_by_desc(cards::Column::Id)
        .limit(SEARCH_LIMIT)
        .all(db)
        .await?;
    card_rows(db, list).await
}

/// A service point as the issue form offers it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PointChoice {
    pub id: i64,
    pub name: String,
    pub hall: String,
    pub active: bool,
}

/// Every service point, by hall and name, for the desk-sign choice.
pub async fn service_point_choices(
    db: &impl ConnectionTrait,
) -> Result<Vec<PointChoice>, CardError> {
    Ok(service_points::Entity::find()
        .order_by_asc(service_points::Column::Hall)
        .order_by_asc(service_points::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|p| PointChoice {
            id: p.id,
            name: p.name,
            hall: p.hall,
            active: p.active,
        })
        .collect())
}
