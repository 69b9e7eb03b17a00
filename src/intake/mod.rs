//! Intake: the public report form behind every QR code, query codes and the reporter's
//! follow-up channel, plus the same as a JSON API.

mod api;
mod api_json;
mod draft;
mod follow_up;
mod form;
mod objection;
mod page;
mod provenance;
mod query_code;
mod receipts;
mod reservation;
mod routes;
mod submission;
mod submit;

pub use crate::attachments::{FileProblem, MAX_FILE_BYTES, MAX_FILES};
pub use crate::client::ClientAddr;
pub use draft::{ReportDraft, ValidReport};
pub use provenance::Provenance;
pub use query_code::QueryCode;
pub use submission::SubmissionId;
pub use submit::{IntakeDeps, Receipt, ReportSubmission, SubmitError, submit_report};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::limits::bytes::ATTACHMENTS_BODY;
use crate::state::AppState;

/// Forgets sealed query codes, submission ids and follow-up action ids past their time (the
/// deadline tick calls this); returns the rows deleted.
pub async fn purge_expired_receipts(
    db: &impl sea_orm::ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, sea_orm::DbErr> {
    let receipts = receipts::purge_expired(db, now).await?;
    let actions = crate::cases::purge_reporter_actions(
        db,
        now - chrono::Duration::hours(receipts::KEEP_HOURS),
    )
    .await?;
    Ok(receipts + actions)
}

/// Public pages: `/r/{token}`, `/report`, `/receipt`, `/q` and its follow-up actions.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/r/{token}",
            get(routes::card_form)
                .post(routes::card_submit)
                .layer(DefaultBodyLimit::max(ATTACHMENTS_BODY)),
        )
        .route(
            "/report",
            get(routes::plain_form)
                .post(routes::plain_submit)
                .layer(DefaultBodyLimit::max(ATTACHMENTS_BODY)),
        )
        .route(routes::RECEIPT_PATH, get(routes::receipt))
        .route("/q", get(follow_up::entry).post(follow_up::lookup))
        .route("/q/reply", post(follow_up::reply))
        .route(
            "/q/evidence",
            post(follow_up::evidence).layer(DefaultBodyLimit::max(ATTACHMENTS_BODY)),
        )
        .route("/q/rate", post(follow_up::rate))
        .route("/q/object", post(objection::object))
}

/// The OpenAPI description of [`api_router`] (paths relative to `/api`).
pub fn api_doc() -> utoipa::openapi::OpenApi {
    <api::IntakeApiDoc as utoipa::OpenApi>::openapi()
}

/// JSON API under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route(
            "/reports",
            post(api::create).layer(DefaultBodyLimit::max(ATTACHMENTS_BODY)),
        )
        .route(
            "/reports/status",
            get(api::status_by_header).post(api::status_by_body),
        )
}
