//! Deadlines (SLA): the policy (working days per stage), the working-day calendar, and the
//! rules that turn them into a due date for each stage of a case.

pub mod calendar;
pub mod calendar_file;
mod clock;

pub use clock::{PolicyRow, SlaCache, SlaRules, load_rules};

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

/// Stores the default policy when none exists. Returns whether it did.
pub async fn seed_default(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    if sla_policies::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let policy = SlaPolicy::default();
    sla_policies::ActiveModel {
        accept_days: Set(policy.accept_days),
        conclude_days: Set(policy.conclude_days),
        feedback_days: Set(policy.feedback_days),
        effective_from: Set(now),
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
