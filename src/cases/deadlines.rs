//! Where a case stands against its deadline: working days left or overdue, its light (三色预警:
//! red once overdue, yellow within the policy's window, green before) and the tone that shows
//! it the same everywhere (overdue red, due soon amber, done grey). One notion: the tone is the
//! light of an open deadline, or done. [`deadline`] is the fact; `labels` puts it into words
//! for the staff pages and the API.

use chrono::NaiveDate;
use serde::Serialize;

use super::status::Stage;
use crate::deadlines::SlaRules;
use crate::deadlines::lights::Light;
use crate::entities::cases;

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
    /// The light of the open deadline (none once the case is done).
    pub light: Option<Light>,
    pub tone: Tone,
}

impl Tone {
    /// The tone that shows `light`.
    pub fn of(light: Light) -> Self {
        match light {
            Light::Red => Tone::Overdue,
            Light::Yellow => Tone::Soon,
            Light::Green => Tone::OnTrack,
        }
    }
}

/// Where `case` stands on `today` (a Beijing date).
pub fn deadline(case: &cases::Model, rules: &SlaRules, today: NaiveDate) -> Deadline {
    let (Some(stage), Some(due_on)) = (case.status.open_stage(), case.due_on) else {
        return Deadline {
            stage: None,
            due_on: None,
            working_days_left: None,
            light: None,
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
    // The yellow window of the policy in force at the start of `today` (Beijing).
    let start = today.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(8);
    let light = super::queues::Day::of(rules, start, today).light(due_on);
    Deadline {
        stage: Some(stage),
        due_on: Some(due_on),
        working_days_left: Some(left),
        light: Some(light),
        tone: Tone::of(light),
    }
}
