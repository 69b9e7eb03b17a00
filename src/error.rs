//! One error type for every handler. A 4xx tells the person what was wrong in plain words;
//! a 5xx tells them nothing internal and logs the cause. Pages get HTML, `/api/` gets JSON
//! (see [`api_json_errors`]); both in the language the request negotiates, since an error
//! carries a [`Msg`] (a locale key and its arguments) that [`localize_errors`] and
//! [`api_json_errors`] put into words.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::i18n::{Lang, Locales};
pub use crate::msg::Msg;

/// What went wrong while handling a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}", Msg::new("error_not_found"))]
    NotFound,
    /// The request is malformed; the text says how.
    #[error("{0}")]
    BadRequest(Msg),
    /// The request is well-formed but its content is refused; the text says why.
    #[error("{0}")]
    Unprocessable(Msg),
    #[error("{0}")]
    PayloadTooLarge(Msg),
    #[error("{0}")]
    UnsupportedMediaType(Msg),
    #[error("{0}")]
    TooManyRequests(Msg),
    /// The server is at capacity for this kind of work: try again in a few seconds.
    #[error("{0}")]
    Busy(Msg),
    #[error("{}", Msg::new("error_log_in"))]
    Unauthorized,
    #[error("{0}")]
    Forbidden(Msg),
    #[error("{0}")]
    Conflict(Msg),
    /// Anything else: logged with its cause, shown as a plain 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl AppError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the person is told, in words once the language is known.
    pub fn public_message(&self) -> Msg {
        match self {
            AppError::NotFound => Msg::new("error_not_found"),
            AppError::Unauthorized => Msg::new("error_log_in"),
            AppError::Internal(_) => Msg::new("error_internal"),
            AppError::BadRequest(m)
            | AppError::Unprocessable(m)
            | AppError::PayloadTooLarge(m)
            | AppError::UnsupportedMediaType(m)
            | AppError::TooManyRequests(m)
            | AppError::Busy(m)
            | AppError::Forbidden(m)
            | AppError::Conflict(m) => m.clone(),
        }
    }

    /// The refusal because the server is at capacity: try again in a few seconds.
    pub fn busy() -> Self {
        AppError::Busy(Msg::new("error_busy"))
    }
}

/// The body of every error under `/api/`: `{"error": "…"}`, a message for a person in the
/// language the request negotiates (`?lang=`, the `lang` cookie, `Accept-Language`, zh-CN).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ApiError {
    pub error: String,
}

impl From<crate::pool::PoolError> for AppError {
    fn from(e: crate::pool::PoolError) -> Self {
        match e {
            crate::pool::PoolError::Busy(_) => AppError::busy(),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// Marks a response as an error: its message, for the layers that put it into the request's
/// language (and, under `/api/`, into JSON).
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub message: Msg,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let message = self.public_message();
        // In Chinese (the default) until `localize_errors` or `api_json_errors` knows the
        // request's language.
        let body = Locales::embedded()
            .map(|locales| error_page(locales, Lang::Zh, status, &message))
            .unwrap_or_default();
        let mut response = (status, Html(body)).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response.extensions_mut().insert(ErrorInfo { message });
        response
    }
}

/// A self-contained error page in `lang`: it must render even when templates are what failed.
fn error_page(locales: &Locales, lang: Lang, status: StatusCode, message: &Msg) -> String {
    let escape = |text: &str| minijinja::HtmlEscape(text).to_string();
    format!(
        "<!doctype html><html lang=\"{tag}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{code}</title><link rel=\"stylesheet\" href=\"/static/site.css\"></head>\
         <body><main class=\"page narrow\"><div class=\"notice error\"><h1>{code}</h1>\
         <p>{message}</p></div><p><a href=\"/\">{home}</a></p>\
         </main></body></html>",
        tag = lang.tag(),
        code = status.as_u16(),
        message = escape(&locales.msg(lang, message)),
        home = escape(locales.t(lang, "error_home")),
    )
}

/// Puts the error page of every HTML error response into the language the request
/// negotiates (the JSON API's errors get theirs in [`api_json_errors`]).
pub async fn localize_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let lang = Lang::negotiate(request.uri().query(), request.headers());
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let Some(locales) = Locales::embedded() else {
        return response;
    };
    if !is_html || lang == Lang::Zh {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = error_page(locales, lang, parts.status, &info.message);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Turns every error response under `/api/` into `{"error": "..."}` in the language the
/// request negotiates, including axum's own plain-text rejections (bad JSON, missing fields).
pub async fn api_json_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let lang = Lang::negotiate(request.uri().query(), request.headers());
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let message = match response.extensions().get::<ErrorInfo>() {
        Some(info) => {
            let locales = Locales::embedded();
            match locales {
                Some(locales) => locales.msg(lang, &info.message),
                None => info.message.to_string(),
            }
        }
        None if is_json => return response,
        None => {
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, 64 * 1024)
                .await
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).trim().to_string();
            // axum's own words (a parser's detail), after a sentence in the reader's language.
            let detail = if text.is_empty() {
                parts
                    .status
                    .canonical_reason()
                    .unwrap_or("error")
                    .to_string()
            } else {
                text
            };
            let msg = Msg::new("api_error_request").arg("detail", detail);
            let message = match Locales::embedded() {
                Some(locales) => locales.msg(lang, &msg),
                None => msg.to_string(),
            };
            return (parts.status, Json(serde_json::json!({ "error": message }))).into_response();
        }
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = Json(serde_json::json!({ "error": message })).into_response();
    let (json_parts, json_body) = body.into_parts();
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, json_body)
}

/// `.context()`-style conversion for results whose error is internal.
pub trait ResultExt<T> {
    /// Wraps the error as [`AppError::Internal`] with `context` for the log.
    fn internal(self, context: &'static str) -> Result<T, AppError>;
}

impl<T, E: Into<anyhow::Error>> ResultExt<T> for Result<T, E> {
    fn internal(self, context: &'static str) -> Result<T, AppError> {
        self.map_err(|e| AppError::Internal(e.into().context(context)))
    }
}
