//! Cases: every report becomes a case that inspectors work through a fixed set of statuses.
//! This first slice opens a case for a report, keeps its public timeline, and carries the
//! messages, evidence and rating exchanged with the reporter through the query code.

mod reporter;
mod timeline;

pub use reporter::{
    Added, MAX_REPORTER_FILES, MAX_REPORTER_REPLIES, NewAttachment, RatingOutcome,
    add_reporter_evidence, add_reporter_reply, post_office_message, rate, reporter_totals,
    store_reporter_files,
};
pub use timeline::{PublicEvent, PublicMessage, PublicView, find_by_query_hash, public_view};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

use crate::entities::{case_events, cases};
use crate::web::Lang;

/// Where a case stands. Stored as its lowercase English name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 待受理: received, nobody has decided yet.
    New,
    /// 已受理: the office will investigate.
    Accepted,
    /// 不予受理: refused, with a reason shown to the reporter.
    Declined,
    /// 调查中.
    Investigating,
    /// 已办结: concluded with a finding.
    Concluded,
    /// 已反馈: the reporter has been given feedback; the case can be rated.
    Closed,
}

impl CaseStatus {
    /// Every status, in workflow order.
    pub const ALL: [CaseStatus; 6] = [
        CaseStatus::New,
        CaseStatus::Accepted,
        CaseStatus::Declined,
        CaseStatus::Investigating,
        CaseStatus::Concluded,
        CaseStatus::Closed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::Accepted => "accepted",
            CaseStatus::Declined => "declined",
            CaseStatus::Investigating => "investigating",
            CaseStatus::Concluded => "concluded",
            CaseStatus::Closed => "closed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<CaseStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The label a person reads.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (CaseStatus::New, Lang::Zh) => "待受理",
            (CaseStatus::Accepted, Lang::Zh) => "已受理",
            (CaseStatus::Declined, Lang::Zh) => "不予受理",
            (CaseStatus::Investigating, Lang::Zh) => "调查中",
            (CaseStatus::Concluded, Lang::Zh) => "已办结",
            (CaseStatus::Closed, Lang::Zh) => "已反馈",
            (CaseStatus::New, Lang::En) => "Received, awaiting review",
            (CaseStatus::Accepted, Lang::En) => "Accepted",
            (CaseStatus::Declined, Lang::En) => "Declined",
            (CaseStatus::Investigating, Lang::En) => "Under investigation",
            (CaseStatus::Concluded, Lang::En) => "Concluded",
            (CaseStatus::Closed, Lang::En) => "Closed, feedback given",
        }
    }

    /// Whether the workflow allows going from `self` to `to` (reopening is the
    /// supervisor's business and lives in the tracker).
    pub fn can_become(self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, to),
            (New, Accepted)
                | (New, Declined)
                | (Accepted, Investigating)
                | (Accepted, Concluded)
                | (Investigating, Concluded)
                | (Concluded, Closed)
                | (Declined, Closed)
        )
    }
}

/// The case number a reporter and an inspector quote: `JD` + year + the report's number.
/// The year is Beijing time's: a report at 07:00 on 1 January belongs to the new year.
pub fn case_number(report_id: i64, received_at: DateTime<Utc>) -> String {
    let year = crate::clock::beijing_year(received_at);
    format!("JD{year}-{report_id:06}")
}

/// Opens the case for a report that was just inserted in the same transaction: status new,
/// and a public 'received' event. Writes only, so it is safe inside a SQLite write transaction.
pub async fn open_for_report(
    txn: &impl ConnectionTrait,
    report_id: i64,
    received_at: DateTime<Utc>,
) -> Result<cases::Model, DbErr> {
    let case = cases::ActiveModel {
        number: Set(case_number(report_id, received_at)),
        report_id: Set(report_id),
        status: Set(CaseStatus::New.as_str().to_string()),
        received_at: Set(received_at),
        needs_supervisor: Set(false),
        updated_at: Set(received_at),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    record_event(
        txn,
        case.id,
        None,
        received_at,
        "received",
        None,
        Some(CaseStatus::New),
        None,
    )
    .await?;
    Ok(case)
}

/// A case by id.
pub async fn reload(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Option<cases::Model>, DbErr> {
    cases::Entity::find_by_id(case_id).one(db).await
}

/// Moves a case to `to`, with a public event carrying `note` (the decline reason or the
/// finding when there is one). Refuses transitions the workflow does not allow.
pub async fn change_status(
    db: &impl ConnectionTrait,
    case_id: i64,
    actor_id: Option<i64>,
    now: DateTime<Utc>,
    to: CaseStatus,
    note: Option<String>,
) -> anyhow::Result<cases::Model> {
    let case = cases::Entity::find_by_id(case_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("case {case_id} does not exist"))?;
    let from = CaseStatus::parse(&case.status)
        .ok_or_else(|| anyhow::anyhow!("case {case_id} has an unknown status"))?;
    if !from.can_become(to) {
        anyhow::bail!("a {} case cannot become {}", from.as_str(), to.as_str());
    }
    let mut active: cases::ActiveModel = case.into();
    active.status = Set(to.as_str().to_string());
    active.updated_at = Set(now);
    match to {
        CaseStatus::Accepted => active.accepted_at = Set(Some(now)),
        CaseStatus::Declined => active.decline_reason = Set(note.clone()),
        CaseStatus::Concluded => {
            active.concluded_at = Set(Some(now));
            active.finding = Set(note.clone());
        }
        CaseStatus::Closed => active.closed_at = Set(Some(now)),
        _ => {}
    }
    let case = active.update(db).await?;
    record_event(
        db,
        case_id,
        actor_id,
        now,
        "status",
        Some(from),
        Some(to),
        note,
    )
    .await?;
    Ok(case)
}

#[allow(clippy::too_many_arguments)]
async fn record_event(
    db: &impl ConnectionTrait,
    case_id: i64,
    actor_id: Option<i64>,
    at: DateTime<Utc>,
    kind: &str,
    from: Option<CaseStatus>,
    to: Option<CaseStatus>,
    note: Option<String>,
) -> Result<case_events::Model, DbErr> {
    case_events::ActiveModel {
        case_id: Set(case_id),
        at: Set(at),
        actor_id: Set(actor_id),
        kind: Set(kind.to_string()),
        from_status: Set(from.map(|s| s.as_str().to_string())),
        to_status: Set(to.map(|s| s.as_str().to_string())),
        note: Set(note),
        public: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_stored_name() {
        for status in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(status.as_str()), Some(status));
            assert!(!status.label(Lang::Zh).is_empty());
        }
    }

    #[test]
    fn a_new_case_can_be_accepted_or_declined_but_not_closed() {
        assert!(CaseStatus::New.can_become(CaseStatus::Accepted));
        assert!(CaseStatus::New.can_become(CaseStatus::Declined));
        assert!(!CaseStatus::New.can_become(CaseStatus::Closed));
    }

    #[test]
    fn a_report_early_on_new_years_day_in_beijing_gets_the_new_year() {
        let at = DateTime::parse_from_rfc3339("2026-12-31T17:30:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(case_number(7, at), "JD2027-000007");
    }

    #[test]
    fn case_numbers_carry_the_year_and_the_report_number() {
        let at = DateTime::parse_from_rfc3339("2026-11-29T08:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(case_number(42, at), "JD2026-000042");
    }
}
