//! What the reporter sees through the query code: the public events and the messages.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::{CaseStatus, Rating};
use crate::clock::beijing;
use crate::entities::enums::{Direction, EventKind, Origin};
use crate::entities::{attachments, case_events, cases, messages, reports};
use crate::web::Lang;

/// One line of the public timeline.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PublicEvent {
    /// Beijing time, `2026-11-29 14:05`.
    pub at: String,
    /// `received`, `status`, `reopened`, `extension` or `rated`.
    pub kind: EventKind,
    /// The status the case moved to, if any.
    pub status: Option<CaseStatus>,
    /// Its label in the reader's language.
    pub label: String,
    /// A decline reason, the office's feedback, or a new deadline.
    pub note: Option<String>,
}

/// One message between the office and the reporter.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PublicMessage {
    pub at: String,
    pub direction: Direction,
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
    /// Once rated.
    pub rating: Option<Rating>,
    /// When to expect the next step: "预计 2026年12月3日前受理", or nothing once closed.
    pub expected: Option<String>,
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
    let status = case.status;
    let events = case_events::Entity::find()
        .filter(case_events::Column::CaseId.eq(case.id))
        .filter(case_events::Column::Public.eq(true))
        .order_by_asc(case_events::Column::At)
        .order_by_asc(case_events::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| {
            let to = e.to_status;
            let label = match (e.kind, to, lang) {
                (EventKind::Received, _, Lang::Zh) => "已收到您的反映".to_string(),
                (EventKind::Received, _, Lang::En) => "Your report was received".to_string(),
                (EventKind::Rated, _, Lang::Zh) => "您已评价办理情况".to_string(),
                (EventKind::Rated, _, Lang::En) => "You rated the handling".to_string(),
                (EventKind::Reopened, _, Lang::Zh) => "重新调查".to_string(),
                (EventKind::Reopened, _, Lang::En) => "Investigation reopened".to_string(),
                (EventKind::Extension, _, Lang::Zh) => "办理期限延长".to_string(),
                (EventKind::Extension, _, Lang::En) => "Time limit extended".to_string(),
                (_, Some(to), _) => to.label(lang).to_string(),
                (_, None, Lang::Zh) => "办理进展".to_string(),
                (_, None, Lang::En) => "Progress".to_string(),
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
        .filter(attachments::Column::Origin.eq(Origin::Reporter))
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
        rating: case.rating,
        expected: expected(case, lang),
    })
}

/// "预计 12 月 3 日前受理" / "Expected to be accepted or declined by 3 December 2026".
fn expected(case: &cases::Model, lang: Lang) -> Option<String> {
    let stage = case.status.open_stage()?;
    let due = case.due_on?;
    Some(match lang {
        Lang::Zh => format!(
            "预计 {} 前{}",
            due.format("%Y年%-m月%-d日"),
            stage.label(lang)
        ),
        Lang::En => format!(
            "Expected: the office will {} by {}",
            stage.label(lang),
            due.format("%-d %B %Y")
        ),
    })
}
