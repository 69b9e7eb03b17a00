//! A row's detail JSON as a sentence: each key the server writes has a label and a way to put
//! its value into words; a key it does not know is shown as "key: value", never as JSON.

use serde_json::{Map, Value};

use super::Names;
use crate::i18n::{Lang, Locales};

/// How a detail's value is put into words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A case status (`investigating`).
    Status,
    /// A conclusion's finding.
    Finding,
    /// An account id; none is "none".
    Person,
    /// A unit id; none is "none".
    Unit,
    /// A role name.
    Role,
    /// Role names joined by commas.
    Roles,
    /// A plain number.
    Count,
    /// A number of working days.
    Days,
    /// Said only when true, by its label alone ("用户名不存在"); yes or no elsewhere.
    Flag,
    /// Approved or not.
    Approval,
    /// Active or inactive.
    Active,
    /// A date, or an instant shown in Beijing time.
    Date,
    /// Text as written.
    Text,
    /// A record's number, said as "留言 #5".
    Ref,
    /// A list, joined.
    List,
    /// Which cards were issued (`district:诸暨`, `enterprises:3`, `all`).
    Scope,
    /// A statistics period (`from=2026-01&to=2026-03`).
    Period,
    /// A list's filter as a query string.
    Query,
    /// An audit action's stored name.
    Action,
    /// A person-filter value: an account id, `reporter` or a system part.
    Actor,
    /// A file format (`pdf`).
    Format,
}

/// Every detail key the server writes, in the order a sentence names them. `from` and `to`
/// together are one clause (a status change).
pub(super) const KEYS: &[(&str, Kind)] = &[
    ("from", Kind::Status),
    ("to", Kind::Status),
    ("finding", Kind::Finding),
    ("reason", Kind::Text),
    ("assignee", Kind::Person),
    ("unit", Kind::Unit),
    ("user", Kind::Person),
    ("role", Kind::Role),
    ("roles", Kind::Roles),
    ("name", Kind::Text),
    ("hall", Kind::Text),
    ("active", Kind::Active),
    ("districts", Kind::List),
    ("message", Kind::Ref),
    ("note", Kind::Ref),
    ("files", Kind::Count),
    ("attachment", Kind::Ref),
    ("urging", Kind::Ref),
    ("requested_on", Kind::Date),
    ("extension", Kind::Ref),
    ("days", Kind::Days),
    ("approved", Kind::Approval),
    ("due_on", Kind::Date),
    ("period", Kind::Period),
    ("query", Kind::Query),
    ("unknown_user", Kind::Flag),
    ("failures", Kind::Count),
    ("locked", Kind::Flag),
    ("was_locked", Kind::Flag),
    ("replaced", Kind::Flag),
    ("other_sessions_ended", Kind::Count),
    ("sessions_ended", Kind::Count),
    ("tokens_revoked", Kind::Count),
    ("all_failed", Kind::Count),
    ("serial", Kind::Text),
    ("new_serial", Kind::Text),
    ("new_card_id", Kind::Ref),
    ("batch_id", Kind::Ref),
    ("scope", Kind::Scope),
    ("count", Kind::Count),
    ("skipped", Kind::Count),
    ("format", Kind::Format),
    ("cards", Kind::Count),
    ("pages", Kind::Count),
    ("rows", Kind::Count),
    ("imported", Kind::Count),
    ("updated", Kind::Count),
    ("unchanged", Kind::Count),
    ("rejected", Kind::Count),
    ("years", Kind::List),
    ("accept", Kind::Days),
    ("conclude", Kind::Days),
    ("feedback", Kind::Days),
    ("yellow", Kind::Days),
    ("effective_from", Kind::Date),
    ("filter_actor", Kind::Actor),
    ("filter_action", Kind::Action),
    ("filter_case", Kind::Text),
    ("filter_from", Kind::Date),
    ("filter_to", Kind::Date),
];

/// The locale key of a detail key's label.
pub(super) fn label_key(key: &str) -> String {
    format!("auditlog_key_{key}")
}

/// Reads one locale string.
struct Words<'a> {
    locales: &'a Locales,
    lang: Lang,
    names: &'a Names,
}

impl Words<'_> {
    fn t(&self, key: &str) -> String {
        self.locales.t(self.lang, key).to_string()
    }

    /// A label from the locales by a built key, or `fallback` when there is none.
    fn known(&self, key: &str, fallback: &str) -> String {
        match self.locales.texts(self.lang).get(key) {
            Some(text) => text.clone(),
            None => fallback.replace('_', " "),
        }
    }

    fn none(&self) -> String {
        self.t("auditlog_none")
    }

    fn list_sep(&self) -> String {
        self.t("auditlog_list_sep")
    }

    fn status(&self, value: &Value) -> String {
        let name = plain_text(value, self);
        self.known(&format!("status_{name}"), &name)
    }
}

/// `detail` as a sentence: one clause per key, known keys in [`KEYS`] order, then the others.
pub(super) fn sentence(detail: &Value, names: &Names, locales: &Locales, lang: Lang) -> String {
    let words = Words {
        locales,
        lang,
        names,
    };
    let map = match detail {
        Value::Object(map) => map,
        Value::Null => return String::new(),
        other => return plain_text(other, &words),
    };
    let colon = words.t("auditlog_colon");
    let mut clauses = Vec::new();
    let change = (map.get("from"), map.get("to"));
    let status_change = matches!(change, (Some(Value::String(_)), Some(Value::String(_))));
    if let (true, (Some(from), Some(to))) = (status_change, change) {
        clauses.push(format!(
            "{}{colon}{} → {}",
            words.t("auditlog_key_status"),
            words.status(from),
            words.status(to)
        ));
    }
    for (key, kind) in KEYS {
        if status_change && matches!(*key, "from" | "to") {
            continue;
        }
        if let Some(value) = map.get(*key) {
            clauses.extend(clause(key, *kind, value, &words, &colon));
        }
    }
    for (key, value) in unknown(map) {
        clauses.push(format!(
            "{}{colon}{}",
            key.replace('_', " "),
            plain_text(value, &words)
        ));
    }
    clauses.join(&words.t("auditlog_sep"))
}

/// The keys the server does not write (a newer version's, or edited in), sorted by name.
fn unknown(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut unknown: Vec<_> = map
        .iter()
        .filter(|(key, _)| !KEYS.iter().any(|(known, _)| *known == key.as_str()))
        .collect();
    unknown.sort_by(|a, b| a.0.cmp(b.0));
    unknown
}

/// One clause, or none (a flag that is false, a value that is missing).
fn clause(key: &str, kind: Kind, value: &Value, w: &Words, colon: &str) -> Option<String> {
    let label = w.t(&label_key(key));
    let said = |text: String| Some(format!("{label}{colon}{text}"));
    match (kind, value) {
        (Kind::Flag, Value::Bool(true)) => Some(label),
        (Kind::Flag, _) => None,
        (Kind::Person | Kind::Unit, Value::Null) => said(w.none()),
        (_, Value::Null) => None,
        (Kind::Ref, value) => Some(format!("{label} #{}", plain_text(value, w))),
        (Kind::Status, value) => said(w.status(value)),
        (Kind::Finding, value) => {
            let name = plain_text(value, w);
            said(w.known(&format!("finding_{name}"), &name))
        }
        (Kind::Person, value) => said(match super::id_in(value) {
            Some(id) => w.names.person(w.locales, w.lang, id),
            None => plain_text(value, w),
        }),
        (Kind::Unit, value) => said(match super::id_in(value) {
            Some(id) => w.names.unit(w.locales, w.lang, id),
            None => plain_text(value, w),
        }),
        (Kind::Role, value) => said(role(&plain_text(value, w), w)),
        (Kind::Roles, value) => {
            let text = plain_text(value, w);
            let roles: Vec<String> = text
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(|r| role(r, w))
                .collect();
            said(match roles.is_empty() {
                true => w.none(),
                false => roles.join(&w.list_sep()),
            })
        }
        (Kind::Days, value) => said(
            w.t("auditlog_working_days")
                .replace("{n}", &plain_text(value, w)),
        ),
        (Kind::Approval, Value::Bool(yes)) => said(w.t(match *yes {
            true => "auditlog_approved",
            false => "auditlog_refused",
        })),
        (Kind::Active, Value::Bool(yes)) => said(w.t(match *yes {
            true => "auditlog_active",
            false => "auditlog_inactive",
        })),
        (Kind::Date, Value::String(text)) => said(date(text)),
        (Kind::Scope, value) => said(scope(&plain_text(value, w), w)),
        (Kind::Period, value) => said(period(&plain_text(value, w), w)),
        (Kind::Query, value) => said(query(&plain_text(value, w), w)),
        (Kind::Action, value) => said(super::action_label(
            w.locales,
            w.lang,
            &plain_text(value, w),
        )),
        (Kind::Actor, value) => said(filter_actor(&plain_text(value, w), w)),
        (Kind::Format, value) => said(plain_text(value, w).to_uppercase()),
        (_, value) => said(plain_text(value, w)),
    }
}

fn role(name: &str, w: &Words) -> String {
    w.known(&format!("role_{name}"), name)
}

fn yes_no(yes: bool, w: &Words) -> String {
    w.t(match yes {
        true => "auditlog_yes",
        false => "auditlog_no",
    })
}

/// A date as written; an instant (RFC 3339) as its Beijing date and time.
fn date(text: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(at) => at
            .with_timezone(&crate::clock::BEIJING)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => text.to_string(),
    }
}

/// Which cards a batch covered.
fn scope(text: &str, w: &Words) -> String {
    let (kind, rest) = text.split_once(':').unwrap_or((text, ""));
    match (kind, rest) {
        ("all", _) => w.t("auditlog_scope_all"),
        ("district", name) => w.t("auditlog_scope_district").replace("{name}", name),
        ("enterprises", n) => w.t("auditlog_scope_enterprises").replace("{n}", n),
        ("service_points", "all") => w.t("auditlog_scope_service_points_all"),
        ("service_points", ids) => {
            let ids: Vec<String> = ids.split(',').map(|id| format!("#{}", id.trim())).collect();
            w.t("auditlog_scope_service_points")
                .replace("{ids}", &ids.join(&w.list_sep()))
        }
        _ => text.to_string(),
    }
}

/// `from=2026-01&to=2026-03` as "2026-01 至 2026-03".
fn period(text: &str, w: &Words) -> String {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    match (get("from"), get("to")) {
        (Some(from), Some(to)) => w
            .t("auditlog_period")
            .replace("{from}", &from)
            .replace("{to}", &to),
        _ => query(text, w),
    }
}

/// A list's filter: each condition as "name = value"; no condition is "none".
fn query(text: &str, w: &Words) -> String {
    let parts: Vec<String> = url::form_urlencoded::parse(text.as_bytes())
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            let value = match k.as_ref() {
                "status" => w.known(&format!("status_{v}"), &v),
                _ => v.into_owned(),
            };
            format!("{} = {value}", w.known(&format!("auditlog_query_{k}"), &k))
        })
        .collect();
    match parts.is_empty() {
        true => w.none(),
        false => parts.join(&w.list_sep()),
    }
}

/// A person filter's value: an account id, `reporter`, or a part of the system.
fn filter_actor(text: &str, w: &Words) -> String {
    match text.parse::<i64>() {
        Ok(id) => w.names.person(w.locales, w.lang, id),
        Err(_) if text == "reporter" => w.t("auditlog_actor_reporter"),
        Err(_) => super::system_actor(w.locales, w.lang, text),
    }
}

/// Any value as plain text: strings as written, lists joined, objects as "key: value" pairs,
/// yes or no, "—" for nothing. Never braces or quotes.
fn plain_text(value: &Value, w: &Words) -> String {
    match value {
        Value::Null => "—".to_string(),
        Value::Bool(yes) => yes_no(*yes, w),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| plain_text(v, w))
            .collect::<Vec<_>>()
            .join(&w.list_sep()),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}{}{}",
                    k.replace('_', " "),
                    w.t("auditlog_colon"),
                    plain_text(v, w)
                )
            })
            .collect::<Vec<_>>()
            .join(&w.list_sep()),
    }
}
