//! Rendering the workspace: the list's filters and rows, the case page with its forms (what a
//! person typed comes back after a refusal), the dashboard, and the CSV export.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use super::error::CaseError;
use super::list::{
    AssigneeFilter, CaseFilter, CaseRow, Cursor, DueFilter, Sort, StatusFilter, UnitFilter,
    case_rows, list_cases,
};
use super::routes::today;
use super::scope::CaseScope;
use super::status::{CaseStatus, Finding};
use crate::access::{CurrentUser, Role};
use crate::audit::AuditEvent;
use crate::entities::{cases, unit_districts, units, users};
use crate::error::{AppError, Msg, ResultExt};
use crate::sla::SlaRules;
use crate::state::AppState;
use crate::web::Lang;

/// The list's query string.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub flagged: String,
    #[serde(default)]
    pub revoked: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub after: String,
}

impl ListQuery {
    /// The filter it asks for, for `user` (who is "me") on `today`.
    fn filter(&self, user: &CurrentUser, rules: &SlaRules, today: chrono::NaiveDate) -> CaseFilter {
        let text = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        CaseFilter {
            status: match self.status.as_str() {
                "open" => Some(StatusFilter::Open),
                s => CaseStatus::parse(s).map(StatusFilter::Is),
            },
            item_key: text(&self.item),
            district: text(&self.district),
            unit: match self.unit.as_str() {
                "triage" => Some(UnitFilter::Triage),
                s => s.parse().ok().map(UnitFilter::Is),
            },
            assignee: match self.assignee.as_str() {
                "me" => Some(AssigneeFilter::Is(user.user.id)),
                "none" => Some(AssigneeFilter::Nobody),
                s => s.parse().ok().map(AssigneeFilter::Is),
            },
            due: match self.due.as_str() {
                "overdue" => Some(DueFilter::Overdue),
                "soon" => Some(DueFilter::soon(rules, today)),
                "week" => Some(DueFilter::within_a_week(today)),
                _ => None,
            },
            flagged: self.flagged == "1",
            revoked: self.revoked == "1",
            sort: match self.sort.as_str() {
                "newest" => Sort::Newest,
                "oldest" => Sort::Oldest,
                _ => Sort::Due,
            },
        }
    }

    /// The same query from another page: `after` replaced.
    fn link(&self, after: Option<Cursor>) -> String {
        let mut next = self.clone();
        next.after = after.map(Cursor::encode).unwrap_or_default();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("status", &next.status),
            ("item", &next.item),
            ("district", &next.district),
            ("unit", &next.unit),
            ("assignee", &next.assignee),
            ("due", &next.due),
            ("flagged", &next.flagged),
            ("revoked", &next.revoked),
            ("sort", &next.sort),
            ("after", &next.after),
        ] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        query.finish()
    }
}

/// What the filter menus offer: units, people who work cases, districts, list items.
async fn choices(state: &AppState, lang: Lang) -> Result<minijinja::Value, AppError> {
    let db = &state.db;
    let unit_list = units::Entity::find()
        .order_by_asc(units::Column::Name)
        .all(db)
        .await?;
    let people = users::Entity::find()
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Role.is_in([Role::Inspector, Role::Supervisor]))
        .order_by_asc(users::Column::DisplayName)
        .all(db)
        .await?;
    let mut districts: Vec<String> = unit_districts::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.district)
        .collect();
    let with_cases: Vec<Option<String>> = cases::Entity::find()
        .select_only()
        .column(cases::Column::District)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    districts.extend(with_cases.into_iter().flatten());
    districts.sort();
    districts.dedup();
    let list = state.lists.for_card(db, None).await?;
    Ok(minijinja::context! {
        units => unit_list.iter().map(|u| minijinja::context! { id => u.id, name => &u.name }).collect::<Vec<_>>(),
        people => people.iter().map(|u| minijinja::context! { id => u.id, name => &u.display_name, unit_id => u.unit_id }).collect::<Vec<_>>(),
        districts => districts,
        items => list.items.iter().map(|i| minijinja::context! {
            key => &i.item_key,
            text => format!("{}. {}", i.position, if lang == Lang::En { &i.text_en } else { &i.text_zh }),
        }).collect::<Vec<_>>(),
        statuses => CaseStatus::ALL.iter().map(|s| minijinja::context! { value => s.as_str(), label => s.label(lang) }).collect::<Vec<_>>(),
        findings => Finding::ALL.iter().map(|f| minijinja::context! { value => f.as_str(), label => f.label(lang) }).collect::<Vec<_>>(),
    })
}

fn render(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    template: &str,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, AppError> {
    let page = state
        .views
        .page(
            template,
            lang,
            minijinja::context! { me => user.context(lang), csrf => &user.csrf, ..ctx },
        )
        .internal("rendering a case page")?;
    Ok((status, page).into_response())
}

/// `GET /staff/cases`.
pub async fn list(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    query: &ListQuery,
) -> Result<Response, AppError> {
    let today = today(state);
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let filter = query.filter(user, &rules, today);
    let scope = CaseScope::for_user(user);
    let after = Cursor::decode(&query.after);
    let page = list_cases(&state.db, scope, &filter, today, after).await?;
    let rows = case_rows(&state.db, &rules, &page.cases, today, lang).await?;
    let ctx = minijinja::context! {
        q => query,
        rows => rows,
        next => page.next.map(|c| query.link(Some(c))),
        first => after.map(|_| query.link(None)),
        export => query.link(None),
        choices => choices(state, lang).await?,
        sees_triage => scope.sees_triage(),
    };
    render(state, lang, user, "cases/list.html", StatusCode::OK, ctx)
}

/// `GET /staff/cases/export.csv`: every case of the filter, as Excel opens it (UTF-8 with
/// BOM; cells starting with `= + - @` neutralised).
pub async fn export(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    query: &ListQuery,
) -> Result<Response, AppError> {
    let today = today(state);
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let filter = query.filter(user, &rules, today);
    let scope = CaseScope::for_user(user);
    let t = |key: &'static str| state.views.locales.t(lang, key);
    let mut csv = crate::web::Csv::new(&[
        t("csv_case_number"),
        t("csv_status"),
        t("csv_items"),
        t("csv_district"),
        t("csv_unit"),
        t("csv_assignee"),
        t("csv_received_at"),
        t("csv_due"),
        t("csv_deadline"),
        t("csv_flagged"),
        t("csv_revoked_card"),
    ]);
    let yes = t("csv_yes");
    let mut after = None;
    let mut count = 0usize;
    loop {
        let page = list_cases(&state.db, scope, &filter, today, after).await?;
        for row in case_rows(&state.db, &rules, &page.cases, today, lang).await? {
            csv.row(&[
                &row.number,
                &row.status_label,
                &row.items,
                row.district.as_deref().unwrap_or(""),
                row.unit.as_deref().unwrap_or(""),
                row.assignee.as_deref().unwrap_or(""),
                &row.received_at,
                row.due_on.as_deref().unwrap_or(""),
                &row.due_text,
                if row.flagged { yes } else { "" },
                if row.revoked { yes } else { "" },
            ]);
            count += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let txn = state.writes.begin().await?;
    crate::audit::append(
        &*txn,
        &state.stamp(user.actor()),
        AuditEvent::new("cases_exported", "case_list", "csv")
            .with_detail(serde_json::json!({ "rows": count, "query": query.link(None) })),
    )
    .await?;
    txn.commit().await?;
    Ok(csv.into_response("cases.csv"))
}

/// A flash after a step: `?done=accept`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    pub done: String,
}

/// What a person typed into the case page's forms, kept through a refusal.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Draft {
    pub reason: String,
    pub summary: String,
    pub feedback: String,
    pub message: String,
    pub note: String,
    pub days: String,
    pub decision_note: String,
    /// Which form the draft belongs to, so the page opens it.
    pub form: &'static str,
}

impl Draft {
    pub fn decline(reason: &str) -> Self {
        Self {
            reason: reason.into(),
            form: "decline",
            ..Default::default()
        }
    }
    pub fn reopen(reason: &str) -> Self {
        Self {
            reason: reason.into(),
            form: "reopen",
            ..Default::default()
        }
    }
    pub fn conclude(summary: &str, feedback: &str) -> Self {
        Self {
            summary: summary.into(),
            feedback: feedback.into(),
            form: "conclude",
            ..Default::default()
        }
    }
    pub fn message(body: &str) -> Self {
        Self {
            message: body.into(),
            form: "message",
            ..Default::default()
        }
    }
    pub fn note(body: &str) -> Self {
        Self {
            note: body.into(),
            form: "note",
            ..Default::default()
        }
    }
    pub fn extension(days: &str, reason: &str) -> Self {
        Self {
            days: days.into(),
            reason: reason.into(),
            form: "extension",
            ..Default::default()
        }
    }
    pub fn decision(note: &str) -> Self {
        Self {
            decision_note: note.into(),
            form: "decision",
            ..Default::default()
        }
    }
}

/// How the case page is shown: after a plain visit, a step, or a refusal.
pub struct Outcome {
    status: StatusCode,
    done: Option<String>,
    error: Option<Msg>,
    draft: Draft,
}

impl Outcome {
    /// A visit (possibly right after a step).
    pub fn shown(flash: Flash) -> Self {
        Self {
            status: StatusCode::OK,
            done: (!flash.done.is_empty()).then_some(flash.done),
            error: None,
            draft: Draft::default(),
        }
    }

    /// A refused step, with what the person typed.
    pub fn refused(status: StatusCode, error: CaseError, draft: Draft) -> Self {
        Self {
            status,
            done: None,
            error: Some(error.message()),
            draft,
        }
    }
}

/// The case page of case `id`.
pub async fn case(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    id: i64,
    outcome: Outcome,
) -> Result<Response, AppError> {
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let detail = super::case_detail(&state.db, &rules, &user.user, id, today(state), lang).await?;
    let ctx = minijinja::context! {
        c => detail,
        done => outcome.done,
        error => outcome.error.map(|e| state.views.locales.msg(lang, &e)),
        draft => outcome.draft,
        choices => choices(state, lang).await?,
    };
    render(state, lang, user, "cases/case.html", outcome.status, ctx)
}

/// `GET /staff`: tiles for what the role does, and for those who work cases, the dashboard:
/// counts by status and by item, their own cases, what is due this week, what is overdue, the
/// triage queue.
pub async fn home(state: &AppState, lang: Lang, user: &CurrentUser) -> Result<Response, AppError> {
    let scope = CaseScope::for_user(user);
    let dashboard = if scope == CaseScope::Nothing {
        None
    } else {
        Some(super::stats::dashboard(state, user, scope, lang).await?)
    };
    let ctx = minijinja::context! { dashboard => dashboard };
    render(state, lang, user, "staff/home.html", StatusCode::OK, ctx)
}

/// Rows for a short list on the dashboard.
pub(super) async fn short_list(
    state: &AppState,
    rules: &SlaRules,
    scope: CaseScope,
    filter: CaseFilter,
    lang: Lang,
) -> Result<Vec<CaseRow>, AppError> {
    let today = today(state);
    let mut page = list_cases(&state.db, scope, &filter, today, None).await?;
    page.cases.truncate(10);
    Ok(case_rows(&state.db, rules, &page.cases, today, lang).await?)
}

/// The period of the statistics: `?from=2026-01&to=2026-11` (default: the last 12 months).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Period {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

impl Period {
    fn months(&self, today: chrono::NaiveDate) -> (chrono::NaiveDate, chrono::NaiveDate) {
        use chrono::Datelike;
        let parse = crate::text::month;
        let this_month = today.with_day(1).unwrap_or(today);
        let to = parse(&self.to).unwrap_or(this_month);
        let from = parse(&self.from)
            .unwrap_or_else(|| to - chrono::Months::new(11))
            .min(to);
        // At most ten years in one table.
        let from = from.max(to - chrono::Months::new(119));
        (from, to)
    }

    fn query(from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
        format!("from={}&to={}", from.format("%Y-%m"), to.format("%Y-%m"))
    }
}

fn tables(s: &super::Statistics, lang: Lang, state: &AppState) -> Vec<minijinja::Value> {
    let t = |key: &str| state.views.locales.t(lang, key).to_string();
    [
        ("items", t("stats_by_item"), t("case_items"), &s.by_item),
        (
            "districts",
            t("stats_by_district"),
            t("case_district"),
            &s.by_district,
        ),
        ("batches", t("stats_by_batch"), t("case_batch"), &s.by_batch),
        (
            "channels",
            t("stats_by_channel"),
            t("stats_channel"),
            &s.by_channel,
        ),
    ]
    .into_iter()
    .map(|(name, title, key_label, data)| {
        let bars: Vec<(String, i64)> = data.rows.iter().map(|r| (r.0.clone(), r.2)).collect();
        minijinja::context! {
            name => name,
            chart => super::stats::bar_chart(&title, &bars),
            title => title,
            key_label => key_label,
            data => data,
        }
    })
    .collect()
}

/// `GET /staff/stats`.
pub async fn stats(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    period: &Period,
) -> Result<Response, AppError> {
    let (from, to) = period.months(today(state));
    let s = super::statistics(&state.db, from, to, lang).await?;
    let ctx = minijinja::context! {
        tables => tables(&s, lang, state),
        period => Period::query(from, to),
        s => s,
    };
    render(state, lang, user, "cases/stats.html", StatusCode::OK, ctx)
}

/// `GET /staff/stats/{name}.csv`: one table of the statistics page.
pub async fn stats_csv(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    file: &str,
    period: &Period,
) -> Result<Response, AppError> {
    let name = file.strip_suffix(".csv").ok_or(AppError::NotFound)?;
    let (from, to) = period.months(today(state));
    let s = super::statistics(&state.db, from, to, lang).await?;
    let t = |key: &'static str| state.views.locales.t(lang, key);
    let month_table = |key: &'static str, data: &super::stats::MonthTable| {
        let mut header = vec![t(key).to_string()];
        header.extend(data.months.iter().cloned());
        header.push(t("csv_total").into());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut csv = crate::web::Csv::new(&header);
        for (label, cells, total) in &data.rows {
            let mut row = vec![label.clone()];
            row.extend(cells.iter().map(i64::to_string));
            row.push(total.to_string());
            let row: Vec<&str> = row.iter().map(String::as_str).collect();
            csv.row(&row);
        }
        csv
    };
    let csv = match name {
        "items" => month_table("csv_item", &s.by_item),
        "districts" => month_table("csv_district", &s.by_district),
        "batches" => month_table("csv_batch", &s.by_batch),
        "channels" => month_table("csv_channel", &s.by_channel),
        "cards" => {
            let mut csv =
                crate::web::Csv::new(&[t("csv_district"), t("csv_active_cards"), t("csv_reports")]);
            for (district, cards, reports) in &s.cards_vs_reports {
                csv.row(&[district, &cards.to_string(), &reports.to_string()]);
            }
            csv
        }
        "timing" => {
            let mut csv = crate::web::Csv::new(&[t("csv_measure"), t("csv_value")]);
            let opt = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
            csv.row(&[t("csv_total_reports"), &s.total.to_string()]);
            csv.row(&[t("csv_median_accept"), &opt(s.median_hours_to_accept)]);
            csv.row(&[t("csv_median_conclude"), &opt(s.median_hours_to_conclude)]);
            csv.row(&[
                t("csv_accepted_on_time"),
                &opt(s.accepted_on_time.map(|v| v.0)),
            ]);
            csv.row(&[
                t("csv_concluded_on_time"),
                &opt(s.concluded_on_time.map(|v| v.0)),
            ]);
            csv.row(&[t("csv_satisfied"), &s.satisfied.to_string()]);
            csv.row(&[t("csv_not_satisfied"), &s.not_satisfied.to_string()]);
            csv
        }
        _ => return Err(AppError::NotFound),
    };
    let txn = state.writes.begin().await?;
    crate::audit::append(
        &*txn,
        &state.stamp(user.actor()),
        AuditEvent::new("statistics_exported", "statistics", name)
            .with_detail(serde_json::json!({ "period": Period::query(from, to) })),
    )
    .await?;
    txn.commit().await?;
    Ok(csv.into_response(&format!(
        "{name}-{}-{}.csv",
        from.format("%Y%m"),
        to.format("%Y%m")
    )))
}
