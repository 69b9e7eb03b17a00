//! Event emails: one email, at the moment it happens, to a person who must act — a case
//! assigned to them, a decision on their request, a reporter's reply or new evidence on a case
//! assigned to them (at most one per case per hour), a supervisor's urging (督办) of a case
//! assigned to them, a request or an unhappy reporter waiting for a supervisor.
//! Everything else waits for the morning digest.
//!
//! [`queue`] runs in the caller's transaction, so the email is queued if and only if the step
//! that causes it commits. A person can turn a kind off (`mail_muted`); an account that is
//! inactive or has no address gets nothing. Like the digest, an event email names the case
//! number and links to the case on the staff address; never what the reporter wrote.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use crate::deadlines::lights::day_words;
use crate::entities::enums::{MailKind, Role};
use crate::entities::{cases, email_outbox, mail_muted, urgings, users};
use crate::i18n::Lang;
use crate::mail::{self, OutgoingEmail};
use crate::state::AppState;
use crate::web::Views;

/// What an inspector asked a supervisor to decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    /// More working days for a deadline.
    Extension,
    /// To decline the case (不予受理).
    Decline,
}

impl Asked {
    fn as_str(self) -> &'static str {
        match self {
            Asked::Extension => "extension",
            Asked::Decline => "decline",
        }
    }
}

/// What happened, from the point of view of the person who must act.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A case was assigned to them.
    Assigned,
    /// Their request was decided.
    Decision { asked: Asked, approved: bool },
    /// The reporter wrote or sent evidence on a case assigned to them.
    ReporterReply,
    /// A request waits for a supervisor's decision.
    Request(Asked),
    /// A supervisor urged (督办) a case assigned to them.
    Urged,
    /// A reporter is not satisfied or objects: a supervisor must reopen or confirm.
    Unhappy,
}

impl EventKind {
    /// Every kind a person can turn off, in the order the settings page lists them.
    pub const MUTABLE: [&'static str; 6] = [
        "assigned",
        "reporter_reply",
        "urged",
        "decision",
        "request",
        "unhappy",
    ];

    /// The name in `mail_muted.kind` and in the idempotency key.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Assigned => "assigned",
            EventKind::Decision { .. } => "decision",
            EventKind::ReporterReply => "reporter_reply",
            EventKind::Request(_) => "request",
            EventKind::Urged => "urged",
            EventKind::Unhappy => "unhappy",
        }
    }
}

/// Who must act.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum To {
    /// One account.
    Person(i64),
    /// The supervisors of a case of `unit`: those of that unit and those of no unit (the
    /// admins while no supervisor can be mailed), as the digest's triage.
    Supervisors { unit: Option<i64> },
}

/// One event: its kind, its case, who must act, and what it is about (the request's id for a
/// decision or a request; the case's id otherwise), which makes its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub case_id: i64,
    pub to: To,
    pub about: i64,
}

/// What queuing an event email needs from the application: its templates and the staff
/// pages' address.
#[derive(Clone)]
pub struct Mailer {
    pub views: Views,
    /// Without a trailing slash.
    pub staff_base: String,
}

impl Mailer {
    /// The mailer of a running application.
    pub fn of(state: &AppState) -> Self {
        Mailer {
            views: state.views.clone(),
            staff_base: state.settings.staff_base_url(),
        }
    }
}

/// A reporter's replies on one case make at most one email per person per this long.
const REPLY_QUIET: Duration = Duration::hours(1);

/// Queues, in the caller's transaction `db`, the email of `event` to each person who must
/// act and has not turned its kind off. Returns how many were queued. Only a database error
/// fails it (and with it the caller's step); an email that cannot be rendered is logged and
/// skipped, since a template must never undo an assignment or a decision.
pub async fn queue(
    db: &impl ConnectionTrait,
    mailer: &Mailer,
    event: Event,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let Some(case) = cases::Entity::find_by_id(event.case_id).one(db).await? else {
        return Ok(0);
    };
    // An urging names the date the supervisor asked for: "12月28日（周一）".
    let due = match event.kind {
        EventKind::Urged => urgings::Entity::find_by_id(event.about)
            .one(db)
            .await?
            .map(|u| day_words(u.requested_on, Lang::Zh).replacen('，', "（", 1) + "）"),
        _ => None,
    };
    let mut queued = 0;
    for person in recipients(db, event.to).await? {
        let Some(email) = person.email.clone().filter(|e| !e.trim().is_empty()) else {
            continue;
        };
        let muted = mail_muted::Entity::find_by_id((person.id, event.kind.as_str().to_string()))
            .one(db)
            .await?
            .is_some();
        if muted {
            continue;
        }
        let key = key(event, person.id, now);
        if event.kind == EventKind::ReporterReply && replied_lately(db, &key, now).await? {
            continue;
        }
        let (asked, approved) = match event.kind {
            EventKind::Decision { asked, approved } => (Some(asked.as_str()), Some(approved)),
            EventKind::Request(asked) => (Some(asked.as_str()), None),
            _ => (None, None),
        };
        let ctx = minijinja::context! {
            due => due.clone(),
            name => person.display_name,
            kind => event.kind.as_str(),
            asked => asked,
            approved => approved,
            number => case.number,
            link => format!("{}/staff/cases/{}", mailer.staff_base, case.id),
        };
        let rendered = match mail::render(&mailer.views, "event", ctx) {
            Ok(rendered) => rendered,
            Err(e) => {
                tracing::error!(
                    kind = event.kind.as_str(),
                    "event email not rendered: {e:#}"
                );
                continue;
            }
        };
        let outgoing: OutgoingEmail =
            rendered.addressed(email, key, MailKind::Event, Some(case.id));
        if mail::enqueue(db, outgoing, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// The event's idempotency key for `user`. An assignment is keyed by its moment (a case may be
/// assigned to the same person again later); a reply by the hour, which with
/// [`replied_lately`] keeps it to one email an hour even when two replies race.
fn key(event: Event, user: i64, now: DateTime<Utc>) -> String {
    let kind = event.kind.as_str();
    match event.kind {
        EventKind::Assigned => format!("event:{kind}:{}:{user}:{}", event.case_id, now.timestamp()),
        EventKind::ReporterReply => format!(
            "event:{kind}:{}:{user}:{}",
            event.case_id,
            now.format("%Y-%m-%dT%H")
        ),
        EventKind::Decision { asked, .. } | EventKind::Request(asked) => {
            format!("event:{kind}:{}:{}:{user}", asked.as_str(), event.about)
        }
        EventKind::Urged | EventKind::Unhappy => {
            format!("event:{kind}:{}:{}:{user}", event.case_id, event.about)
        }
    }
}

/// Whether a reply email for the same case and person was queued within [`REPLY_QUIET`].
async fn replied_lately(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    // The key without its hour: `event:reporter_reply:{case}:{user}:`.
    let prefix = match key.rfind(':') {
        Some(end) => &key[..=end],
        None => key,
    };
    let recent = email_outbox::Entity::find()
        .filter(email_outbox::Column::DedupeKey.starts_with(prefix))
        .filter(email_outbox::Column::CreatedAt.gt(now - REPLY_QUIET))
        .count(db)
        .await?;
    Ok(recent > 0)
}

/// The active accounts `to` names.
async fn recipients(db: &impl ConnectionTrait, to: To) -> Result<Vec<users::Model>, DbErr> {
    let active = users::Entity::find().filter(users::Column::Active.eq(true));
    Ok(match to {
        To::Person(id) => active.filter(users::Column::Id.eq(id)).all(db).await?,
        To::Supervisors { unit } => {
            let of_unit = match unit {
                Some(unit) => Condition::any()
                    .add(users::Column::UnitId.is_null())
                    .add(users::Column::UnitId.eq(unit)),
                None => Condition::all(),
            };
            let supervisors: Vec<users::Model> = active
                .clone()
                .filter(users::Column::Role.eq(Role::Supervisor))
                .filter(of_unit)
                .all(db)
                .await?
                .into_iter()
                .filter(|p| p.email.as_deref().is_some_and(|e| !e.trim().is_empty()))
                .collect();
            if supervisors.is_empty() {
                active
                    .filter(users::Column::Role.eq(Role::Admin))
                    .all(db)
                    .await?
            } else {
                supervisors
            }
        }
    })
}
