//! The admin pages: accounts, units, the audit log, and which roles must use a second
//! factor. Admins only; every change is audited by the domain functions it calls.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::accounts::{self, AccountChange};
use super::{NewUser, Role};
use crate::access::{Access, CurrentUser, StaffRouter};
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

/// `/staff/admin/…`: admins only.
pub fn staff_routes() -> StaffRouter {
    StaffRouter::new(Access::Admin)
        .get("/staff/admin/users", users_page)
        .post("/staff/admin/users", create_user)
        .post("/staff/admin/users/{id}", change_user)
        .get("/staff/admin/units", super::admin_units::units_page)
        .post("/staff/admin/units", super::admin_units::create_unit)
        .post("/staff/admin/units/{id}", super::admin_units::change_unit)
        .get("/staff/admin/audit", super::audit_page::page)
        .get("/staff/admin/audit.csv", super::audit_page::csv)
        .get("/staff/admin/security", security_page)
        .post("/staff/admin/security", change_security)
        .get("/staff/admin/tokens", super::admin_tokens::tokens_page)
        .post("/staff/admin/tokens", super::admin_tokens::issue)
        .post(
            "/staff/admin/tokens/{id}/revoke",
            super::admin_tokens::revoke,
        )
        .get("/staff/admin", super::admin_edit::admin_home)
        .post("/staff/admin/users/{id}/edit", super::admin_edit::edit_user)
}

/// An admin page: `template` with the user, the CSRF token and `ctx`.
pub(super) fn render(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    template: &str,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, AppError> {
    let page = user.page(&state.views, template, lang, minijinja::context! { ..ctx })?;
    Ok((status, page).into_response())
}

#[derive(Deserialize, Default)]
pub(super) struct Notice {
    #[serde(default)]
    pub(super) done: String,
}

pub(super) async fn users_view(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, AppError> {
    let accounts = accounts::list_accounts(&state.db, state.clock.now()).await?;
    let units = accounts::list_units(&state.db).await?;
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|r| minijinja::context! { value => r.as_str(), label => r.label(lang) })
        .collect();
    let accounts: Vec<_> = accounts
        .into_iter()
        .map(|a| minijinja::context! { role_label => a.role.label(lang), role => a.role.as_str(), ..minijinja::Value::from_serialize(&a) })
        .collect();
    let ctx = minijinja::context! { accounts => accounts, units => units, roles => roles, ..extra };
    render(state, lang, user, "admin/users.html", status, ctx)
}

async fn users_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(notice): Query<Notice>,
) -> Result<Response, AppError> {
    users_view(
        &state,
        lang,
        &user,
        StatusCode::OK,
        minijinja::context! { done => notice.done },
    )
    .await
}

#[derive(Deserialize, Default)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    email: String,
}

async fn create_user(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    let refuse = async |message: Msg| {
        let message = state.views.locales.msg(lang, &message);
        let extra = minijinja::context! { error => message, form => minijinja::context! {
        username => &form.username, display_name => &form.display_name, role => &form.role,
        unit => &form.unit, email => &form.email } };
        users_view(&state, lang, &user, StatusCode::UNPROCESSABLE_ENTITY, extra).await
    };
    let Some(role) = Role::parse(&form.role) else {
        return refuse(Msg::new("admin_error_choose_role")).await;
    };
    let unit_id = form.unit.trim().parse::<i64>().ok();
    let email = Some(form.email.trim().to_string()).filter(|e| !e.is_empty());
    let password = super::generate_password()?;
    let named_by_login = form.display_name.trim().is_empty();
    let display_name = match form.display_name.trim() {
        "" => form.username.trim().to_string(),
        name => name.to_string(),
    };
    let created = super::create_user(
        &state.writes,
        &state.pools.passwords,
        &state.stamp(user.actor()),
        NewUser {
            username: form.username.clone(),
            display_name,
            email,
            role,
            unit_id,
            password: password.clone(),
            must_change_password: true,
        },
    )
    .await;
    match created {
        Ok(account) => {
            // The one-time password is shown once, on this answer only (never in a URL).
            let extra = minijinja::context! { created => minijinja::context! {
            username => account.username, password => password, named_by_login => named_by_login } };
            users_view(&state, lang, &user, StatusCode::OK, extra).await
        }
        Err(super::CreateUserError::Other(e)) => Err(AppError::Internal(e)),
        Err(e) => refuse(e.message()).await,
    }
}

#[derive(Deserialize, Default)]
struct ChangeForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    value: String,
    /// `1` once an irreversible change (disabling) is confirmed.
    #[serde(default)]
    confirm: String,
}

async fn change_user(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, AppError> {
    let stamp = state.stamp(user.actor());
    let change = match form.action.as_str() {
        "disable" => AccountChange::Active(false),
        "enable" => AccountChange::Active(true),
        "unlock" => AccountChange::Unlock,
        "reset_totp" => AccountChange::ResetTotp,
        "unit" => AccountChange::Unit(form.value.trim().parse().ok()),
        "role" => AccountChange::Role(
            Role::parse(&form.value)
                .ok_or_else(|| AppError::BadRequest(Msg::new("admin_error_unknown_role")))?,
        ),
        "email" => AccountChange::Email(Some(form.value.clone())),
        "display_name" => AccountChange::DisplayName(form.value.clone()),
        "reset_password" => {
            if id == user.user.id {
                return Err(AppError::Unprocessable(Msg::new(
                    "admin_error_own_password",
                )));
            }
            let password =
                accounts::reset_password(&state.writes, &state.pools.passwords, &stamp, id).await?;
            let username = crate::entities::users::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .map(|u| u.username)
                .unwrap_or_default();
            let extra = minijinja::context! { created => minijinja::context! {
            username => username, password => password, reset => true } };
            return users_view(&state, lang, &user, StatusCode::OK, extra).await;
        }
        _ => return Err(AppError::BadRequest(Msg::new("admin_error_unknown_action"))),
    };
    if id == user.user.id
        && matches!(
            change,
            AccountChange::Active(false) | AccountChange::Role(_)
        )
    {
        return Err(AppError::Unprocessable(Msg::new("admin_error_self_change")));
    }
    if matches!(change, AccountChange::Active(false))
        && !crate::access::confirm::confirmed(&form.confirm)
    {
        return super::confirmations::disable_account(&state, lang, &user, id).await;
    }
    match accounts::change_account(&state.writes, &stamp, id, change).await {
        Ok(_) => Ok(Redirect::to("/staff/admin/users?done=1").into_response()),
        Err(accounts::AccountError::Invalid(message)) => {
            let extra = minijinja::context! { error => state.views.locales.msg(lang, &message) };
            users_view(&state, lang, &user, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

use sea_orm::EntityTrait;

async fn security_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(notice): Query<Notice>,
) -> Result<Response, AppError> {
    let required = super::totp::required_roles(&state.db).await?;
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|r| {
            minijinja::context! { value => r.as_str(), label => r.label(lang), required => required.contains(r) }
        })
        .collect();
    let ctx = minijinja::context! { roles => roles, done => notice.done };
    render(
        &state,
        lang,
        &user,
        "admin/security.html",
        StatusCode::OK,
        ctx,
    )
}

async fn change_security(
    State(state): State<AppState>,
    user: CurrentUser,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let roles: Vec<Role> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "totp_role")
        .filter_map(|(_, v)| Role::parse(&v))
        .collect();
    super::totp::set_required_roles(&state.writes, &state.stamp(user.actor()), &roles).await?;
    Ok(Redirect::to("/staff/admin/security?done=1").into_response())
}
