//! The office's choices about answers: whether a supervisor reviews a conclusion before the
//! reporter reads it (default: no, the answer is published at once), and how many working
//! days after a decline or an answer the reporter may object (default 15). Kept in
//! `settings`; every change is audited.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::db::WriteGate;
use crate::entities::settings;

const REVIEW_KEY: &str = "feedback_review_before_publication";
const OBJECTION_DAYS_KEY: &str = "feedback_objection_working_days";

/// The objection window when none is set, in working days.
pub const DEFAULT_OBJECTION_DAYS: u32 = 15;
/// The longest objection window an admin may set, in working days.
pub const MAX_OBJECTION_DAYS: u32 = 60;

/// How answers are published and objected to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FeedbackSettings {
    /// A supervisor reviews a conclusion before the reporter reads it.
    pub review: bool,
    /// Working days after a decline or an answer in which the reporter may object (1–60).
    pub objection_days: u32,
}

impl Default for FeedbackSettings {
    fn default() -> Self {
        Self {
            review: false,
            objection_days: DEFAULT_OBJECTION_DAYS,
        }
    }
}

/// The settings in force (the defaults for what was never set or cannot be read).
pub async fn feedback_settings(db: &impl ConnectionTrait) -> Result<FeedbackSettings, DbErr> {
    let mut out = FeedbackSettings::default();
    if let Some(row) = settings::Entity::find_by_id(REVIEW_KEY).one(db).await? {
        out.review = row.value == "true";
    }
    if let Some(row) = settings::Entity::find_by_id(OBJECTION_DAYS_KEY)
        .one(db)
        .await?
    {
        out.objection_days = row
            .value
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=MAX_OBJECTION_DAYS).contains(d))
            .unwrap_or(DEFAULT_OBJECTION_DAYS);
    }
    Ok(out)
}

async fn put(
    db: &impl ConnectionTrait,
    key: &str,
    value: String,
    stamp: &Stamp<'_>,
) -> Result<(), DbErr> {
    let row = settings::ActiveModel {
        key: Set(key.to_string()),
        value: Set(value),
        updated_at: Set(stamp.at),
    };
    if settings::Entity::find_by_id(key).one(db).await?.is_some() {
        row.update(db).await?;
    } else {
        row.insert(db).await?;
    }
    Ok(())
}

/// Stores `new` (the caller has checked its range), audited with the values before and after.
pub async fn save_feedback_settings(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    new: FeedbackSettings,
) -> Result<(), DbErr> {
    let txn = writes.begin().await?;
    let old = feedback_settings(&*txn).await?;
    put(&*txn, REVIEW_KEY, new.review.to_string(), stamp).await?;
    put(
        &*txn,
        OBJECTION_DAYS_KEY,
        new.objection_days.to_string(),
        stamp,
    )
    .await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::FeedbackSettingsChanged, "setting", "feedback").with_detail(
            serde_json::json!({
                "review_before": old.review, "review": new.review,
                "objection_days_before": old.objection_days,
                "objection_days": new.objection_days,
            }),
        ),
    )
    .await?;
    txn.commit().await
}
