//! `/staff/admin/audit`: the audit log as people read it (the words come from
//! [`crate::audit::words`]), filtered by a person chosen from the accounts, an action, a case
//! number and a range of Beijing dates, a hundred rows a page; and `/staff/admin/audit.csv`,
//! the filtered rows with the same words, whose export is itself audited. Admins only (the
//! routes are declared with the other admin pages). The page lives here, not in `audit`,
//! because it needs the state and the session, which the audit chain sits below.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::access::CurrentUser;
use crate::audit::words::{self, Described, Names, SYSTEM_ACTORS};
use crate::audit::{AuditAction, AuditEvent, AuditFilter, Verification};
use crate::clock::BEIJING;
use crate::entities::{audit_log, cases, users};
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

/// Rows per page.
const PAGE: u64 = 100;
/// Rows read per query while exporting.
const EXPORT_BATCH: u64 = 1000;
/// The most rows one export holds: more asks for a narrower filter.
pub const EXPORT_MAX: usize = 100_000;

/// The filters as typed in the form (and carried in the paging links).
#[derive(Deserialize, Default, Clone)]
pub(super) struct AuditQuery {
    /// An account id, `reporter`, or a part of the system (`cli`).
    #[serde(default)]
    actor: String,
    /// An action's stored name.
    #[serde(default)]
    action: String,
    /// A case number, JD2026-000001.
    #[serde(default)]
    case: String,
    /// A Beijing date, inclusive.
    #[serde(default)]
    from: String,
    /// A Beijing date, inclusive.
    #[serde(default)]
    to: String,
    /// Rows older than this id (the next page).
    #[serde(default)]
    before: String,
}

impl AuditQuery {
    /// The filters as a query string, without the page.
    fn link(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.filters() {
            if !value.trim().is_empty() {
                query.append_pair(key, value.trim());
            }
        }
        query.finish()
    }

    fn filters(&self) -> [(&'static str, &String); 5] {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("case", &self.case),
            ("from", &self.from),
            ("to", &self.to),
        ]
    }
}

/// What the filters select, what the reader is told about them, and whether they can match
/// anything at all (a case number that does not exist cannot).
struct Selection {
    filter: AuditFilter,
    notices: Vec<Msg>,
    matches_nothing: bool,
}

/// The stored actor label a person-filter value stands for.
fn actor_label(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if let Ok(id) = value.parse::<i64>() {
        return Some(format!("user:{id}"));
    }
    if value == "reporter" || value.contains(':') {
        return Some(value.to_string());
    }
    Some(format!("system:{value}"))
}

fn beijing_midnight(
    day: chrono::NaiveDate,
    days_later: i64,
) -> Option<chrono::DateTime<chrono::Utc>> {
    (day + chrono::Duration::days(days_later))
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(BEIJING)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

async fn select(state: &AppState, q: &AuditQuery) -> Result<Selection, AppError> {
    let mut notices = Vec::new();
    let mut matches_nothing = false;
    let mut date = |text: &str| -> Option<chrono::NaiveDate> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let day = crate::text::date(text);
        if day.is_none() {
            notices.push(Msg::new("auditlog_bad_date").arg("date", text));
        }
        day
    };
    let (from, to) = (date(&q.from), date(&q.to));
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        notices.push(Msg::new("auditlog_dates_reversed"));
        matches_nothing = true;
    }
    let number = q.case.trim().to_uppercase();
    let case_id = match number.is_empty() {
        true => None,
        false => {
            let case = cases::Entity::find()
                .filter(cases::Column::Number.eq(number.as_str()))
                .one(&state.db)
                .await?;
            if case.is_none() {
                notices.push(Msg::new("auditlog_no_such_case").arg("number", number));
                matches_nothing = true;
            }
            case.map(|c| c.id)
        }
    };
    let action = Some(q.action.trim().to_string()).filter(|a| !a.is_empty());
    let filter = AuditFilter {
        actor: actor_label(&q.actor),
        action,
        case_id,
        from: from.and_then(|d| beijing_midnight(d, 0)),
        to: to.and_then(|d| beijing_midnight(d, 1)),
        before: q.before.trim().parse().ok(),
    };
    Ok(Selection {
        filter,
        notices,
        matches_nothing,
    })
}

/// `rows` in `lang`'s words.
async fn described(
    state: &AppState,
    lang: Lang,
    rows: &[audit_log::Model],
) -> Result<Vec<Described>, AppError> {
    let names = Names::load(&state.db, rows).await?;
    let locales = &state.views.locales;
    Ok(rows
        .iter()
        .map(|row| words::describe(row, &names, locales, lang))
        .collect())
}

/// The person filter's choices: every account by name, then the reporter and the system.
async fn people(state: &AppState, lang: Lang) -> Result<minijinja::Value, AppError> {
    let locales = &state.views.locales;
    let accounts: Vec<_> = users::Entity::find()
        .order_by_asc(users::Column::DisplayName)
        .order_by_asc(users::Column::Username)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| {
            let person = words::Person {
                display_name: u.display_name,
                username: u.username,
            };
            minijinja::context! { value => u.id.to_string(), label => person.shown(locales, lang) }
        })
        .collect();
    let mut others = vec![minijinja::context! {
        value => "reporter", label => locales.t(lang, "auditlog_actor_reporter"),
    }];
    others.extend(SYSTEM_ACTORS.iter().map(|name| {
        minijinja::context! { value => *name, label => words::system_actor(locales, lang, name) }
    }));
    Ok(minijinja::context! { accounts => accounts, others => others })
}

/// `GET /staff/admin/audit`.
pub(super) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let locales = &state.views.locales;
    let selection = select(&state, &q).await?;
    let (rows, next) = match selection.matches_nothing {
        true => (Vec::new(), None),
        false => crate::audit::page(&state.db, &selection.filter, PAGE).await?,
    };
    let rows = described(&state, lang, &rows)
        .await?
        .into_iter()
        .zip(rows.iter().map(|r| r.id))
        .map(|(d, id)| {
            minijinja::context! {
                id => id, when => d.when, actor => d.actor, action => d.action,
                case_id => d.case_id, case_number => d.case_number, subject => d.subject,
                details => d.details,
            }
        })
        .collect::<Vec<_>>();
    let verdict = match crate::audit::verify(&state.db, state.key()).await? {
        Verification::Intact { entries } => minijinja::context! { ok => true, entries => entries },
        Verification::Broken { id, reason } => {
            minijinja::context! { ok => false, id => id, reason => locales.msg(lang, &reason) }
        }
    };
    let filters = q.link();
    let with = |extra: String| match (filters.is_empty(), extra.is_empty()) {
        (true, _) => extra,
        (false, true) => filters.clone(),
        (false, false) => format!("{filters}&{extra}"),
    };
    let actions: Vec<_> = AuditAction::ALL
        .iter()
        .map(|a| minijinja::context! { value => a.as_str(), label => locales.t(lang, &words::action_key(*a)) })
        .collect();
    let notices: Vec<String> = selection
        .notices
        .iter()
        .map(|m| locales.msg(lang, m))
        .collect();
    let ctx = minijinja::context! {
        rows => rows,
        next => next.map(|before| with(format!("before={before}"))),
        show_newest => !q.before.trim().is_empty(),
        newest => with(String::new()),
        export => with(String::new()),
        filtered => !filters.is_empty(),
        verdict => verdict,
        notices => notices,
        people => people(&state, lang).await?,
        actions => actions,
        q => minijinja::context! {
            actor => q.actor.trim(), action => q.action.trim(), case => q.case.trim(),
            from => q.from.trim(), to => q.to.trim(),
        },
    };
    let page = user.page(&state.views, "audit/log.html", lang, ctx)?;
    Ok(page.into_response())
}

/// `GET /staff/admin/audit.csv`: the filtered rows (all pages), newest first, in the same
/// words as the page; the export is recorded in the log it exports.
pub(super) async fn csv(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let locales = &state.views.locales;
    let t = |key: &'static str| locales.t(lang, key);
    let mut file = crate::web::Csv::new(&[
        t("auditlog_col_no"),
        t("auditlog_col_when"),
        t("auditlog_col_actor"),
        t("auditlog_col_action"),
        t("auditlog_col_case"),
        t("auditlog_col_subject"),
        t("auditlog_col_details"),
    ]);
    let selection = select(
        &state,
        &AuditQuery {
            before: String::new(),
            ..q.clone()
        },
    )
    .await?;
    let mut filter = selection.filter;
    let mut count = 0usize;
    let mut more = !selection.matches_nothing;
    while more {
        let (rows, next) = crate::audit::page(&state.db, &filter, EXPORT_BATCH).await?;
        if count + rows.len() > EXPORT_MAX {
            return Err(AppError::Unprocessable(
                Msg::new("auditlog_too_many").arg("max", EXPORT_MAX),
            ));
        }
        for (row, d) in rows.iter().zip(described(&state, lang, &rows).await?) {
            file.row(&[
                &row.id.to_string(),
                &d.when,
                &d.actor,
                &d.action,
                d.case_number.as_deref().unwrap_or_default(),
                &d.subject,
                &d.details,
            ]);
        }
        count += rows.len();
        filter.before = next;
        more = next.is_some();
    }
    let mut detail = serde_json::json!({ "rows": count });
    for (key, value) in q.filters() {
        if !value.trim().is_empty() {
            detail[format!("filter_{key}")] = value.trim().into();
        }
    }
    let txn = state.writes.begin().await?;
    crate::audit::append(
        &*txn,
        &state.stamp(user.actor()),
        AuditEvent::new(AuditAction::AuditExported, "audit_log", "csv").with_detail(detail),
    )
    .await?;
    txn.commit().await?;
    Ok(file.into_response("audit-log.csv"))
}
