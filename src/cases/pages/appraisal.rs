//! The appraisal (考核) page, its CSV tables and the monthly report (通报) PDF: the model's
//! tallies as one set of tables in the reader's words, which the page, the CSV files and the
//! PDF all print, so the three never disagree. Durations are working days with one decimal,
//! rates percentages with one decimal, everywhere.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::{render, today};
use crate::access::CurrentUser;
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::appraisal::{Appraisal, AppraisalPeriod, Ranked, Tally, appraisal};
use crate::cases::report_pdf::{ReportChart, ReportContent, ReportTable, write_report};
use crate::error::{AppError, Msg};
use crate::i18n::Lang;
use crate::state::AppState;

/// `?period=2026-11` or `?period=2026-Q4`; empty: last month.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    pub period: String,
}

impl PeriodQuery {
    fn period(&self, today: NaiveDate) -> Result<AppraisalPeriod, AppError> {
        if self.period.trim().is_empty() {
            return Ok(last_month_of(today));
        }
        AppraisalPeriod::parse(&self.period)
            .ok_or_else(|| AppError::BadRequest(Msg::new("appraisal_error_period")))
    }
}

fn last_month_of(today: NaiveDate) -> AppraisalPeriod {
    let first = today.with_day(1).unwrap_or(today);
    AppraisalPeriod::month_of(first.pred_opt().unwrap_or(first))
}

/// The month a monthly report is usually about: the last complete one (`2026-11`).
pub fn last_month(today: NaiveDate) -> String {
    last_month_of(today).code()
}

/// A duration in working days as every page shows it: "1.5 个工作日", or "—".
pub fn days_text(state: &AppState, lang: Lang, days: Option<f64>) -> String {
    match days {
        Some(d) => format!(
            "{d:.1} {}",
            state.views.locales.t(lang, "appraisal_unit_days")
        ),
        None => "—".into(),
    }
}

fn rate(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into())
}

fn days(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

/// The figures of one line, in the columns' order.
fn figures(t: &Tally) -> Vec<String> {
    vec![
        t.decided.to_string(),
        rate(t.accept_rate()),
        days(t.mean_accept_days()),
        t.concluded.to_string(),
        rate(t.conclude_rate()),
        days(t.mean_conclude_days()),
        rate(t.answer_rate()),
        rate(t.satisfaction_rate()),
        rate(t.reopen_rate()),
        t.returned.to_string(),
        t.urged.to_string(),
        t.score()
            .map(|s| format!("{s:.1}"))
            .unwrap_or_else(|| "—".into()),
    ]
}

const FIGURE_COLUMNS: [&str; 12] = [
    "appraisal_col_decided",
    "appraisal_col_accept_rate",
    "appraisal_col_accept_days",
    "appraisal_col_concluded",
    "appraisal_col_conclude_rate",
    "appraisal_col_conclude_days",
    "appraisal_col_answer_rate",
    "appraisal_col_satisfaction",
    "appraisal_col_reopen_rate",
    "appraisal_col_returned",
    "appraisal_col_urged",
    "appraisal_col_score",
];

/// The period as the reader writes it: "2026年11月", "2026年第4季度", "2026-11", "Q4 2026".
pub fn period_text(state: &AppState, lang: Lang, period: AppraisalPeriod) -> String {
    let key = if period.is_quarter() {
        "appraisal_period_quarter"
    } else {
        "appraisal_period_month"
    };
    state
        .views
        .locales
        .t(lang, key)
        .replace("{year}", &period.first.year().to_string())
        .replace("{month}", &period.first.month().to_string())
        .replace("{month2}", &format!("{:02}", period.first.month()))
        .replace("{quarter}", &(period.first.month0() / 3 + 1).to_string())
}

/// The two rankings (units with the office's total, inspectors) in the reader's words.
fn tables(state: &AppState, lang: Lang, a: &Appraisal) -> [ReportTable; 2] {
    let t = |key: &str| state.views.locales.t(lang, key).to_string();
    let rank = |r: &Ranked| r.rank.map(|n| n.to_string()).unwrap_or_else(|| "—".into());
    let line = |r: &Ranked, names: &[String]| {
        let mut cells = vec![rank(r)];
        cells.extend(names.iter().cloned());
        cells.extend(figures(&r.tally));
        cells
    };
    let figure_headers = FIGURE_COLUMNS.iter().map(|&k| t(k));
    let units = ReportTable {
        title: t("appraisal_units"),
        headers: [t("appraisal_col_rank"), t("appraisal_col_unit")]
            .into_iter()
            .chain(figure_headers.clone())
            .collect(),
        widths: [10.0, 41.0].into_iter().chain([18.0; 12]).collect(),
        text_columns: 2,
        rows: a
            .units
            .iter()
            .map(|r| {
                let name = match (&r.id, &r.name) {
                    (_, Some(name)) => name.clone(),
                    (None, None) => t("appraisal_no_unit"),
                    (Some(id), None) => format!("#{id}"),
                };
                line(r, &[name])
            })
            .collect(),
        total: Some(
            [String::new(), t("appraisal_total")]
                .into_iter()
                .chain(figures(&a.total))
                .collect(),
        ),
    };
    let inspectors = ReportTable {
        title: t("appraisal_inspectors"),
        headers: [
            t("appraisal_col_rank"),
            t("appraisal_col_inspector"),
            t("appraisal_col_unit"),
        ]
        .into_iter()
        .chain(figure_headers)
        .collect(),
        widths: [10.0, 28.0, 33.0].into_iter().chain([16.3; 12]).collect(),
        text_columns: 3,
        rows: a
            .inspectors
            .iter()
            .map(|r| {
                let name = r
                    .name
                    .clone()
                    .unwrap_or_else(|| t("appraisal_unknown_person"));
                let unit = r.unit.clone().unwrap_or_else(|| "—".into());
                line(r, &[name, unit])
            })
            .collect(),
        total: None,
    };
    [units, inspectors]
}

async fn load(state: &AppState, period: AppraisalPeriod) -> Result<Appraisal, AppError> {
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    Ok(appraisal(&state.db, &rules.calendar, period).await?)
}

/// `GET /staff/appraisal`.
pub async fn appraisal_page(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    query: &PeriodQuery,
) -> Result<Response, AppError> {
    let today = today(state);
    let period = query.period(today)?;
    let a = load(state, period).await?;
    let [units, inspectors] = tables(state, lang, &a);
    let table = |table: &ReportTable, name: &str| {
        minijinja::context! {
            name => name,
            title => &table.title,
            headers => &table.headers,
            text_columns => table.text_columns,
            rows => &table.rows,
            total => &table.total,
        }
    };
    let ctx = minijinja::context! {
        period => period.code(),
        period_text => period_text(state, lang, period),
        month => if period.is_quarter() { String::new() } else { period.code() },
        quarter => if period.is_quarter() { period.code() } else { String::new() },
        tables => vec![table(&units, "units"), table(&inspectors, "inspectors")],
    };
    render(
        state,
        lang,
        user,
        "cases/appraisal.html",
        StatusCode::OK,
        ctx,
    )
}

async fn audit_export(
    state: &AppState,
    user: &CurrentUser,
    name: &str,
    period: AppraisalPeriod,
) -> Result<(), AppError> {
    let txn = state.writes.begin().await?;
    crate::audit::append(
        &*txn,
        &state.stamp(user.actor()),
        AuditEvent::new(AuditAction::StatisticsExported, "appraisal", name)
            .with_detail(serde_json::json!({ "period": period.code() })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `GET /staff/appraisal/{units,inspectors}.csv` and `/staff/appraisal/report.pdf`.
pub async fn appraisal_file(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    file: &str,
    query: &PeriodQuery,
) -> Result<Response, AppError> {
    let period = query.period(today(state))?;
    let code = period.code();
    match file {
        "units.csv" | "inspectors.csv" => {
            let a = load(state, period).await?;
            let [units, inspectors] = tables(state, lang, &a);
            let table = if file == "units.csv" {
                units
            } else {
                inspectors
            };
            let header: Vec<&str> = table.headers.iter().map(String::as_str).collect();
            let mut csv = crate::web::Csv::new(&header);
            for row in table.rows.iter().chain(table.total.iter()) {
                let row: Vec<&str> = row.iter().map(String::as_str).collect();
                csv.row(&row);
            }
            let name = file.trim_end_matches(".csv");
            audit_export(state, user, name, period).await?;
            Ok(csv.into_response(&format!("appraisal-{name}-{code}.csv")))
        }
        "report.pdf" => {
            let pdf = monthly_report(state, lang, period).await?;
            audit_export(state, user, "report", period).await?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/pdf".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"report-{code}.pdf\""),
                    ),
                ],
                pdf,
            )
                .into_response())
        }
        _ => Err(AppError::NotFound),
    }
}

/// The report (通报) of `period` as a PDF, in `lang`: for the page's button and for
/// `jianduka stats report`. Rendered on the bounded pool, off the async executor.
pub async fn monthly_report(
    state: &AppState,
    lang: Lang,
    period: AppraisalPeriod,
) -> Result<Vec<u8>, AppError> {
    let a = load(state, period).await?;
    let t = |key: &str| state.views.locales.t(lang, key).to_string();
    let [units, inspectors] = tables(state, lang, &a);
    let chart = ReportChart {
        title: t("appraisal_chart_conclude"),
        bars: a
            .units
            .iter()
            .map(|r| {
                let name = r.name.clone().unwrap_or_else(|| t("appraisal_no_unit"));
                (name, r.tally.conclude_rate())
            })
            .collect(),
    };
    let settings = &state.settings;
    let content = ReportContent {
        org: match lang {
            Lang::En => settings.org_name_in_english().to_string(),
            _ => settings.org_name.clone(),
        },
        title: t("appraisal_report_title"),
        period: period_text(state, lang, period),
        notes: vec![t("appraisal_note"), t("appraisal_note_score")],
        tables: vec![units, inspectors],
        chart: Some(chart),
        page_label: t("appraisal_page"),
    };
    let source = crate::cards::assets::PrintAssets::with_folder(settings.print_assets.as_deref());
    let font = settings.card_font.clone();
    let pdf = state
        .pools
        .images
        .run(move || -> anyhow::Result<Vec<u8>> {
            let assets = crate::cards::shared_assets(&source, font.as_deref())
                .map_err(|e| source.blame(e))?;
            let mut out = Vec::new();
            write_report(&assets, &content, &mut out)?;
            Ok(out)
        })
        .await??;
    Ok(pdf)
}
