//! One error type for every handler. A 4xx tells the person what was wrong in plain words;
//! a 5xx tells them nothing internal and logs the cause. Pages get HTML, `/api/` gets JSON
//! (see [`api_json_errors`]).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// What went wrong while handling a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// The request is malformed; the text says how.
    #[error("{0}")]
    BadRequest(String),
    /// The request is well-formed but its content is refused; the text says why.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The server is at capacity for this kind of work: try again in a few seconds.
    #[error("{0}")]
    Busy(String),
    #[error("please log in")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
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

    /// What the person is told.
    pub fn public_message(&self) -> String {
        match self {
            AppError::NotFound => "页面不存在 · Page not found".into(),
            AppError::Unauthorized => "请先登录 · Please log in".into(),
            AppError::Internal(_) => {
                "服务器内部错误，请稍后再试 · Something went wrong on our side; please try again later"
                    .into()
            }
            other => other.to_string(),
        }
    }
}

/// The body of every error under `/api/`: `{"error": "…"}`, a message for a person.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ApiError {
    pub error: String,
}

/// The message of a refusal because the server is at capacity.
pub const BUSY_MESSAGE: &str =
    "服务器繁忙，请稍后再试 · The server is busy; please try again in a few seconds";

impl From<crate::pool::PoolError> for AppError {
    fn from(e: crate::pool::PoolError) -> Self {
        match e {
            crate::pool::PoolError::Busy(_) => AppError::Busy(BUSY_MESSAGE.into()),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// Marks a response as an error so that `/api/` can answer it as JSON.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let message = self.public_message();
        let mut response = (status, Html(error_page(status, &message))).into_response();
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

/// A self-contained error page: it must render even when templates are what failed.
fn error_page(status: StatusCode, message: &str) -> String {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{code}</title><link rel=\"stylesheet\" href=\"/static/site.css\"></head>\
         <body><main class=\"page narrow\"><div class=\"notice error\"><h1>{code}</h1>\
         <p>{escaped}</p></div><p><a href=\"/\">返回首页 · Home</a></p>\
         </main></body></html>",
        code = status.as_u16(),
    )
}

/// Turns every error response under `/api/` into `{"error": "..."}`, including axum's own
/// plain-text rejections (bad JSON, missing fields).
pub async fn api_json_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = match response.extensions().get::<ErrorInfo>() {
        Some(info) => info.message.clone(),
        None => {
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, 64 * 1024)
                .await
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).trim().to_string();
            let message = if text.is_empty() {
                parts
                    .status
                    .canonical_reason()
                    .unwrap_or("error")
                    .to_string()
            } else {
                text
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
