//! `/staff/admin/tokens`: the personal API tokens, issued and revoked by an admin. A new
//! token's secret is shown once, on the answer to the form that issued it.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::accounts;
use super::tokens::{self, TokenError};
use crate::access::CurrentUser;
use crate::clock::beijing;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

async fn view(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, AppError> {
    let listed = tokens::list_tokens(&state.db, None).await?;
    let rows: Vec<_> = listed
        .iter()
        .map(|t| {
            minijinja::context! {
                id => t.id,
                username => &t.username,
                name => &t.name,
                created_at => beijing(t.created_at),
                last_used_at => t.last_used_at.map(beijing),
                revoked_at => t.revoked_at.map(beijing),
                user_active => t.user_active,
                works => t.works(),
            }
        })
        .collect();
    let people: Vec<_> = accounts::list_accounts(&state.db, state.clock.now())
        .await?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| minijinja::context! { id => a.id, username => a.username, display_name => a.display_name })
        .collect();
    let defaults = minijinja::context! { issued => (), name => "" };
    let ctx = minijinja::context! { tokens => rows, people => people, ..minijinja::context! { ..extra, ..defaults } };
    super::admin::render(state, lang, user, "admin/tokens.html", status, ctx)
}

pub(super) async fn tokens_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
) -> Result<Response, AppError> {
    view(&state, lang, &user, StatusCode::OK, minijinja::context! {}).await
}

#[derive(Deserialize, Default)]
pub(super) struct IssueForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    name: String,
}

pub(super) async fn issue(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(form): Form<IssueForm>,
) -> Result<Response, AppError> {
    let Ok(owner) = form.user.trim().parse::<i64>() else {
        let error = state.views.locales.t(lang, "admin_token_choose_account");
        let extra = minijinja::context! { error => error, name => &form.name };
        return view(&state, lang, &user, StatusCode::UNPROCESSABLE_ENTITY, extra).await;
    };
    match tokens::issue_token(&state.writes, &state.stamp(user.actor()), owner, &form.name).await {
        Ok((row, secret)) => {
            let extra = minijinja::context! { issued => minijinja::context! {
            name => row.name, secret => secret.expose() } };
            let mut page = view(&state, lang, &user, StatusCode::OK, extra).await?;
            page.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(page)
        }
        Err(TokenError::Db(e)) => Err(e.into()),
        Err(TokenError::Other(e)) => Err(AppError::Internal(e)),
        Err(e) => {
            let error = state.views.locales.msg(lang, &e.message());
            let extra = minijinja::context! { error => error, name => &form.name };
            view(&state, lang, &user, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct RevokeForm {
    /// `1` once the revocation is confirmed.
    #[serde(default)]
    confirm: String,
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, AppError> {
    if !crate::access::confirm::confirmed(&form.confirm)
        && let Some(page) = super::confirmations::revoke_token(&state, lang, &user, id).await?
    {
        return Ok(page);
    }
    match tokens::revoke_token(&state.writes, &state.stamp(user.actor()), id).await {
        Ok(_) => Ok(Redirect::to("/staff/admin/tokens?done=1").into_response()),
        Err(TokenError::NotFound) => Err(AppError::NotFound),
        Err(TokenError::Db(e)) => Err(e.into()),
        Err(TokenError::Other(e)) => Err(AppError::Internal(e)),
        Err(e) => {
            let extra =
                minijinja::context! { error => state.views.locales.msg(lang, &e.message()) };
            view(&state, lang, &user, StatusCode::CONFLICT, extra).await
        }
    }
}
