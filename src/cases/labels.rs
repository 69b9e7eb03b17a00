//! The model's data in the reader's words: a deadline as "剩余 3 个工作日", a row of the case
//! list with its status label, an event's note, a report's items as "3. text". Shared by
//! every door that shows cases (the pages, the CSV export, the JSON API, the case page and
//! the reporter's timeline); the model itself speaks no language.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::deadlines::{Deadline, Tone, deadline};
use super::list::{CaseLine, case_lines};
use super::status::{CaseStatus, Stage};
use crate::clock::beijing;
use crate::deadlines::SlaRules;
use crate::deadlines::lights::Light;
use crate::entities::{cases, negative_list_items, report_items};
use crate::i18n::Lang;

/// A case's open deadline, ready to show.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DueState {
    pub stage: Option<Stage>,
    pub due_on: Option<NaiveDate>,
    /// Positive: working days left; negative: overdue by; 0: due today.
    pub working_days_left: Option<i64>,
    /// 三色预警: the light of the open deadline (none once the case is done).
    pub light: Option<Light>,
    /// The light in words ("逾期", "临期", "正常"), so that colour is never the only signal.
    pub light_label: Option<String>,
    pub tone: Tone,
    /// "剩余 3 个工作日", "今日到期", "已超期 2 个工作日", "—".
    pub text: String,
}

impl DueState {
    /// `deadline` in words of `lang`.
    pub fn new(deadline: Deadline, lang: Lang) -> Self {
        let text = match deadline.working_days_left {
            None => "—".into(),
            Some(left) => {
                let key = match left {
                    0 => "due_today",
                    1 => "due_left_one",
                    n if n > 0 => "due_left",
                    -1 => "due_overdue_one",
                    _ => "due_overdue",
                };
                crate::i18n::label(lang, key).replace("{n}", &left.abs().to_string())
            }
        };
        DueState {
            stage: deadline.stage,
            due_on: deadline.due_on,
            working_days_left: deadline.working_days_left,
            light: deadline.light,
            light_label: deadline.light.map(|l| l.label(lang).to_string()),
            tone: deadline.tone,
            text,
        }
    }
}

/// Where `case` stands on `today` (a Beijing date), in words of `lang`.
pub fn due_state(case: &cases::Model, rules: &SlaRules, today: NaiveDate, lang: Lang) -> DueState {
    DueState::new(deadline(case, rules, today), lang)
}

/// A negative-list item by its short name.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ShortItem {
    pub position: i32,
    /// The text up to its first comma or list mark, at most 8 characters (24 in English).
    pub short: String,
    /// The whole text.
    pub full: String,
}

/// The first phrase of an item's text: "吃拿卡要，索取、收受企业财物" → "吃拿卡要".
pub fn short_name(text: &str) -> String {
    let first = text
        .split(['，', '、', '；', '（', ',', ';', '('])
        .next()
        .unwrap_or(text)
        .trim();
    let wide = !first.is_ascii();
    let max = if wide { 8 } else { 24 };
    if first.chars().count() > max {
        let mut cut: String = first.chars().take(max - 1).collect();
        cut.push('…');
        cut
    } else {
        first.to_string()
    }
}

/// One row of the list, as every door shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CaseRow {
    pub id: i64,
    /// `JD2026-000042`.
    pub number: String,
    /// What a step must name (`version`) to be taken.
    pub version: i32,
    pub status: CaseStatus,
    pub status_label: String,
    /// Positions of the negative-list items, `1、9`.
    pub items: String,
    /// The same positions as numbers.
    pub item_numbers: Vec<i32>,
    /// The items by short name ("2 吃拿卡要"), with the full text for hover and screen readers.
    pub item_names: Vec<ShortItem>,
    pub district: Option<String>,
    pub unit_id: Option<i64>,
    pub unit: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    /// Beijing time, `2026-11-29 14:05`.
    pub received_at: String,
    /// The open deadline, `YYYY-MM-DD`.
    pub due_on: Option<String>,
    /// "剩余 3 个工作日", "overdue by 2 working days", "—".
    pub due_text: String,
    /// 三色预警: the light of the open deadline.
    pub light: Option<Light>,
    /// The light in words.
    pub light_label: Option<String>,
    pub tone: Tone,
    /// Flagged for a supervisor (a not-satisfied rating).
    pub flagged: bool,
    /// The report came through a revoked card.
    pub revoked: bool,
    /// 新回复 / 新材料: the reporter wrote or sent evidence since the reader last opened the
    /// case (false where no reader is known, as in the CSV export).
    pub unread: bool,
    /// 督办: a supervisor has urged this open case.
    pub urged: bool,
    /// The report's first words.
    pub excerpt: String,
    /// Why a case with no unit waits in triage (returned, no unit for its district …).
    pub triage_reason: Option<String>,
}

impl CaseRow {
    /// `line` in words of `lang`.
    pub fn new(line: &CaseLine, lang: Lang) -> Self {
        let due = DueState::new(line.deadline, lang);
        CaseRow {
            id: line.id,
            number: line.number.clone(),
            version: line.version,
            status: line.status,
            status_label: line.status.label(lang).to_string(),
            items: line
                .item_numbers
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join("、"),
            item_numbers: line.item_numbers.clone(),
            item_names: line
                .items
                .iter()
                .map(|i| {
                    let full = if lang == Lang::En {
                        &i.text_en
                    } else {
                        &i.text_zh
                    };
                    ShortItem {
                        position: i.position,
                        short: short_name(full),
                        full: full.clone(),
                    }
                })
                .collect(),
            district: line.district.clone(),
            unit_id: line.unit_id,
            unit: line.unit.clone(),
            assignee_id: line.assignee_id,
            assignee: line.assignee.clone(),
            received_at: beijing(line.received_at),
            due_on: due.due_on.map(|d| d.to_string()),
            due_text: due.text,
            light: due.light,
            light_label: due.light_label,
            tone: due.tone,
            flagged: line.flagged,
            revoked: line.revoked,
            unread: false,
            urged: false,
            excerpt: line.excerpt.clone(),
            triage_reason: None,
        }
    }

    /// Each of `lines` in words of `lang`.
    pub fn all(lines: &[CaseLine], lang: Lang) -> Vec<Self> {
        lines.iter().map(|line| Self::new(line, lang)).collect()
    }
}

/// Rows for a page of cases, in words of `lang` ([`case_lines`], labelled).
pub async fn case_rows(
    db: &impl ConnectionTrait,
    rules: &SlaRules,
    page: &[cases::Model],
    today: NaiveDate,
    lang: Lang,
) -> Result<Vec<CaseRow>, DbErr> {
    let lines = case_lines(db, rules, page, today).await?;
    Ok(CaseRow::all(&lines, lang))
}

/// [`case_rows`] as `reader` sees them: with the 新回复 / 新材料 and 督办 marks.
pub async fn marked_rows(
    db: &impl ConnectionTrait,
    rules: &SlaRules,
    page: &[cases::Model],
    today: NaiveDate,
    lang: Lang,
    reader: i64,
) -> Result<Vec<CaseRow>, DbErr> {
    let mut rows = case_rows(db, rules, page, today, lang).await?;
    let unread = super::queues::unread_among(db, reader, page).await?;
    let urged = super::queues::urged_among(db, page).await?;
    let mut triage = super::triage::triage_reasons(db, page).await?;
    for row in &mut rows {
        row.unread = unread.contains(&row.id);
        row.urged = row.light.is_some() && urged.contains(&row.id);
        row.triage_reason = triage.remove(&row.id).map(|r| shown_msg(&r.msg(), lang));
    }
    Ok(rows)
}

/// A message in `lang`.
fn shown_msg(msg: &crate::msg::Msg, lang: Lang) -> String {
    match crate::i18n::Locales::embedded() {
        Some(locales) => msg.in_lang(locales, lang),
        None => String::new(),
    }
}

/// An event's note in `lang`: what the system wrote, in words; what a person wrote, as is.
pub(super) fn shown(note: &str, lang: Lang) -> String {
    match crate::i18n::Locales::embedded() {
        Some(locales) => crate::msg::Msg::shown(note, locales, lang),
        None => note.to_string(),
    }
}

/// The negative-list items a report names, in list order, as "3. text" in `lang`.
pub(super) async fn item_lines(
    db: &impl ConnectionTrait,
    report_id: i64,
    lang: Lang,
) -> Result<Vec<String>, DbErr> {
    let item_ids: Vec<i64> = report_items::Entity::find()
        .filter(report_items::Column::ReportId.eq(report_id))
        .all(db)
        .await?
        .into_iter()
        .map(|link| link.item_id)
        .collect();
    Ok(negative_list_items::Entity::find()
        .filter(negative_list_items::Column::Id.is_in(item_ids))
        .order_by_asc(negative_list_items::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|item| {
            let text = match lang {
                Lang::Zh => item.text_zh,
                Lang::En => item.text_en,
            };
            format!("{}. {text}", item.position)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn an_items_short_name_is_its_first_phrase_cut_to_fit_a_row() {
        assert_eq!(short_name("吃拿卡要，索取、收受企业财物"), "吃拿卡要");
        assert_eq!(short_name("违规收费、乱摊派、乱检查、乱罚款"), "违规收费");
        assert_eq!(
            short_name("在企业办事过程中推诿扯皮不作为"),
            "在企业办事过程…"
        );
        assert_eq!(short_name("Shirking, passing the buck"), "Shirking");
        assert_eq!(short_name(""), "");
    }
}
