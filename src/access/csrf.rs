//! Cross-site request forgery, refused twice over: a state-changing request must come from
//! this site (`Sec-Fetch-Site`, `Origin`) and carry the session's token (a `csrf` form field,
//! urlencoded or multipart, or an `X-CSRF-Token` header). The login form, which has no session
//! yet, carries a token that must match a cookie set with the form (double submit).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use url::Url;

use crate::error::{AppError, Msg};
use crate::limits::bytes::{DEFAULT_BODY, megabytes};
use crate::state::AppState;

/// Cookie carrying the login form's token.
pub const LOGIN_CSRF_COOKIE: &str = "jd_login_csrf";

/// Whether `method` changes state (needs the checks).
pub(super) fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the browser says the request comes from this site. `Sec-Fetch-Site` (sent by
/// every current browser) must be `same-origin` or `none`; an `Origin` header must name this
/// host or the public address. A request with neither (an old browser, a script) passes this
/// line and still needs the token.
///
/// ```
/// use axum::http::HeaderMap;
/// let base = url::Url::parse("https://jb.example.gov.cn").unwrap();
/// let mut h = HeaderMap::new();
/// h.insert("origin", "null".parse().unwrap());
/// h.insert("sec-fetch-site", "same-origin".parse().unwrap());
/// assert!(jianduka::access::same_origin(&h, &base));
/// h.insert("sec-fetch-site", "cross-site".parse().unwrap());
/// assert!(!jianduka::access::same_origin(&h, &base));
/// h.remove("sec-fetch-site");
/// h.insert("origin", "https://evil.example".parse().unwrap());
/// assert!(!jianduka::access::same_origin(&h, &base));
/// ```
pub fn same_origin(headers: &HeaderMap, public_base_url: &Url) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    // Under `Referrer-Policy: no-referrer` a browser sends `Origin: null` with its own forms:
    // that says nothing either way, and `Sec-Fetch-Site` above has already spoken.
    let Some(origin) = text(header::ORIGIN.as_str()).filter(|o| *o != "null") else {
        return true;
    };
    let Ok(origin) = Url::parse(origin) else {
        return false;
    };
    let host_port = |url: &Url| {
        url.host_str()
            .map(|host| match url.port_or_known_default() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            })
    };
    if origin.origin() == public_base_url.origin() {
        return true;
    }
    // Behind a proxy the public address may differ from the Host the request names.
    let host = text(header::HOST.as_str()).map(|h| {
        if h.contains(':') {
            h.to_string()
        } else {
            format!("{h}:{}", origin.port_or_known_default().unwrap_or(80))
        }
    });
    host.is_some() && host_port(&origin) == host
}

/// The token a request carries, and the request rebuilt so that the handler can read the body.
/// A form's body is read whole to find its token, up to `limit`: the body limit its route
/// declared, so that the guard refuses exactly what the handler would (413).
pub(super) async fn carried_token(
    request: Request,
    limit: usize,
) -> Result<(Option<String>, Request), AppError> {
    if let Some(token) = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return Ok((Some(token.to_string()), request));
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let too_large = || {
        AppError::PayloadTooLarge(Msg::new("error_request_too_large").arg("mb", megabytes(limit)))
    };
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;
    let token = if content_type.starts_with("application/x-www-form-urlencoded") {
        url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned())
    } else if content_type.starts_with("multipart/form-data") {
        multipart_token(&content_type, bytes.clone()).await
    } else {
        None
    };
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

async fn multipart_token(content_type: &str, bytes: axum::body::Bytes) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let body = tokio_stream::once(Ok::<_, std::convert::Infallible>(bytes));
    let mut multipart = multer::Multipart::new(body, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("csrf") {
            return field.text().await.ok();
        }
    }
    None
}

/// The refusal of a forged or stale form.
pub(super) fn refused() -> AppError {
    AppError::Forbidden(Msg::new("error_form_expired"))
}

/// Guards the login form: same site, and the form's token matches its cookie.
pub async fn login_csrf(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !changes_state(request.method()) {
        return next.run(request).await;
    }
    if !same_origin(request.headers(), &state.settings.public_base_url) {
        return refused().into_response();
    }
    let cookie = crate::cookies::get(request.headers(), LOGIN_CSRF_COOKIE);
    let (token, request) = match carried_token(request, DEFAULT_BODY).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    match (cookie, token) {
        (Some(cookie), Some(token)) if crate::crypto::constant_time_eq(&cookie, &token) => {
            next.run(request).await
        }
        _ => refused().into_response(),
    }
}
