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
    /// Working days before a deadline from which its light is yellow (三色预警).
    pub yellow_days: i32,
}

impl SlaPolicy {
    /// The policy a stored row describes.
    pub fn of(row: &sla_policies::Model) -> Self {
        Self {
            accept_days: row.accept_days,
            conclude_days: row.conclude_days,
            feedback_days: row.feedback_days,
            yellow_days: row.yellow_days,
        }
    }

    /// The yellow window in working days (never negative).
    pub fn yellow_window(&self) -> u32 {
        u32::try_from(self.yellow_days).unwrap_or(0)
    }
}

impl Default for SlaPolicy {
    /// The provincial business-environment practice: 3 / 15 / 5 working days.
    fn default() -> Self {
        Self {
            accept_days: 3,
            conclude_days: 15,
            feedback_days: 5,
            yellow_days: super::lights::DEFAULT_YELLOW_DAYS as i32,
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
        .map(|row| SlaPolicy::of(&row))
        .unwrap_or_default())
}
