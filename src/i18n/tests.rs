//! The locales are complete, named keys exist, Chinese takes full-width punctuation.

use super::*;
use crate::embedded;

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
    "light_",
    "when_",
];

#[test]
fn every_key_the_code_or_a_template_names_is_in_both_locales() {
    let locales = Locales::load().expect("locales parse");
    let mut named = Vec::new();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for file in &files {
        // This file names made-up keys on purpose.
        if file.ends_with("i18n/tests.rs") {
            continue;
        }
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
