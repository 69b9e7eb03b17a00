//! What every HTML page shares: the embedded templates rendered with the reader's locale, CSV
//! downloads, the security headers and the static files.

mod csv;
mod headers;
mod static_files;

use std::sync::Arc;

use axum::response::Html;
use minijinja::{Environment, Value};

pub use self::csv::Csv;
pub use self::headers::{CSP, remember_lang, security_headers};
pub use self::static_files::static_router;
use crate::embedded;
use crate::i18n::{Lang, Locales};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        Templates::load().expect("templates compile");
    }
}
