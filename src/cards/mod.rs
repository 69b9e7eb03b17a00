//! Cards: issuing batches, rendering them for print, revoking and reissuing.

pub mod cli;
pub mod fonts;
pub mod print;
pub mod render;

use axum::Router;

use crate::app::AppState;

/// Print-staff pages for cards and batches.
pub fn router() -> Router<AppState> {
    Router::new()
}
