//! Personal API tokens: a staff member's key to the JSON API. The secret (`jdk_` + 32 random
//! bytes, base64url) is shown once, when issued; the database keeps only its keyed hash, so a
//! copy of the database opens nothing. A token acts as its owner with the owner's role, while
//! it is not revoked and the account is active (the bearer guard in `access` checks both on
//! every request). Issuing and revoking are audited in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use crate::access::bearer::{TOKEN_PREFIX, token_hash};
use crate::audit::{AuditAction, AuditEvent, Stamp};
use crate::config::Secret;
use crate::db::WriteGate;
use crate::entities::{api_tokens, users};
use crate::error::Msg;

/// Longest token name, in characters.
pub const MAX_TOKEN_NAME: usize = 100;

/// Why a token could not be issued or revoked.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{}", self.message())]
    UnknownUser,
    #[error("{}", self.message())]
    InactiveUser(String),
    /// The name is empty, too long or has control characters; the message says which.
    #[error("{0}")]
    InvalidName(Msg),
    #[error("{}", self.message())]
    NotFound,
    #[error("{}", self.message())]
    AlreadyRevoked(i64),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl TokenError {
    /// What the person is told.
    pub fn message(&self) -> Msg {
        match self {
            TokenError::UnknownUser => Msg::new("token_error_unknown_user"),
            TokenError::InactiveUser(name) => {
                Msg::new("token_error_inactive_user").arg("name", name.as_str())
            }
            TokenError::InvalidName(msg) => msg.clone(),
            TokenError::NotFound => Msg::new("token_error_not_found"),
            TokenError::AlreadyRevoked(id) => Msg::new("token_error_revoked").arg("id", *id),
            TokenError::Db(_) | TokenError::Other(_) => Msg::new("error_internal"),
        }
    }
}

/// A token as it is listed: never its secret, nor its hash.
#[derive(Clone, Debug, Serialize)]
pub struct TokenSummary {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    /// Whether the owner's account is active (a disabled account's tokens open nothing).
    pub user_active: bool,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// To the minute: written at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenSummary {
    /// Whether the token would open the API now.
    pub fn works(&self) -> bool {
        self.revoked_at.is_none() && self.user_active
    }
}

fn checked_name(name: &str) -> Result<String, TokenError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(TokenError::InvalidName(Msg::new("token_error_name_empty")));
    }
    if name.chars().count() > MAX_TOKEN_NAME {
        return Err(TokenError::InvalidName(
            Msg::new("token_error_name_long").arg("max", MAX_TOKEN_NAME),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(TokenError::InvalidName(Msg::new(
            "token_error_name_control",
        )));
    }
    Ok(name.to_string())
}

/// Issues a token named `name` to user `user_id`, as `stamp` says. Returns the stored row and
/// the secret, which exists nowhere else: show it once.
pub async fn issue_token(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    user_id: i64,
    name: &str,
) -> Result<(api_tokens::Model, Secret<String>), TokenError> {
    let name = checked_name(name)?;
    let secret = format!("{TOKEN_PREFIX}{}", crate::crypto::random_token::<32>()?);
    let txn = writes.begin().await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&*txn)
        .await?
        .ok_or(TokenError::UnknownUser)?;
    if !user.active {
        return Err(TokenError::InactiveUser(user.username));
    }
    let token = api_tokens::ActiveModel {
        user_id: Set(user.id),
        name: Set(name),
        token_hash: Set(token_hash(stamp.key, &secret)),
        created_at: Set(stamp.at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::ApiTokenIssued, "api_token", token.id)
            .with_detail(serde_json::json!({ "user": user.id, "name": &token.name })),
    )
    .await?;
    txn.commit().await?;
    Ok((token, Secret::new(secret)))
}

/// The tokens of user `user_id`, or of everyone, oldest first.
pub async fn list_tokens(
    db: &impl ConnectionTrait,
    user_id: Option<i64>,
) -> Result<Vec<TokenSummary>, DbErr> {
    let mut query = api_tokens::Entity::find().order_by_asc(api_tokens::Column::Id);
    if let Some(id) = user_id {
        query = query.filter(api_tokens::Column::UserId.eq(id));
    }
    let tokens = query.all(db).await?;
    let owners: Vec<i64> = tokens.iter().map(|t| t.user_id).collect();
    let owners: std::collections::HashMap<i64, users::Model> = users::Entity::find()
        .filter(users::Column::Id.is_in(owners))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(tokens
        .into_iter()
        .map(|t| {
            let owner = owners.get(&t.user_id);
            TokenSummary {
                id: t.id,
                user_id: t.user_id,
                username: owner
                    .map(|u| u.username.clone())
                    .unwrap_or_else(|| format!("#{}", t.user_id)),
                user_active: owner.is_some_and(|u| u.active),
                name: t.name,
                created_at: t.created_at,
                last_used_at: t.last_used_at,
                revoked_at: t.revoked_at,
            }
        })
        .collect())
}

/// Revokes token `id` as of `stamp.at`: from then on it opens nothing. Revoking is final.
pub async fn revoke_token(
    writes: &WriteGate,
    stamp: &Stamp<'_>,
    id: i64,
) -> Result<api_tokens::Model, TokenError> {
    let txn = writes.begin().await?;
    let token = api_tokens::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(TokenError::NotFound)?;
    if token.revoked_at.is_some() {
        return Err(TokenError::AlreadyRevoked(id));
    }
    let user_id = token.user_id;
    let mut update = token.into_active_model();
    update.revoked_at = Set(Some(stamp.at));
    let token = update.update(&*txn).await?;
    crate::audit::append(
        &*txn,
        stamp,
        AuditEvent::new(AuditAction::ApiTokenRevoked, "api_token", id)
            .with_detail(serde_json::json!({ "user": user_id })),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_name_is_trimmed_and_must_say_something_printable() {
        assert_eq!(
            checked_name("  nightly export ").ok(),
            Some("nightly export".into())
        );
        assert!(checked_name("   ").is_err());
        assert!(checked_name("a\u{7}b").is_err());
        assert!(checked_name(&"名".repeat(MAX_TOKEN_NAME)).is_ok());
        assert!(checked_name(&"名".repeat(MAX_TOKEN_NAME + 1)).is_err());
    }
}
