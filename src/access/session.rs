//! Database sessions. The cookie holds a random token; the database holds only its keyed hash,
//! so a leaked dump cannot be replayed as a login. A session ends after a spell without
//! requests (idle) and after a fixed time however busy (absolute); expired rows are purged.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::config::Settings;
use crate::cookies::{SameSite, SetCookie};
use crate::crypto;
use crate::entities::{sessions, users};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "jd_session";
/// How often a session's last-seen time is written at most (not on every request).
const TOUCH_EVERY_SECONDS: i64 = 60;

/// How long logins last.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// Without a request for this long, a session ends.
    pub idle: Duration,
    /// After this long, a session ends however busy it is.
    pub absolute: Duration,
}

impl SessionPolicy {
    /// How often last-seen is written: once a minute, or twice per idle spell if that is
    /// shorter.
    fn touch_every(&self) -> Duration {
        Duration::seconds(TOUCH_EVERY_SECONDS).min(self.idle / 2)
    }

    /// When a session last written as seen at `last_seen` goes idle. The last request may have
    /// come up to one write interval after the time written, and the idle spell counts from
    /// it: so an active session never ends, and an idle one ends between `idle` and `idle`
    /// plus one write interval after its last request.
    fn idle_end(&self, last_seen: DateTime<Utc>) -> DateTime<Utc> {
        last_seen + self.idle + self.touch_every()
    }

    /// The policy the settings give (30 minutes idle, 12 hours absolute by default).
    pub fn of(settings: &Settings) -> Self {
        Self {
            idle: Duration::minutes(i64::from(settings.session_idle_minutes)),
            absolute: Duration::hours(i64::from(settings.session_hours)),
        }
    }
}

fn session_id(key: &[u8], token: &str) -> String {
    crypto::keyed_hash(key, "session", token.as_bytes())
}

/// Starts a session for `user_id` at `now`; returns the cookie token.
pub async fn start(
    db: &impl ConnectionTrait,
    key: &[u8],
    user_id: i64,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> anyhow::Result<String> {
    let token = crypto::random_token::<32>()?;
    sessions::ActiveModel {
        id: Set(session_id(key, &token)),
        user_id: Set(user_id),
        csrf_token: Set(crypto::random_token::<24>()?),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + policy.absolute),
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

/// The live session behind `token` at `now`, and its active user; the session's last-seen
/// time moves on (written at most once a minute).
pub async fn find(
    db: &impl ConnectionTrait,
    key: &[u8],
    token: &str,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> Result<Option<(sessions::Model, users::Model)>, DbErr> {
    let Some(session) = sessions::Entity::find_by_id(session_id(key, token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.expires_at < now || policy.idle_end(session.last_seen_at) < now {
        return Ok(None);
    }
    let user = users::Entity::find_by_id(session.user_id).one(db).await?;
    let Some(user) = user.filter(|u| u.active) else {
        return Ok(None);
    };
    if now - session.last_seen_at >= policy.touch_every() {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::LastSeenAt, Expr::value(now))
            .filter(sessions::Column::Id.eq(session.id.as_str()))
            .exec(db)
            .await?;
    }
    Ok(Some((session, user)))
}

/// The session id (keyed hash) behind a cookie token.
pub fn id_of(key: &[u8], token: &str) -> String {
    session_id(key, token)
}

/// Ends every session of `user_id` except `keep` (a session id), e.g. after a password change.
pub async fn end_others(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, DbErr> {
    let mut delete = sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(sessions::Column::Id.ne(keep));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

/// Deletes the sessions that have ended by `now`; returns how many.
pub async fn purge_expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> Result<u64, DbErr> {
    let result = sessions::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(sessions::Column::ExpiresAt.lt(now))
                .add(sessions::Column::LastSeenAt.lt(now - policy.idle - policy.touch_every())),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The session cookie for a token (or for clearing it, with `None`). The cookie lives as long
/// as the session may; SameSite=Lax lets a reminder link opened from webmail arrive logged in.
pub fn cookie(token: Option<&str>, secure: bool, policy: SessionPolicy) -> SetCookie {
    match token {
        Some(token) => SetCookie::new(SESSION_COOKIE, token.to_string(), "/", SameSite::Lax)
            .max_age(policy.absolute.num_seconds()),
        None => SetCookie::removal(SESSION_COOKIE, "/", SameSite::Lax),
    }
    .secure(secure)
}
