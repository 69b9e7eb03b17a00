//! Staff accounts: roles, argon2id passwords, database sessions with CSRF tokens, lockout
//! after repeated failures, the first-run admin account, and personal API tokens.

pub mod accounts;
mod admin;
mod admin_edit;
mod admin_tokens;
mod admin_units;
mod audit_page;
pub mod cli;
mod confirmations;
pub mod districts;
pub mod edit;
mod login;
mod routes;
pub mod tokens;
pub mod totp;
mod totp_routes;

pub use accounts::{AccountChange, AccountError};
pub use admin::staff_routes as admin_routes;
pub use login::{LoginOutcome, TICKET_MINUTES, attempt as login, attempt_code as login_code};
pub use routes::{router, staff_routes};
pub use tokens::{TokenError, TokenSummary, issue_token, list_tokens, revoke_token};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

pub use crate::access::Role;
use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::db::WriteGate;
use crate::entities::users;
use crate::error::Msg;
use crate::pool::Pool;

/// Failures after which an account is locked, and for how long.
pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

/// Hashes `password` with argon2id and a random salt. CPU-heavy: run it in the password pool.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt_bytes = crate::crypto::random_bytes::<16>()?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Whether `password` matches `hash`. CPU-heavy: run it in the password pool.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash made the same way as every new password's (same algorithm and cost), checked
/// against when there is no account to check, so that the answer takes the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = crate::crypto::random_token::<18>().unwrap_or_else(|_| "dummy".into());
        hash_password(&random).unwrap_or_default()
    })
}

/// A new account.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    /// The unit (inspection office) the account works in, if any.
    pub unit_id: Option<i64>,
    pub password: String,
    pub must_change_password: bool,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("{}", self.message())]
    Taken(String),
    #[error("{0}")]
    Invalid(Msg),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CreateUserError {
    /// What the person is told.
    pub fn message(&self) -> Msg {
        match self {
            CreateUserError::Taken(name) => {
                Msg::new("account_error_username_taken").arg("name", name.as_str())
            }
            CreateUserError::Invalid(msg) => msg.clone(),
            CreateUserError::Other(_) => Msg::new("error_internal"),
        }
    }
}

/// Creates an account after checking the username and password, and records it in the audit
/// log in the same transaction.
pub async fn create_user(
    writes: &WriteGate,
    passwords: &Pool,
    stamp: &Stamp<'_>,
    new: NewUser,
) -> Result<users::Model, CreateUserError> {
    let username = new.username.trim().to_string();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(CreateUserError::Invalid(Msg::new("account_error_username")));
    }
    if new.password.chars().count() < 10 {
        return Err(CreateUserError::Invalid(Msg::new("password_too_short")));
    }
    // Hash first: argon2 must not run while the transaction holds SQLite's write lock.
    let password = new.password.clone();
    let hash = passwords
        .run(move || hash_password(&password))
        .await
        .map_err(anyhow::Error::new)??;
    let txn = writes.begin().await.map_err(anyhow::Error::new)?;
    let taken = users::Entity::find()
        .filter(users::Column::Username.eq(&username))
        .count(&*txn)
        .await
        .map_err(anyhow::Error::new)?;
    if taken > 0 {
        return Err(CreateUserError::Taken(username));
    }
    // A unit named by id from a form may not exist: say so instead of failing on the key.
    if let Some(unit) = new.unit_id
        && crate::entities::units::Entity::find_by_id(unit)
            .one(&*txn)
            .await
            .map_err(anyhow::Error::new)?
            .is_none()
    {
        return Err(CreateUserError::Invalid(
            Msg::new("account_error_no_unit").arg("name", unit.to_string()),
        ));
    }
    let role = new.role;
    let user = users::ActiveModel {
        username: Set(username),
        display_name: Set(crate::text::clean_owned(new.display_name)),
        email: Set(new.email),
        password_hash: Set(hash),
        role: Set(new.role),
        unit_id: Set(new.unit_id),
        totp_secret: Set(None),
        failed_logins: Set(0),
        locked_until: Set(None),
        must_change_password: Set(new.must_change_password),
        active: Set(true),
        created_at: Set(stamp.at),
        ..Default::default()
    }
    .insert(&*txn)
    .await
    .map_err(anyhow::Error::new)?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::UserCreated, "user", user.id)
            .with_detail(serde_json::json!({ "role": role.as_str(), "unit": new.unit_id })),
    )
    .await
    .map_err(anyhow::Error::new)?;
    txn.commit().await.map_err(anyhow::Error::new)?;
    Ok(user)
}

/// A readable random password: 4 groups of 4 from an alphabet without look-alikes.
pub fn generate_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let bytes = crate::crypto::random_bytes::<16>()?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// On a database with no users, creates `admin` with a one-time password and returns it.
pub async fn bootstrap_admin(
    writes: &WriteGate,
    passwords: &Pool,
    stamp: &Stamp<'_>,
) -> anyhow::Result<Option<String>> {
    if users::Entity::find().count(writes.db()).await? > 0 {
        return Ok(None);
    }
    let password = generate_password()?;
    let created = create_user(
        writes,
        passwords,
        stamp,
        NewUser {
            username: "admin".into(),
            display_name: "系统管理员".into(),
            email: None,
            role: Role::Admin,
            unit_id: None,
            password: password.clone(),
            must_change_password: true,
        },
    )
    .await;
    match created {
        Ok(_) => Ok(Some(password)),
        // Another instance starting at the same moment created it first.
        Err(_) if users::Entity::find().count(writes.db()).await? > 0 => Ok(None),
        Err(e) => Err(anyhow::anyhow!("creating the first admin: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let real = PasswordHash::new(&hash_password("x").expect("hash"))
            .map(|h| (h.algorithm.to_string(), h.version, h.params.to_string()))
            .expect("parses");
        let dummy = PasswordHash::new(dummy_hash())
            .map(|h| (h.algorithm.to_string(), h.version, h.params.to_string()))
            .expect("the dummy hash parses, so it is really computed");
        assert_eq!(real, dummy);
    }

    #[test]
    fn generated_passwords_are_long_and_grouped() {
        let p = generate_password().expect("password");
        assert_eq!(p.len(), 19);
        assert_eq!(p.matches('-').count(), 3);
    }
}
