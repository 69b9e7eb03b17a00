//! The case list: filters, three orders, and keyset pages (no OFFSET), so the hundredth page
//! of 100,000 cases costs what the first does. The default order puts the most urgent first:
//! open deadlines soonest (overdue ones first), then the cases with no deadline, newest first.
//! The two parts are read one after the other, so NULL due dates sort the same on both
//! engines and each part walks an index in order. [`case_lines`] names a page's units, people
//! and items for whoever shows it (the workspace, the CSV export, the JSON API, the
//! dashboard); [`count_cases`] counts what a filter matches.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;

use super::deadlines::{Deadline, deadline};
use super::scope::CaseScope;
use super::status::CaseStatus;
use crate::deadlines::SlaRules;
use crate::entities::{cases, negative_list_items, report_items, reports, units, users};

/// Which status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    Is(CaseStatus),
    /// Not declined or closed.
    Open,
}

/// Which unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitFilter {
    Is(i64),
    /// No unit: the triage queue.
    Triage,
}

/// Whose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssigneeFilter {
    Is(i64),
    Nobody,
}

/// By when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueFilter {
    /// The open deadline has passed.
    Overdue,
    /// Due on or before this date (and not yet overdue).
    By(NaiveDate),
}

impl DueFilter {
    /// Due within three working days of `today`.
    pub fn soon(rules: &SlaRules, today: NaiveDate) -> Self {
        DueFilter::By(rules.calendar.add_working_days(today, 3))
    }

    /// Due within seven days of `today`.
    pub fn within_a_week(today: NaiveDate) -> Self {
        DueFilter::By(today + Duration::days(7))
    }
}

/// The order of the list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Soonest deadline first (overdue on top), then cases without one, newest first.
    #[default]
    Due,
    Newest,
    Oldest,
    /// The cases with something new from the reporter for the reader first (newest first),
    /// then the rest, newest first: the filter's `unread` names which are new.
    Unread,
}

/// What a list shows.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub status: Option<StatusFilter>,
    /// A negative-list item's stable key (`item-3`), across list versions.
    pub item_key: Option<String>,
    pub district: Option<String>,
    pub unit: Option<UnitFilter>,
    pub assignee: Option<AssigneeFilter>,
    pub due: Option<DueFilter>,
    /// Only cases flagged for a supervisor (a not-satisfied rating).
    pub flagged: bool,
    /// Only reports from revoked cards.
    pub revoked: bool,
    /// What a queue or a light adds (built by [`super::queues`] for the reader and the day).
    pub within: Vec<Condition>,
    pub sort: Sort,
    /// Which cases are 新回复 / 新材料 for the reader, for [`Sort::Unread`].
    pub unread: Option<Condition>,
}

pub(super) fn filter_condition(filter: &CaseFilter, today: NaiveDate) -> Condition {
    let mut cond = Condition::all();
    match filter.status {
        Some(StatusFilter::Is(status)) => cond = cond.add(cases::Column::Status.eq(status)),
        Some(StatusFilter::Open) => {
            cond = cond
                .add(cases::Column::Status.is_not_in([CaseStatus::Declined, CaseStatus::Closed]))
        }
        None => {}
    }
    if let Some(key) = &filter.item_key {
        let reports = Query::select()
            .column((report_items::Entity, report_items::Column::ReportId))
            .from(report_items::Entity)
            .inner_join(
                negative_list_items::Entity,
                Expr::col((negative_list_items::Entity, negative_list_items::Column::Id))
                    .equals((report_items::Entity, report_items::Column::ItemId)),
            )
            .and_where(
                Expr::col((
                    negative_list_items::Entity,
                    negative_list_items::Column::ItemKey,
                ))
                .eq(key.as_str()),
            )
            .to_owned();
        cond = cond.add(cases::Column::ReportId.in_subquery(reports));
    }
    if let Some(district) = &filter.district {
        cond = cond.add(cases::Column::District.eq(district.as_str()));
    }
    match filter.unit {
        Some(UnitFilter::Is(id)) => cond = cond.add(cases::Column::UnitId.eq(id)),
        Some(UnitFilter::Triage) => cond = cond.add(cases::Column::UnitId.is_null()),
        None => {}
    }
    match filter.assignee {
        Some(AssigneeFilter::Is(id)) => cond = cond.add(cases::Column::AssigneeId.eq(id)),
        Some(AssigneeFilter::Nobody) => cond = cond.add(cases::Column::AssigneeId.is_null()),
        None => {}
    }
    match filter.due {
        Some(DueFilter::Overdue) => cond = cond.add(cases::Column::DueOn.lt(today)),
        Some(DueFilter::By(date)) => {
            cond = cond
                .add(cases::Column::DueOn.gte(today))
                .add(cases::Column::DueOn.lte(date))
        }
        None => {}
    }
    if filter.flagged {
        cond = cond.add(cases::Column::NeedsSupervisor.eq(true));
    }
    if filter.revoked {
        cond = cond.add(cases::Column::FromRevokedCard.eq(true));
    }
    for extra in &filter.within {
        cond = cond.add(extra.clone());
    }
    cond
}

/// How many of the cases `scope` may see match `filter` (a count for a queue or a tile).
pub async fn count_cases(
    db: &impl ConnectionTrait,
    scope: CaseScope,
    filter: &CaseFilter,
    today: NaiveDate,
) -> Result<u64, DbErr> {
    scope
        .cases()
        .filter(filter_condition(filter, today))
        .count(db)
        .await
}

/// One case of a list with the names it shows (unit, assignee, item positions) and where it
/// stands against its deadline: data, in no language.
#[derive(Clone, Debug, Serialize)]
pub struct CaseLine {
    pub id: i64,
    /// `JD2026-000042`.
    pub number: String,
    /// What a step must name (`version`) to be taken.
    pub version: i32,
    pub status: CaseStatus,
    /// Positions of the negative-list items, in order.
    pub item_numbers: Vec<i32>,
    /// The same items with their texts, in order.
    pub items: Vec<ItemText>,
    pub district: Option<String>,
    pub unit_id: Option<i64>,
    pub unit: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    pub received_at: DateTime<Utc>,
    pub deadline: Deadline,
    /// Flagged for a supervisor (a not-satisfied rating).
    pub flagged: bool,
    /// The report came through a revoked card.
    pub revoked: bool,
    /// The report's first words, for telling cases apart in a list.
    pub excerpt: String,
}

/// Characters of a report a list shows.
pub const EXCERPT_CHARS: usize = 40;

/// The first [`EXCERPT_CHARS`] characters of `text`, its whitespace folded to single spaces,
/// with "…" when there is more.
pub fn excerpt(text: &str) -> String {
    let mut words = text.split_whitespace().flat_map(|w| w.chars().chain([' ']));
    let mut out: String = words.by_ref().take(EXCERPT_CHARS).collect();
    let more = words.any(|c| c != ' ');
    out.truncate(out.trim_end().len());
    if more {
        out.push('…');
    }
    out
}

/// A negative-list item as a list names it: its position and its text in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemText {
    pub position: i32,
    pub text_zh: String,
    pub text_en: String,
}

/// Names for a page of cases: units, people, items (three queries, however many rows), and
/// each case's deadline on `today`.
pub async fn case_lines(
    db: &impl ConnectionTrait,
    rules: &SlaRules,
    page: &[cases::Model],
    today: NaiveDate,
) -> Result<Vec<CaseLine>, DbErr> {
    let unit_ids: HashSet<i64> = page.iter().filter_map(|c| c.unit_id).collect();
    let user_ids: HashSet<i64> = page.iter().filter_map(|c| c.assignee_id).collect();
    let report_ids: Vec<i64> = page.iter().map(|c| c.report_id).collect();
    let unit_names: HashMap<i64, String> = units::Entity::find()
        .filter(units::Column::Id.is_in(unit_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let user_names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let excerpts: HashMap<i64, String> = reports::Entity::find()
        .filter(reports::Column::Id.is_in(report_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, excerpt(&r.description)))
        .collect();
    let links = report_items::Entity::find()
        .filter(report_items::Column::ReportId.is_in(report_ids))
        .all(db)
        .await?;
    let item_ids: HashSet<i64> = links.iter().map(|l| l.item_id).collect();
    let texts: HashMap<i64, ItemText> = negative_list_items::Entity::find()
        .filter(negative_list_items::Column::Id.is_in(item_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| {
            let text = ItemText {
                position: i.position,
                text_zh: i.text_zh,
                text_en: i.text_en,
            };
            (i.id, text)
        })
        .collect();
    let mut items: HashMap<i64, Vec<ItemText>> = HashMap::new();
    for link in links {
        if let Some(text) = texts.get(&link.item_id) {
            items.entry(link.report_id).or_default().push(text.clone());
        }
    }
    Ok(page
        .iter()
        .map(|c| {
            let mut named = items.get(&c.report_id).cloned().unwrap_or_default();
            named.sort_by_key(|i| i.position);
            let numbers = named.iter().map(|i| i.position).collect();
            CaseLine {
                id: c.id,
                number: c.number.clone(),
                version: c.version,
                status: c.status,
                item_numbers: numbers,
                items: named,
                district: c.district.clone(),
                unit_id: c.unit_id,
                unit: c.unit_id.and_then(|id| unit_names.get(&id).cloned()),
                assignee_id: c.assignee_id,
                assignee: c.assignee_id.and_then(|id| user_names.get(&id).cloned()),
                received_at: c.received_at,
                deadline: deadline(c, rules, today),
                flagged: c.needs_supervisor,
                revoked: c.from_revoked_card,
                excerpt: excerpts.get(&c.report_id).cloned().unwrap_or_default(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_the_first_words_folded_and_marked_when_cut() {
        assert_eq!(excerpt("  短  文\n本 "), "短 文 本");
        let long = "某某局工作人员在办理营业执照变更时多次要求企业提供与办理事项无关的材料，拖延办理超过三十个工作日";
        let cut = excerpt(long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…') && long.starts_with(cut.trim_end_matches('…')));
        assert_eq!(excerpt(""), "");
        let exact: String = "字".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&exact), exact, "nothing cut, no mark");
    }
}
