//! One person's digest as data, and its rendering: a heading with the count per section, at
//! most [`super::rules::SECTION_LINES`] lines (the case number, when its deadline falls in
//! plain words, the assignee for supervisors, a link to the case) and a link to the case list
//! filtered by the same queue. Nothing the reporter wrote ever reaches it: the queues return
//! numbers, dates and ids only.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

use super::calendar_gaps::CalendarGap;
use super::rules::{self, Recipient};
use crate::cases::queues::{Queue, QueuedCase};
use crate::deadlines::lights::when_words;
use crate::entities::enums::{MailKind, Role};
use crate::i18n::Lang;
use crate::mail::{self, OutgoingEmail};

/// `12月3日（周四）`: a day as the emails write it.
pub fn chinese_date(day: NaiveDate) -> String {
    let weekday = match day.weekday() {
        Weekday::Mon => "一",
        Weekday::Tue => "二",
        Weekday::Wed => "三",
        Weekday::Thu => "四",
        Weekday::Fri => "五",
        Weekday::Sat => "六",
        Weekday::Sun => "日",
    };
    format!("{}月{}日（周{weekday}）", day.month(), day.day())
}

/// One queue of a digest: its first lines and how many cases it holds in all.
#[derive(Clone, Debug)]
pub struct Section {
    pub queue: Queue,
    pub cases: Vec<QueuedCase>,
    pub total: u64,
}

/// A digest to render: for whom, under which key, with its non-empty sections.
#[derive(Clone, Debug)]
pub struct Digest {
    pub to: Recipient,
    pub key: String,
    pub sections: Vec<Section>,
    /// For admins: years without their official calendar in which open deadlines fall.
    pub calendar_gaps: Vec<CalendarGap>,
}

/// What rendering needs besides the digest; cheap to clone.
#[derive(Clone)]
pub struct Compose {
    pub views: crate::web::Views,
    /// The staff pages' base URL without its trailing slash.
    pub base: String,
    pub rules: std::sync::Arc<crate::deadlines::SlaRules>,
    pub today: NaiveDate,
    /// Staff names by id, for the assignee column.
    pub names: std::sync::Arc<HashMap<i64, String>>,
}

#[derive(Serialize)]
struct Line {
    number: String,
    when: String,
    assignee: String,
    link: String,
}

#[derive(Serialize)]
struct SectionView {
    heading: &'static str,
    total: u64,
    shown: usize,
    list_link: String,
    lines: Vec<Line>,
}

/// The admins' section on years without their calendar.
#[derive(Serialize)]
struct CalendarView {
    heading: String,
    lines: Vec<String>,
    link_text: String,
    link: String,
}

struct CalendarLines {
    view: Option<CalendarView>,
    /// What the subject line adds: "工作日历未载入", or nothing.
    summary: String,
}

impl Compose {
    /// Renders `digest` into an email for the outbox.
    pub fn render(&self, digest: &Digest) -> anyhow::Result<OutgoingEmail> {
        let with_assignee = digest.to.role != Role::Inspector;
        let sections: Vec<SectionView> = digest
            .sections
            .iter()
            .map(|section| SectionView {
                heading: rules::heading(section.queue),
                total: section.total,
                shown: section.cases.len(),
                list_link: format!("{}/staff/cases?queue={}", self.base, section.queue.as_str()),
                lines: section.cases.iter().map(|c| self.line(c)).collect(),
            })
            .collect();
        let counts: Vec<(Queue, u64)> =
            digest.sections.iter().map(|s| (s.queue, s.total)).collect();
        let gaps = self.calendar_lines(&digest.calendar_gaps);
        let summary = [rules::summary(&counts), gaps.summary]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("，");
        let ctx = minijinja::context! {
            calendar => gaps.view,
            name => digest.to.display_name,
            date => chinese_date(self.today),
            summary => summary,
            sections => sections,
            with_assignee => with_assignee,
            home_link => format!("{}/staff", self.base),
        };
        let email = mail::render(&self.views, "digest", ctx)?;
        Ok(email.addressed(
            digest.to.email.clone(),
            digest.key.clone(),
            MailKind::Digest,
            None,
        ))
    }

    /// The calendar section (locale strings, in Chinese like the rest of the digest).
    fn calendar_lines(&self, gaps: &[CalendarGap]) -> CalendarLines {
        let t = |key: &str| self.views.locales.t(Lang::Zh, key).to_string();
        let view = (!gaps.is_empty()).then(|| CalendarView {
            heading: t("documents_digest_calendar_heading"),
            lines: gaps
                .iter()
                .map(|g| {
                    t("documents_digest_calendar_gap")
                        .replace("{year}", &g.year.to_string())
                        .replace("{n}", &g.open_deadlines.to_string())
                })
                .collect(),
            link_text: t("documents_digest_calendar_link"),
            link: format!("{}/staff/admin/calendar", self.base),
        });
        let summary = if gaps.is_empty() {
            String::new()
        } else {
            t("documents_digest_calendar_heading")
        };
        CalendarLines { view, summary }
    }

    fn line(&self, case: &QueuedCase) -> Line {
        let when = match case.due_on {
            Some(due) => when_words(&self.rules.calendar, due, self.today, Lang::Zh),
            None => "无期限".to_string(),
        };
        let assignee = case
            .assignee_id
            .and_then(|id| self.names.get(&id).cloned())
            .unwrap_or_else(|| "未指定".to_string());
        Line {
            number: case.number.clone(),
            when,
            assignee,
            link: format!("{}/staff/cases/{}", self.base, case.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_with_month_day_and_weekday() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
        assert_eq!(chinese_date(day), "12月3日（周四）");
    }
}
