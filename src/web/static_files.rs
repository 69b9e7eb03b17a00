//! The shared stylesheet and the optional script, embedded and served from this origin.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::embedded;

/// The shared stylesheet and the tiny optional script, served from this origin.
pub fn static_router<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    use axum::routing::get;
    axum::Router::new().route("/static/{file}", get(static_file))
}

async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let Some((_, body)) = embedded::TEMPLATES
        .iter()
        .find(|(name, _)| name.strip_prefix("static/") == Some(file.as_str()))
    else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let content_type = if file.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if file.ends_with(".js") {
        "text/javascript; charset=utf-8"
    } else if file.ends_with(".svg") {
        "image/svg+xml"
    } else {
        "text/plain; charset=utf-8"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        *body,
    )
        .into_response()
}
