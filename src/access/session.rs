//! Database sessions. The cookie holds a random token; the database holds only its keyed hash,
//! so a leaked dump cannot be replayed as a login.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

use crate::crypto;
use crate::entities::{sessions, users};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "jd_session";
/// How long a login lasts.
pub const SESSION_HOURS: i64 = 12;

fn session_id(key: &[u8], token: &str) -> String {
    crypto::keyed_hash(key, "session", token.as_bytes())
}

/// Starts a session for `user_id` at `now`; returns the cookie token.
pub async fn start(
    db: &impl ConnectionTrait,
    key: &[u8],
    user_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let token = crypto::random_token::<32>()?;
    sessions::ActiveModel {
        id: Set(session_id(key, &token)),
        user_id: Set(user_id),
        csrf_token: Set(crypto::random_token::<24>()?),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::hours(SESSION_HOURS)),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Ends the session behind `token`, if any.
pub async fn end(db: &impl ConnectionTrait, key: &[u8], token: &str) -> Result<(), DbErr> {
    sessions::Entity::delete_by_id(session_id(key, token))
        .exec(db)
        .await?;
    Ok(())
}

/// The live session behind `token` at `now`, and its active user.
pub async fn find(
    db: &impl ConnectionTrait,
    key: &[u8],
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(sessions::Model, users::Model)>, DbErr> {
    let Some(session) = sessions::Entity::find_by_id(session_id(key, token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.expires_at < now {
        return Ok(None);
    }
    let user = users::Entity::find_by_id(session.user_id).one(db).await?;
    Ok(user.filter(|u| u.active).map(|user| (session, user)))
}

/// The `Set-Cookie` value for a session token (or for clearing it, with `None`).
pub fn cookie(token: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(token) => format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            SESSION_HOURS * 3600
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}
