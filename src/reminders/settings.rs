//! The admin pages of deadlines: the working-day calendar (status per year, load a year's
//! file) and the SLA policy (working days per stage, from a date on).

use axum::Form;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::access::{Access, CurrentUser, StaffRouter};
use crate::audit::{AuditAction, AuditEvent};
use crate::clock::{BEIJING, beijing};
use crate::deadlines::calendar_file::{self, CalendarError};
use crate::entities::sla_policies;
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

/// `/staff/admin/calendar` and `/staff/admin/sla`: admins only.
pub fn staff_routes() -> StaffRouter {
    StaffRouter::new(Access::Admin)
        .get("/staff/admin/calendar", calendar_page)
        .post_upload(
            "/staff/admin/calendar",
            load_calendar,
            crate::limits::bytes::CALENDAR_BODY,
        )
        .get("/staff/admin/sla", sla_page)
        .post("/staff/admin/sla", change_policy)
        .post(
            "/staff/admin/sla/feedback",
            super::feedback_settings::change_feedback_settings,
        )
}

#[derive(Deserialize, Default)]
struct Notice {
    #[serde(default)]
    done: String,
}

async fn calendar_view(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, AppError> {
    let years = calendar_file::status(&state.db).await?;
    let page = user.page(
        &state.views,
        "admin/calendar.html",
        lang,
        minijinja::context! { years => years, ..ctx },
    )?;
    Ok((status, page).into_response())
}

async fn calendar_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(notice): Query<Notice>,
) -> Result<Response, AppError> {
    let ctx = minijinja::context! { done => notice.done };
    calendar_view(&state, lang, &user, StatusCode::OK, ctx).await
}

async fn load_calendar(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let mut multipart =
        multipart.map_err(|_| AppError::BadRequest(Msg::new("error_form_unreadable")))?;
    let mut file = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("calendar").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest(Msg::new("error_upload_incomplete")))?;
            file = Some((name, bytes));
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let error = state.views.locales.t(lang, "calendar_error_choose_file");
        let ctx = minijinja::context! { error => error };
        return calendar_view(&state, lang, &user, StatusCode::UNPROCESSABLE_ENTITY, ctx).await;
    };
    let stamp = state.stamp(user.actor());
    match calendar_file::load_file(&state.writes, &stamp, &bytes, &name).await {
        Ok(_) => {
            state.sla.forget();
            Ok(Redirect::to("/staff/admin/calendar?done=1").into_response())
        }
        Err(CalendarError::Db(e)) => Err(e.into()),
        Err(e) => {
            let ctx = minijinja::context! { error => state.views.locales.msg(lang, &e.message()) };
            calendar_view(&state, lang, &user, StatusCode::UNPROCESSABLE_ENTITY, ctx).await
        }
    }
}

pub(super) async fn sla_view(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, AppError> {
    use sea_orm::{EntityTrait, QueryOrder};
    let rows = sla_policies::Entity::find()
        .order_by_desc(sla_policies::Column::EffectiveFrom)
        .all(&state.db)
        .await?;
    let initial = crate::deadlines::initial_policy_id(&rows);
    let policies: Vec<_> = rows
        .iter()
        .map(|p| {
            let from = if Some(p.id) == initial {
                state.views.locales.t(lang, "admin_sla_initial").to_string()
            } else {
                beijing(p.effective_from)
            };
            minijinja::context! {
                accept => p.accept_days, conclude => p.conclude_days, feedback => p.feedback_days,
                yellow => p.yellow_days,
                from => from,
            }
        })
        .collect();
    let feedback = crate::cases::feedback_settings(&state.db).await?;
    let page = user.page(
        &state.views,
        "admin/sla.html",
        lang,
        minijinja::context! { policies => policies, feedback => feedback, ..ctx },
    )?;
    Ok((status, page).into_response())
}

async fn sla_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(notice): Query<Notice>,
) -> Result<Response, AppError> {
    let ctx = minijinja::context! { done => notice.done };
    sla_view(&state, lang, &user, StatusCode::OK, ctx).await
}

#[derive(Deserialize, Default)]
struct PolicyForm {
    #[serde(default)]
    accept: String,
    #[serde(default)]
    conclude: String,
    #[serde(default)]
    feedback: String,
    /// The yellow window (三色预警); empty: the default.
    #[serde(default)]
    yellow: String,
    /// A Beijing date; empty: now.
    #[serde(default)]
    from: String,
}

/// A new policy for cases received from a date on; cases already received keep theirs.
async fn change_policy(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Form(form): Form<PolicyForm>,
) -> Result<Response, AppError> {
    use sea_orm::{ActiveModelTrait, Set};
    let days = |text: &str| {
        text.trim()
            .parse::<i32>()
            .ok()
            .filter(|d| (1..=90).contains(d))
    };
    let (Some(accept), Some(conclude), Some(feedback)) = (
        days(&form.accept),
        days(&form.conclude),
        days(&form.feedback),
    ) else {
        let error = state.views.locales.t(lang, "sla_error_days");
        let ctx = minijinja::context! { error => error };
        return sla_view(&state, lang, &user, StatusCode::UNPROCESSABLE_ENTITY, ctx).await;
    };
    let yellow = match form.yellow.trim() {
        "" => Some(crate::deadlines::lights::DEFAULT_YELLOW_DAYS as i32),
        text => text.parse::<i32>().ok().filter(|d| (0..=10).contains(d)),
    };
    let Some(yellow) = yellow else {
        let error = state.views.locales.t(lang, "sla_error_yellow");
        let ctx = minijinja::context! { error => error };
        return sla_view(&state, lang, &user, StatusCode::UNPROCESSABLE_ENTITY, ctx).await;
    };
    let now = state.clock.now();
    let from = chrono::NaiveDate::parse_from_str(form.from.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(BEIJING).single())
        .map_or(now, |t| t.with_timezone(&chrono::Utc))
        .max(now);
    let stamp = state.stamp(user.actor());
    let txn = state.writes.begin().await?;
    let row = sla_policies::ActiveModel {
        accept_days: Set(accept),
        conclude_days: Set(conclude),
        feedback_days: Set(feedback),
        yellow_days: Set(yellow),
        effective_from: Set(from),
        created_by: Set(Some(user.user.id)),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    crate::audit::append(
        &*txn,
        &stamp,
        AuditEvent::new(AuditAction::SlaPolicyAdded, "sla_policy", row.id).with_detail(
            serde_json::json!({
                "accept": accept, "conclude": conclude, "feedback": feedback, "yellow": yellow,
                "effective_from": from.to_rfc3339(),
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    state.sla.forget();
    Ok(Redirect::to("/staff/admin/sla?done=1").into_response())
}
