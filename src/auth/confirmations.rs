//! The confirmation asked before revoking an API token or disabling an account: the page
//! names the token or the account and what stops working ([`crate::access::confirm`]).

use axum::response::Response;
use sea_orm::EntityTrait;

use super::tokens;
use crate::access::CurrentUser;
use crate::access::confirm::Confirmation;
use crate::entities::users;
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

/// Confirm revoking token `id` (an unknown or revoked token: `None`, and the revocation
/// itself answers).
pub(super) async fn revoke_token(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    id: i64,
) -> Result<Option<Response>, AppError> {
    let listed = tokens::list_tokens(&state.db, None).await?;
    let Some(token) = listed
        .into_iter()
        .find(|t| t.id == id && t.revoked_at.is_none())
    else {
        return Ok(None);
    };
    let locales = state.views.locales;
    let consequence = Msg::new("returns_confirm_revoke")
        .arg("name", token.name.as_str())
        .arg("owner", token.username.as_str());
    let confirmation = Confirmation::new(
        locales.t(lang, "returns_confirm_revoke_title").to_string(),
        locales.msg(lang, &consequence),
        format!("/staff/admin/tokens/{id}/revoke"),
        "/staff/admin/tokens".into(),
    );
    confirmation.page(&state.views, user, lang).map(Some)
}

/// Confirm disabling account `id`.
pub(super) async fn disable_account(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    id: i64,
) -> Result<Response, AppError> {
    let account = users::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let locales = state.views.locales;
    let consequence = Msg::new("returns_confirm_disable")
        .arg("username", account.username.as_str())
        .arg("name", account.display_name.as_str());
    let confirmation = Confirmation::new(
        locales.t(lang, "returns_confirm_disable_title").to_string(),
        locales.msg(lang, &consequence),
        format!("/staff/admin/users/{id}"),
        "/staff/admin/users".into(),
    )
    .field("action", "disable");
    confirmation.page(&state.views, user, lang)
}
