//! The OpenAPI document of the JSON API, served at `/api/openapi.json`.

use axum::Json;

/// `GET /api/openapi.json`.
pub async fn document() -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "openapi": "3.1.0",
        "info": { "title": "jianduka API", "version": env!("CARGO_PKG_VERSION") },
        "paths": {}
    }))
}
