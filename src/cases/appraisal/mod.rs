//! Appraisal (考核) as data: for a Beijing month or quarter, per unit and per inspector, how
//! many steps were taken and how many by their due date, the durations in working days, the
//! ratings, the reopened cases, the returns (退回) and the urgings (督办); and a ranking.
//!
//! A step counts in the period in which it happened (Beijing time):
//! - 受理 (the accept stage): a case accepted, or declined, in the period; on time when its
//!   Beijing date is on or before `accept_due_on`. Days: from the receipt date.
//! - 办结: a case whose conclusion falls in the period; on time by `conclude_due_on` (which an
//!   approved extension or a reopening moved). Days: from the acceptance date.
//! - 答复: a concluded case closed in the period, which is when the reporter is shown the
//!   answer; on time by `feedback_due_on`.
//! - 满意: ratings given in the period (satisfied over all ratings).
//! - 重办: of the cases concluded in the period, those ever reopened.
//! - 退回: `returned` events in the period, by the unit and person who returned the case.
//! - 督办: urgings written in the period, on the case's unit and assignee.
//!
//! Cases count for the unit and the assignee they have now. Everything is counted by the
//! database (GROUP BY unit, assignee and, for durations, the pair of Beijing dates), then the
//! working-day calendar turns each pair of dates into days: what is held grows with the people
//! and the days of the period, never with the cases.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult};
use serde::Serialize;

mod tally;

pub use tally::{Ranked, Tally};

use self::tally::rank;
use super::statistics::{Dialect, working_days};
use crate::clock::BEIJING;
use crate::deadlines::calendar::WorkingCalendar;
use crate::entities::{units, users};

/// A Beijing month or quarter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AppraisalPeriod {
    /// Its first day.
    pub first: NaiveDate,
    /// 1 (a month) or 3 (a quarter).
    pub months: u32,
}

impl AppraisalPeriod {
    /// `2026-11` (a month) or `2026-Q4` (a quarter); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some((year, quarter)) = text.split_once(['Q', 'q']) {
            let year: i32 = year.trim_end_matches('-').parse().ok()?;
            let quarter: u32 = quarter.parse().ok()?;
            if !(1..=4).contains(&quarter) || !(2000..=2999).contains(&year) {
                return None;
            }
            let first = NaiveDate::from_ymd_opt(year, quarter * 3 - 2, 1)?;
            return Some(Self { first, months: 3 });
        }
        let first = crate::text::month(text)?;
        (2000..=2999)
            .contains(&first.year())
            .then_some(Self { first, months: 1 })
    }

    /// The month `first` lies in.
    pub fn month_of(day: NaiveDate) -> Self {
        Self {
            first: day.with_day(1).unwrap_or(day),
            months: 1,
        }
    }

    /// As written in a link: `2026-11` or `2026-Q4`.
    pub fn code(&self) -> String {
        match self.months {
            3 => format!("{}-Q{}", self.first.year(), self.first.month0() / 3 + 1),
            _ => self.first.format("%Y-%m").to_string(),
        }
    }

    /// Whether it is a quarter.
    pub fn is_quarter(&self) -> bool {
        self.months == 3
    }

    /// The first instant of the period and the first after it, Beijing time, in UTC.
    fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let at = |day: Option<NaiveDate>| {
            day.and_then(|d| d.and_hms_opt(0, 0, 0))
                .and_then(|t| t.and_local_timezone(BEIJING).single())
                .map(|t| t.with_timezone(&Utc))
        };
        let start = at(Some(self.first)).unwrap_or_default();
        let end = at(self.first.checked_add_months(Months::new(self.months))).unwrap_or(start);
        (start, end)
    }
}

/// The appraisal of a period.
#[derive(Clone, Debug, Serialize)]
pub struct Appraisal {
    pub period: AppraisalPeriod,
    /// The whole office.
    pub total: Tally,
    /// Every unit (and the cases of no unit, if any), best score first.
    pub units: Vec<Ranked>,
    /// Every inspector who held or returned a case counted, best score first.
    pub inspectors: Vec<Ranked>,
}

#[derive(Debug, FromQueryResult)]
struct Timed {
    unit_id: Option<i64>,
    assignee_id: Option<i64>,
    d0: Option<String>,
    d1: Option<String>,
    n: i64,
    on_time: i64,
    reopened: i64,
}

#[derive(Debug, FromQueryResult)]
struct Counted {
    unit_id: Option<i64>,
    assignee_id: Option<i64>,
    a: i64,
    b: i64,
    c: i64,
    d: i64,
}

type Key = (Option<i64>, Option<i64>);

/// The appraisal of `period`, durations counted on `calendar`.
pub async fn appraisal(
    db: &impl ConnectionTrait,
    calendar: &WorkingCalendar,
    period: AppraisalPeriod,
) -> Result<Appraisal, DbErr> {
    let (start, end) = period.bounds();
    let dialect = Dialect(db.get_database_backend());
    let run = |sql: String| dialect.statement(&sql, start, end);
    let within = |col: &str| format!("{col} >= $1 AND {col} < $2");
    let mut tallies: HashMap<Key, Tally> = HashMap::new();

    // The accept stage: accepted in the period, or declined in it (a declined case keeps no
    // acceptance time; its decision is the status event). The declines are found from the
    // period's status events (`CROSS JOIN` keeps SQLite from starting at every case with no
    // acceptance time: 130 ms instead of 260 at 1,000,000 cases).
    let decided = dialect.date("x.decided_at");
    let accept = format!(
        "SELECT x.unit_id AS unit_id, x.assignee_id AS assignee_id, {d0} AS d0, {d1} AS d1, \
         COUNT(*) AS n, \
         SUM(CASE WHEN x.accept_due_on IS NOT NULL AND {decided} <= x.accept_due_on \
           THEN 1 ELSE 0 END) AS on_time, CAST(0 AS BIGINT) AS reopened \
         FROM (SELECT c.unit_id, c.assignee_id, c.received_at, c.accept_due_on, \
                 c.accepted_at AS decided_at FROM cases c WHERE {accepted} \
               UNION ALL \
               SELECT c.unit_id, c.assignee_id, c.received_at, c.accept_due_on, \
                 e.at AS decided_at FROM case_events e CROSS JOIN cases c \
               WHERE c.id = e.case_id AND e.kind = 'status' AND e.to_status = 'declined' \
                 AND {declined} AND c.status = 'declined' AND c.accepted_at IS NULL) x \
         GROUP BY 1, 2, 3, 4",
        d0 = dialect.day("x.received_at"),
        d1 = dialect.day("x.decided_at"),
        accepted = within("c.accepted_at"),
        declined = within("e.at"),
    );
    for row in Timed::find_by_statement(run(accept)).all(db).await? {
        let days = pair_days(calendar, &row);
        let t = tallies.entry((row.unit_id, row.assignee_id)).or_default();
        t.decided += row.n;
        t.decided_on_time += row.on_time;
        t.accept_days += days.unwrap_or(0) * row.n;
    }

    let concluded = dialect.date("c.concluded_at");
    let conclude = format!(
        "SELECT c.unit_id AS unit_id, c.assignee_id AS assignee_id, {d0} AS d0, {d1} AS d1, \
         COUNT(*) AS n, \
         SUM(CASE WHEN c.conclude_due_on IS NOT NULL AND {concluded} <= c.conclude_due_on \
           THEN 1 ELSE 0 END) AS on_time, \
         SUM(CASE WHEN c.id IN (SELECT case_id FROM case_events WHERE kind = 'reopened') \
           THEN 1 ELSE 0 END) AS reopened \
         FROM cases c WHERE {period} GROUP BY 1, 2, 3, 4",
        d0 = dialect.day("c.accepted_at"),
        d1 = dialect.day("c.concluded_at"),
        period = within("c.concluded_at"),
    );
    for row in Timed::find_by_statement(run(conclude)).all(db).await? {
        let days = pair_days(calendar, &row);
        let t = tallies.entry((row.unit_id, row.assignee_id)).or_default();
        t.concluded += row.n;
        t.concluded_on_time += row.on_time;
        t.reopened += row.reopened;
        if let Some(days) = days {
            t.conclude_days += days * row.n;
            t.conclude_days_of += row.n;
        }
    }

    let (closed, rated) = (within("c.closed_at"), within("c.rated_at"));
    let closed_date = dialect.date("c.closed_at");
    let answers = format!(
        "SELECT c.unit_id AS unit_id, c.assignee_id AS assignee_id, \
         COALESCE(SUM(CASE WHEN {closed} AND c.concluded_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS a, \
         COALESCE(SUM(CASE WHEN {closed} AND c.concluded_at IS NOT NULL \
           AND c.feedback_due_on IS NOT NULL AND {closed_date} <= c.feedback_due_on \
           THEN 1 ELSE 0 END), 0) AS b, \
         COALESCE(SUM(CASE WHEN {rated} AND c.rating = 'satisfied' THEN 1 ELSE 0 END), 0) AS c, \
         COALESCE(SUM(CASE WHEN {rated} AND c.rating = 'not_satisfied' THEN 1 ELSE 0 END), 0) AS d \
         FROM cases c WHERE ({closed}) OR ({rated}) GROUP BY 1, 2"
    );
    for row in Counted::find_by_statement(run(answers)).all(db).await? {
        let t = tallies.entry((row.unit_id, row.assignee_id)).or_default();
        t.answered += row.a;
        t.answered_on_time += row.b;
        t.satisfied += row.c;
        t.not_satisfied += row.d;
    }

    // Returns count for whoever returned the case, in their unit; urgings for the case.
    let returns = format!(
        "SELECT u.unit_id AS unit_id, e.actor_id AS assignee_id, COUNT(*) AS a, CAST(0 AS BIGINT) AS b, \
         CAST(0 AS BIGINT) AS c, CAST(0 AS BIGINT) AS d FROM case_events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.kind = 'returned' AND {} GROUP BY 1, 2",
        within("e.at")
    );
    for row in Counted::find_by_statement(run(returns)).all(db).await? {
        tallies
            .entry((row.unit_id, row.assignee_id))
            .or_default()
            .returned += row.a;
    }
    let urgings = format!(
        "SELECT c.unit_id AS unit_id, c.assignee_id AS assignee_id, COUNT(*) AS a, CAST(0 AS BIGINT) AS b, \
         CAST(0 AS BIGINT) AS c, CAST(0 AS BIGINT) AS d FROM urgings g JOIN cases c ON c.id = g.case_id \
         WHERE {} GROUP BY 1, 2",
        within("g.created_at")
    );
    for row in Counted::find_by_statement(run(urgings)).all(db).await? {
        tallies
            .entry((row.unit_id, row.assignee_id))
            .or_default()
            .urged += row.a;
    }

    let unit_names: BTreeMap<i64, String> = units::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let people: HashMap<i64, users::Model> = users::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();

    let mut total = Tally::default();
    let mut by_unit: BTreeMap<Option<i64>, Tally> = unit_names
        .keys()
        .map(|&id| (Some(id), Tally::default()))
        .collect();
    let mut by_person: BTreeMap<i64, Tally> = BTreeMap::new();
    for ((unit, person), t) in &tallies {
        total.add(t);
        by_unit.entry(*unit).or_default().add(t);
        if let Some(person) = person {
            by_person.entry(*person).or_default().add(t);
        }
    }
    let units = rank(
        by_unit
            .into_iter()
            .filter(|(id, t)| id.is_some() || !t.is_empty())
            .map(|(id, tally)| Ranked {
                id,
                name: id.and_then(|id| unit_names.get(&id).cloned()),
                unit: None,
                tally,
                rank: None,
            })
            .collect(),
    );
    let inspectors = rank(
        by_person
            .into_iter()
            .map(|(id, tally)| {
                let person = people.get(&id);
                Ranked {
                    id: Some(id),
                    name: person.map(|p| p.display_name.clone()),
                    unit: person
                        .and_then(|p| p.unit_id)
                        .and_then(|u| unit_names.get(&u).cloned()),
                    tally,
                    rank: None,
                }
            })
            .collect(),
    );
    Ok(Appraisal {
        period,
        total,
        units,
        inspectors,
    })
}

fn pair_days(calendar: &WorkingCalendar, row: &Timed) -> Option<i64> {
    working_days(calendar, row.d0.as_deref(), row.d1.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_a_month_or_a_quarter_and_nothing_else() {
        let nov = AppraisalPeriod::parse("2026-11").expect("a month");
        assert_eq!(
            (nov.first.month(), nov.months, nov.code()),
            (11, 1, "2026-11".into())
        );
        let q4 = AppraisalPeriod::parse("2026-Q4").expect("a quarter");
        assert_eq!(
            (q4.first.month(), q4.months, q4.code()),
            (10, 3, "2026-Q4".into())
        );
        for bad in ["2026-Q5", "2026-13", "11/2026", "", "+262142-12", "2026-Q0"] {
            assert_eq!(AppraisalPeriod::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_beijing_month_starts_at_four_in_the_afternoon_utc_the_day_before() {
        let (start, end) = AppraisalPeriod::parse("2026-11").expect("month").bounds();
        assert_eq!(start.to_rfc3339(), "2026-10-31T16:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-11-30T16:00:00+00:00");
    }
}
