//! Headers every response carries, and the `lang` cookie a chosen language leaves.

use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::cookies::{SameSite, SetCookie};
use crate::i18n::{Lang, query_lang};

/// The `lang` cookie: a year, the whole site, sent on links from elsewhere too (`Lax`).
const LANG_COOKIE_MAX_AGE: i64 = 365 * 24 * 3600;

/// Remembers a language chosen with `?lang=` in the `lang` cookie, so that every page after
/// it, reached by any link, speaks the same language ([`Lang::negotiate`] reads the cookie).
/// The API is left alone: its clients pass `?lang=` each time.
pub async fn remember_lang(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let chosen = request
        .uri()
        .query()
        .and_then(query_lang)
        .filter(|_| !request.uri().path().starts_with("/api/"));
    let known = crate::cookies::get(request.headers(), "lang").and_then(|v| Lang::parse(&v));
    let mut response = next.run(request).await;
    if let Some(lang) = chosen.filter(|lang| known != Some(*lang)) {
        SetCookie::new("lang", lang.tag().into(), "/", SameSite::Lax)
            .max_age(LANG_COOKIE_MAX_AGE)
            .readable_by_scripts()
            .add_to(response.headers_mut());
    }
    response
}

/// Content-Security-Policy for every HTML page: nothing from anywhere but this origin, no
/// inline script, no framing.
pub const CSP: &str = "default-src 'none'; img-src 'self' data:; style-src 'self'; \
     script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers every response carries.
pub async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
