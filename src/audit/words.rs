//! The audit log in words: one row as a person reads it — when (Beijing time), who (display
//! name and login), what (the action in the reader's language), which case (its number) and
//! the details as a sentence ("状态：调查中 → 已办结；理由：…"). Plain strings, no HTML, so the
//! audit page, its CSV and a case dossier print the same words.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::Value;

use super::AuditAction;
use crate::entities::{audit_log, cases, units, users};
use crate::i18n::{Lang, Locales};

mod details;

/// The actors that are not accounts, as stored after `system:` (the command line, the login
/// service, the first start), for the person filter.
pub const SYSTEM_ACTORS: &[&str] = &["cli", "login", "first-run"];

/// The locale key of an action's label.
pub fn action_key(action: AuditAction) -> String {
    format!("auditlog_action_{}", action.as_str())
}

/// The action stored as `name`, if the server knows it.
pub fn action_named(name: &str) -> Option<AuditAction> {
    AuditAction::ALL
        .iter()
        .copied()
        .find(|a| a.as_str() == name)
}

/// An action in the reader's language; a name the server does not know is shown as stored.
pub fn action_label(locales: &Locales, lang: Lang, name: &str) -> String {
    match action_named(name) {
        Some(action) => locales.t(lang, &action_key(action)).to_string(),
        None => name.replace('_', " "),
    }
}

/// A staff account as people know it.
#[derive(Clone, Debug)]
pub struct Person {
    pub display_name: String,
    pub username: String,
}

impl Person {
    /// "张三（zhangsan）"; the login alone when it is also the name.
    pub fn shown(&self, locales: &Locales, lang: Lang) -> String {
        if self.display_name.trim().is_empty() || self.display_name == self.username {
            return self.username.clone();
        }
        locales
            .t(lang, "auditlog_person")
            .replace("{name}", &self.display_name)
            .replace("{login}", &self.username)
    }
}

/// The names a page of rows refers to: accounts, units and case numbers, by id.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub people: HashMap<i64, Person>,
    pub units: HashMap<i64, String>,
    /// Case id → case number (JD2026-000001).
    pub cases: HashMap<i64, String>,
}

/// The detail keys that name an account, and those that name a unit.
const PERSON_KEYS: &[&str] = &["assignee", "user", "filter_actor"];
const UNIT_KEYS: &[&str] = &["unit"];

impl Names {
    /// Looks up, in three queries, every account, unit and case that `rows` name.
    pub async fn load(
        db: &impl ConnectionTrait,
        rows: &[audit_log::Model],
    ) -> Result<Names, DbErr> {
        let (mut people, mut unit_ids, mut case_ids) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for row in rows {
            people.extend(row.actor_id);
            let subject = row
                .subject_id
                .as_deref()
                .and_then(|s| s.parse::<i64>().ok());
            match row.subject_type.as_str() {
                "user" => people.extend(subject),
                "unit" => unit_ids.extend(subject),
                "case" => case_ids.extend(subject),
                _ => {}
            }
            if let Ok(Value::Object(detail)) = serde_json::from_str::<Value>(&row.detail) {
                let id = |key: &&str| detail.get(*key).and_then(id_in);
                people.extend(PERSON_KEYS.iter().filter_map(id));
                unit_ids.extend(UNIT_KEYS.iter().filter_map(id));
            }
        }
        let mut names = Names::default();
        if !people.is_empty() {
            for user in users::Entity::find()
                .filter(users::Column::Id.is_in(people))
                .all(db)
                .await?
            {
                let person = Person {
                    display_name: user.display_name,
                    username: user.username,
                };
                names.people.insert(user.id, person);
            }
        }
        if !unit_ids.is_empty() {
            for unit in units::Entity::find()
                .filter(units::Column::Id.is_in(unit_ids))
                .all(db)
                .await?
            {
                names.units.insert(unit.id, unit.name);
            }
        }
        if !case_ids.is_empty() {
            for case in cases::Entity::find()
                .filter(cases::Column::Id.is_in(case_ids))
                .all(db)
                .await?
            {
                names.cases.insert(case.id, case.number);
            }
        }
        Ok(names)
    }

    /// Account `id` as people know it, or "account no. 4 (not found)".
    pub fn person(&self, locales: &Locales, lang: Lang, id: i64) -> String {
        match self.people.get(&id) {
            Some(person) => person.shown(locales, lang),
            None => locales
                .t(lang, "auditlog_unknown_person")
                .replace("{id}", &id.to_string()),
        }
    }

    /// Unit `id` by its name.
    pub fn unit(&self, locales: &Locales, lang: Lang, id: i64) -> String {
        match self.units.get(&id) {
            Some(name) => name.clone(),
            None => locales
                .t(lang, "auditlog_unknown_unit")
                .replace("{id}", &id.to_string()),
        }
    }
}

/// An id stored as a number or as digits.
fn id_in(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One audit row in words (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    /// Beijing time, `2026-12-07 20:08:42`.
    pub when: String,
    /// "张三（zhangsan）", "命令行", "反映人".
    pub actor: String,
    /// "查看案件".
    pub action: String,
    /// The case the row is about, if it is about one.
    pub case_id: Option<i64>,
    /// Its number, JD2026-000001.
    pub case_number: Option<String>,
    /// What else the row is about ("账号：李四（lisi）"); empty for a case.
    pub subject: String,
    /// The details as a sentence; empty when there are none.
    pub details: String,
}

/// Row `row` in `lang`'s words, with the accounts, units and cases `names` knows.
pub fn describe(row: &audit_log::Model, names: &Names, locales: &Locales, lang: Lang) -> Described {
    let when = row
        .at
        .with_timezone(&crate::clock::BEIJING)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let subject_id = row.subject_id.as_deref().unwrap_or_default();
    let case_id = match row.subject_type.as_str() {
        "case" => subject_id.parse::<i64>().ok(),
        _ => None,
    };
    let case_number = case_id.map(|id| match names.cases.get(&id) {
        Some(number) => number.clone(),
        None => locales
            .t(lang, "auditlog_unknown_case")
            .replace("{id}", &id.to_string()),
    });
    let detail = serde_json::from_str::<Value>(&row.detail).unwrap_or(Value::Null);
    let details = match &detail {
        Value::Null if !row.detail.trim().is_empty() && row.detail.trim() != "null" => {
            // Not JSON at all (edited by hand): shown as it is, it has no braces to hide.
            row.detail.clone()
        }
        detail => details::sentence(detail, names, locales, lang),
    };
    Described {
        when,
        actor: actor(row, names, locales, lang),
        action: action_label(locales, lang, &row.action),
        case_id,
        case_number,
        subject: subject(row, &detail, names, locales, lang),
        details,
    }
}

/// Who acted: an account by name, the reporter, or a part of the system.
fn actor(row: &audit_log::Model, names: &Names, locales: &Locales, lang: Lang) -> String {
    if let Some(id) = row.actor_id {
        return names.person(locales, lang, id);
    }
    let label = row.actor_label.as_str();
    if label == "reporter" {
        return locales.t(lang, "auditlog_actor_reporter").to_string();
    }
    if let Some(id) = label.strip_prefix("user:").and_then(|id| id.parse().ok()) {
        return names.person(locales, lang, id);
    }
    system_actor(
        locales,
        lang,
        label.strip_prefix("system:").unwrap_or(label),
    )
}

/// A part of the system by what it is called ("命令行"); another as "系统（name）".
pub fn system_actor(locales: &Locales, lang: Lang, name: &str) -> String {
    let key = format!("auditlog_actor_system_{}", name.replace('-', "_"));
    match locales.texts(lang).get(&key) {
        Some(text) => text.clone(),
        None => locales
            .t(lang, "auditlog_actor_system")
            .replace("{name}", name),
    }
}

/// What the row is about when it is not a case: "账号：李四（lisi）", "科室：城东科".
fn subject(
    row: &audit_log::Model,
    detail: &Value,
    names: &Names,
    locales: &Locales,
    lang: Lang,
) -> String {
    let id = row.subject_id.as_deref().unwrap_or_default().trim();
    let number = id.parse::<i64>().ok();
    let kind = row.subject_type.as_str();
    let what = match (kind, number) {
        ("case", _) => return String::new(),
        ("user", Some(n)) => names.person(locales, lang, n),
        ("user", None) => return String::new(),
        ("unit", Some(n)) => names.unit(locales, lang, n),
        ("card", _) => match detail.get("serial").and_then(Value::as_str) {
            Some(serial) => serial.to_string(),
            None => format!("#{id}"),
        },
        ("setting", _) => {
            let key = format!("auditlog_setting_{id}");
            match locales.texts(lang).get(&key) {
                Some(text) => text.clone(),
                None => id.to_string(),
            }
        }
        ("calendar" | "statistics", _) => id.to_string(),
        (_, Some(n)) => format!("#{n}"),
        _ => String::new(),
    };
    let noun = match locales.texts(lang).get(&format!("auditlog_subject_{kind}")) {
        Some(noun) => noun.clone(),
        None => kind.replace('_', " "),
    };
    match what.is_empty() {
        true => noun,
        false => format!("{noun}{}{what}", locales.t(lang, "auditlog_colon")),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod built_keys {
    use crate::i18n::{Lang, Locales};

    /// The words look statuses, findings and roles up by a built key (the audit chain sits
    /// below the domains that own those names).
    #[test]
    fn every_status_finding_and_role_has_the_label_the_words_look_up() {
        let locales = Locales::embedded().expect("the locales parse");
        let keys: Vec<String> = crate::cases::CaseStatus::ALL
            .iter()
            .map(|s| format!("status_{}", s.as_str()))
            .chain(
                crate::cases::Finding::ALL
                    .iter()
                    .map(|f| format!("finding_{}", f.as_str())),
            )
            .chain(
                crate::access::Role::ALL
                    .iter()
                    .map(|r| format!("role_{}", r.as_str())),
            )
            .collect();
        for lang in [Lang::Zh, Lang::En] {
            let missing: Vec<_> = keys
                .iter()
                .filter(|k| !locales.texts(lang).contains_key(*k))
                .collect();
            assert!(missing.is_empty(), "missing in {}: {missing:?}", lang.tag());
        }
    }
}
