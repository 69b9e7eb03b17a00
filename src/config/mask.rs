//! Secrets as `jianduka config` and the pages show them: masked, whatever form they take.

use serde::Serializer;
use url::Url;

use super::Secret;

/// Shows a URL secret with its password masked.
pub(super) fn masked_url<S: Serializer>(
    url: &Secret<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&mask_url_password(url.expose()))
}

pub(super) fn masked_optional_url<S: Serializer>(
    url: &Option<Secret<String>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => masked_url(url, serializer),
        None => serializer.serialize_none(),
    }
}

pub(super) fn masked_optional_secret<S: Serializer>(
    secret: &Option<Secret<String>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(_) => serializer.serialize_str("****"),
        None => serializer.serialize_none(),
    }
}

/// Replaces every password in a URL with `****`: the one in `scheme://user:password@host`,
/// and any query parameter that holds one (`?password=…`, `sslpassword=…`, as PostgreSQL
/// accepts them).
pub fn mask_url_password(raw: &str) -> String {
    let Ok(mut url) = Url::parse(raw) else {
        return "(unparsable)".into();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("****"));
    }
    let secret = |key: &str| {
        let key = key.to_ascii_lowercase();
        key.contains("pass") || key.contains("secret") || key.contains("token") || key == "pwd"
    };
    if url.query_pairs().any(|(key, _)| secret(&key)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let value = if secret(&key) {
                    "****".into()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}
