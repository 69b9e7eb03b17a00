//! The guard every staff router wears: log in from the session, check the role, refuse
//! forged state changes, mark the answer private, and hand the handler its [`CurrentUser`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::csrf::{carried_token, changes_state, refused, same_origin};
use super::session::{self, SESSION_COOKIE};
use super::{Access, Role};
use crate::entities::users;
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

/// The logged-in staff member of a request that passed its router's guard.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: users::Model,
    pub role: Role,
    /// The session's CSRF token: every form posts it back. Empty for an API token, which
    /// posts no forms.
    pub csrf: String,
    /// The session's id (a keyed hash, never the cookie's token).
    pub session_id: String,
}

impl CurrentUser {
    /// The audit-log actor.
    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor::User(self.user.id)
    }

    /// Renders staff page `template` in `lang`: `ctx` plus who the user is (`me`, for the top
    /// bar and the navigation) and the session's form token (`csrf`). The one way staff pages
    /// are rendered.
    pub fn page(
        &self,
        views: &crate::web::Views,
        template: &str,
        lang: Lang,
        ctx: minijinja::Value,
    ) -> Result<axum::response::Html<String>, AppError> {
        let full = minijinja::context! { me => self.context(lang), csrf => &self.csrf, ..ctx };
        views
            .page(template, lang, full)
            .map_err(|e| AppError::Internal(e.context(format!("rendering {template}"))))
    }

    /// What every staff page shows of the user, and which parts of the navigation it offers.
    pub fn context(&self, lang: Lang) -> minijinja::Value {
        minijinja::context! {
            username => &self.user.username,
            display_name => &self.user.display_name,
            role => self.role.as_str(),
            role_label => self.role.label(lang),
            csrf => &self.csrf,
            is_admin => Access::Admin.allows(self.role),
            can_print => Access::Print.allows(self.role),
            can_cases => Access::Cases.allows(self.role),
            can_supervise => Access::Supervise.allows(self.role),
        }
    }
}

/// Only the guard puts a user into a request; a handler on a route without a guard gets a
/// refusal, never a user.
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or_else(|| {
                tracing::error!(
                    path = parts.uri.path(),
                    "a handler asked for a user on a route without an access rule"
                );
                AppError::Forbidden(Msg::new("error_access_denied"))
            })
    }
}

/// What a guard knows: the server, and what its routes require.
#[derive(Clone)]
pub(super) struct Guard {
    pub state: AppState,
    pub access: Access,
    /// Body limits the routes declared (uploads), by path template.
    pub body_limits: Arc<HashMap<&'static str, usize>>,
}

impl Guard {
    /// The body limit `request`'s route declared: the guard reads no more of a body than
    /// the handler would accept.
    fn body_limit(&self, request: &Request) -> usize {
        request
            .extensions()
            .get::<MatchedPath>()
            .and_then(|path| self.body_limits.get(path.as_str()))
            .copied()
            .unwrap_or(crate::limits::bytes::DEFAULT_BODY)
    }
}

/// The middleware (see the module docs).
pub(super) async fn enforce(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    match admit(&guard, request).await {
        Ok(request) => {
            let mut response = next.run(request).await;
            // Staff pages show names and phone numbers: no cache keeps them.
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(refusal) => refusal,
    }
}

async fn admit(guard: &Guard, mut request: Request) -> Result<Request, Response> {
    let state = &guard.state;
    let path = request.uri().path().to_string();
    let api = path.starts_with("/api/");
    // Only owned values cross the awaits below: a request body is not `Sync`.
    let back_to = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/staff".into());
    let to_login = || {
        if api {
            return AppError::Unauthorized.into_response();
        }
        let next = url::form_urlencoded::byte_serialize(back_to.as_bytes()).collect::<String>();
        Redirect::to(&format!("/login?next={next}")).into_response()
    };
    let Some(token) = crate::cookies::get(request.headers(), SESSION_COOKIE) else {
        return Err(to_login());
    };
    let found = session::find(
        &state.db,
        state.key(),
        &token,
        state.clock.now(),
        crate::access::session::SessionPolicy::of(&state.settings),
    )
    .await
    .map_err(|e| AppError::from(e).into_response())?;
    let Some((session, user)) = found else {
        return Err(to_login());
    };
    // A one-time password opens nothing but the page that replaces it.
    if user.must_change_password && path != "/account/password" && path != "/logout" {
        return Err(if api {
            AppError::Unauthorized.into_response()
        } else {
            Redirect::to("/account/password").into_response()
        });
    }
    // A role that must use a second factor enrols before anything else.
    let enrolling = matches!(
        path.as_str(),
        "/account/totp" | "/account/password" | "/logout"
    );
    if user.totp_secret.is_none()
        && !enrolling
        && !api
        && super::totp_required_roles(&state.db)
            .await
            .map_err(|e| AppError::from(e).into_response())?
            .contains(&user.role)
    {
        return Err(Redirect::to("/account/totp").into_response());
    }
    if !guard.access.allows(user.role) {
        return Err(AppError::Forbidden(Msg::new("error_role_page")).into_response());
    }
    if changes_state(request.method()) {
        if !same_origin(request.headers(), &state.settings.public_base_url) {
            return Err(refused().into_response());
        }
        let limit = guard.body_limit(&request);
        let (token, rebuilt) = carried_token(request, limit)
            .await
            .map_err(IntoResponse::into_response)?;
        if !token.is_some_and(|t| crate::crypto::constant_time_eq(&session.csrf_token, &t)) {
            return Err(refused().into_response());
        }
        request = rebuilt;
    }
    request.extensions_mut().insert(CurrentUser {
        role: user.role,
        user,
        csrf: session.csrf_token,
        session_id: session.id,
    });
    Ok(request)
}
