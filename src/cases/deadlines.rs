//! Where a case stands against its deadline, as the staff pages show it: working days left
//! or overdue, in the colours that mean the same everywhere (overdue red, due soon amber,
//! done grey).

use chrono::NaiveDate;
use serde::Serialize;

use super::status::Stage;
use crate::deadlines::SlaRules;
use crate::entities::cases;
use crate::i18n::Lang;

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

/// A case's open deadline, ready to show.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DueState {
    pub stage: Option<Stage>,
    pub due_on: Option<NaiveDate>,
    /// Positive: working days left; negative: overdue by; 0: due today.
    pub working_days_left: Option<i64>,
    pub tone: Tone,
    /// "剩余 3 个工作日", "今日到期", "已超期 2 个工作日", "—".
    pub text: String,
}

/// Where `case` stands on `today` (a Beijing date).
pub fn due_state(case: &cases::Model, rules: &SlaRules, today: NaiveDate, lang: Lang) -> DueState {
    let (Some(stage), Some(due_on)) = (case.status.open_stage(), case.due_on) else {
        return DueState {
            stage: None,
            due_on: None,
            working_days_left: None,
            tone: Tone::Done,
            text: "—".into(),
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
    let key = match left {
        0 => "due_today",
        1 => "due_left_one",
        n if n > 0 => "due_left",
        -1 => "due_overdue_one",
        _ => "due_overdue",
    };
    let text = crate::i18n::label(lang, key).replace("{n}", &left.abs().to_string());
    DueState {
        stage: Some(stage),
        due_on: Some(due_on),
        working_days_left: Some(left),
        tone,
        text,
    }
}
