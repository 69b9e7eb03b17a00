//! What the case API reads and writes: the list's query parameters (strict: an unknown
//! parameter or value is a 400, not silently ignored), the bodies of a step and of a message
//! or note, and the answers that are not domain types already.

use serde::{Deserialize, Serialize};

use crate::access::CurrentUser;
use crate::cases::labels::CaseRow;
use crate::cases::list::{AssigneeFilter, CaseFilter, DueFilter, Sort, StatusFilter, UnitFilter};
use crate::cases::paging::Cursor;
use crate::cases::queues::{self, Day, Person, Queue};
use crate::cases::status::{CaseStatus, Finding};
use crate::cases::workflow::Step;
use crate::deadlines::lights::Light;
use crate::error::{AppError, Msg};
use crate::i18n::Lang;

/// Which status: one, or `open` (neither declined nor closed).
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusParam {
    Open,
    New,
    Accepted,
    Declined,
    Investigating,
    Concluded,
    Closed,
}

/// By when: overdue, due within three working days, or within seven days.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueParam {
    Overdue,
    Soon,
    Week,
}

/// 三色预警: red (overdue), yellow (within the policy's window), green (time left).
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LightParam {
    Red,
    Yellow,
    Green,
}

/// The order: soonest deadline first (the default; `light` is the same order, red first),
/// newest or oldest first.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortParam {
    Due,
    Light,
    Newest,
    Oldest,
    /// Cases new from the reporter for you first (newest first), then the rest.
    Unread,
}

/// The filters of `GET /api/v1/cases`, as the workspace's list offers them. An unknown
/// parameter or value is refused (400) rather than ignored.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    #[param(inline)]
    status: Option<StatusParam>,
    /// A negative-list item's stable key, `item-3`.
    item: Option<String>,
    district: Option<String>,
    /// A unit id, or `triage` (no unit yet; supervisors only see it).
    #[param(pattern = "^([0-9]+|triage)$")]
    unit: Option<String>,
    /// A user id, `me`, or `none` (nobody holds it).
    #[param(pattern = "^([0-9]+|me|none)$")]
    assignee: Option<String>,
    #[param(inline)]
    due: Option<DueParam>,
    /// Only cases flagged for a supervisor (a not-satisfied rating).
    flagged: Option<bool>,
    /// Only reports that came through a revoked card.
    revoked: Option<bool>,
    /// A queue of the working day, as the home pages count it (`unread`: the reporter wrote
    /// or sent evidence since you last opened the case).
    #[param(inline)]
    queue: Option<Queue>,
    /// Only open deadlines of this light.
    #[param(inline)]
    light: Option<LightParam>,
    #[param(inline)]
    sort: Option<SortParam>,
    /// The `next` of the previous page.
    after: Option<String>,
    /// Language of labels: `zh-CN` or `en`.
    #[param(value_type = Option<Lang>, inline)]
    // Read by the `Lang` extractor; a field so that it is not refused as unknown.
    #[allow(dead_code)]
    lang: Option<String>,
}

pub(super) fn bad(message: Msg) -> AppError {
    AppError::BadRequest(message)
}

impl ListParams {
    /// The domain's filter for `user` on `today`, and where the page starts.
    pub(super) fn filter(
        &self,
        user: &CurrentUser,
        rules: &crate::deadlines::SlaRules,
        day: Day,
    ) -> Result<(CaseFilter, Option<Cursor>), AppError> {
        let today = day.today;
        let text = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let id = |name: &str, value: &str| {
            value.parse::<i64>().map_err(|_| {
                bad(Msg::new("api_error_not_an_id")
                    .arg("name", name)
                    .arg("value", value))
            })
        };
        let unit = match self.unit.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("triage") => Some(UnitFilter::Triage),
            Some(value) => Some(UnitFilter::Is(id("unit", value)?)),
        };
        let assignee = match self.assignee.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("me") => Some(AssigneeFilter::Is(user.user.id)),
            Some("none") => Some(AssigneeFilter::Nobody),
            Some(value) => Some(AssigneeFilter::Is(id("assignee", value)?)),
        };
        let after = match text(&self.after) {
            None => None,
            Some(cursor) => {
                Some(Cursor::decode(&cursor).ok_or_else(|| bad(Msg::new("api_error_bad_cursor")))?)
            }
        };
        let filter = CaseFilter {
            status: self.status.map(|s| match s {
                StatusParam::Open => StatusFilter::Open,
                StatusParam::New => StatusFilter::Is(CaseStatus::New),
                StatusParam::Accepted => StatusFilter::Is(CaseStatus::Accepted),
                StatusParam::Declined => StatusFilter::Is(CaseStatus::Declined),
                StatusParam::Investigating => StatusFilter::Is(CaseStatus::Investigating),
                StatusParam::Concluded => StatusFilter::Is(CaseStatus::Concluded),
                StatusParam::Closed => StatusFilter::Is(CaseStatus::Closed),
            }),
            item_key: text(&self.item),
            district: text(&self.district),
            unit,
            assignee,
            due: self.due.map(|d| match d {
                DueParam::Overdue => DueFilter::Overdue,
                DueParam::Soon => DueFilter::soon(rules, today),
                DueParam::Week => DueFilter::within_a_week(today),
            }),
            flagged: self.flagged.unwrap_or(false),
            revoked: self.revoked.unwrap_or(false),
            within: queues::within(
                self.queue,
                self.light.map(|l| match l {
                    LightParam::Red => Light::Red,
                    LightParam::Yellow => Light::Yellow,
                    LightParam::Green => Light::Green,
                }),
                Person::of(&user.user),
                day,
            ),
            sort: match self.sort {
                None | Some(SortParam::Due | SortParam::Light) => Sort::Due,
                Some(SortParam::Newest) => Sort::Newest,
                Some(SortParam::Oldest) => Sort::Oldest,
                Some(SortParam::Unread) => Sort::Unread,
            },
            unread: Some(queues::condition(
                Queue::Unread,
                Person::of(&user.user),
                day,
            )),
        };
        Ok((filter, after))
    }
}

/// A page of cases.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseList {
    /// Up to 50 cases.
    pub cases: Vec<CaseRow>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
}

/// A step's name.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Accept,
    Decline,
    Investigate,
    Conclude,
    Close,
    /// Supervisors only: a concluded or closed case back to investigation (or a declined
    /// one the reporter objected to); the reason is shown to the reporter.
    Reopen,
    /// 办结并答复: finding, summary and reply together; the reporter reads the reply at once
    /// (or, when the office reviews answers, once a supervisor publishes it with `close`).
    ConcludeReply,
}

/// The body of `POST /api/v1/cases/{id}/transition`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionJson {
    /// The case's `version` as last read; if it changed since, the step is refused (409).
    pub version: i32,
    pub step: StepName,
    /// Required to decline and to reopen (the reporter reads it).
    #[schema(max_length = 5000)]
    pub reason: Option<String>,
    /// Required to conclude.
    pub finding: Option<Finding>,
    /// Required to conclude: the internal summary.
    #[schema(max_length = 5000)]
    pub summary: Option<String>,
    /// Required to conclude: what the reporter is told when the case is closed.
    #[schema(max_length = 5000)]
    pub feedback: Option<String>,
}

impl TransitionJson {
    pub(super) fn into_step(self) -> Result<Step, AppError> {
        let text = |t: Option<String>| t.unwrap_or_default();
        Ok(match self.step {
            StepName::Accept => Step::Accept,
            StepName::Decline => Step::Decline {
                reason: text(self.reason),
            },
            StepName::Investigate => Step::Investigate,
            StepName::Conclude => Step::Conclude {
                finding: self
                    .finding
                    .ok_or_else(|| AppError::Unprocessable(Msg::new("case_error_finding")))?,
                summary: text(self.summary),
                feedback: text(self.feedback),
            },
            StepName::Close => Step::Close,
            StepName::Reopen => Step::Reopen {
                reason: text(self.reason),
            },
            StepName::ConcludeReply => Step::ConcludeAndReply {
                finding: self
                    .finding
                    .ok_or_else(|| AppError::Unprocessable(Msg::new("case_error_finding")))?,
                summary: text(self.summary),
                feedback: text(self.feedback),
            },
        })
    }
}

/// Where a case stands after a step.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseState {
    pub id: i64,
    pub number: String,
    /// Name it in the next step.
    pub version: i32,
    pub status: CaseStatus,
    pub status_label: String,
    /// The open deadline, `YYYY-MM-DD`.
    pub due_on: Option<String>,
}

/// The body of a message or a note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextJson {
    /// 1 to 5000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

/// What was written.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Written {
    pub id: i64,
}
