//! Who is told what in the morning digest. On a working day, from the reminder hour on, each
//! active staff member with an email address gets at most one digest, and none when nothing
//! needs them. Its sections are the person's working-day queues ([`crate::cases::queues`]):
//! - an inspector: their red cases, then yellow ones, cases with unread replies, and their
//!   unit's new cases nobody has taken;
//! - a supervisor: 待分派 (triage), requests waiting for a decision, 反映人不满意, 督办 due, and
//!   red cases (of their unit if they have one), each naming its assignee;
//! - an admin: the supervisors' sections, but only while no supervisor can be mailed (someone
//!   must hear of them, and admins otherwise administer, not decide).
//!
//! The digest's idempotency key, `digest:{user}:{date}`, makes it unique per person and day,
//! so running the tick again, or on several servers at once, never sends one twice.

use chrono::NaiveDate;

use crate::cases::queues::{Person, Queue};
use crate::entities::enums::Role;

/// Lines a digest section lists at most; its heading gives the full count and links to the
/// whole queue.
pub const SECTION_LINES: u64 = 20;

/// A staff member who can receive email.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub id: i64,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub email: String,
    pub display_name: String,
}

impl Recipient {
    /// The person the queues are computed for.
    pub fn person(&self) -> Person {
        Person {
            id: self.id,
            role: self.role,
            unit_id: self.unit_id,
        }
    }
}

/// The queues a supervisor's digest lists, in order.
const SUPERVISOR_SECTIONS: [Queue; 5] = [
    Queue::Triage,
    Queue::Requests,
    Queue::Unhappy,
    Queue::Urged,
    Queue::Red,
];

/// The sections of `person`'s digest, in order (empty: they get none). `supervisor_mailed`
/// says whether some active supervisor has an email address.
///
/// A supervisor's home page also shows their unread replies, but their digest does not: the
/// assignee is the one who answers a reporter, and a supervisor would otherwise be mailed
/// every reply of the office.
pub fn sections(person: &Recipient, supervisor_mailed: bool) -> Vec<Queue> {
    let from_role = |role: Role| -> Vec<Queue> {
        Queue::for_role(role)
            .iter()
            .copied()
            .filter(|q| role == Role::Inspector || SUPERVISOR_SECTIONS.contains(q))
            .collect()
    };
    match person.role {
        Role::Inspector | Role::Supervisor => from_role(person.role),
        Role::Admin if !supervisor_mailed => from_role(Role::Supervisor),
        Role::Admin | Role::PrintStaff => Vec::new(),
    }
}

/// The digest's idempotency key: one per person and day.
pub fn digest_key(user: i64, today: NaiveDate) -> String {
    format!("digest:{user}:{today}")
}

/// A section's heading in the digest.
pub fn heading(queue: Queue) -> &'static str {
    match queue {
        Queue::Red => "已逾期",
        Queue::Yellow => "即将到期",
        Queue::Unread => "反映人有新回复或新材料",
        Queue::Untaken => "本组待认领的新案件",
        Queue::Triage => "待分派",
        Queue::Requests => "待审批的延期申请",
        Queue::Unhappy => "反映人不满意",
        Queue::Urged => "督办到期",
    }
}

/// A section's name in the subject line.
fn short_name(queue: Queue) -> &'static str {
    match queue {
        Queue::Red => "逾期",
        Queue::Yellow => "临期",
        Queue::Unread => "新回复",
        Queue::Untaken => "待认领",
        Queue::Triage => "待分派",
        Queue::Requests => "待审批",
        Queue::Unhappy => "不满意",
        Queue::Urged => "督办到期",
    }
}

/// What the subject line says after "今日待办：": each non-empty section and its count,
/// `逾期 2 件，临期 3 件，新回复 1 件`.
pub fn summary(counts: &[(Queue, u64)]) -> String {
    counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(q, n)| format!("{} {n} 件", short_name(*q)))
        .collect::<Vec<_>>()
        .join("，")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: i64, role: Role, unit: Option<i64>) -> Recipient {
        Recipient {
            id,
            role,
            unit_id: unit,
            email: format!("p{id}@example.gov.cn"),
            display_name: format!("p{id}"),
        }
    }

    #[test]
    fn an_inspector_hears_of_red_then_yellow_then_replies_then_the_units_untaken_cases() {
        let inspector = person(1, Role::Inspector, Some(10));
        assert_eq!(
            sections(&inspector, true),
            vec![Queue::Red, Queue::Yellow, Queue::Unread, Queue::Untaken]
        );
    }

    #[test]
    fn a_supervisor_hears_of_what_only_a_supervisor_decides_and_of_red_cases_not_of_replies() {
        for unit in [None, Some(10)] {
            let supervisor = person(2, Role::Supervisor, unit);
            assert_eq!(
                sections(&supervisor, true),
                vec![
                    Queue::Triage,
                    Queue::Requests,
                    Queue::Unhappy,
                    Queue::Urged,
                    Queue::Red
                ]
            );
        }
    }

    #[test]
    fn an_admin_gets_the_supervisors_sections_only_while_no_supervisor_can_be_mailed() {
        let admin = person(3, Role::Admin, None);
        assert!(sections(&admin, true).is_empty());
        assert_eq!(sections(&admin, false).len(), 5);
        assert_eq!(sections(&admin, false)[0], Queue::Triage);
        assert!(sections(&person(4, Role::PrintStaff, None), false).is_empty());
    }

    #[test]
    fn the_subject_names_each_non_empty_section_in_plain_words() {
        let counts = [
            (Queue::Red, 2),
            (Queue::Yellow, 3),
            (Queue::Unread, 1),
            (Queue::Untaken, 0),
        ];
        assert_eq!(summary(&counts), "逾期 2 件，临期 3 件，新回复 1 件");
        assert_eq!(
            digest_key(7, NaiveDate::from_ymd_opt(2026, 12, 7).expect("date")),
            "digest:7:2026-12-07"
        );
    }
}
