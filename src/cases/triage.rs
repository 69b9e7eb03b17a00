//! Why a case waits in triage (待分派): returned by an inspector, with their reason; its
//! district covered by no unit; its district withheld to protect the reporter; no district at
//! all; or a district a unit now covers. Model code: it reads the cases' events and reports
//! and returns the reasons as messages, which the pages put in the reader's language.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::enums::{EventKind, ReportSource};
use crate::entities::{case_events, cases, reports, unit_districts, units, users};
use crate::error::Msg;

/// Why a case with no unit is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TriageReason {
    /// An inspector sent it back (退回), for a reason.
    Returned { by: String, reason: String },
    /// No unit covers its district.
    NoUnitFor { district: String },
    /// A unit covers its district now (it was added since, or a supervisor moved the case).
    CoveredBy { district: String, unit: String },
    /// The card's district was left out so that it cannot point to the reporter.
    DistrictWithheld,
    /// The report came without a card that names a district.
    NoDistrict,
}

impl TriageReason {
    /// The reason as a message.
    pub fn msg(&self) -> Msg {
        match self {
            TriageReason::Returned { by, reason } => Msg::new("returns_triage_returned")
                .arg("name", by.as_str())
                .arg("reason", reason.as_str()),
            TriageReason::NoUnitFor { district } => {
                Msg::new("returns_triage_no_unit").arg("district", district.as_str())
            }
            TriageReason::CoveredBy { district, unit } => Msg::new("returns_triage_covered")
                .arg("district", district.as_str())
                .arg("unit", unit.as_str()),
            TriageReason::DistrictWithheld => Msg::new("returns_triage_withheld"),
            TriageReason::NoDistrict => Msg::new("returns_triage_no_district"),
        }
    }
}

/// The reasons of the cases of `page` that have no unit, by case id: a few queries, however
/// many rows.
pub async fn triage_reasons(
    db: &impl ConnectionTrait,
    page: &[cases::Model],
) -> Result<HashMap<i64, TriageReason>, DbErr> {
    let triage: Vec<&cases::Model> = page.iter().filter(|c| c.unit_id.is_none()).collect();
    if triage.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = triage.iter().map(|c| c.id).collect();
    // The latest move of each case: a return counts only if no assignment came after it.
    let moves = case_events::Entity::find()
        .filter(case_events::Column::CaseId.is_in(ids.clone()))
        .filter(case_events::Column::Kind.is_in([EventKind::Returned, EventKind::Assigned]))
        .order_by_asc(case_events::Column::At)
        .order_by_asc(case_events::Column::Id)
        .all(db)
        .await?;
    let mut last: HashMap<i64, case_events::Model> = HashMap::new();
    for event in moves {
        last.insert(event.case_id, event);
    }
    let returners: HashSet<i64> = last
        .values()
        .filter(|e| e.kind == EventKind::Returned)
        .filter_map(|e| e.actor_id)
        .collect();
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(returners))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let districts: Vec<String> = triage.iter().filter_map(|c| c.district.clone()).collect();
    let covering: HashMap<String, i64> = unit_districts::Entity::find()
        .filter(unit_districts::Column::District.is_in(districts))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.district, d.unit_id))
        .collect();
    let unit_names: HashMap<i64, String> = units::Entity::find()
        .filter(units::Column::Id.is_in(covering.values().copied().collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let report_ids: Vec<i64> = triage
        .iter()
        .filter(|c| c.district.is_none())
        .map(|c| c.report_id)
        .collect();
    let sources: HashMap<i64, ReportSource> = reports::Entity::find()
        .filter(reports::Column::Id.is_in(report_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.source))
        .collect();
    let mut out = HashMap::new();
    for case in triage {
        let returned = last.get(&case.id).filter(|e| e.kind == EventKind::Returned);
        let reason = if let Some(event) = returned {
            TriageReason::Returned {
                by: event
                    .actor_id
                    .and_then(|id| names.get(&id).cloned())
                    .unwrap_or_else(|| "—".into()),
                reason: event.note.clone().unwrap_or_default(),
            }
        } else if let Some(district) = &case.district {
            match covering.get(district).and_then(|unit| unit_names.get(unit)) {
                Some(unit) => TriageReason::CoveredBy {
                    district: district.clone(),
                    unit: unit.clone(),
                },
                None => TriageReason::NoUnitFor {
                    district: district.clone(),
                },
            }
        } else {
            match sources.get(&case.report_id) {
                Some(ReportSource::Card | ReportSource::RevokedCard) => {
                    TriageReason::DistrictWithheld
                }
                _ => TriageReason::NoDistrict,
            }
        };
        out.insert(case.id, reason);
    }
    Ok(out)
}
