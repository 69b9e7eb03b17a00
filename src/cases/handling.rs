//! 办理规则: how this office handles its cases. One rule so far: whether an inspector may
//! decline a case (不予受理) directly, as a small office may want, or asks a supervisor to
//! approve it (the default, as the 检举控告工作规则 expect). Stored in `settings`; a change is
//! audited with the row it writes.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::db::WriteGate;
use crate::entities::settings;

/// The `settings` key: `1` when inspectors decline directly; absent or anything else: by
/// approval.
pub const DIRECT_DECLINE_KEY: &str = "inspectors_decline_directly";

/// Whether inspectors may decline a case without a supervisor's approval.
pub async fn inspectors_decline_directly(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(settings::Entity::find_by_id(DIRECT_DECLINE_KEY)
        .one(db)
        .await?
        .is_some_and(|row| row.value == "1"))
}

/// Sets whether inspectors may decline directly; audited as a setting change.
pub async fn set_inspectors_decline_directly(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    direct: bool,
) -> Result<(), DbErr> {
    let value = if direct { "1" } else { "0" };
    let txn = writes.begin().await?;
    let row = settings::ActiveModel {
        key: Set(DIRECT_DECLINE_KEY.to_string()),
        value: Set(value.to_string()),
        updated_at: Set(stamp.at),
    };
    let existing = settings::Entity::find_by_id(DIRECT_DECLINE_KEY)
        .one(&*txn)
        .await?;
    if existing.as_ref().is_some_and(|e| e.value == value) {
        // Nothing changes, so nothing is audited.
        return Ok(());
    }
    if existing.is_some() {
        row.update(&*txn).await?;
    } else {
        row.insert(&*txn).await?;
    }
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::SettingChanged, "setting", DIRECT_DECLINE_KEY)
            .with_detail(serde_json::json!({ "inspectors_decline_directly": direct })),
    )
    .await?;
    txn.commit().await
}
