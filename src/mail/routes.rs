//! The admin's mail pages: the outbox (filter by status, retry failed emails) and the mail
//! settings with a "send a test email" button. Admins only.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;

use super::{Delivery, OutgoingEmail, Sender};
use crate::access::{Access, CurrentUser, StaffRouter};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::clock::beijing;
use crate::entities::cases;
use crate::entities::enums::{MailKind, OutboxStatus};
use crate::error::{AppError, ResultExt};
use crate::i18n::Lang;
use crate::state::AppState;

/// Outbox rows per page.
const PAGE: u64 = 100;

/// `/staff/admin/outbox`, `/staff/admin/mail`: admins only.
pub fn staff_routes() -> StaffRouter {
    StaffRouter::new(Access::Admin)
        .get("/staff/admin/outbox", outbox_page)
        .post("/staff/admin/outbox/{id}/retry", retry_one)
        .post("/staff/admin/outbox/retry-failed", retry_failed)
        .get("/staff/admin/mail", mail_page)
        .post("/staff/admin/mail/test", send_test)
}

fn render(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    template: &str,
    ctx: minijinja::Value,
) -> Result<Response, AppError> {
    let page = user.page(&state.views, template, lang, minijinja::context! { ..ctx })?;
    Ok((StatusCode::OK, page).into_response())
}

fn parse_status(text: &str) -> Option<OutboxStatus> {
    match text {
        "queued" => Some(OutboxStatus::Queued),
        "sent" => Some(OutboxStatus::Sent),
        "failed" => Some(OutboxStatus::Failed),
        _ => None,
    }
}

fn status_name(status: OutboxStatus) -> &'static str {
    match status {
        OutboxStatus::Queued => "queued",
        OutboxStatus::Sent => "sent",
        OutboxStatus::Failed => "failed",
    }
}

#[derive(Deserialize, Default)]
struct OutboxQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    before: String,
    /// How many rows the last retry queued again.
    #[serde(default)]
    retried: String,
}

async fn outbox_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let status = parse_status(q.status.trim());
    let rows = super::list(&state.db, status, q.before.trim().parse().ok(), PAGE).await?;
    let case_ids: Vec<i64> = rows.iter().filter_map(|r| r.case_id).collect();
    let numbers: std::collections::HashMap<i64, String> = if case_ids.is_empty() {
        Default::default()
    } else {
        cases::Entity::find()
            .filter(cases::Column::Id.is_in(case_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.number))
            .collect()
    };
    let next = (rows.len() as u64 == PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let rows: Vec<_> = rows
        .into_iter()
        .map(|r| {
            let sending = r.status == OutboxStatus::Queued && r.locked_until.is_some_and(|t| t > now);
            minijinja::context! {
                id => r.id,
                kind => r.kind,
                case_id => r.case_id,
                case_number => r.case_id.and_then(|id| numbers.get(&id).cloned()),
                to => r.to_addr,
                subject => r.subject,
                status => status_name(r.status),
                sending => sending,
                attempts => r.attempts,
                next_attempt => (r.status == OutboxStatus::Queued).then(|| beijing(r.next_attempt_at)),
                sent_at => r.sent_at.map(beijing),
                created_at => beijing(r.created_at),
                last_error => r.last_error,
            }
        })
        .collect();
    let ctx = minijinja::context! {
        configured => state.settings.smtp_url.is_some(),
        counts => super::counts(&state.db).await?,
        status => status.map(status_name).unwrap_or(""),
        rows => rows,
        next => next,
        retried => q.retried.trim().parse::<u64>().ok(),
    };
    render(&state, lang, &user, "admin/outbox.html", ctx)
}

async fn retry_one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let done = super::retry(&state.writes, &state.stamp(user.actor()), id).await?;
    if !done && super::find_by_id(&state.db, id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let to = format!(
        "/staff/admin/outbox?status=queued&retried={}",
        u64::from(done)
    );
    Ok(Redirect::to(&to).into_response())
}

async fn retry_failed(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let done = super::retry_all_failed(&state.writes, &state.stamp(user.actor())).await?;
    let to = format!("/staff/admin/outbox?status=queued&retried={done}");
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize, Default)]
struct MailQuery {
    /// What became of the last test email: accepted, refused, not_configured, busy, no_email.
    #[serde(default)]
    test: String,
    /// Its outbox row.
    #[serde(default)]
    id: String,
}

async fn mail_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<MailQuery>,
) -> Result<Response, AppError> {
    let settings = &state.settings;
    let test_row = match q.id.trim().parse::<i64>() {
        Ok(id) => super::find_by_id(&state.db, id)
            .await?
            .filter(|row| row.kind == TEST_KIND),
        Err(_) => None,
    };
    let ctx = minijinja::context! {
        configured => settings.smtp_url.is_some(),
        smtp_url => settings.smtp_url.as_ref().map(|url| crate::config::mask_url_password(url.expose())),
        mail_from => settings.mail_from.as_deref(),
        interval => settings.mail_interval_seconds,
        batch => settings.mail_batch,
        max_attempts => settings.mail_max_attempts,
        my_email => user.user.email.as_deref(),
        test => q.test.trim(),
        test_error => test_row.as_ref().and_then(|row| row.last_error.clone()),
        test_id => test_row.as_ref().map(|row| row.id),
    };
    render(&state, lang, &user, "admin/mail.html", ctx)
}

/// The `kind` of the admin's test email (and the name of its template).
const TEST_KIND: MailKind = MailKind::Test;

async fn send_test(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let back = |outcome: &str, id: Option<i64>| {
        let id = id.map(|id| format!("&id={id}")).unwrap_or_default();
        Ok(Redirect::to(&format!("/staff/admin/mail?test={outcome}{id}")).into_response())
    };
    if state.settings.smtp_url.is_none() {
        return back("not_configured", None);
    }
    let Some(to) = user.user.email.clone().filter(|e| !e.trim().is_empty()) else {
        return back("no_email", None);
    };
    let now = state.clock.now();
    let ctx = minijinja::context! {
        name => &user.user.display_name,
        base_url => state.settings.base_url(),
        sent_at => beijing(now),
    };
    let rendered = super::render(&state.views, TEST_KIND.as_str(), ctx)
        .internal("rendering the test email")?;
    let token = crate::crypto::random_token::<9>().internal("a test email key")?;
    let email: OutgoingEmail = rendered.addressed(
        to,
        format!("test:user:{}:{token}", user.user.id),
        TEST_KIND,
        None,
    );
    let key = email.dedupe_key.clone();
    let txn = state.writes.begin().await?;
    super::enqueue(&*txn, email, now).await?;
    let id = super::find_by_key(&*txn, &key)
        .await?
        .map(|row| row.id)
        .ok_or_else(|| anyhow::anyhow!("the test email was not queued"))?;
    let event = AuditEvent::new(AuditAction::MailTestQueued, "email_outbox", id);
    audit::append(&*txn, &state.stamp(user.actor()), event).await?;
    txn.commit().await?;

    let sender = Sender::new(&state.settings).internal("building the mail sender")?;
    let outcome = match sender.send_one(&state.writes, id, now).await? {
        Delivery::Accepted => "accepted",
        Delivery::Refused(_) => "refused",
        Delivery::NotConfigured => "not_configured",
        Delivery::Busy => "busy",
    };
    back(outcome, Some(id))
}
