//! Languages: which one a visitor reads (`?lang=`, the `lang` cookie, `Accept-Language`), and
//! the two locales every page, message and label is put into words from.

use std::collections::BTreeMap;

use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, header, request::Parts};
use minijinja::Value;

use crate::embedded;

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
        if let Some(lang) = crate::cookies::get(headers, "lang").and_then(|v| Lang::parse(&v)) {
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

pub(crate) fn query_lang(query: &str) -> Option<Lang> {
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
    /// does not parse, which `Views::load` refuses at startup.
    pub fn embedded() -> Option<&'static Locales> {
        Self::shared().ok()
    }

    /// The one parsed copy of the embedded locales, or why they do not parse.
    pub(crate) fn shared() -> anyhow::Result<&'static Locales> {
        static EMBEDDED: std::sync::OnceLock<Result<Locales, String>> = std::sync::OnceLock::new();
        EMBEDDED
            .get_or_init(|| Locales::load().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
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

#[cfg(test)]
mod tests;
