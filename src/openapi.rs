//! The OpenAPI document of the JSON API, served at `/api/openapi.json`. It is derived with
//! utoipa from the handlers and types of each API — intake's reports (public) and the case
//! workspace (bearer token) — so an endpoint and its description are written in one place.
//! This module only adds what belongs to the whole document: its title, server, tags and the
//! bearer scheme.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jianduka API",
        description = "Report a problem to the discipline-inspection commission and follow it with \
            the query code (`/v1/reports…`, no login). The query code is never put in a URL: send \
            it in the X-Query-Code header or in a JSON body. Client addresses and user agents are \
            never stored; rate limits are kept in memory.\n\n\
            Staff work cases through `/v1/cases…` with a personal API token \
            (`jianduka users token issue USERNAME --name NAME`), sent as \
            `Authorization: Bearer <token>`; a session cookie opens none of them. Errors are \
            `{\"error\": \"…\"}`."
    ),
    servers((url = "/api")),
    tags(
        (name = "reports", description = "Public: send a report, read its status with the query code"),
        (name = "cases", description = "Staff: the case workspace, with a personal API token"),
    ),
    modifiers(&BearerScheme),
)]
struct ApiDoc;

/// Declares the `bearer` scheme the case operations require.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal API token (jdk_…), issued with `jianduka users token issue`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3.1 description of `/api/v1`.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::intake::api_doc());
    doc.merge(crate::cases::api_doc());
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
