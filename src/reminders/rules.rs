//! Who is reminded of what, and when. On a working day, from the morning on:
//! - one working day before a deadline, and on the day: the assignee (while unassigned, the
//!   unit's inspectors; for a triage case, the supervisors);
//! - once a deadline has passed, every working day until the step is done: the supervisors
//!   (those of the case's unit, and those of no unit);
//! - a morning digest per inspector of their cases due in the next three working days or
//!   overdue, sent only if there is something in it.
//!
//! Each email has an idempotency key that makes it unique —
//! `reminder:{case}:{stage}:{rule}:{due_on}:{send_date}:{user}` and `digest:{user}:{date}` —
//! so running the tick again, or on several servers at once, never sends one twice, and a
//! step already done (no open deadline) is never reminded.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::deadlines::calendar::WorkingCalendar;
use crate::entities::enums::Role;
use crate::entities::enums::{CaseStatus, Stage};

/// Working days ahead a digest looks.
pub const DIGEST_DAYS: u32 = 3;

/// Why a reminder is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The deadline is the next working day.
    Before,
    /// The deadline is today.
    Due,
    /// The deadline has passed (sent every working day).
    Overdue,
}

impl Rule {
    /// The name in the idempotency key.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Before => "before",
            Rule::Due => "due",
            Rule::Overdue => "overdue",
        }
    }
}

/// Which rule a deadline `due` calls for on `today`, if any. Nothing is sent on a day off.
pub fn rule_for(calendar: &WorkingCalendar, due: NaiveDate, today: NaiveDate) -> Option<Rule> {
    if !calendar.is_working_day(today) {
        return None;
    }
    if due == today {
        Some(Rule::Due)
    } else if due < today {
        Some(Rule::Overdue)
    } else if calendar.next_working_day(today) >= due {
        Some(Rule::Before)
    } else {
        None
    }
}

/// A case with an open deadline, as the tick reads it.
#[derive(Clone, Debug, sea_orm::FromQueryResult)]
pub struct DueCase {
    pub id: i64,
    pub number: String,
    pub status: CaseStatus,
    pub unit_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
}

/// A staff member who can receive email.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub id: i64,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub email: String,
    pub display_name: String,
}

/// The people the tick may write to, indexed the ways the rules need.
#[derive(Debug, Default)]
pub struct Staff {
    by_id: HashMap<i64, Recipient>,
    inspectors_by_unit: HashMap<i64, Vec<i64>>,
    supervisors: Vec<i64>,
    admins: Vec<i64>,
}

impl Staff {
    /// Indexes the active accounts that have an email address.
    pub fn new(people: Vec<Recipient>) -> Self {
        let mut staff = Staff::default();
        for person in people {
            match person.role {
                Role::Inspector => {
                    if let Some(unit) = person.unit_id {
                        staff
                            .inspectors_by_unit
                            .entry(unit)
                            .or_default()
                            .push(person.id);
                    }
                }
                Role::Supervisor => staff.supervisors.push(person.id),
                Role::Admin => staff.admins.push(person.id),
                Role::PrintStaff => {}
            }
            staff.by_id.insert(person.id, person);
        }
        staff
    }

    /// A person by id.
    pub fn get(&self, id: i64) -> Option<&Recipient> {
        self.by_id.get(&id)
    }

    /// Every inspector.
    pub fn inspectors(&self) -> impl Iterator<Item = &Recipient> {
        self.by_id.values().filter(|p| p.role == Role::Inspector)
    }

    /// The supervisors responsible for a case of `unit`: those of that unit and those of no
    /// unit; the admins if there is no supervisor at all.
    fn supervisors_of(&self, unit: Option<i64>) -> Vec<i64> {
        let chosen: Vec<i64> = self
            .supervisors
            .iter()
            .copied()
            .filter(|id| {
                self.by_id
                    .get(id)
                    .is_some_and(|p| p.unit_id.is_none() || p.unit_id == unit)
            })
            .collect();
        if chosen.is_empty() {
            self.admins.clone()
        } else {
            chosen
        }
    }

    /// Who a reminder under `rule` about `case` goes to.
    pub fn recipients(&self, case: &DueCase, rule: Rule) -> Vec<i64> {
        match rule {
            Rule::Overdue => self.supervisors_of(case.unit_id),
            Rule::Before | Rule::Due => match (case.assignee_id, case.unit_id) {
                (Some(person), _) if self.by_id.contains_key(&person) => vec![person],
                (Some(_), _) => self.supervisors_of(case.unit_id),
                (None, Some(unit)) => {
                    let inspectors = self
                        .inspectors_by_unit
                        .get(&unit)
                        .cloned()
                        .unwrap_or_default();
                    if inspectors.is_empty() {
                        self.supervisors_of(Some(unit))
                    } else {
                        inspectors
                    }
                }
                (None, None) => self.supervisors_of(None),
            },
        }
    }
}

/// A reminder to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub key: String,
    pub case_id: i64,
    pub to: i64,
    pub rule: Rule,
    pub stage: Stage,
    pub due_on: NaiveDate,
}

/// The reminders due on `today` for `cases` (each with an open deadline).
pub fn reminders(
    calendar: &WorkingCalendar,
    staff: &Staff,
    cases: &[DueCase],
    today: NaiveDate,
) -> Vec<Reminder> {
    let mut out = Vec::new();
    for case in cases {
        let (Some(stage), Some(due)) = (case.status.open_stage(), case.due_on) else {
            continue;
        };
        let Some(rule) = rule_for(calendar, due, today) else {
            continue;
        };
        for to in staff.recipients(case, rule) {
            out.push(Reminder {
                key: format!(
                    "reminder:{}:{}:{}:{due}:{today}:{to}",
                    case.id,
                    stage.as_str(),
                    rule.as_str()
                ),
                case_id: case.id,
                to,
                rule,
                stage,
                due_on: due,
            });
        }
    }
    out
}

/// One inspector's morning digest: their open cases (assigned to them, or unassigned in
/// their unit) due within [`DIGEST_DAYS`] working days or overdue. `None` if there are none.
pub fn digest<'a>(
    calendar: &WorkingCalendar,
    inspector: &Recipient,
    cases: &'a [DueCase],
    today: NaiveDate,
) -> Option<(String, Vec<&'a DueCase>)> {
    if !calendar.is_working_day(today) {
        return None;
    }
    let horizon = calendar.add_working_days(today, DIGEST_DAYS);
    let mine: Vec<&DueCase> = cases
        .iter()
        .filter(|c| c.status.open_stage().is_some())
        .filter(|c| c.due_on.is_some_and(|due| due <= horizon))
        .filter(|c| match c.assignee_id {
            Some(person) => person == inspector.id,
            None => c.unit_id.is_some() && c.unit_id == inspector.unit_id,
        })
        .collect();
    (!mine.is_empty()).then(|| (format!("digest:{}:{today}", inspector.id), mine))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn calendar() -> WorkingCalendar {
        crate::deadlines::calendar::shipped().expect("calendar")
    }

    fn person(id: i64, role: Role, unit: Option<i64>) -> Recipient {
        Recipient {
            id,
            role,
            unit_id: unit,
            email: format!("p{id}@example.gov.cn"),
            display_name: format!("p{id}"),
        }
    }

    fn case(id: i64, unit: Option<i64>, assignee: Option<i64>, due: &str) -> DueCase {
        DueCase {
            id,
            number: format!("JD2026-{id:06}"),
            status: CaseStatus::New,
            unit_id: unit,
            assignee_id: assignee,
            due_on: Some(day(due)),
        }
    }

    #[test]
    fn the_day_before_a_deadline_after_a_holiday_is_the_last_working_day_before_it() {
        let cal = calendar();
        // Due Thu 8 Oct 2026, after the National Day week: reminded on Wed 30 Sep (the
        // working day before), nothing on the holidays, then on the day.
        assert_eq!(
            rule_for(&cal, day("2026-10-08"), day("2026-09-30")),
            Some(Rule::Before)
        );
        assert_eq!(rule_for(&cal, day("2026-10-08"), day("2026-10-05")), None);
        assert_eq!(
            rule_for(&cal, day("2026-10-08"), day("2026-10-08")),
            Some(Rule::Due)
        );
        assert_eq!(
            rule_for(&cal, day("2026-10-08"), day("2026-10-09")),
            Some(Rule::Overdue)
        );
        // The swapped Saturday 10 Oct is a working day: overdue reminders go out on it.
        assert_eq!(
            rule_for(&cal, day("2026-10-08"), day("2026-10-10")),
            Some(Rule::Overdue)
        );
        // An ordinary Sunday is not.
        assert_eq!(rule_for(&cal, day("2026-10-08"), day("2026-10-11")), None);
        // Two working days ahead: nothing yet.
        assert_eq!(rule_for(&cal, day("2026-12-03"), day("2026-12-01")), None);
    }

    #[test]
    fn reminders_go_to_the_assignee_then_the_unit_then_the_supervisors() {
        let staff = Staff::new(vec![
            person(1, Role::Inspector, Some(10)),
            person(2, Role::Inspector, Some(10)),
            person(3, Role::Supervisor, None),
            person(4, Role::Supervisor, Some(20)),
            person(5, Role::Admin, None),
        ]);
        let cal = calendar();
        let today = day("2026-12-02");
        let cases = [
            case(100, Some(10), Some(2), "2026-12-03"),
            case(101, Some(10), None, "2026-12-02"),
            case(102, None, None, "2026-12-02"),
            case(103, Some(10), Some(1), "2026-11-30"),
            case(104, Some(20), None, "2026-11-30"),
        ];
        let sent = reminders(&cal, &staff, &cases, today);
        let to = |case: i64| -> Vec<i64> {
            let mut v: Vec<i64> = sent
                .iter()
                .filter(|r| r.case_id == case)
                .map(|r| r.to)
                .collect();
            v.sort_unstable();
            v
        };
        assert_eq!(to(100), vec![2]);
        assert_eq!(to(101), vec![1, 2]);
        assert_eq!(to(102), vec![3]);
        assert_eq!(
            to(103),
            vec![3],
            "overdue: the supervisors of the unit and of none"
        );
        assert_eq!(to(104), vec![3, 4]);
        assert!(
            sent.iter()
                .any(|r| r.key == "reminder:100:accept:before:2026-12-03:2026-12-02:2")
        );
    }

    #[test]
    fn a_digest_lists_three_working_days_ahead_and_is_skipped_when_empty() {
        let cal = calendar();
        let inspector = person(1, Role::Inspector, Some(10));
        let today = day("2026-12-02");
        let cases = [
            case(1, Some(10), Some(1), "2026-12-07"),
            case(2, Some(10), Some(1), "2026-12-08"),
            case(3, Some(10), None, "2026-11-20"),
            case(4, Some(10), Some(9), "2026-12-02"),
            case(5, Some(11), None, "2026-12-02"),
        ];
        let (key, listed) = digest(&cal, &inspector, &cases, today).expect("a digest");
        assert_eq!(key, "digest:1:2026-12-02");
        let ids: Vec<i64> = listed.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![1, 3]);
        assert!(digest(&cal, &person(7, Role::Inspector, Some(99)), &cases, today).is_none());
        assert!(
            digest(&cal, &inspector, &cases, day("2026-12-05")).is_none(),
            "a Saturday"
        );
    }
}
