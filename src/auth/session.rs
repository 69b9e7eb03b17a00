//! Database sessions. The cookie holds a random token; the database holds only its keyed hash,
//! so a leaked dump cannot be replayed as a login.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use super::Role;
use crate::app::AppState;
use crate::crypto;
use crate::entities::{sessions, users};
use crate::error::AppError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "jd_session";
/// How long a login lasts.
pub const SESSION_HOURS: i64 = 12;

fn session_id(key: &[u8], token: &str) -> String {
    crypto::keyed_hash(key, "session", token.as_bytes())
}

/// Starts a session for `user_id`; returns the cookie token.
pub async fn start(db: &impl ConnectionTrait, key: &[u8], user_id: i64) -> anyhow::Result<String> {
    let token = crypto::random_token::<32>()?;
    let now = Utc::now();
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
pub async fn end(db: &impl ConnectionTrait, key: &[u8], token: &str) -> anyhow::Result<()> {
    sessions::Entity::delete_by_id(session_id(key, token))
        .exec(db)
        .await?;
    Ok(())
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

/// The logged-in staff member of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: users::Model,
    pub role: Role,
    /// The session's CSRF token: every form posts it back.
    pub csrf: String,
}

impl CurrentUser {
    /// Refuses with 403 unless the user has one of `roles`. Admins may do everything.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if self.role == Role::Admin || roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "您的角色无权进行此操作 · Your role may not do this".into(),
            ))
        }
    }

    /// Refuses with 403 unless `token` is this session's CSRF token.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if crypto::constant_time_eq(&self.csrf, token) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "表单已过期，请刷新页面后重试 · The form has expired; reload the page and try again"
                    .into(),
            ))
        }
    }
}

/// Why a request has no user: pages redirect to the login page, the API answers 401.
pub enum NotLoggedIn {
    Redirect(String),
    /// Logged in with a one-time password that must be replaced first.
    ChangePassword,
    Unauthorized,
    Error(AppError),
}

impl IntoResponse for NotLoggedIn {
    fn into_response(self) -> Response {
        match self {
            NotLoggedIn::Redirect(next) => {
                let next =
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>();
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
            NotLoggedIn::ChangePassword => Redirect::to("/account/password").into_response(),
            NotLoggedIn::Unauthorized => AppError::Unauthorized.into_response(),
            NotLoggedIn::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = NotLoggedIn;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let reject = || {
            if parts.uri.path().starts_with("/api/") {
                NotLoggedIn::Unauthorized
            } else {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/staff".into());
                NotLoggedIn::Redirect(next)
            }
        };
        let Some(token) = crate::web::cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(reject());
        };
        let key = state.settings.secret_key.expose();
        let db_error = |e: sea_orm::DbErr| NotLoggedIn::Error(e.into());
        let Some(session) = sessions::Entity::find_by_id(session_id(key, &token))
            .one(&state.db)
            .await
            .map_err(db_error)?
        else {
            return Err(reject());
        };
        let Some(user) = users::Entity::find_by_id(session.user_id)
            .one(&state.db)
            .await
            .map_err(db_error)?
        else {
            return Err(reject());
        };
        if session.expires_at < Utc::now() || !user.active {
            return Err(reject());
        }
        let Some(role) = Role::parse(&user.role) else {
            return Err(reject());
        };
        // A one-time password opens nothing but the page that replaces it.
        let path = parts.uri.path();
        if user.must_change_password && path != "/account/password" && path != "/logout" {
            return Err(if path.starts_with("/api/") {
                NotLoggedIn::Unauthorized
            } else {
                NotLoggedIn::ChangePassword
            });
        }
        Ok(CurrentUser {
            user,
            role,
            csrf: session.csrf_token,
        })
    }
}
