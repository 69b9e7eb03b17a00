//! The statistics page and its CSV tables: the model's counts, named in the reader's words,
//! with a bar chart per table (drawn by the template `cases/bar_chart.html`).

use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{item_label, render, today};
use crate::access::CurrentUser;
use crate::audit::{AuditAction, AuditEvent};
use crate::cases::items::item_names;
use crate::cases::statistics::{MonthTable, Statistics, statistics};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

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

/// The statistics in the reader's words: every key named, "none" where it is not known.
struct Shown {
    by_item: MonthTable<String>,
    by_district: MonthTable<String>,
    by_batch: MonthTable<String>,
    by_channel: MonthTable<String>,
    /// (district, cards issued, reports), most reports first.
    cards_vs_reports: Vec<(String, i64, i64)>,
}

impl Shown {
    async fn new(state: &AppState, s: &Statistics, lang: Lang) -> Result<Self, AppError> {
        let names = item_names(&state.db).await?;
        let none = state.views.locales.t(lang, "stats_none");
        let known = |key: &Option<String>| key.clone().unwrap_or_else(|| none.to_string());
        let mut cards_vs_reports: Vec<(String, i64, i64)> = s
            .cards_vs_reports
            .iter()
            .map(|(district, cards, reports)| (known(district), *cards, *reports))
            .collect();
        cards_vs_reports.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        Ok(Self {
            by_item: s.by_item.relabel(|key| match names.get(key) {
                Some(name) => item_label(name, lang),
                None => key.clone(),
            }),
            by_district: s.by_district.relabel(known),
            by_batch: s.by_batch.relabel(known),
            // Channels are stored as codes (`visit`, `window`): named as the cards pages name
            // them.
            by_channel: s.by_channel.relabel(|key| match key.as_deref() {
                Some(code) => {
                    let label = format!("cards_channel_{code}");
                    match state.views.locales.t(lang, &label) {
                        name if name == label => code.to_string(),
                        name => name.to_string(),
                    }
                }
                None => none.to_string(),
            }),
            cards_vs_reports,
        })
    }

    /// The four month tables, each with its chart's bars.
    fn tables(&self, state: &AppState, lang: Lang) -> Vec<minijinja::Value> {
        let t = |key: &str| state.views.locales.t(lang, key).to_string();
        [
            ("items", t("stats_by_item"), t("case_items"), &self.by_item),
            (
                "districts",
                t("stats_by_district"),
                t("case_district"),
                &self.by_district,
            ),
            (
                "batches",
                t("stats_by_batch"),
                t("case_batch"),
                &self.by_batch,
            ),
            (
                "channels",
                t("stats_by_channel"),
                t("stats_channel"),
                &self.by_channel,
            ),
        ]
        .into_iter()
        .map(|(name, title, key_label, data)| {
            let bars: Vec<minijinja::Value> = data
                .rows
                .iter()
                .map(|r| minijinja::context! { label => &r.0, value => r.2 })
                .collect();
            minijinja::context! {
                name => name,
                bars => bars,
                title => title,
                key_label => key_label,
                data => data,
            }
        })
        .collect()
    }
}

/// `GET /staff/stats`.
pub async fn stats(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    period: &Period,
) -> Result<Response, AppError> {
    let (from, to) = period.months(today(state));
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let s = statistics(&state.db, &rules.calendar, from, to).await?;
    let shown = Shown::new(state, &s, lang).await?;
    let visits = follow_ups_in(state, from, to).await?;
    let ctx = minijinja::context! {
        visits => visits,
        tables => shown.tables(state, lang),
        cards => shown.cards_vs_reports,
        period => Period::query(from, to),
        median_accept => super::appraisal::days_text(state, lang, s.median_days_to_accept),
        median_conclude => super::appraisal::days_text(state, lang, s.median_days_to_conclude),
        report_month => super::appraisal::last_month(today(state)),
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
    let rules = state.sla.rules(&state.db, state.clock.now()).await?;
    let s = statistics(&state.db, &rules.calendar, from, to).await?;
    let shown = Shown::new(state, &s, lang).await?;
    let t = |key: &'static str| state.views.locales.t(lang, key);
    let month_table = |key: &'static str, data: &MonthTable<String>| {
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
        "items" => month_table("csv_item", &shown.by_item),
        "districts" => month_table("csv_district", &shown.by_district),
        "batches" => month_table("csv_batch", &shown.by_batch),
        "channels" => month_table("csv_channel", &shown.by_channel),
        "cards" => {
            let mut csv =
                crate::web::Csv::new(&[t("csv_district"), t("csv_active_cards"), t("csv_reports")]);
            for (district, cards, reports) in &shown.cards_vs_reports {
                csv.row(&[district, &cards.to_string(), &reports.to_string()]);
            }
            csv
        }
        "follow_ups" => {
            let v = follow_ups_in(state, from, to).await?;
            let mut csv = crate::web::Csv::new(&[t("csv_measure"), t("csv_value")]);
            csv.row(&[t("fb_csv_follow_ups"), &v.total.to_string()]);
            csv.row(&[t("fb_outcome_satisfied"), &v.satisfied.to_string()]);
            csv.row(&[
                t("fb_outcome_basically_satisfied"),
                &v.basically_satisfied.to_string(),
            ]);
            csv.row(&[t("fb_outcome_not_satisfied"), &v.not_satisfied.to_string()]);
            csv
        }
        "timing" => {
            let mut csv = crate::web::Csv::new(&[t("csv_measure"), t("csv_value")]);
            let opt = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
            csv.row(&[t("csv_total_reports"), &s.total.to_string()]);
            csv.row(&[t("csv_median_accept"), &opt(s.median_days_to_accept)]);
            csv.row(&[t("csv_median_conclude"), &opt(s.median_days_to_conclude)]);
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
        AuditEvent::new(AuditAction::StatisticsExported, "statistics", name)
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

/// The follow-ups (回访) made from the first day of month `from` to the last of month `to`.
async fn follow_ups_in(
    state: &AppState,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<crate::cases::FollowUpCounts, AppError> {
    let until = (to + chrono::Months::new(1)).pred_opt().unwrap_or(to);
    Ok(crate::cases::follow_up_counts(&state.db, from, until).await?)
}

#[cfg(test)]
mod tests {
    use crate::web::Templates;

    #[test]
    fn a_bar_chart_escapes_its_labels_and_scales_to_the_largest() {
        let templates = Templates::load().expect("templates");
        let svg = templates
            .render(
                "cases/bar_chart.html",
                minijinja::context! {
                    title => "t",
                    bars => vec![
                        minijinja::context! { label => "<b>", value => 10 },
                        minijinja::context! { label => "x", value => 5 },
                    ],
                },
            )
            .expect("chart");
        assert!(svg.contains("&lt;b&gt;"));
        assert!(svg.contains("width=\"420\""));
        assert!(svg.contains("width=\"210\""));
        assert!(!svg.contains("<b>"));
    }
}
