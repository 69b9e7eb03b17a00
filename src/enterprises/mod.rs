//! The enterprise register: import from CSV/XLSX, service points, search.

pub mod cli;

use axum::Router;

use crate::app::AppState;

/// Print-staff pages for the register.
pub fn router() -> Router<AppState> {
    Router::new()
}
