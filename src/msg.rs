//! A message for a person, kept as a locale key and its named arguments until the reader's
//! language is known: a page handler puts it into words for the page it renders, the error
//! layer ([`crate::error::localize_errors`]) for an error response, the CLI in English.

use std::borrow::Cow;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Locales};

/// What a `{name}` placeholder of a [`Msg`] is filled with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arg {
    /// Data shown as it is: a name, a number, a serial.
    Text(String),
    /// Another message, put into the same language (a field's name in "… is required").
    Msg(Box<Msg>),
    /// A label the code itself knows in both languages (a case status).
    Label {
        zh: Cow<'static, str>,
        en: Cow<'static, str>,
    },
    /// A calendar day, written as each language writes dates.
    Date(NaiveDate),
}

impl From<NaiveDate> for Arg {
    fn from(day: NaiveDate) -> Self {
        Arg::Date(day)
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_string())
    }
}

impl From<Msg> for Arg {
    fn from(msg: Msg) -> Self {
        Arg::Msg(Box::new(msg))
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Text(n.to_string())
            }
        }
    )*};
}
number_args!(i32, i64, u16, u32, u64, usize);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Text {
    Key(Cow<'static, str>),
    /// Already in the reader's language, or not language at all (a parser's detail).
    Verbatim(String),
}

/// A message for a person: a locale key with named arguments (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Msg {
    text: Text,
    args: Vec<(Cow<'static, str>, Arg)>,
}

/// Starts a message stored in a text column. Input cleaning removes control characters, so
/// nothing a person types starts so.
const STORED: char = '\u{1e}';

impl Msg {
    /// The string `key` of the locale files; its `{name}` placeholders are filled by [`Msg::arg`].
    pub fn new(key: &'static str) -> Self {
        Self {
            text: Text::Key(Cow::Borrowed(key)),
            args: Vec::new(),
        }
    }

    /// Text that is shown as it is: already put into the reader's language by the caller.
    pub fn verbatim(text: impl Into<String>) -> Self {
        Self {
            text: Text::Verbatim(text.into()),
            args: Vec::new(),
        }
    }

    /// Fills placeholder `{name}` with `value`.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((Cow::Borrowed(name), value.into()));
        self
    }

    /// Fills placeholder `{name}` with a label the code knows in both languages.
    pub fn label(self, name: &'static str, zh: &'static str, en: &'static str) -> Self {
        let (zh, en) = (Cow::Borrowed(zh), Cow::Borrowed(en));
        self.arg(name, Arg::Label { zh, en })
    }

    /// The locale key, unless the text is verbatim.
    pub fn key(&self) -> Option<&str> {
        match &self.text {
            Text::Key(key) => Some(key),
            Text::Verbatim(_) => None,
        }
    }

    /// The message as a text column keeps it (a case event's note written by the system), to
    /// be put into the reader's language when shown; see [`Msg::shown`].
    pub fn stored(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("{STORED}{json}")
    }

    /// A stored text as `lang` shows it: a stored message in words, anything else (what a
    /// person wrote) as it is.
    pub fn shown(stored: &str, locales: &Locales, lang: Lang) -> String {
        stored
            .strip_prefix(STORED)
            .and_then(|json| serde_json::from_str::<Msg>(json).ok())
            .map_or_else(|| stored.to_string(), |msg| msg.in_lang(locales, lang))
    }

    /// The message in `lang`.
    pub fn in_lang(&self, locales: &Locales, lang: Lang) -> String {
        let template = match &self.text {
            Text::Key(key) => locales.t(lang, key),
            Text::Verbatim(text) => text.as_str(),
        };
        fill(template, |name| {
            let (_, arg) = self.args.iter().find(|(n, _)| n == name)?;
            Some(match arg {
                Arg::Text(text) => text.clone(),
                Arg::Msg(msg) => msg.in_lang(locales, lang),
                Arg::Label { zh, en } => match lang {
                    Lang::Zh => zh.to_string(),
                    Lang::En => en.to_string(),
                },
                Arg::Date(day) => match lang {
                    Lang::Zh => day.format("%Y年%-m月%-d日").to_string(),
                    Lang::En => day.format("%-d %B %Y").to_string(),
                },
            })
        })
    }
}

/// Verbatim text: what a caller has already put into the reader's language.
impl From<String> for Msg {
    fn from(text: String) -> Self {
        Msg::verbatim(text)
    }
}

/// In English, like the rest of the command line and the log: what `jianduka users …` or
/// `cards issue` print when they refuse, and what a log line carries.
impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Locales::embedded() {
            Some(locales) => f.write_str(&self.in_lang(locales, Lang::En)),
            None => match &self.text {
                Text::Key(key) => f.write_str(key),
                Text::Verbatim(text) => f.write_str(text),
            },
        }
    }
}

/// `template` with every `{name}` that `value` knows replaced; other braces stay as they are.
pub fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_end = after.find('}');
        let replaced = name_end.and_then(|end| {
            let name = &after[..end];
            let plain =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            plain.then(|| value(name)).flatten().map(|v| (v, end))
        });
        match replaced {
            Some((text, end)) => {
                out.push_str(&text);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl Locales {
    /// A [`Msg`] put into the words of `lang`.
    pub fn msg(&self, lang: Lang, msg: &Msg) -> String {
        msg.in_lang(self, lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_braces_kept() {
        let value = |name: &str| (name == "n").then(|| "3".to_string());
        assert_eq!(fill("at most {n} of {n}", value), "at most 3 of 3");
        assert_eq!(fill("{x} {n} {", value), "{x} 3 {");
        assert_eq!(fill("a {} b", value), "a {} b");
    }

    #[test]
    fn a_message_reads_in_one_language_with_nested_arguments() {
        let locales = Locales::load().expect("locales");
        let msg =
            Msg::new("case_error_required").arg("what", Msg::new("case_field_decline_reason"));
        let zh = msg.in_lang(&locales, Lang::Zh);
        let en = msg.in_lang(&locales, Lang::En);
        assert_eq!(zh, "请填写不予受理的理由");
        assert_eq!(en, "A reason is required");
        let status = Msg::new("case_error_transition")
            .label("from", "已办结", "concluded")
            .label("to", "待受理", "new");
        assert_eq!(
            status.in_lang(&locales, Lang::En),
            "A case in status “concluded” cannot move to “new”"
        );
        assert_eq!(
            status.in_lang(&locales, Lang::Zh),
            "“已办结”的案件不能改为“待受理”"
        );
        assert_eq!(
            status.to_string(),
            "A case in status “concluded” cannot move to “new”"
        );
    }

    #[test]
    fn a_stored_message_is_shown_in_the_reader_s_language_and_typed_text_as_it_is() {
        let locales = Locales::load().expect("locales");
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
        let stored = Msg::new("case_note_extended").arg("due", day).stored();
        assert_eq!(
            Msg::shown(&stored, &locales, Lang::Zh),
            "期限延至 2026年12月7日"
        );
        assert_eq!(
            Msg::shown(&stored, &locales, Lang::En),
            "Time limit extended to 7 December 2026"
        );
        assert_eq!(
            Msg::shown("不属于受理范围", &locales, Lang::En),
            "不属于受理范围"
        );
    }
}
