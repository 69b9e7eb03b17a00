//! What the reporter sees through the query code: the public events and the messages.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::labels::{item_lines, shown};
use super::{CaseStatus, Rating};
use crate::clock::beijing;
use crate::entities::enums::{Direction, EventKind, Origin};
use crate::entities::{attachments, case_events, cases, messages, reports};
use crate::i18n::Lang;

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

/// What the reporter sent, shown back so they can check it and add what is missing.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Submitted {
    /// "3. 吃拿卡要…", in the reader's language.
    pub items: Vec<String>,
    pub description: String,
    pub occurred_on: Option<String>,
    pub department: Option<String>,
    /// File names of the evidence sent with the report and since.
    pub files: Vec<String>,
}

/// Everything the follow-up page shows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PublicView {
    pub submitted: Submitted,
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
            let key = match (e.kind, to) {
                (EventKind::Received, _) => "timeline_received",
                (EventKind::Rated, _) => "timeline_rated",
                (EventKind::Reopened, _) => "timeline_reopened",
                (EventKind::Extension, _) => "timeline_extension",
                (_, Some(to)) => to.label_key(),
                (_, None) => "timeline_progress",
            };
            let label = crate::i18n::label(lang, key).to_string();
            PublicEvent {
                at: beijing(e.at),
                kind: e.kind,
                status: to,
                label,
                note: e.note.as_deref().map(|note| shown(note, lang)),
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
    let files: Vec<String> = attachments::Entity::find()
        .filter(attachments::Column::CaseId.eq(case.id))
        .filter(attachments::Column::Origin.eq(Origin::Reporter))
        .order_by_asc(attachments::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.filename)
        .collect();
    let evidence_count = files.len();
    let submitted = submitted(db, case.report_id, files, lang).await?;
    Ok(PublicView {
        case_number: case.number.clone(),
        status,
        status_label: status.label(lang).to_string(),
        received_at: beijing(case.received_at),
        submitted,
        events,
        messages,
        evidence_count,
        can_rate: status == CaseStatus::Closed && case.rating.is_none(),
        rating: case.rating,
        expected: expected(case, lang),
    })
}

/// The report as sent: its items in list order, text, date, department, file names.
async fn submitted(
    db: &impl ConnectionTrait,
    report_id: i64,
    files: Vec<String>,
    lang: Lang,
) -> Result<Submitted, DbErr> {
    let Some(report) = reports::Entity::find_by_id(report_id).one(db).await? else {
        return Ok(Submitted::default());
    };
    let items = item_lines(db, report_id, lang).await?;
    Ok(Submitted {
        items,
        description: report.description,
        occurred_on: report.occurred_on.map(|d| d.to_string()),
        department: report.department.filter(|d| !d.trim().is_empty()),
        files,
    })
}

/// "预计 12 月 3 日前受理" / "Expected to be accepted or declined by 3 December 2026".
fn expected(case: &cases::Model, lang: Lang) -> Option<String> {
    let stage = case.status.open_stage()?;
    let due = case.due_on?;
    let expected = crate::msg::Msg::new("timeline_expected")
        .arg("stage", stage.label(lang))
        .arg("due", due);
    Some(crate::i18n::Locales::embedded().map_or_else(
        || expected.to_string(),
        |locales| expected.in_lang(locales, lang),
    ))
}
