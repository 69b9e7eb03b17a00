//! Everything the case page (and the API's case) shows: the report and its provenance, the
//! files, the history, the messages, the internal notes, the deadlines and the extensions —
//! and which steps this user may take, so the page offers nothing they may not.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::error::CaseError;
use super::handling_view::{Declines, HandlingView, handling_view};
use super::labels::{DueState, due_state, item_lines, shown};
use super::objection::FeedbackState;
use super::scope::CaseScope;
use super::status::CaseStatus;
use crate::access::{Access, Role};
use crate::clock::beijing;
use crate::deadlines::SlaRules;
use crate::entities::enums::{Direction, EventKind, Origin};
use crate::entities::{
    attachments, case_events, cases, enterprises, extensions, internal_notes, messages, reports,
    service_points, units, users,
};
use crate::i18n::Lang;

/// A file, without its bytes.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FileView {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_kb: i64,
    pub origin: Origin,
    pub uploaded_at: String,
}

/// One line of the case's history (staff see every event; `public` says what `/q` shows).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub at: String,
    pub kind: EventKind,
    pub label: String,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub public: bool,
}

/// A message to or from the reporter.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    pub at: String,
    pub direction: Direction,
    pub author: Option<String>,
    pub body: String,
    pub files: Vec<FileView>,
}

/// An internal note.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    pub at: String,
    pub author: String,
    pub body: String,
    pub files: Vec<FileView>,
}

/// An extension request and its outcome.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ExtensionView {
    pub id: i64,
    pub stage: String,
    pub working_days: i32,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    /// `pending`, `approved` or `refused`.
    pub state: &'static str,
    pub decision_note: Option<String>,
}

/// The case page.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    pub id: i64,
    pub number: String,
    pub version: i32,
    pub status: CaseStatus,
    pub status_label: String,
    pub received_at: String,
    pub unit: Option<String>,
    pub unit_id: Option<i64>,
    pub assignee: Option<String>,
    pub assignee_id: Option<i64>,
    pub district: Option<String>,
    pub from_revoked_card: bool,
    pub needs_supervisor: bool,
    pub finding: Option<String>,
    pub summary: Option<String>,
    pub feedback: Option<String>,
    pub decline_reason: Option<String>,
    pub rating: Option<String>,
    pub rating_comment: Option<String>,
    pub description: String,
    pub occurred_on: Option<String>,
    pub department: Option<String>,
    /// "2. 吃拿卡要……" in the reader's language.
    pub items: Vec<String>,
    pub anonymous: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// Only when the reporter chose to say who they are.
    pub enterprise: Option<String>,
    pub source: String,
    pub batch_id: Option<i64>,
    pub channel: Option<String>,
    pub service_point: Option<String>,
    pub accept_due_on: Option<String>,
    pub conclude_due_on: Option<String>,
    pub feedback_due_on: Option<String>,
    pub due: DueState,
    pub files: Vec<FileView>,
    pub events: Vec<EventView>,
    pub messages: Vec<MessageView>,
    pub notes: Vec<NoteView>,
    pub extensions: Vec<ExtensionView>,
    /// The steps this user may take now: `accept`, `decline`, `investigate`, `conclude`,
    /// `conclude_reply` (办结并答复), `close`, `reopen`, `take`, `assign`, `extend`,
    /// `decide_extension`, `clear_flag`, `confirm` (answer and keep the result),
    /// `follow_up` (回访), `message`, `note`; and `return`, `request_decline`, `decide_decline`.
    pub actions: Vec<&'static str>,
    /// Why it waits in triage; its decline requests.
    pub handling: HandlingView,
}

/// A file's row without its bytes.
#[derive(Clone, Debug, sea_orm::FromQueryResult)]
struct FileRow {
    id: i64,
    message_id: Option<i64>,
    note_id: Option<i64>,
    uploaded_at: chrono::DateTime<chrono::Utc>,
    origin: Origin,
    filename: String,
    content_type: String,
    size: i64,
}

fn file_view(file: &FileRow) -> FileView {
    FileView {
        id: file.id,
        filename: file.filename.clone(),
        content_type: file.content_type.clone(),
        size_kb: (file.size + 1023) / 1024,
        origin: file.origin,
        uploaded_at: beijing(file.uploaded_at),
    }
}

/// What `user` may do to `case` now.
fn actions(
    case: &cases::Model,
    user: &users::Model,
    pending_extension: bool,
    declines: Declines,
    feedback: &FeedbackState,
) -> Vec<&'static str> {
    let supervises = Access::Supervise.allows(user.role);
    let mut out = declines.actions(case, user, supervises);
    for (to, name) in [
        (CaseStatus::Accepted, "accept"),
        (CaseStatus::Declined, "decline"),
        (CaseStatus::Investigating, "investigate"),
        (CaseStatus::Concluded, "conclude"),
        (CaseStatus::Closed, "close"),
    ] {
        // Under review, publishing a concluded answer is a supervisor's.
        if to == CaseStatus::Closed && feedback.review && !supervises {
            continue;
        }
        let by_approval = to == CaseStatus::Declined && !supervises && !declines.direct;
        if case.status.can_become(to) && !by_approval {
            out.push(name);
        }
    }
    if case.status.can_become(CaseStatus::Concluded) {
        out.push("conclude_reply");
    }
    let unhappy_decline = case.status == CaseStatus::Declined && case.needs_supervisor;
    if supervises
        && (matches!(case.status, CaseStatus::Concluded | CaseStatus::Closed) || unhappy_decline)
    {
        out.push("reopen");
    }
    if case.assignee_id != Some(user.id)
        && (case.assignee_id.is_none() || supervises)
        && user.role != Role::PrintStaff
    {
        out.push("take");
    }
    if supervises {
        out.push("assign");
    }
    if case.status.open_stage().is_some() && !pending_extension {
        out.push("extend");
    }
    if supervises && pending_extension {
        out.push("decide_extension");
    }
    if supervises && case.needs_supervisor {
        // An objection is owed an answer or a reopening, not a silent clearing.
        if !feedback.objection_waits {
            out.push("clear_flag");
        }
        out.push("confirm");
    }
    if feedback.reachable
        && matches!(case.status, CaseStatus::Closed | CaseStatus::Declined)
        && (supervises || case.assignee_id == Some(user.id))
    {
        out.push("follow_up");
    }
    if supervises && case.status.open_stage().is_some() {
        out.push("urge");
    }
    out.push("message");
    out.push("note");
    out
}

/// The case page of case `case_id` for `user`, in `lang`; a case out of scope is not found.
pub async fn case_detail(
    db: &impl ConnectionTrait,
    rules: &SlaRules,
    user: &users::Model,
    case_id: i64,
    today: chrono::NaiveDate,
    lang: Lang,
) -> Result<CaseDetail, CaseError> {
    let case = CaseScope::of(user).find(db, case_id).await?;
    let report = reports::Entity::find_by_id(case.report_id)
        .one(db)
        .await?
        .ok_or(CaseError::NotFound)?;
    let items = item_lines(db, report.id, lang).await?;
    let events = case_events::Entity::find()
        .filter(case_events::Column::CaseId.eq(case.id))
        .order_by_asc(case_events::Column::At)
        .order_by_asc(case_events::Column::Id)
        .all(db)
        .await?;
    let messages = messages::Entity::find()
        .filter(messages::Column::CaseId.eq(case.id))
        .order_by_asc(messages::Column::At)
        .order_by_asc(messages::Column::Id)
        .all(db)
        .await?;
    let notes = internal_notes::Entity::find()
        .filter(internal_notes::Column::CaseId.eq(case.id))
        .order_by_asc(internal_notes::Column::At)
        .order_by_asc(internal_notes::Column::Id)
        .all(db)
        .await?;
    let extensions = extensions::Entity::find()
        .filter(extensions::Column::CaseId.eq(case.id))
        .order_by_asc(extensions::Column::Id)
        .all(db)
        .await?;
    // Files without their bytes: the page lists them, downloads fetch one at a time.
    let files: Vec<FileRow> = attachments::Entity::find()
        .select_only()
        .columns([
            attachments::Column::Id,
            attachments::Column::MessageId,
            attachments::Column::NoteId,
            attachments::Column::UploadedAt,
            attachments::Column::Origin,
            attachments::Column::Filename,
            attachments::Column::ContentType,
            attachments::Column::Size,
        ])
        .filter(attachments::Column::CaseId.eq(case.id))
        .order_by_asc(attachments::Column::Id)
        .into_model::<FileRow>()
        .all(db)
        .await?;

    let mut people: HashSet<i64> = HashSet::new();
    people.extend(case.assignee_id);
    people.extend(events.iter().filter_map(|e| e.actor_id));
    people.extend(messages.iter().filter_map(|m| m.author_id));
    people.extend(notes.iter().map(|n| n.author_id));
    people.extend(extensions.iter().map(|e| e.requested_by));
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(people))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let files_of = |pick: &dyn Fn(&FileRow) -> bool| -> Vec<FileView> {
        files.iter().filter(|f| pick(f)).map(file_view).collect()
    };
    let unit = match case.unit_id {
        Some(id) => units::Entity::find_by_id(id).one(db).await?.map(|u| u.name),
        None => None,
    };
    let enterprise = match report.enterprise_id {
        Some(id) => enterprises::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|e| format!("{}（{}）", e.name, e.uscc)),
        None => None,
    };
    let service_point = match report.service_point_id {
        Some(id) => service_points::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|p| format!("{} · {}", p.hall, p.name)),
        None => None,
    };
    let pending = extensions.iter().any(|e| e.approved.is_none());
    let handling = handling_view(db, &case, lang).await?;
    let declines = Declines {
        direct: super::handling::inspectors_decline_directly(db).await?,
        pending: handling.pending_decline(),
    };
    let feedback = FeedbackState::of(db, &case, super::follow_up::reachable(&report)).await?;
    Ok(CaseDetail {
        id: case.id,
        number: case.number.clone(),
        version: case.version,
        status: case.status,
        status_label: case.status.label(lang).to_string(),
        received_at: beijing(case.received_at),
        unit,
        unit_id: case.unit_id,
        assignee: case.assignee_id.map(name),
        assignee_id: case.assignee_id,
        district: case.district.clone(),
        from_revoked_card: case.from_revoked_card,
        needs_supervisor: case.needs_supervisor,
        finding: case.finding.map(|f| f.label(lang).to_string()),
        summary: case.summary.clone(),
        feedback: case.feedback.clone(),
        decline_reason: case.decline_reason.clone(),
        rating: case.rating.map(|r| r.as_str().to_string()),
        rating_comment: case.rating_comment.clone(),
        description: report.description,
        occurred_on: report.occurred_on.map(|d| d.to_string()),
        department: report.department,
        items,
        anonymous: report.anonymous,
        contact_name: report.contact_name,
        contact_phone: report.contact_phone,
        contact_email: report.contact_email,
        enterprise,
        source: report.source.as_str().to_string(),
        batch_id: report.batch_id,
        channel: report.channel.map(|c| c.as_str().to_string()),
        service_point,
        accept_due_on: case.accept_due_on.map(|d| d.to_string()),
        conclude_due_on: case.conclude_due_on.map(|d| d.to_string()),
        feedback_due_on: case.feedback_due_on.map(|d| d.to_string()),
        due: due_state(&case, rules, today, lang),
        files: files_of(&|f| f.origin == Origin::Reporter && f.message_id.is_none()),
        events: events
            .into_iter()
            .map(|e| EventView {
                at: beijing(e.at),
                kind: e.kind,
                label: event_label(&e, lang),
                actor: e.actor_id.map(name),
                note: e.note.as_deref().map(|note| shown(note, lang)),
                public: e.public,
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| MessageView {
                at: beijing(m.at),
                direction: m.direction,
                author: m.author_id.map(name),
                files: files_of(&|f| f.message_id == Some(m.id)),
                body: m.body,
            })
            .collect(),
        notes: notes
            .into_iter()
            .map(|n| NoteView {
                at: beijing(n.at),
                author: name(n.author_id),
                files: files_of(&|f| f.note_id == Some(n.id)),
                body: n.body,
            })
            .collect(),
        extensions: extensions
            .into_iter()
            .map(|e| ExtensionView {
                id: e.id,
                stage: e.stage.label(lang).to_string(),
                working_days: e.working_days,
                reason: e.reason,
                requested_by: name(e.requested_by),
                requested_at: beijing(e.requested_at),
                state: match e.approved {
                    None => "pending",
                    Some(true) => "approved",
                    Some(false) => "refused",
                },
                decision_note: e.decision_note,
            })
            .collect(),
        actions: actions(&case, user, pending, declines, &feedback),
        handling,
    })
}

fn event_label(e: &case_events::Model, lang: Lang) -> String {
    let key = match (e.kind, e.to_status) {
        (EventKind::Status, Some(to)) => return to.label(lang).into(),
        (EventKind::Received, _) => "event_received",
        (EventKind::Reopened, _) => "event_reopened",
        (EventKind::Assigned, _) => "event_assigned",
        (EventKind::Extension, _) => "event_extension",
        (EventKind::Message, _) => "event_message",
        (EventKind::ReporterAdded, _) => "event_reporter_added",
        (EventKind::Rated, _) => "event_rated",
        (EventKind::Objected, _) => "fb_event_objected",
        (EventKind::ObjectionAnswered, _) => "fb_event_confirmed",
        (EventKind::FollowedUp, _) => "fb_event_followed_up",
        (EventKind::Status, None) => "event_status",
        (EventKind::Returned, _) => "returns_event_returned",
        (EventKind::DeclineRequest, _) => "returns_event_decline_request",
    };
    crate::i18n::label(lang, key).into()
}
