//! Login, logout, password change and the staff home page (the second factor's pages are
//! in `totp_routes`).

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde::Deserialize;

use super::LoginOutcome;
use crate::access::session::{self, SESSION_COOKIE};
use crate::access::{Access, CurrentUser, LOGIN_CSRF_COOKIE, StaffRouter};
use crate::audit::{AuditAction, AuditEvent};
use crate::client::ClientAddr;
use crate::cookies::{SameSite, SetCookie};
use crate::error::{AppError, ResultExt};
use crate::i18n::Lang;
use crate::state::AppState;

/// `/login`: public, its form guarded by a double-submit token.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new().route(
        "/login",
        get(login_page)
            .post(login)
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::access::login_csrf,
            )),
    )
}

/// `/logout`, `/account/password`: any logged-in staff member.
pub fn staff_routes() -> StaffRouter {
    StaffRouter::new(Access::AnyStaff)
        .post("/logout", logout)
        .get("/account/totp", super::totp_routes::totp_page)
        .post("/account/totp", super::totp_routes::totp_enrol)
        .post("/account/totp/remove", super::totp_routes::totp_remove)
        .get("/account/password", password_page)
        .post("/account/password", change_password)
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
    /// Set after a change: the page says that it worked.
    #[serde(default)]
    done: Option<String>,
}

/// Only same-site paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                // Browsers drop tabs and newlines from URLs: `/\t/evil.example` is `//evil…`.
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/staff".to_string(),
    }
}

/// The login page with a fresh form token, set as a cookie too (double submit).
fn render_login(
    state: &AppState,
    lang: Lang,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let ctx = minijinja::context! { next => next, username => username, error => error };
    login_form(state, lang, "auth/login.html", ctx, StatusCode::OK)
}

/// A page of the login (`template`) whose form carries a fresh token, also set as the
/// `Path=/login` cookie the login's double-submit check compares it with; never cached.
fn login_form(
    state: &AppState,
    lang: Lang,
    template: &str,
    ctx: minijinja::Value,
    status: StatusCode,
) -> Result<Response, AppError> {
    let token = crate::crypto::random_token::<18>().internal("making a form token")?;
    let page = state
        .views
        .page(
            template,
            lang,
            minijinja::context! { csrf => &token, ..ctx },
        )
        .internal("rendering the login page")?;
    let cookie = SetCookie::new(LOGIN_CSRF_COOKIE, token, "/login", SameSite::Strict)
        .secure(state.secure_cookies());
    let mut response = (status, [(header::CACHE_CONTROL, "no-store")], page).into_response();
    cookie.add_to(response.headers_mut());
    Ok(response)
}

async fn login_page(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    render_login(&state, lang, &safe_next(q.next.as_deref()), "", None)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    /// The second step: the ticket the right password earned, and the code.
    ticket: Option<String>,
    code: Option<String>,
}

/// The code step of a login (two-step verification), on the login's form token.
fn render_code_step(
    state: &AppState,
    lang: Lang,
    next: &str,
    ticket: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let ctx = minijinja::context! {
        next => next,
        next_query => url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>(),
        ticket => ticket,
        error => error,
        minutes => super::TICKET_MINUTES.to_string(),
    };
    login_form(state, lang, "auth/login_code.html", ctx, status)
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    lang: Lang,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(form.next.as_deref());
    let username = form.username.trim().to_string();
    let refuse = |key: &str, status: StatusCode| -> Result<Response, AppError> {
        let message = state.views.locales.t(lang, key).to_string();
        let mut page = render_login(&state, lang, &next, &username, Some(&message))?;
        *page.status_mut() = status;
        Ok(page)
    };
    let outcome = match form.ticket.as_deref() {
        Some(ticket) => {
            let code = form.code.as_deref().unwrap_or_default();
            match super::login_code(&state, ip, ticket, code).await? {
                LoginOutcome::Refused => {
                    let message = state.views.locales.t(lang, "login_code_failed").to_string();
                    return render_code_step(
                        &state,
                        lang,
                        &next,
                        ticket,
                        Some(&message),
                        StatusCode::UNAUTHORIZED,
                    );
                }
                other => other,
            }
        }
        None => super::login(&state, ip, &username, form.password).await?,
    };
    let (user, token) = match outcome {
        LoginOutcome::Success {
            user,
            session_token,
        } => (user, session_token),
        LoginOutcome::CodeNeeded { ticket } => {
            return render_code_step(&state, lang, &next, &ticket, None, StatusCode::OK);
        }
        LoginOutcome::Refused => return refuse("login_failed", StatusCode::UNAUTHORIZED),
        LoginOutcome::Throttled(wait) => {
            let mut page = refuse("login_throttled", StatusCode::TOO_MANY_REQUESTS)?;
            let seconds = wait.num_seconds().max(1).to_string();
            if let Ok(value) = HeaderValue::from_str(&seconds) {
                page.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Ok(page);
        }
    };
    let target = if user.must_change_password {
        format!(
            "/account/password?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        )
    } else {
        next
    };
    Ok((
        [(
            header::SET_COOKIE,
            session::cookie(
                Some(&token),
                state.secure_cookies(),
                session::SessionPolicy::of(&state.settings),
            ),
        )],
        Redirect::to(&target),
    )
        .into_response())
}

async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    if let Some(token) = crate::cookies::get(&headers, SESSION_COOKIE) {
        session::end(&state.db, state.key(), &token).await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            session::cookie(
                None,
                state.secure_cookies(),
                session::SessionPolicy::of(&state.settings),
            ),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

async fn password_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<NextQuery>,
) -> Result<Html<String>, AppError> {
    let done = q.done.is_some_and(|d| !d.is_empty());
    render_password(
        &state,
        lang,
        &user,
        &safe_next(q.next.as_deref()),
        None,
        done,
    )
}

fn render_password(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    next: &str,
    error: Option<&str>,
    done: bool,
) -> Result<Html<String>, AppError> {
    state
        .views
        .page(
            "auth/password.html",
            lang,
            minijinja::context! {
                me => user.context(lang),
                csrf => &user.csrf,
                next => next,
                error => error,
                done => done,
                must_change => user.user.must_change_password && !done,
            },
        )
        .internal("rendering the password page")
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new_password: String,
    confirm: String,
    next: Option<String>,
}

async fn change_password(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let next = safe_next(form.next.as_deref());
    let t = |key: &str| state.views.locales.t(lang, key).to_string();
    let current = form.current.clone();
    let hash = user.user.password_hash.clone();
    let ok = state
        .pools
        .passwords
        .run(move || super::verify_password(&current, &hash))
        .await?;
    let problem = if !ok {
        Some(t("password_wrong_current"))
    } else if form.new_password.chars().count() < 10 {
        Some(t("password_too_short"))
    } else if form.new_password != form.confirm {
        Some(t("password_mismatch"))
    } else if form.new_password == form.current {
        Some(t("password_same"))
    } else {
        None
    };
    if let Some(problem) = problem {
        let page = render_password(&state, lang, &user, &next, Some(&problem), false)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let new_password = form.new_password.clone();
    let new_hash = state
        .pools
        .passwords
        .run(move || super::hash_password(&new_password))
        .await?
        .internal("hashing a password")?;
    let stamp = state.stamp(user.actor());
    let user_id = user.user.id;
    let session_id = user.session_id.clone();
    let txn = state.writes.begin().await?;
    let mut active = user.user.into_active_model();
    active.password_hash = Set(new_hash);
    active.must_change_password = Set(false);
    active.update(&*txn).await?;
    // Whoever else is logged in with the old password is logged out.
    let ended = session::end_others(&*txn, user_id, Some(&session_id)).await?;
    crate::audit::append(
        &*txn,
        &stamp,
        AuditEvent::new(AuditAction::PasswordChanged, "user", user_id)
            .with_detail(serde_json::json!({ "other_sessions_ended": ended })),
    )
    .await?;
    txn.commit().await?;
    // The page says that it worked, then offers the way on.
    let target = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("done", "1")
        .append_pair("next", &next)
        .finish();
    Ok(Redirect::to(&format!("/account/password?{target}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed_after_login() {
        assert_eq!(
            safe_next(Some("/staff/batches?page=2")),
            "/staff/batches?page=2"
        );
        for hostile in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/staff\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/staff", "{hostile:?}");
        }
        assert_eq!(safe_next(None), "/staff");
    }
}
