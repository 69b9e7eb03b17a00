//! Cookies: reading one from a request and writing `Set-Cookie`, both through the `cookie`
//! crate, so no attribute string is formatted by hand.

use axum::http::{HeaderMap, HeaderValue, header};
pub use cookie::SameSite;

/// The value of cookie `name`, if the request carries it.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// A cookie to set: `HttpOnly` unless [`SetCookie::readable_by_scripts`] says otherwise.
#[derive(Clone, Debug)]
pub struct SetCookie(cookie::Cookie<'static>);

impl SetCookie {
    /// Cookie `name` with `value`, sent back only under `path`, with `same_site`.
    pub fn new(name: &'static str, value: String, path: &'static str, same_site: SameSite) -> Self {
        let mut c = cookie::Cookie::new(name, value);
        c.set_path(path);
        c.set_http_only(true);
        c.set_same_site(same_site);
        Self(c)
    }

    /// The same cookie emptied and expired at once (how a browser is told to forget it).
    pub fn removal(name: &'static str, path: &'static str, same_site: SameSite) -> Self {
        Self::new(name, String::new(), path, same_site).max_age(0)
    }

    /// Kept for `seconds` (without it, until the browser closes).
    pub fn max_age(mut self, seconds: i64) -> Self {
        self.0
            .set_max_age(cookie::time::Duration::seconds(seconds.max(0)));
        self
    }

    /// Sent over https only, when `secure`.
    pub fn secure(mut self, secure: bool) -> Self {
        self.0.set_secure(secure.then_some(true));
        self
    }

    /// Without `HttpOnly` (a preference such as the language, not a credential).
    pub fn readable_by_scripts(mut self) -> Self {
        self.0.set_http_only(None);
        self
    }

    /// The `Set-Cookie` header value; `None` if the value holds what a header cannot.
    pub fn header(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(&self.0.to_string()).ok()
    }

    /// Adds this cookie to `headers`.
    pub fn add_to(&self, headers: &mut HeaderMap) {
        if let Some(value) = self.header() {
            headers.append(header::SET_COOKIE, value);
        }
    }
}

/// For `[(header::SET_COOKIE, cookie)]` in a handler's answer.
impl TryFrom<SetCookie> for HeaderValue {
    type Error = axum::http::header::InvalidHeaderValue;

    fn try_from(cookie: SetCookie) -> Result<Self, Self::Error> {
        HeaderValue::from_str(&cookie.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_read_among_others_and_written_with_its_attributes() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; lang=en; b=2"),
        );
        assert_eq!(get(&headers, "lang").as_deref(), Some("en"));
        assert_eq!(get(&headers, "missing"), None);
        let set = SetCookie::new("s", "tok".into(), "/", SameSite::Lax)
            .max_age(60)
            .secure(true)
            .header()
            .expect("header");
        let text = set.to_str().expect("ascii");
        for part in [
            "s=tok",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
            "Secure",
            "Max-Age=60",
        ] {
            assert!(text.contains(part), "{text}");
        }
        let gone = SetCookie::removal("s", "/", SameSite::Lax)
            .header()
            .expect("header");
        assert!(gone.to_str().expect("ascii").contains("Max-Age=0"));
    }
}
