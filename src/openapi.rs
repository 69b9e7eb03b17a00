//! The OpenAPI document of the JSON API, served at `/api/openapi.json`. It is derived with
//! utoipa from the handlers and types of each API, so an endpoint and its description are
//! written in one place. This module only adds what belongs to the whole document: its
//! title, server and tags.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jianduka API",
        description = "Report a problem to the discipline-inspection commission and follow it with \
            the query code (`/v1/reports…`, no login). The query code is never put in a URL: send \
            it in the X-Query-Code header or in a JSON body. Client addresses and user agents are \
            never stored; rate limits are kept in memory. Errors are `{\"error\": \"…\"}`."
    ),
    servers((url = "/api")),
    tags(
        (name = "reports", description = "Public: send a report, read its status with the query code"),
    ),
)]
struct ApiDoc;

/// The OpenAPI 3.1 description of `/api/v1`.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::intake::api_doc());
    doc
}

/// The document as served, built once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    serde_json::to_string(&spec()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "serialising the OpenAPI document");
        "{}".to_string()
    })
});

/// `GET /api/openapi.json`.
pub async fn document() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}
