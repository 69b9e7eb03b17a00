//! `/staff/me/mail`: each staff member turns the kinds of event email off or on for
//! themself (all on by default). The morning digest cannot be turned off: it is the one
//! email that carries every deadline.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::Deserialize;

use super::events::EventKind;
use crate::access::{Access, CurrentUser, StaffRouter};
use crate::entities::mail_muted;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

/// Every staff member's own mail settings.
pub fn own_routes() -> StaffRouter {
    StaffRouter::new(Access::AnyStaff)
        .get("/staff/me/mail", page)
        .post("/staff/me/mail", save)
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let muted: Vec<String> = mail_muted::Entity::find()
        .filter(mail_muted::Column::UserId.eq(user.user.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.kind)
        .collect();
    let kinds: Vec<_> = EventKind::MUTABLE
        .iter()
        .map(|kind| minijinja::context! { kind => kind, on => !muted.iter().any(|m| m == kind) })
        .collect();
    let page = user.page(
        &state.views,
        "mail/prefs.html",
        lang,
        minijinja::context! {
            kinds => kinds,
            email => user.user.email.clone().unwrap_or_default(),
            done => q.done.is_some(),
        },
    )?;
    Ok(page.into_response())
}

/// Stores the ticked kinds as on and every other as off; unknown names are ignored.
async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let txn = state.db.begin().await?;
    mail_muted::Entity::delete_many()
        .filter(mail_muted::Column::UserId.eq(user.user.id))
        .exec(&txn)
        .await?;
    let off: Vec<_> = EventKind::MUTABLE
        .iter()
        .filter(|kind| !form.contains_key(&format!("on_{kind}")))
        .map(|kind| mail_muted::ActiveModel {
            user_id: Set(user.user.id),
            kind: Set(kind.to_string()),
        })
        .collect();
    if !off.is_empty() {
        mail_muted::Entity::insert_many(off).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(Redirect::to("/staff/me/mail?done=1").into_response())
}
