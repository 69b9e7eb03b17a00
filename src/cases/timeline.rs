//! What the reporter sees through the query code: the public events and the messages.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::CaseStatus;
use crate::clock::beijing;
use crate::entities::{attachments, case_events, cases, messages, reports};
use crate::web::Lang;

/// One line of the public timeline.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PublicEvent {
    /// Beijing time, `2026-11-29 14:05`.
    pub at: String,
    /// `received`, `status` or `rated`.
    pub kind: String,
    /// The status the case moved to, if any.
    pub status: Option<CaseStatus>,
    /// Its label in the reader's language.
    pub label: String,
    /// A decline reason or a finding.
    pub note: Option<String>,
}

/// One message between the office and the reporter.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PublicMessage {
    pub at: String,
    /// `office` or `reporter`.
    pub direction: String,
    pub body: String,
}

/// Everything the follow-up page shows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PublicView {
    pub case_number: String,
    pub status: CaseStatus,
    pub status_label: String,
    pub received_at: String,
    pub events: Vec<PublicEvent>,
    pub messages: Vec<PublicMessage>,
    /// How many files the reporter has sent, with the report and since.
    pub evidence_count: usize,
    /// Closed and not yet rated.
    pub can_rate: bool,
    /// `satisfied` or `not_satisfied`, once rated.
    pub rating: Option<String>,
}

/// The case whose report carries this query-code hash.
pub async fn find_by_query_hash(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<cases::Model>, DbErr> {
    let Some(report) = reports::Entity::find()
        .filter(reports::Column::QueryCodeHash.eq(hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    cases::Entity::find()
        .filter(cases::Column::ReportId.eq(report.id))
        .one(db)
        .await
}

/// The public view of `case` in `lang`.
pub async fn public_view(
    db: &impl ConnectionTrait,
    case: &cases::Model,
    lang: Lang,
) -> Result<PublicView, DbErr> {
    let status = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::New);
    let events = case_events::Entity::find()
        .filter(case_events::Column::CaseId.eq(case.id))
        .filter(case_events::Column::Public.eq(true))
        .order_by_asc(case_events::Column::At)
        .order_by_asc(case_events::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| {
            let to = e.to_status.as_deref().and_then(CaseStatus::parse);
            let label = match (e.kind.as_str(), to, lang) {
                ("received", _, Lang::Zh) => "已收到您的反映".to_string(),
                ("received", _, Lang::En) => "Your report was received".to_string(),
                ("rated", _, Lang::Zh) => "您已评价办理情况".to_string(),
                ("rated", _, Lang::En) => "You rated the handling".to_string(),
                (_, Some(to), _) => to.label(lang).to_string(),
                (kind, None, _) => kind.to_string(),
            };
            PublicEvent {
                at: beijing(e.at),
                kind: e.kind,
                status: to,
                label,
                note: e.note,
            }
        })
        .collect();
    let messages = messages::Entity::find()
        .filter(messages::Column::CaseId.eq(case.id))
        .order_by_asc(messages::Column::At)
        .order_by_asc(messages::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| PublicMessage {
            at: beijing(m.at),
            direction: m.direction,
            body: m.body,
        })
        .collect();
    let evidence_count = attachments::Entity::find()
        .filter(attachments::Column::CaseId.eq(case.id))
        .filter(attachments::Column::Origin.eq("reporter"))
        .count(db)
        .await? as usize;
    Ok(PublicView {
        case_number: case.number.clone(),
        status,
        status_label: status.label(lang).to_string(),
        received_at: beijing(case.received_at),
        events,
        messages,
        evidence_count,
        can_rate: status == CaseStatus::Closed && case.rating.is_none(),
        rating: case.rating.clone(),
    })
}
