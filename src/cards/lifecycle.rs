//! A lost card: revoke it (its token still opens the form, flagged), and reissue a new card
//! with a new token in a single-card batch.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set};

use super::issue::{insert_batch, insert_cards};
use super::{CardError, CardStatus, Holder, IssuedBy};
use crate::audit::{AuditAction, AuditEvent};
use crate::db::WriteGate;
use crate::entities::{card_batches, cards};
use crate::error::Msg;

/// The stored reason of a card revoked because it was reissued; its page says so in the
/// reader's language. (Batches before this wrote the bilingual [`LEGACY_REISSUED_REASON`].)
pub const REISSUED_REASON: &str = "reissued";
/// What reissuing stored as the reason before.
pub const LEGACY_REISSUED_REASON: &str = "补发 · reissued";

/// Longest revocation reason kept.
const MAX_REASON_CHARS: usize = 500;

/// Revokes card `card_id` with `reason`; refuses a card that is already revoked.
pub async fn revoke(
    writes: &WriteGate,
    audit_key: &[u8],
    card_id: i64,
    reason: &str,
    by: &IssuedBy,
) -> Result<cards::Model, CardError> {
    let reason = clean_reason(reason)?;
    let txn = writes.begin().await?;
    let card = load(&*txn, card_id).await?;
    if card.status != CardStatus::Active {
        return Err(CardError::Conflict(
            Msg::new("cards_error_already_revoked").arg("serial", card.serial),
        ));
    }
    let card = revoke_in(&*txn, card, &reason, by.at).await?;
    crate::audit::append(
        &*txn,
        &by.stamp(audit_key),
        AuditEvent::new(AuditAction::CardRevoked, "card", card.id)
            .with_detail(serde_json::json!({ "serial": card.serial, "reason": reason })),
    )
    .await?;
    txn.commit().await?;
    Ok(card)
}

/// Replaces card `card_id`: revokes it if it is still active, then issues a new card with a
/// new token to the same holder in a new single-card batch, and links old to new. A card
/// that was already replaced is refused (reissue its replacement instead).
pub async fn reissue(
    writes: &WriteGate,
    audit_key: &[u8],
    card_id: i64,
    by: &IssuedBy,
) -> Result<cards::Model, CardError> {
    let txn = writes.begin().await?;
    super::issue::serialize_issuing(&*txn).await?;
    let old = load(&*txn, card_id).await?;
    if let Some(next) = old.replaced_by_card_id {
        return Err(CardError::Conflict(
            Msg::new("cards_error_already_replaced")
                .arg("serial", old.serial)
                .arg("next", next),
        ));
    }
    let holder = match (old.enterprise_id, old.service_point_id) {
        (Some(id), _) => Holder::Enterprise(id),
        (None, Some(id)) => Holder::ServicePoint(id),
        (None, None) => {
            return Err(CardError::Conflict(
                Msg::new("cards_error_no_holder").arg("serial", old.serial),
            ));
        }
    };
    let old_batch = card_batches::Entity::find_by_id(old.batch_id)
        .one(&*txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("card {} has no batch", old.id))?;
    let kind = super::print_kind(old_batch.kind);
    let channel = old_batch.channel;
    let old = if old.status == CardStatus::Active {
        revoke_in(&*txn, old, REISSUED_REASON, by.at).await?
    } else {
        old
    };
    let batch = insert_batch(
        &*txn,
        kind,
        channel,
        &format!("reissue:{}", old.serial),
        1,
        by,
    )
    .await?;
    insert_cards(&*txn, &batch, kind, &[holder]).await?;
    let new = super::query::card_at(&*txn, batch.id, 1)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the reissued card of batch {} is missing", batch.id))?;
    let mut link = old.clone().into_active_model();
    link.replaced_by_card_id = Set(Some(new.id));
    link.update(&*txn).await?;
    crate::audit::append(
        &*txn,
        &by.stamp(audit_key),
        AuditEvent::new(AuditAction::CardReissued, "card", old.id).with_detail(serde_json::json!({
            "serial": old.serial,
            "new_card_id": new.id,
            "new_serial": new.serial,
            "batch_id": batch.id,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(new)
}

async fn load(db: &impl ConnectionTrait, card_id: i64) -> Result<cards::Model, CardError> {
    cards::Entity::find_by_id(card_id)
        .one(db)
        .await?
        .ok_or_else(|| CardError::NotFound(Msg::new("cards_error_no_card").arg("id", card_id)))
}

async fn revoke_in(
    db: &impl ConnectionTrait,
    card: cards::Model,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<cards::Model, CardError> {
    let mut active = card.into_active_model();
    active.status = Set(CardStatus::Revoked);
    active.revoked_at = Set(Some(at));
    active.revoked_reason = Set(Some(reason.to_string()));
    Ok(active.update(db).await?)
}

fn clean_reason(reason: &str) -> Result<String, CardError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CardError::Refused(Msg::new("cards_error_reason_empty")));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(CardError::Refused(
            Msg::new("cards_error_reason_long").arg("max", MAX_REASON_CHARS),
        ));
    }
    Ok(reason.to_string())
}
