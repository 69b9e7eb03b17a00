//! Where a case stands against its deadline: working days left or overdue, and the colour
//! that means the same everywhere (overdue red, due soon amber, done grey). [`deadline`] is
//! the fact; `labels` puts it into words for the staff pages and the API.

use chrono::NaiveDate;
use serde::Serialize;

use super::status::Stage;
use crate::deadlines::SlaRules;
use crate::entities::cases;

/// Working days left at which a deadline counts as due soon.
pub const DUE_SOON_DAYS: i64 = 1;

/// The colour a deadline is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Overdue,
    Soon,
    OnTrack,
    Done,
}

/// Where a case stands against its open deadline: data, in no language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub stage: Option<Stage>,
    pub due_on: Option<NaiveDate>,
    /// Positive: working days left; negative: overdue by; 0: due today.
    pub working_days_left: Option<i64>,
    pub tone: Tone,
}

/// Where `case` stands on `today` (a Beijing date).
pub fn deadline(case: &cases::Model, rules: &SlaRules, today: NaiveDate) -> Deadline {
    let (Some(stage), Some(due_on)) = (case.status.open_stage(), case.due_on) else {
        return Deadline {
            stage: None,
            due_on: None,
            working_days_left: None,
            tone: Tone::Done,
        };
    };
    let left = rules.calendar.working_days_between(today, due_on);
    // A deadline that fell on a day off is overdue from the next working day.
    let left = if left == 0 && due_on < today {
        -1
    } else {
        left
    };
    let tone = if left < 0 {
        Tone::Overdue
    } else if left <= DUE_SOON_DAYS {
        Tone::Soon
    } else {
        Tone::OnTrack
    };
    Deadline {
        stage: Some(stage),
        due_on: Some(due_on),
        working_days_left: Some(left),
        tone,
    }
}
