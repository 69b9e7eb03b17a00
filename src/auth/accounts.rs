//! Looking after staff accounts: list, change, disable, reset a password, unlock; and units
//! (inspection offices) with the districts each covers. Every change is audited in its own
//! transaction; disabling an account or resetting its password ends its sessions.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::Role;
use crate::access::session;
use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::db::WriteGate;
use crate::entities::{unit_districts, units, users};
use crate::error::Msg;

/// Why an account or unit change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{}", Msg::new("account_error_no_user").arg("name", .0.as_str()))]
    NoUser(String),
    #[error("{}", Msg::new("account_error_no_unit").arg("name", .0.as_str()))]
    NoUnit(String),
    #[error("{0}")]
    Invalid(Msg),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<AccountError> for crate::error::AppError {
    fn from(e: AccountError) -> Self {
        use crate::error::AppError;
        match e {
            AccountError::NoUser(_) | AccountError::NoUnit(_) => AppError::NotFound,
            AccountError::Invalid(m) => AppError::Unprocessable(m),
            AccountError::Db(e) => AppError::Internal(anyhow::Error::new(e)),
            AccountError::Other(e) => AppError::Internal(e),
        }
    }
}

/// One account as the admin pages and `users list` show it.
#[derive(Clone, Debug, Serialize)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub unit: Option<String>,
    pub active: bool,
    pub locked: bool,
    pub totp: bool,
    pub must_change_password: bool,
}

/// Every account, by username.
pub async fn list_accounts(
    db: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<AccountRow>, DbErr> {
    let units: HashMap<i64, String> = units::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(users::Entity::find()
        .order_by_asc(users::Column::Username)
        .all(db)
        .await?
        .into_iter()
        .map(|u| AccountRow {
            id: u.id,
            unit: u.unit_id.and_then(|id| units.get(&id).cloned()),
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            role: u.role,
            unit_id: u.unit_id,
            active: u.active,
            locked: u.locked_until.is_some_and(|until| until > now),
            totp: u.totp_secret.is_some(),
            must_change_password: u.must_change_password,
        })
        .collect())
}

/// The account called `username`.
pub async fn by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<users::Model, AccountError> {
    users::Entity::find()
        .filter(users::Column::Username.eq(username.trim()))
        .one(db)
        .await?
        .ok_or_else(|| AccountError::NoUser(username.to_string()))
}

/// The unit called `name`, or with id `name`.
pub async fn unit_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<units::Model, AccountError> {
    let name = name.trim();
    let mut query = units::Entity::find().filter(units::Column::Name.eq(name));
    if let Ok(id) = name.parse::<i64>() {
        query = units::Entity::find().filter(
            sea_orm::Condition::any()
                .add(units::Column::Name.eq(name))
                .add(units::Column::Id.eq(id)),
        );
    }
    query
        .one(db)
        .await?
        .ok_or_else(|| AccountError::NoUnit(name.to_string()))
}

/// A change to an account.
#[derive(Clone, Debug)]
pub enum AccountChange {
    /// Enable or disable the account (a disabled one cannot log in; its sessions end).
    Active(bool),
    /// Move it to a unit (or none).
    Unit(Option<i64>),
    Role(Role),
    DisplayName(String),
    Email(Option<String>),
    /// Clear a lockout now.
    Unlock,
    /// Remove the second factor (the user enrols again if their role requires it).
    ResetTotp,
}

/// Makes `change` to account `user_id`, audited.
pub async fn change_account(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    user_id: i64,
    change: AccountChange,
) -> Result<users::Model, AccountError> {
    let txn = writes.begin().await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&*txn)
        .await?
        .ok_or_else(|| AccountError::NoUser(user_id.to_string()))?;
    let (user_locked_until, user_failures) = (user.locked_until, user.failed_logins);
    if matches!(change, AccountChange::Active(false))
        || matches!(change, AccountChange::Role(role) if role != Role::Admin)
    {
        super::edit::keep_an_admin(&*txn, &user).await?;
    }
    let mut row = user.into_active_model();
    let (action, detail) = match &change {
        AccountChange::Active(active) => {
            row.active = Set(*active);
            if !active {
                session::end_others(&*txn, user_id, None).await?;
            }
            (
                if *active {
                    AuditAction::UserEnabled
                } else {
                    AuditAction::UserDisabled
                },
                serde_json::json!({}),
            )
        }
        AccountChange::Unit(unit) => {
            if let Some(id) = unit {
                units::Entity::find_by_id(*id)
                    .one(&*txn)
                    .await?
                    .ok_or_else(|| AccountError::NoUnit(id.to_string()))?;
            }
            row.unit_id = Set(*unit);
            (
                AuditAction::UserUnitChanged,
                serde_json::json!({ "unit": unit }),
            )
        }
        AccountChange::Role(role) => {
            row.role = Set(*role);
            (
                AuditAction::UserRoleChanged,
                serde_json::json!({ "role": role.as_str() }),
            )
        }
        AccountChange::DisplayName(name) => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 60 {
                return Err(AccountError::Invalid(Msg::new("account_error_name")));
            }
            row.display_name = Set(name.to_string());
            (AuditAction::UserRenamed, serde_json::json!({}))
        }
        AccountChange::Email(email) => {
            let email = email.as_deref().map(str::trim).filter(|e| !e.is_empty());
            if email.is_some_and(|e| !e.contains('@') || e.len() > 200) {
                return Err(AccountError::Invalid(Msg::new("account_error_email")));
            }
            row.email = Set(email.map(str::to_string));
            (AuditAction::UserEmailChanged, serde_json::json!({}))
        }
        AccountChange::Unlock => {
            let was_locked = user_locked_until.is_some_and(|until| until > stamp.at);
            row.failed_logins = Set(0);
            row.locked_until = Set(None);
            (
                AuditAction::UserUnlocked,
                serde_json::json!({ "was_locked": was_locked, "failures": user_failures }),
            )
        }
        AccountChange::ResetTotp => {
            row.totp_secret = Set(None);
            row.totp_last_step = Set(None);
            (AuditAction::UserTotpReset, serde_json::json!({}))
        }
    };
    let user = row.update(&*txn).await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(action, "user", user_id).with_detail(detail),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Gives account `user_id` a new one-time password (returned, to be handed over once): the
/// user must choose their own at the next login, the lockout is cleared and every session of
/// theirs ends.
pub async fn reset_password(
    writes: &WriteGate,
    passwords: &crate::pool::Pool,
    stamp: &Stamp<'_>,
    user_id: i64,
) -> Result<String, AccountError> {
    let password = super::generate_password()?;
    let to_hash = password.clone();
    let hash = passwords
        .run(move || super::hash_password(&to_hash))
        .await
        .map_err(anyhow::Error::new)??;
    let txn = writes.begin().await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&*txn)
        .await?
        .ok_or_else(|| AccountError::NoUser(user_id.to_string()))?;
    let mut row = user.into_active_model();
    row.password_hash = Set(hash);
    row.must_change_password = Set(true);
    row.failed_logins = Set(0);
    row.locked_until = Set(None);
    row.update(&*txn).await?;
    let ended = session::end_others(&*txn, user_id, None).await?;
    // A reset hands the account over afresh (a lost or leaked password): the API tokens
    // issued for it end too. A person's own password change keeps them (only an admin
    // issues tokens, so a stolen password cannot have made one).
    let revoked = crate::entities::api_tokens::Entity::update_many()
        .col_expr(
            crate::entities::api_tokens::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(stamp.at),
        )
        .filter(crate::entities::api_tokens::Column::UserId.eq(user_id))
        .filter(crate::entities::api_tokens::Column::RevokedAt.is_null())
        .exec(&*txn)
        .await?
        .rows_affected;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::PasswordReset, "user", user_id)
            .with_detail(serde_json::json!({ "sessions_ended": ended, "tokens_revoked": revoked })),
    )
    .await?;
    txn.commit().await?;
    Ok(password)
}

/// A unit with its districts and how many people work in it.
#[derive(Clone, Debug, Serialize)]
pub struct UnitRow {
    pub id: i64,
    pub name: String,
    pub districts: Vec<String>,
    pub members: usize,
}

/// Every unit, by name.
pub async fn list_units(db: &impl ConnectionTrait) -> Result<Vec<UnitRow>, DbErr> {
    let mut districts: HashMap<i64, Vec<String>> = HashMap::new();
    for row in unit_districts::Entity::find()
        .order_by_asc(unit_districts::Column::District)
        .all(db)
        .await?
    {
        districts.entry(row.unit_id).or_default().push(row.district);
    }
    let mut members: HashMap<i64, usize> = HashMap::new();
    for user in users::Entity::find().all(db).await? {
        if let Some(unit) = user.unit_id.filter(|_| user.active) {
            *members.entry(unit).or_default() += 1;
        }
    }
    Ok(units::Entity::find()
        .order_by_asc(units::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|u| UnitRow {
            districts: districts.remove(&u.id).unwrap_or_default(),
            members: members.get(&u.id).copied().unwrap_or(0),
            id: u.id,
            name: u.name,
        })
        .collect())
}

fn clean_districts(districts: &[String]) -> Result<Vec<String>, AccountError> {
    let mut out: Vec<String> = districts
        .iter()
        .flat_map(|d| d.split([',', '，', '、', '\n']))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    if out.iter().any(|d| d.chars().count() > 60) {
        return Err(AccountError::Invalid(Msg::new(
            "account_error_district_long",
        )));
    }
    Ok(out)
}

/// Gives unit `unit_id` exactly `districts`; a district another unit covers is refused.
async fn set_districts(
    db: &impl ConnectionTrait,
    unit_id: i64,
    districts: &[String],
) -> Result<(), AccountError> {
    let taken = unit_districts::Entity::find()
        .filter(unit_districts::Column::District.is_in(districts.iter().cloned()))
        .filter(unit_districts::Column::UnitId.ne(unit_id))
        .one(db)
        .await?;
    if let Some(taken) = taken {
        return Err(AccountError::Invalid(
            Msg::new("account_error_district_taken").arg("district", taken.district),
        ));
    }
    unit_districts::Entity::delete_many()
        .filter(unit_districts::Column::UnitId.eq(unit_id))
        .exec(db)
        .await?;
    for district in districts {
        unit_districts::ActiveModel {
            unit_id: Set(unit_id),
            district: Set(district.clone()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Creates a unit covering `districts`. New reports from those districts are routed to it.
pub async fn create_unit(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    name: &str,
    districts: &[String],
) -> Result<units::Model, AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AccountError::Invalid(Msg::new("account_error_unit_name")));
    }
    let districts = clean_districts(districts)?;
    let txn = writes.begin().await?;
    if units::Entity::find()
        .filter(units::Column::Name.eq(name))
        .one(&*txn)
        .await?
        .is_some()
    {
        return Err(AccountError::Invalid(
            Msg::new("account_error_unit_exists").arg("name", name),
        ));
    }
    let unit = units::ActiveModel {
        name: Set(name.to_string()),
        created_at: Set(stamp.at),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    set_districts(&*txn, unit.id, &districts).await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::UnitCreated, "unit", unit.id)
            .with_detail(serde_json::json!({ "name": name, "districts": districts })),
    )
    .await?;
    txn.commit().await?;
    Ok(unit)
}

/// Gives unit `unit_id` a new list of districts.
pub async fn change_unit_districts(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    unit_id: i64,
    districts: &[String],
) -> Result<(), AccountError> {
    let districts = clean_districts(districts)?;
    let txn = writes.begin().await?;
    units::Entity::find_by_id(unit_id)
        .one(&*txn)
        .await?
        .ok_or_else(|| AccountError::NoUnit(unit_id.to_string()))?;
    set_districts(&*txn, unit_id, &districts).await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::UnitDistrictsChanged, "unit", unit_id)
            .with_detail(serde_json::json!({ "districts": districts })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
