//! The deadline rules as one snapshot (the calendar and every policy with the instant it takes
//! effect), cached for a minute: deadlines are computed on every report and every step, and
//! an admin's change reaches every server instance within the minute.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use super::SlaPolicy;
use super::calendar::{self, WorkingCalendar};
use super::policy::INITIAL_POLICY_FROM;
use crate::entities::enums::Stage;
use crate::entities::sla_policies;

/// How long a snapshot is trusted.
const TTL_SECONDS: i64 = 60;

/// A policy row: its id, its days, and when it took effect.
#[derive(Clone, Debug)]
pub struct PolicyRow {
    pub id: i64,
    pub policy: SlaPolicy,
    pub effective_from: DateTime<Utc>,
}

/// The calendar and the policies, as of one moment.
#[derive(Clone, Debug)]
pub struct SlaRules {
    pub calendar: WorkingCalendar,
    /// Oldest first.
    pub policies: Vec<PolicyRow>,
}

impl SlaRules {
    /// The policy in force at `at`: the newest that took effect by then (the oldest if none
    /// had yet; the default if there is none at all).
    pub fn policy_at(&self, at: DateTime<Utc>) -> (Option<i64>, SlaPolicy) {
        self.policies
            .iter()
            .rev()
            .find(|p| p.effective_from <= at)
            .or(self.policies.first())
            .map_or((None, SlaPolicy::default()), |p| (Some(p.id), p.policy))
    }

    /// The policy a case runs under, by its stored id (or the one in force at `at`).
    pub fn policy(&self, id: Option<i64>, at: DateTime<Utc>) -> SlaPolicy {
        id.and_then(|id| self.policies.iter().find(|p| p.id == id))
            .map_or_else(|| self.policy_at(at).1, |p| p.policy)
    }

    /// The deadline of `stage` when it starts on `start` (a Beijing date) under `policy`:
    /// that many working days later, the start day not counted.
    pub fn due(&self, policy: SlaPolicy, stage: Stage, start: NaiveDate) -> NaiveDate {
        let days = match stage {
            Stage::Accept => policy.accept_days,
            Stage::Conclude => policy.conclude_days,
            Stage::Feedback => policy.feedback_days,
        };
        self.calendar
            .add_working_days(start, u32::try_from(days).unwrap_or(0))
    }
}

/// Loads the rules from the database.
pub async fn load_rules(db: &impl ConnectionTrait) -> anyhow::Result<SlaRules> {
    let calendar = calendar::load(db).await?;
    let rows = sla_policies::Entity::find()
        .order_by_asc(sla_policies::Column::EffectiveFrom)
        .order_by_asc(sla_policies::Column::Id)
        .all(db)
        .await?;
    let initial = super::policy::initial_policy_id(&rows);
    let policies = rows
        .into_iter()
        .map(|row| PolicyRow {
            id: row.id,
            policy: SlaPolicy::of(&row),
            // The policy stored at first start governs everything received before an admin's
            // first change, whatever day the server happened to start on.
            effective_from: if Some(row.id) == initial {
                INITIAL_POLICY_FROM
            } else {
                row.effective_from
            },
        })
        .collect::<Vec<_>>();
    let mut policies = policies;
    policies.sort_by_key(|p| (p.effective_from, p.id));
    Ok(SlaRules { calendar, policies })
}

/// The rules, reloaded at most once a minute.
#[derive(Debug, Default)]
pub struct SlaCache {
    cached: RwLock<Option<(DateTime<Utc>, Arc<SlaRules>)>>,
}

impl SlaCache {
    /// The rules as of `now` (from the cache when it is fresh).
    pub async fn rules(
        &self,
        db: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Arc<SlaRules>> {
        let fresh = self.cached.read().ok().and_then(|c| {
            c.as_ref()
                .filter(|(at, _)| (now - *at).num_seconds().abs() < TTL_SECONDS)
                .map(|(_, rules)| rules.clone())
        });
        if let Some(rules) = fresh {
            return Ok(rules);
        }
        let rules = Arc::new(load_rules(db).await?);
        if let Ok(mut cached) = self.cached.write() {
            *cached = Some((now, rules.clone()));
        }
        Ok(rules)
    }

    /// Forgets the cached rules (after an admin changed them on this instance).
    pub fn forget(&self) {
        if let Ok(mut cached) = self.cached.write() {
            *cached = None;
        }
    }
}
