//! The one rule for text that enters the system, whatever the door (form, JSON, multipart,
//! query string, register file) and whatever the database: control characters are removed,
//! except tab and newline (a carriage return becomes a newline). PostgreSQL cannot store
//! NUL at all and SQLite would store it; terminal escapes would reach an operator's
//! terminal through the CLI. Removing them loses nothing a person typed.

use std::borrow::Cow;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, Msg};

// Largest urlencoded body cleaned (forms are small; uploads are multipart).
use crate::limits::bytes::DEFAULT_BODY as MAX_FORM_BYTES;

fn unwanted(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

/// `text` under the input rule (see the module docs).
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unwanted) {
        return Cow::Borrowed(text);
    }
    let unified = text.replace("\r\n", "\n").replace('\r', "\n");
    Cow::Owned(unified.chars().filter(|c| !unwanted(*c)).collect())
}

/// `text` under the input rule, owned.
pub fn clean_owned(text: String) -> String {
    match clean(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(cleaned) => cleaned,
    }
}

/// Whether `text` has a character the rule removes (for values that are refused instead,
/// such as register fields, where a removed escape would leave debris).
pub fn has_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\t')
}

/// Applies the rule to every query string and urlencoded form body before any handler
/// sees them (multipart fields and JSON reports are cleaned where they are read).
pub async fn clean_input(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    if let Some(query) = parts.uri.query()
        && let Some(cleaned) = clean_urlencoded(query.as_bytes())
    {
        let path = parts.uri.path();
        let rebuilt = if cleaned.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{cleaned}")
        };
        if let Ok(uri) = rebuilt.parse::<Uri>() {
            parts.uri = uri;
        }
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return AppError::PayloadTooLarge(Msg::new("error_form_too_large").arg("mb", 2))
            .into_response();
    };
    let body = match clean_urlencoded(&bytes) {
        Some(cleaned) => {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(cleaned.len()));
            Body::from(cleaned)
        }
        None => Body::from(bytes),
    };
    next.run(Request::from_parts(parts, body)).await
}

/// The pairs of `encoded` re-encoded under the rule, or `None` when nothing changes.
fn clean_urlencoded(encoded: &[u8]) -> Option<String> {
    let pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = url::form_urlencoded::parse(encoded).collect();
    if !pairs
        .iter()
        .any(|(k, v)| k.chars().any(unwanted) || v.chars().any(unwanted))
    {
        return None;
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in &pairs {
        out.append_pair(&clean(key), &clean(value));
    }
    Some(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_escapes_and_other_controls_go_but_tabs_and_newlines_stay() {
        assert_eq!(clean("a\u{0}b\u{1b}[31mc\u{7f}d\u{85}e"), "ab[31mcde");
        assert_eq!(
            clean("line one\r\nline\ttwo\rthree"),
            "line one\nline\ttwo\nthree"
        );
        assert!(matches!(clean("普通文字\n"), Cow::Borrowed(_)));
        assert!(has_control("暨阳\u{1b}[2J街道"));
        assert!(!has_control("暨阳街道"));
    }

    #[test]
    fn a_form_body_is_rewritten_only_when_it_has_something_to_remove() {
        assert_eq!(clean_urlencoded(b"a=1&b=%E4%B8%AD"), None);
        assert_eq!(
            clean_urlencoded(b"username=ad%00min&next=%2Fstaff").as_deref(),
            Some("username=admin&next=%2Fstaff")
        );
    }
}
