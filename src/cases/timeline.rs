//! What the reporter sees through the query code: the public events and the messages.

use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::labels::{item_lines, shown};
use super::objection::{objection_deadline, objection_of};
use super::{CaseStatus, Rating};
use crate::clock::{beijing, china_today};
use crate::deadlines::SlaRules;
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
    /// When to expect the next step: "预计 2026年12月3日前受理" — the one date the page
    /// shows — or nothing once declined or answered (unless an objection waits).
    pub expected: Option<String>,
    /// The reporter's objection, once made.
    pub objection: Option<PublicObjection>,
    /// While the reporter may still object: until when, as a sentence in their language
    /// ("您可以在 2026年12月28日 前提出一次异议……"); set by [`with_objection_window`].
    pub object_until: Option<String>,
}

/// The reporter's objection as they see it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PublicObjection {
    pub at: String,
    pub body: String,
    /// `pending`, `reopened` or `confirmed`.
    pub state: String,
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
    // A reopening is told to the reporter; one recorded before that was, without its
    // (internal) reason.
    let events = case_events::Entity::find()
        .filter(case_events::Column::CaseId.eq(case.id))
        .filter(
            Condition::any()
                .add(case_events::Column::Public.eq(true))
                .add(case_events::Column::Kind.eq(EventKind::Reopened)),
        )
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
                (EventKind::Objected, _) => "fb_timeline_objected",
                (EventKind::ObjectionAnswered, _) => "fb_timeline_confirmed",
                (_, Some(to)) => to.label_key(),
                (_, None) => "timeline_progress",
            };
            let label = crate::i18n::label(lang, key).to_string();
            // The page shows one date, the expected one: an extension's note (its new
            // deadline) stays with the staff, as does an internal reopening's reason.
            let note = match e.kind {
                EventKind::Extension => None,
                _ if !e.public => None,
                _ => e.note.as_deref().map(|note| shown(note, lang)),
            };
            PublicEvent {
                at: beijing(e.at),
                kind: e.kind,
                status: to,
                label,
                note,
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
    let objection = objection_of(db, case.id).await?;
    let expected = match &objection {
        Some(o) if o.resolved_at.is_none() => Some(in_lang(
            crate::msg::Msg::new("fb_expected_objection").arg("due", o.due_on),
            lang,
        )),
        _ => expected(case, lang),
    };
    let objection = objection.map(|o| PublicObjection {
        at: beijing(o.at),
        body: o.body,
        state: o.resolution.unwrap_or_else(|| "pending".into()),
    });
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
        expected,
        objection,
        object_until: None,
    })
}

/// `view` of `case` with the last day the reporter may object, while they still may.
pub async fn with_objection_window(
    db: &impl ConnectionTrait,
    rules: &SlaRules,
    case: &cases::Model,
    mut view: PublicView,
    now: chrono::DateTime<chrono::Utc>,
    lang: Lang,
) -> Result<PublicView, DbErr> {
    view.object_until = objection_deadline(db, rules, case)
        .await?
        .filter(|last| *last >= china_today(now))
        .map(|last| {
            in_lang(
                crate::msg::Msg::new("fb_objection_window").arg("date", last),
                lang,
            )
        });
    Ok(view)
}

fn in_lang(msg: crate::msg::Msg, lang: Lang) -> String {
    crate::i18n::Locales::embedded()
        .map_or_else(|| msg.to_string(), |locales| msg.in_lang(locales, lang))
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
    Some(in_lang(expected, lang))
}
