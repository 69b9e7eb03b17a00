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

/// Years a date a person types may fall in. Outside them a date means nothing to anyone, and
/// chrono's arithmetic (a month back, a day on) panics near the ends of its range.
const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// A date typed as `2026-12-07`, within [`YEARS`]; anything else is `None`.
pub fn date(text: &str) -> Option<chrono::NaiveDate> {
    use chrono::Datelike;
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&d.year()))
}

/// A month typed as `2026-12`, as its first day, within [`YEARS`]; anything else is `None`.
pub fn month(text: &str) -> Option<chrono::NaiveDate> {
    date(&format!("{}-01", text.trim()))
}

/// Applies the rule to every query string, urlencoded form body and JSON body (up to 2 MB)
/// before any handler sees them: the form and the JSON API are two doors to one rule.
/// Multipart fields, and JSON reports too large for this, are cleaned where they are read.
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
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let clean_body: fn(&[u8]) -> Option<Vec<u8>> =
        if content_type.starts_with("application/x-www-form-urlencoded") {
            |bytes| clean_urlencoded(bytes).map(String::into_bytes)
        } else if content_type.starts_with("application/json") {
            clean_json
        } else {
            return next.run(Request::from_parts(parts, body)).await;
        };
    // A JSON report with its photos may be larger: it is cleaned where it is read.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_FORM_BYTES) && content_type.starts_with("application/json")
    {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return AppError::PayloadTooLarge(Msg::new("error_form_too_large").arg("mb", 2))
            .into_response();
    };
    let body = match clean_body(&bytes) {
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

/// A JSON document with every string (and key) under the rule, or `None` when nothing changes
/// or it is not JSON (the handler then refuses it as it would have).
fn clean_json(bytes: &[u8]) -> Option<Vec<u8>> {
    fn walk(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(text) => match clean(text) {
                Cow::Borrowed(_) => false,
                Cow::Owned(cleaned) => {
                    *text = cleaned;
                    true
                }
            },
            // Every item is walked (no short cut once one changed).
            serde_json::Value::Array(items) => {
                let mut changed = false;
                for item in items {
                    changed |= walk(item);
                }
                changed
            }
            serde_json::Value::Object(map) => {
                let dirty_keys = map.keys().any(|k| k.chars().any(unwanted));
                if dirty_keys {
                    *map = std::mem::take(map)
                        .into_iter()
                        .map(|(k, v)| (clean_owned(k), v))
                        .collect();
                }
                let mut changed = dirty_keys;
                for value in map.values_mut() {
                    changed |= walk(value);
                }
                changed
            }
            _ => false,
        }
    }
    // Escaped (`\u001b`) or raw, a control character shows as a backslash or a byte below 0x20.
    if !bytes
        .iter()
        .any(|b| *b == b'\\' || *b < 0x20 || *b == 0x7f || *b == 0xc2)
    {
        return None;
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    walk(&mut value).then(|| serde_json::to_vec(&value).ok())?
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
    fn dates_outside_four_digit_years_are_not_dates() {
        assert_eq!(
            date(" 2026-12-07 "),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
        );
        assert_eq!(
            month("2026-02"),
            chrono::NaiveDate::from_ymd_opt(2026, 2, 1)
        );
        for hostile in ["-262143-01", "+262142-12", "0000-01", "2026-13", "x"] {
            assert_eq!(month(hostile), None, "{hostile}");
        }
        assert_eq!(date("+262142-12-31"), None);
        assert_eq!(date("2026-02-30"), None);
    }

    #[test]
    fn json_strings_lose_nul_and_escapes_and_clean_json_is_left_alone() {
        let cleaned =
            clean_json(br#"{"text":"a\u0000b\u001b[2Jc","n":[1,"x\u0007"],"ok":"\u4e2d\n"}"#)
                .expect("rewritten");
        let value: serde_json::Value = serde_json::from_slice(&cleaned).expect("json");
        assert_eq!(value["text"], "ab[2Jc");
        assert_eq!(value["n"][1], "x");
        assert_eq!(value["ok"], "中\n");
        assert_eq!(clean_json(br#"{"text":"\u4e2d\n\"q\""}"#), None);
        assert_eq!(clean_json(br#"{"text":"plain"}"#), None);
        assert_eq!(clean_json(b"not json \\"), None);
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
