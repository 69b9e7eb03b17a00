//! What every HTML page shares: the embedded templates, the two locales, the language a
//! visitor reads, and the security headers.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, HeaderValue, header, request::Parts};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value};

use crate::msg::Msg;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// A language the public pages speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The BCP 47 tag, as used in `<html lang>` and the locale file names.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parses `zh`, `zh-CN`, `en`, `en-GB`…; anything else is `None`.
    pub fn parse(text: &str) -> Option<Lang> {
        let primary = text.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language a request asks for: `?lang=`, then the `lang` cookie, then
    /// `Accept-Language` (first supported tag by quality), then Chinese.
    pub fn negotiate(query: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(lang) = query.and_then(query_lang) {
            return lang;
        }
        if let Some(lang) = cookie(headers, "lang").and_then(|v| Lang::parse(&v)) {
            return lang;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(accept_language)
            .unwrap_or(Lang::Zh)
    }
}

/// The `lang` query parameter as the OpenAPI document describes it (the [`Lang`] extractor
/// reads it).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParam {
    /// Language of labels and messages; without it, `Accept-Language` decides, then zh-CN.
    #[param(inline)]
    pub lang: Option<Lang>,
}

fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

fn accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or_default();
        let quality = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(lang) = Lang::parse(tag)
            && best.is_none_or(|(q, _)| quality > q)
        {
            best = Some((quality, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::negotiate(parts.uri.query(), &parts.headers))
    }
}

/// The locale strings of one language, flat `key = "text"` pairs from `locales/*.toml`.
pub type Texts = BTreeMap<String, String>;

/// Both locales, parsed once.
#[derive(Debug)]
pub struct Locales {
    zh: Texts,
    en: Texts,
    zh_value: Value,
    en_value: Value,
}

impl Locales {
    /// Parses the embedded locale files: every `locales/<tag>/*.toml` merged, one file per
    /// domain. A key defined twice is an error.
    pub fn load() -> anyhow::Result<Self> {
        let parse = |tag: &str| -> anyhow::Result<Texts> {
            let mut texts = Texts::new();
            let prefix = format!("{tag}/");
            for (file, text) in embedded::LOCALES {
                if !file.starts_with(&prefix) || !file.ends_with(".toml") {
                    continue;
                }
                let part: Texts =
                    toml::from_str(text).map_err(|e| anyhow::anyhow!("locales/{file}: {e}"))?;
                for (key, value) in part {
                    if texts.insert(key.clone(), value).is_some() {
                        anyhow::bail!("locales/{file}: key {key} is defined twice");
                    }
                }
            }
            Ok(texts)
        };
        let zh = parse("zh-CN")?;
        let en = parse("en")?;
        Ok(Self {
            zh_value: Value::from_serialize(&zh),
            en_value: Value::from_serialize(&en),
            zh,
            en,
        })
    }

    /// The embedded locales, parsed once for the whole process; `None` only if a locale file
    /// does not parse, which [`Views::load`] refuses at startup.
    pub fn embedded() -> Option<&'static Locales> {
        Self::shared().ok()
    }

    /// The one parsed copy of the embedded locales, or why they do not parse.
    fn shared() -> anyhow::Result<&'static Locales> {
        static EMBEDDED: std::sync::OnceLock<Result<Locales, String>> = std::sync::OnceLock::new();
        EMBEDDED
            .get_or_init(|| Locales::load().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// A [`Msg`] put into the words of `lang`.
    pub fn msg(&self, lang: Lang, msg: &Msg) -> String {
        msg.in_lang(self, lang)
    }

    /// The strings of `lang`.
    pub fn texts(&self, lang: Lang) -> &Texts {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// One string; the key itself if it is missing (a test keeps both files complete).
    pub fn t<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        self.texts(lang).get(key).map(String::as_str).unwrap_or(key)
    }

    /// The strings of `lang` as a template value (cheap to clone).
    pub fn value(&self, lang: Lang) -> Value {
        match lang {
            Lang::Zh => self.zh_value.clone(),
            Lang::En => self.en_value.clone(),
        }
    }
}

/// Label `key` in `lang`, from the embedded locales, for the domain's labels that are handed
/// out as `&'static str` (a case status, a role); the key itself if the locales did not load,
/// which startup refuses.
pub fn label(lang: Lang, key: &'static str) -> &'static str {
    match Locales::embedded() {
        Some(locales) => locales.t(lang, key),
        None => key,
    }
}

/// The embedded templates, ready to render.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads every embedded template; a syntax error is a startup error.
    pub fn load() -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in embedded::TEMPLATES {
            if name.starts_with("static/") {
                continue;
            }
            env.add_template(name, source)
                .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        }
        Ok(Self { env })
    }

    /// Whether template `name` exists (a mail's HTML part is optional).
    pub fn has(&self, name: &str) -> bool {
        self.env.get_template(name).is_ok()
    }

    /// Renders template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: Value) -> anyhow::Result<String> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        template
            .render(ctx)
            .map_err(|e| anyhow::anyhow!("rendering {name}: {e:#}"))
    }
}

/// The templates and locales together, shared by every handler.
#[derive(Clone, Debug)]
pub struct Views {
    pub templates: Arc<Templates>,
    /// The process's one parsed copy (the error layer reads the same).
    pub locales: &'static Locales,
    /// The issuing body, shown at the top of every page.
    org_name: Arc<str>,
    /// Its English name, shown on English pages.
    org_name_en: Arc<str>,
    /// Its hotline, shown on public pages.
    hotline: Arc<str>,
}

impl Views {
    /// Loads both; `org_name` and `hotline` go into every page.
    pub fn load(org_name: &str, hotline: &str) -> anyhow::Result<Self> {
        Ok(Self {
            templates: Arc::new(Templates::load()?),
            locales: Locales::shared()?,
            org_name: org_name.into(),
            org_name_en: org_name.into(),
            hotline: hotline.into(),
        })
    }

    /// The same views with the issuing body's English name for English pages.
    pub fn with_english_name(mut self, org_name_en: &str) -> Self {
        self.org_name_en = org_name_en.into();
        self
    }

    /// The issuing body (what emails sign with).
    pub fn org_name(&self) -> &str {
        &self.org_name
    }

    /// Renders a page: `ctx` plus `t` (the strings of `lang`), `lang`, `org_name` and
    /// `hotline`.
    pub fn page(&self, name: &str, lang: Lang, ctx: Value) -> anyhow::Result<Html<String>> {
        // What a page may leave out: a notice after a step, an error, a form to fill back in.
        let optional = minijinja::context! { error => (), done => (), created => (), form => () };
        let shared = minijinja::context! {
            t => self.locales.value(lang),
            lang => lang.tag(),
            org_name => match lang {
                Lang::Zh => &*self.org_name,
                Lang::En => &*self.org_name_en,
            },
            hotline => &*self.hotline,
        };
        // The later map wins: shared values, then the page's own, then the optional blanks.
        let full = minijinja::value::merge_maps([optional, ctx, shared]);
        Ok(Html(self.templates.render(name, full)?))
    }
}

/// A CSV download as Excel opens it: UTF-8 with a byte-order mark, and every cell that a
/// spreadsheet would take for a formula (`= + - @`, tab, CR) neutralised with a leading `'`.
pub struct Csv {
    writer: csv::Writer<Vec<u8>>,
}

impl Csv {
    /// A file with this header row.
    pub fn new(header: &[&str]) -> Self {
        let mut csv = Self {
            writer: csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec()),
        };
        csv.row(header);
        csv
    }

    /// One row.
    pub fn row(&mut self, cells: &[&str]) {
        let cells = cells.iter().map(|cell| {
            if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{cell}")
            } else {
                (*cell).to_string()
            }
        });
        // Writing into memory cannot fail.
        let _ = self.writer.write_record(cells);
    }

    /// The finished file.
    pub fn into_bytes(self) -> Vec<u8> {
        self.writer.into_inner().unwrap_or_default()
    }

    /// The file as a download named `filename`.
    pub fn into_response(self, filename: &str) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            self.into_bytes(),
        )
            .into_response()
    }
}

/// The `lang` cookie: a year, the whole site, sent on links from elsewhere too (`Lax`).
const LANG_COOKIE_MAX_AGE: u32 = 365 * 24 * 3600;

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
    let known = cookie(request.headers(), "lang").and_then(|v| Lang::parse(&v));
    let mut response = next.run(request).await;
    if let Some(lang) = chosen.filter(|lang| known != Some(*lang)) {
        let value = format!(
            "lang={}; Path=/; SameSite=Lax; Max-Age={LANG_COOKIE_MAX_AGE}",
            lang.tag()
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
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
        return crate::error::AppError::NotFound.into_response();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locales_have_every_key() {
        let locales = Locales::load().expect("locales parse");
        let zh: Vec<_> = locales.zh.keys().collect();
        let en: Vec<_> = locales.en.keys().collect();
        let missing_en: Vec<_> = zh
            .iter()
            .filter(|k| !locales.en.contains_key(**k))
            .collect();
        let missing_zh: Vec<_> = en
            .iter()
            .filter(|k| !locales.zh.contains_key(**k))
            .collect();
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
        assert!(
            missing_zh.is_empty(),
            "missing in zh-CN.toml: {missing_zh:?}"
        );
        assert!(zh.len() > 5);
    }

    /// The locale keys a source text names: after each of `markers`, up to the closing quote.
    fn keys_after<'a>(text: &'a str, markers: &[&str]) -> Vec<&'a str> {
        let mut keys = Vec::new();
        for marker in markers {
            for (at, _) in text.match_indices(marker) {
                // `t("` must be the closure `t`, not the end of another name (`format!("`).
                let before = text[..at].chars().next_back();
                if marker.starts_with('t')
                    && before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    continue;
                }
                let rest = &text[at + marker.len()..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                    .unwrap_or(rest.len());
                let (key, after) = rest.split_at(end);
                if marker.ends_with('"') {
                    // Only a whole literal: `t["case_stage_" ~ …]` builds its key.
                    let Some(next) = after.strip_prefix('"') else {
                        continue;
                    };
                    if next.trim_start().starts_with('~') {
                        continue;
                    }
                }
                if !key.is_empty() && !key.ends_with('_') {
                    keys.push(key);
                }
            }
        }
        keys
    }

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The prefixes of the label keys in locales/*/labels.toml.
    const LABEL_PREFIXES: &[&str] = &[
        "status_",
        "finding_",
        "stage_",
        "role_",
        "event_",
        "timeline_",
        "due_",
    ];

    #[test]
    fn every_key_the_code_or_a_template_names_is_in_both_locales() {
        let locales = Locales::load().expect("locales parse");
        let mut named = Vec::new();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for file in &files {
            let text = std::fs::read_to_string(file).expect("source is readable");
            // Test modules name made-up keys on purpose.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            let markers = ["Msg::new(\"", ".t(lang, \"", "t(\"", "code_missing(\""];
            for key in keys_after(text, &markers) {
                named.push((file.display().to_string(), key.to_string()));
            }
            // Labels chosen in a `match` and passed to `label(lang, key)`.
            for (at, _) in text.match_indices('"') {
                let rest = &text[at + 1..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                    .unwrap_or(rest.len());
                let (key, after) = rest.split_at(end);
                let label = LABEL_PREFIXES.iter().any(|p| key.starts_with(p));
                if label && after.starts_with('"') && key != "due_on" {
                    named.push((file.display().to_string(), key.to_string()));
                }
            }
        }
        for (name, text) in embedded::TEMPLATES {
            if name.starts_with("static/") {
                continue;
            }
            for key in keys_after(text, &["t.", "t[\""]) {
                named.push((format!("templates/{name}"), key.to_string()));
            }
        }
        assert!(
            named.len() > 300,
            "the scan found too few keys: {}",
            named.len()
        );
        let missing: Vec<_> = named
            .iter()
            .filter(|(_, key)| !(locales.zh.contains_key(key) && locales.en.contains_key(key)))
            .collect();
        assert!(
            missing.is_empty(),
            "named but not in both locales: {missing:?}"
        );
    }

    #[test]
    fn chinese_strings_take_full_width_punctuation() {
        let locales = Locales::load().expect("locales parse");
        let han = |c: char| matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}');
        let mut wrong = Vec::new();
        for (key, text) in &locales.zh {
            let chars: Vec<char> = text.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                // After a Chinese character these are the ASCII forms of ，；：？！（）; code
                // keeps its own (`请求头 Authorization: Bearer` has a letter before the colon).
                let after_han = chars[..i]
                    .iter()
                    .rev()
                    .find(|c| **c != ' ')
                    .is_some_and(|b| han(*b));
                if after_han && ",;:?!()".contains(*c) {
                    wrong.push(format!("{key}: {text}"));
                }
            }
        }
        assert!(wrong.is_empty(), "ASCII punctuation in Chinese: {wrong:#?}");
    }

    #[test]
    fn the_key_scan_finds_keys_and_skips_other_calls() {
        let text = r#"Msg::new("a_key"); format!("x"); t("b_key"); state.t(lang, "c_key");
            {{ t.d_key }} {{ t["case_stage_" ~ x] }} cont.e_key"#;
        let markers = ["Msg::new(\"", ".t(lang, \"", "t(\"", "t.", "t[\""];
        assert_eq!(
            keys_after(text, &markers),
            vec!["a_key", "c_key", "b_key", "d_key"]
        );
    }

    #[test]
    fn accept_language_picks_the_best_supported_tag() {
        assert_eq!(accept_language("en-US,en;q=0.9,zh;q=0.8"), Some(Lang::En));
        assert_eq!(accept_language("fr, zh-CN;q=0.5, en;q=0.4"), Some(Lang::Zh));
        assert_eq!(accept_language("fr, de"), None);
    }

    #[test]
    fn csv_cells_that_look_like_formulas_are_neutralised() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(&["=1+1", "诸暨市"]);
        csv.row(&["-2", "@x"]);
        let text = String::from_utf8(csv.into_bytes()).expect("utf-8");
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("'=1+1,诸暨市"));
        assert!(text.contains("'-2,'@x"));
    }

    #[test]
    fn every_template_compiles() {
        Templates::load().expect("templates compile");
    }
}
