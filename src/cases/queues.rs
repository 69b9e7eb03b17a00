//! The working day's queues: what is red or yellow, new and untaken, unread, waiting for a
//! supervisor's decision, unhappy, or urged (督办). One definition per queue, as a condition on
//! `cases`, so that the home pages count it, the case list and the API filter by it and the
//! digest lists it with the same rows. Model code: it takes the database, the person and the
//! day, and returns data.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use super::scope::CaseScope;
use crate::deadlines::SlaRules;
use crate::deadlines::lights::Light;
use crate::entities::enums::{CaseStatus, Role};
use crate::entities::{case_reads, cases, decline_requests, extensions, urgings};

/// A queue of cases.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Open cases past their deadline.
    Red,
    /// Open cases within the yellow window of their deadline.
    Yellow,
    /// New cases of the person's unit that nobody has taken.
    Untaken,
    /// Cases whose reporter wrote or sent evidence since the person last opened them.
    Unread,
    /// 待分派: open cases with no unit.
    Triage,
    /// Requests waiting for a supervisor's decision (extensions, declines).
    Requests,
    /// 反映人不满意: a "not satisfied" rating or an objection waiting for a supervisor.
    Unhappy,
    /// 督办 due: a supervisor's urging whose requested date has come.
    Urged,
}

impl Queue {
    /// Every queue, in the order the home pages show them.
    pub const ALL: [Queue; 8] = [
        Queue::Triage,
        Queue::Requests,
        Queue::Unhappy,
        Queue::Urged,
        Queue::Red,
        Queue::Yellow,
        Queue::Unread,
        Queue::Untaken,
    ];

    /// The name in URLs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Red => "red",
            Queue::Yellow => "yellow",
            Queue::Untaken => "untaken",
            Queue::Unread => "unread",
            Queue::Triage => "triage",
            Queue::Requests => "requests",
            Queue::Unhappy => "unhappy",
            Queue::Urged => "urged",
        }
    }

    /// Parses a filter value.
    pub fn parse(text: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.as_str() == text)
    }

    /// The queues a person of `role` works from (supervisors and admins decide; inspectors do).
    pub fn for_role(role: Role) -> &'static [Queue] {
        match role {
            Role::Supervisor | Role::Admin => &[
                Queue::Triage,
                Queue::Requests,
                Queue::Unhappy,
                Queue::Urged,
                Queue::Red,
                Queue::Unread,
            ],
            Role::Inspector => &[Queue::Red, Queue::Yellow, Queue::Unread, Queue::Untaken],
            Role::PrintStaff => &[],
        }
    }
}

/// Who a queue is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub role: Role,
    pub unit_id: Option<i64>,
}

impl Person {
    /// The signed-in `user`.
    pub fn of(user: &crate::entities::users::Model) -> Self {
        Person {
            id: user.id,
            role: user.role,
            unit_id: user.unit_id,
        }
    }

    /// The scope of cases this person may see.
    pub fn scope(self) -> CaseScope {
        match (self.role, self.unit_id) {
            (Role::Admin | Role::Supervisor, _) => CaseScope::All,
            (Role::Inspector, Some(unit_id)) => CaseScope::Unit {
                unit_id,
                user_id: self.id,
            },
            (Role::Inspector, None) => CaseScope::Assigned { user_id: self.id },
            (Role::PrintStaff, _) => CaseScope::Nothing,
        }
    }
}

/// The day a queue is seen on, and where its yellow window ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    pub today: NaiveDate,
    /// The last day whose deadline is yellow today.
    pub yellow_until: NaiveDate,
}

impl Day {
    /// `today` under `rules`, with the yellow window of the policy in force `now`.
    pub fn of(rules: &SlaRules, now: DateTime<Utc>, today: NaiveDate) -> Self {
        let (_, policy) = rules.policy_at(now);
        Day {
            today,
            yellow_until: rules
                .calendar
                .add_working_days(today, policy.yellow_window()),
        }
    }

    /// The light of an open deadline on this day.
    pub fn light(self, due_on: NaiveDate) -> Light {
        if due_on < self.today {
            Light::Red
        } else if due_on <= self.yellow_until {
            Light::Yellow
        } else {
            Light::Green
        }
    }

    /// The condition for open cases whose light is `light`.
    pub fn light_condition(self, light: Light) -> Condition {
        let due = cases::Column::DueOn;
        match light {
            Light::Red => Condition::all().add(due.lt(self.today)),
            Light::Yellow => Condition::all()
                .add(due.gte(self.today))
                .add(due.lte(self.yellow_until)),
            Light::Green => Condition::all().add(due.gt(self.yellow_until)),
        }
    }
}

/// The conditions a list adds for `queue` and `light` as `person` sees them on `day`.
pub fn within(
    queue: Option<Queue>,
    light: Option<Light>,
    person: Person,
    day: Day,
) -> Vec<Condition> {
    let mut out = Vec::new();
    if let Some(queue) = queue {
        out.push(condition(queue, person, day));
    }
    if let Some(light) = light {
        out.push(day.light_condition(light));
    }
    out
}

/// The condition for the cases of `queue` as `person` sees it on `day` (within their scope,
/// which the caller adds).
pub fn condition(queue: Queue, person: Person, day: Day) -> Condition {
    // An open case is one with a running deadline.
    let open = cases::Column::DueOn.is_not_null();
    let mine = |c: Condition| match person.role {
        Role::Inspector => c.add(cases::Column::AssigneeId.eq(person.id)),
        _ => c,
    };
    // A supervisor of a unit answers for that unit's cases (and those of no unit yet, which
    // no one else may be there to see); a supervisor of no unit for all.
    let of_unit = |c: Condition| match (person.role, person.unit_id) {
        (Role::Supervisor, Some(unit)) => c.add(
            Condition::any()
                .add(cases::Column::UnitId.eq(unit))
                .add(cases::Column::UnitId.is_null()),
        ),
        _ => c,
    };
    match queue {
        Queue::Red => of_unit(mine(day.light_condition(Light::Red))),
        Queue::Yellow => mine(day.light_condition(Light::Yellow)),
        Queue::Untaken => Condition::all()
            .add(cases::Column::Status.eq(CaseStatus::New))
            .add(cases::Column::AssigneeId.is_null())
            .add(match person.unit_id {
                Some(unit) => cases::Column::UnitId.eq(unit),
                None => Expr::val(1).eq(0),
            }),
        Queue::Unread => {
            let seen = Query::select()
                .expr(Expr::val(1))
                .from(case_reads::Entity)
                .and_where(
                    Expr::col((case_reads::Entity, case_reads::Column::CaseId))
                        .equals((cases::Entity, cases::Column::Id)),
                )
                .and_where(
                    Expr::col((case_reads::Entity, case_reads::Column::UserId)).eq(person.id),
                )
                .and_where(
                    Expr::col((case_reads::Entity, case_reads::Column::SeenAt)).gte(Expr::col((
                        cases::Entity,
                        cases::Column::ReporterActivityAt,
                    ))),
                )
                .to_owned();
            mine(
                Condition::all()
                    .add(cases::Column::ReporterActivityAt.is_not_null())
                    .add(Expr::exists(seen).not()),
            )
        }
        Queue::Triage => Condition::all()
            .add(open)
            .add(cases::Column::UnitId.is_null()),
        // `id IN (…)` rather than a correlated EXISTS: SQLite then reads the few pending rows
        // and looks their cases up, instead of probing once per case (a full scan at 1M). One
        // subquery (a UNION) rather than two ORed: PostgreSQL scans every case for the OR.
        Queue::Requests => {
            let declines = Query::select()
                .column(decline_requests::Column::CaseId)
                .from(decline_requests::Entity)
                .and_where(decline_requests::Column::DecidedAt.is_null())
                .to_owned();
            let pending = Query::select()
                .column(extensions::Column::CaseId)
                .from(extensions::Entity)
                .and_where(Expr::col((extensions::Entity, extensions::Column::DecidedAt)).is_null())
                .union(UnionType::Distinct, declines)
                .to_owned();
            of_unit(Condition::all().add(cases::Column::Id.in_subquery(pending)))
        }
        Queue::Unhappy => of_unit(Condition::all().add(cases::Column::NeedsSupervisor.eq(true))),
        Queue::Urged => {
            let due = Query::select()
                .column(urgings::Column::CaseId)
                .from(urgings::Entity)
                .and_where(
                    Expr::col((urgings::Entity, urgings::Column::RequestedOn)).lte(day.today),
                )
                .to_owned();
            of_unit(mine(
                Condition::all()
                    .add(open)
                    .add(cases::Column::Id.in_subquery(due)),
            ))
        }
    }
}

/// How many cases each of `person`'s queues holds on `day`.
pub async fn counts(
    db: &impl ConnectionTrait,
    person: Person,
    day: Day,
) -> Result<Vec<(Queue, u64)>, DbErr> {
    let mut out = Vec::new();
    for queue in Queue::for_role(person.role) {
        let n = cases::Entity::find()
            .filter(person.scope().condition())
            .filter(condition(*queue, person, day))
            .count(db)
            .await?;
        out.push((*queue, n));
    }
    Ok(out)
}

/// A case as a queue lists it: enough for a digest line or a home-page row, nothing the
/// reporter wrote.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct QueuedCase {
    pub id: i64,
    pub number: String,
    pub status: CaseStatus,
    pub unit_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
}

/// The first `limit` cases of `queue` for `person` on `day`, earliest deadline first, and
/// how many there are in all.
pub async fn list(
    db: &impl ConnectionTrait,
    queue: Queue,
    person: Person,
    day: Day,
    limit: u64,
) -> Result<(Vec<QueuedCase>, u64), DbErr> {
    let base = cases::Entity::find()
        .filter(person.scope().condition())
        .filter(condition(queue, person, day));
    let total = base.clone().count(db).await?;
    let rows = base
        .select_only()
        .columns([
            cases::Column::Id,
            cases::Column::Number,
            cases::Column::Status,
            cases::Column::UnitId,
            cases::Column::AssigneeId,
            cases::Column::DueOn,
        ])
        .order_by_asc(cases::Column::DueOn)
        .order_by_asc(cases::Column::Id)
        .limit(limit)
        .into_model::<QueuedCase>()
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Records that `user` opened case `case_id` at `now` (clears its 新回复 mark for them).
pub async fn mark_read(
    db: &impl ConnectionTrait,
    user: i64,
    case_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::OnConflict;
    case_reads::Entity::insert(case_reads::ActiveModel {
        user_id: Set(user),
        case_id: Set(case_id),
        seen_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([case_reads::Column::UserId, case_reads::Column::CaseId])
            .update_column(case_reads::Column::SeenAt)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Records that the reporter wrote or sent evidence on case `case_id` at `now`.
pub async fn mark_reporter_activity(
    db: &impl ConnectionTrait,
    case_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    cases::Entity::update_many()
        .col_expr(cases::Column::ReporterActivityAt, Expr::value(now))
        .filter(cases::Column::Id.eq(case_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether `user` has an unread reporter message or evidence on `case`.
pub async fn is_unread(
    db: &impl ConnectionTrait,
    user: i64,
    case: &cases::Model,
) -> Result<bool, DbErr> {
    let Some(activity) = case.reporter_activity_at else {
        return Ok(false);
    };
    let seen = case_reads::Entity::find_by_id((user, case.id))
        .one(db)
        .await?;
    Ok(seen.is_none_or(|r| r.seen_at < activity))
}

/// Which of `page`'s cases carry an unread reporter message or evidence for `user` (the
/// list's 新回复 / 新材料 mark): one query, however many rows.
pub async fn unread_among(
    db: &impl ConnectionTrait,
    user: i64,
    page: &[cases::Model],
) -> Result<std::collections::HashSet<i64>, DbErr> {
    let active: Vec<&cases::Model> = page
        .iter()
        .filter(|c| c.reporter_activity_at.is_some())
        .collect();
    if active.is_empty() {
        return Ok(Default::default());
    }
    let seen: std::collections::HashMap<i64, DateTime<Utc>> = case_reads::Entity::find()
        .filter(case_reads::Column::UserId.eq(user))
        .filter(case_reads::Column::CaseId.is_in(active.iter().map(|c| c.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.case_id, r.seen_at))
        .collect();
    Ok(active
        .into_iter()
        .filter(|c| match (seen.get(&c.id), c.reporter_activity_at) {
            (Some(at), Some(activity)) => *at < activity,
            _ => true,
        })
        .map(|c| c.id)
        .collect())
}

/// Which of `page`'s cases a supervisor has urged (督办), for the list's mark.
pub async fn urged_among(
    db: &impl ConnectionTrait,
    page: &[cases::Model],
) -> Result<std::collections::HashSet<i64>, DbErr> {
    if page.is_empty() {
        return Ok(Default::default());
    }
    let ids: Vec<i64> = urgings::Entity::find()
        .select_only()
        .column(urgings::Column::CaseId)
        .filter(urgings::Column::CaseId.is_in(page.iter().map(|c| c.id)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}
