//! Correcting an account after it was made: its display name, email, role and unit, together
//! in one transaction, one audit row per field that changed. The last active admin keeps
//! the admin role (nobody could administer the accounts after it).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, Set,
};

use super::Role;
use super::accounts::AccountError;
use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::db::WriteGate;
use crate::entities::{units, users};
use crate::error::Msg;

/// What to change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct AccountEdit {
    pub display_name: Option<String>,
    /// `Some(None)` removes the address.
    pub email: Option<Option<String>>,
    pub role: Option<Role>,
    /// `Some(None)` takes the account out of any unit.
    pub unit: Option<Option<i64>>,
}

/// A display name as stored: trimmed, 1–60 characters.
pub fn clean_display_name(name: &str) -> Result<String, AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AccountError::Invalid(Msg::new("account_error_name")));
    }
    Ok(name.to_string())
}

/// An email address as stored (`None` for none): trimmed, with an `@`, at most 200 bytes.
pub fn clean_email(email: Option<&str>) -> Result<Option<String>, AccountError> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    if email.is_some_and(|e| !e.contains('@') || e.len() > 200 || e.contains(char::is_whitespace)) {
        return Err(AccountError::Invalid(Msg::new("account_error_email")));
    }
    Ok(email.map(str::to_string))
}

/// Refuses to take the admin role (or the account) away from `user` when no other active
/// admin would be left. The admins' rows are locked first on PostgreSQL, so two admins
/// demoting each other at the same moment cannot both succeed.
pub async fn keep_an_admin(
    db: &impl ConnectionTrait,
    user: &users::Model,
) -> Result<(), AccountError> {
    if user.role != Role::Admin || !user.active {
        return Ok(());
    }
    let mut query = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Role.eq(Role::Admin))
        .filter(users::Column::Active.eq(true));
    if db.get_database_backend() == DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    let admins: Vec<i64> = query.into_tuple().all(db).await?;
    if admins.iter().all(|id| *id == user.id) {
        return Err(AccountError::Invalid(
            Msg::new("acct_error_last_admin").arg("name", user.username.as_str()),
        ));
    }
    Ok(())
}

/// Makes the changes `edit` asks for to account `user_id`; returns what changed (empty when
/// every field already had the value asked for). Nothing is written if one field is refused.
pub async fn edit_account(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    user_id: i64,
    edit: AccountEdit,
) -> Result<Vec<AuditAction>, AccountError> {
    let txn = writes.begin().await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&*txn)
        .await?
        .ok_or_else(|| AccountError::NoUser(user_id.to_string()))?;
    let mut events: Vec<(AuditAction, serde_json::Value)> = Vec::new();
    let mut row = user.clone().into_active_model();
    if let Some(name) = &edit.display_name {
        let name = clean_display_name(name)?;
        if name != user.display_name {
            events.push((
                AuditAction::UserRenamed,
                serde_json::json!({ "from": user.display_name, "to": name }),
            ));
            row.display_name = Set(name);
        }
    }
    if let Some(email) = &edit.email {
        let email = clean_email(email.as_deref())?;
        if email != user.email {
            events.push((
                AuditAction::UserEmailChanged,
                serde_json::json!({ "from": user.email, "to": email }),
            ));
            row.email = Set(email);
        }
    }
    if let Some(role) = edit.role.filter(|r| *r != user.role) {
        if role != Role::Admin {
            keep_an_admin(&*txn, &user).await?;
        }
        events.push((
            AuditAction::UserRoleChanged,
            serde_json::json!({ "from": user.role.as_str(), "role": role.as_str() }),
        ));
        row.role = Set(role);
    }
    if let Some(unit) = edit.unit.filter(|u| *u != user.unit_id) {
        if let Some(id) = unit {
            units::Entity::find_by_id(id)
                .one(&*txn)
                .await?
                .ok_or_else(|| AccountError::NoUnit(id.to_string()))?;
        }
        events.push((
            AuditAction::UserUnitChanged,
            serde_json::json!({ "from": user.unit_id, "unit": unit }),
        ));
        row.unit_id = Set(unit);
    }
    if events.is_empty() {
        return Ok(Vec::new());
    }
    row.update(&*txn).await?;
    let mut changed = Vec::new();
    for (action, detail) in events {
        crate::audit::append(
            &*txn,
            stamp,
            AuditEvent::new(action, "user", user_id).with_detail(detail),
        )
        .await?;
        changed.push(action);
    }
    txn.commit().await?;
    Ok(changed)
}
