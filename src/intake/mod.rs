//! Intake: the public report form behind every QR code, query codes and the reporter's
//! follow-up channel.

use axum::Router;

use crate::app::AppState;

/// In-memory abuse guards (rate limits per client and per card). Never persisted.
#[derive(Debug, Default)]
pub struct IntakeGuards {}

/// Public pages: `/r/{token}`, `/report`, `/q`.
pub fn router() -> Router<AppState> {
    Router::new()
}

/// JSON API under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
}
