//! The JSON API's door: `Authorization: Bearer jdk_…` and nothing else. A session cookie opens
//! no API route, so a page on another site cannot make a logged-in browser call the API, and
//! no CSRF token is needed. The token is found by its keyed hash; an unknown or revoked token
//! and a disabled account are refused with 401, a role the routes do not allow with 403 —
//! decided by [`Access::allows`], exactly as for the staff pages.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::Access;
use super::guard::CurrentUser;
use crate::db::WriteGate;
use crate::entities::{api_tokens, users};
use crate::error::{AppError, ErrorInfo, Msg};
use crate::state::AppState;

/// Every token starts so: easy to recognise in a script or a leak scanner.
pub const TOKEN_PREFIX: &str = "jdk_";
/// `last_used_at` is written at most this often per token, not on every request.
pub const LAST_USED_EVERY_SECONDS: i64 = 60;
/// Longest value worth looking up (a token is 47 characters).
const MAX_TOKEN_LEN: usize = 128;

/// The stored form of a token: its keyed hash.
pub fn token_hash(key: &[u8], secret: &str) -> String {
    crate::crypto::keyed_hash(key, "api-token", secret.as_bytes())
}

/// Why a request was not let in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer …` header.
    Missing,
    /// Not a token this server issued.
    Unknown,
    Revoked,
    /// The token's account is disabled.
    AccountDisabled,
}

impl Refusal {
    /// What the client is told.
    pub fn message(self) -> Msg {
        Msg::new(match self {
            Refusal::Missing => "api_token_missing",
            Refusal::Unknown => "api_token_unknown",
            Refusal::Revoked => "api_token_revoked",
            Refusal::AccountDisabled => "api_token_account_disabled",
        })
    }
}

/// The token a request presents, if it presents one in the right form.
fn presented(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Whether `token` could be one of ours: the prefix, then base64url, not absurdly long.
fn plausible(token: &str) -> bool {
    token.len() <= MAX_TOKEN_LEN
        && token.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The live token behind `secret` at `now` and its active user, or why there is none. A
/// token not used for a minute gets `last_used_at = now` (one short write transaction).
pub async fn find(
    writes: &WriteGate,
    key: &[u8],
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Result<(api_tokens::Model, users::Model), Refusal>, DbErr> {
    if !plausible(secret) {
        return Ok(Err(Refusal::Unknown));
    }
    let db = writes.db();
    let Some(token) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(token_hash(key, secret)))
        .one(db)
        .await?
    else {
        return Ok(Err(Refusal::Unknown));
    };
    if token.revoked_at.is_some() {
        return Ok(Err(Refusal::Revoked));
    }
    let Some(user) = users::Entity::find_by_id(token.user_id)
        .one(db)
        .await?
        .filter(|u| u.active)
    else {
        return Ok(Err(Refusal::AccountDisabled));
    };
    let every = Duration::seconds(LAST_USED_EVERY_SECONDS);
    if token.last_used_at.is_none_or(|at| now - at >= every) {
        let txn = writes.begin().await?;
        touch(&*txn, token.id, now, now - every).await?;
        txn.commit().await?;
    }
    Ok(Ok((token, user)))
}

/// Sets `last_used_at = now` unless another request did since `before`.
async fn touch(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
    before: DateTime<Utc>,
) -> Result<(), DbErr> {
    api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::LastUsedAt, Expr::value(now))
        .filter(api_tokens::Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(api_tokens::Column::LastUsedAt.is_null())
                .add(api_tokens::Column::LastUsedAt.lte(before)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// A refusal as the API answers it: JSON (in words by `api_json_errors`), and for 401 the
/// scheme to use.
fn refuse(status: StatusCode, message: Msg) -> Response {
    let text = message.to_string();
    let mut response = (status, Json(serde_json::json!({ "error": text }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"jianduka\""),
        );
    }
    response.extensions_mut().insert(ErrorInfo { message });
    response
}

/// What a bearer guard knows: the server, and what its routes require.
#[derive(Clone)]
pub(super) struct BearerGuard {
    pub state: AppState,
    pub access: Access,
}

/// The middleware of every [`super::ApiRouter`] (see the module docs).
pub(super) async fn enforce(
    State(guard): State<BearerGuard>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(secret) = presented(request.headers()).map(str::to_string) else {
        return refuse(StatusCode::UNAUTHORIZED, Refusal::Missing.message());
    };
    let state = &guard.state;
    let found = find(&state.writes, state.key(), &secret, state.clock.now()).await;
    let user = match found {
        Ok(Ok((_, user))) => user,
        Ok(Err(refusal)) => return refuse(StatusCode::UNAUTHORIZED, refusal.message()),
        Err(e) => return AppError::from(e).into_response(),
    };
    if !guard.access.allows(user.role) {
        return refuse(StatusCode::FORBIDDEN, Msg::new("api_role_refused"));
    }
    request.extensions_mut().insert(CurrentUser {
        role: user.role,
        user,
        // A token has no session and needs no form token.
        csrf: String::new(),
        session_id: String::new(),
    });
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bearer_header_with_one_of_our_tokens_is_looked_up() {
        let mut headers = HeaderMap::new();
        assert_eq!(presented(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(presented(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  jdk_abc-_1 "),
        );
        assert_eq!(presented(&headers), Some("jdk_abc-_1"));
        assert!(plausible("jdk_abc-_1"));
        for wrong in ["", "jdk_", "abc", "jdk_a b", "jdk_a/b", &"jdk_a".repeat(40)] {
            assert!(!plausible(wrong), "{wrong}");
        }
    }
}
