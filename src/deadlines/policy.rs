//! The deadline policy (SLA): working days allowed for each stage of a case, and the policy
//! every installation starts with.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, Set};

use crate::entities::sla_policies;

/// Working days allowed for each stage of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaPolicy {
    /// Accept or decline, counted from receipt.
    pub accept_days: i32,
    /// Conclude, counted from acceptance.
    pub conclude_days: i32,
    /// Give feedback, counted from conclusion.
    pub feedback_days: i32,
}

impl Default for SlaPolicy {
    /// The provincial business-environment practice: 3 / 15 / 5 working days.
    fn default() -> Self {
        Self {
            accept_days: 3,
            conclude_days: 15,
            feedback_days: 5,
        }
    }
}

/// When the policy stored at first start takes effect: before any report can have been received.
pub const INITIAL_POLICY_FROM: DateTime<Utc> = DateTime::<Utc>::UNIX_EPOCH;

/// The policy seeded at first start: the oldest row no admin created. It governs everything
/// received before the first policy an admin adds (databases seeded before this rule stored
/// their first start as its date).
pub fn initial_policy_id(rows: &[sla_policies::Model]) -> Option<i64> {
    rows.iter()
        .filter(|row| row.created_by.is_none())
        .map(|row| row.id)
        .min()
        .filter(|id| rows.iter().map(|row| row.id).min() == Some(*id))
}

/// Stores the default policy when none exists. Returns whether it did.
pub async fn seed_default(db: &impl ConnectionTrait) -> Result<bool, sea_orm::DbErr> {
    if sla_policies::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let policy = SlaPolicy::default();
    sla_policies::ActiveModel {
        accept_days: Set(policy.accept_days),
        conclude_days: Set(policy.conclude_days),
        feedback_days: Set(policy.feedback_days),
        effective_from: Set(INITIAL_POLICY_FROM),
        created_by: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// The policy in force (the newest row), or the default if none is stored.
pub async fn current(db: &impl ConnectionTrait) -> Result<SlaPolicy, sea_orm::DbErr> {
    Ok(sla_policies::Entity::find()
        .order_by_desc(sla_policies::Column::Id)
        .one(db)
        .await?
        .map(|row| SlaPolicy {
            accept_days: row.accept_days,
            conclude_days: row.conclude_days,
            feedback_days: row.feedback_days,
        })
        .unwrap_or_default())
}
