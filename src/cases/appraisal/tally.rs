//! What a unit or an inspector did in a period, the rates made of it, and the ranking.

use serde::Serialize;

/// What one unit or person did in the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Accept-stage decisions (accepted or declined), and how many by the due date.
    pub decided: i64,
    pub decided_on_time: i64,
    /// Working days from receipt to decision, summed over `decided`.
    pub accept_days: i64,
    /// Conclusions, how many by the due date, how many of them reopened since.
    pub concluded: i64,
    pub concluded_on_time: i64,
    pub reopened: i64,
    /// Working days from acceptance to conclusion, summed over `conclude_days_of` cases.
    pub conclude_days: i64,
    pub conclude_days_of: i64,
    /// Answers published to the reporter, and how many by the due date.
    pub answered: i64,
    pub answered_on_time: i64,
    pub satisfied: i64,
    pub not_satisfied: i64,
    /// Cases returned (退回) and urgings (督办).
    pub returned: i64,
    pub urged: i64,
}

fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

impl Tally {
    /// 受理及时率, in percent.
    pub fn accept_rate(&self) -> Option<f64> {
        percent(self.decided_on_time, self.decided)
    }
    /// 办结及时率.
    pub fn conclude_rate(&self) -> Option<f64> {
        percent(self.concluded_on_time, self.concluded)
    }
    /// 答复及时率.
    pub fn answer_rate(&self) -> Option<f64> {
        percent(self.answered_on_time, self.answered)
    }
    /// 满意率.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        percent(self.satisfied, self.satisfied + self.not_satisfied)
    }
    /// 重办率.
    pub fn reopen_rate(&self) -> Option<f64> {
        percent(self.reopened, self.concluded)
    }
    /// Mean working days from receipt to the accept decision.
    pub fn mean_accept_days(&self) -> Option<f64> {
        (self.decided > 0).then(|| self.accept_days as f64 / self.decided as f64)
    }
    /// Mean working days from acceptance to conclusion.
    pub fn mean_conclude_days(&self) -> Option<f64> {
        (self.conclude_days_of > 0)
            .then(|| self.conclude_days as f64 / self.conclude_days_of as f64)
    }

    /// The ranking score: the mean of the rates there are (受理, 办结, 答复 and 满意率, and
    /// 100 − 重办率); `None` when nothing was rated or timed.
    pub fn score(&self) -> Option<f64> {
        let rates: Vec<f64> = [
            self.accept_rate(),
            self.conclude_rate(),
            self.answer_rate(),
            self.satisfaction_rate(),
            self.reopen_rate().map(|r| 100.0 - r),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64)
    }

    pub(super) fn add(&mut self, other: &Tally) {
        self.decided += other.decided;
        self.decided_on_time += other.decided_on_time;
        self.accept_days += other.accept_days;
        self.concluded += other.concluded;
        self.concluded_on_time += other.concluded_on_time;
        self.reopened += other.reopened;
        self.conclude_days += other.conclude_days;
        self.conclude_days_of += other.conclude_days_of;
        self.answered += other.answered;
        self.answered_on_time += other.answered_on_time;
        self.satisfied += other.satisfied;
        self.not_satisfied += other.not_satisfied;
        self.returned += other.returned;
        self.urged += other.urged;
    }

    pub(super) fn is_empty(&self) -> bool {
        *self == Tally::default()
    }
}

/// One line of a ranking: a unit or an inspector.
#[derive(Clone, Debug, Serialize)]
pub struct Ranked {
    /// The unit's or person's id; `None`: no unit (triage) or nobody.
    pub id: Option<i64>,
    /// Its name; `None` when there is none (the page names it).
    pub name: Option<String>,
    /// For an inspector, their unit's name.
    pub unit: Option<String>,
    pub tally: Tally,
    /// 1 for the best score; `None` for a line with no score.
    pub rank: Option<usize>,
}

/// Sorts best score first (lines without a score, or without an id, last, then by name) and
/// numbers the ranks; equal scores share a rank.
pub(super) fn rank(mut lines: Vec<Ranked>) -> Vec<Ranked> {
    // The cases of no unit are listed but not ranked among the units.
    let key = |r: &Ranked| {
        r.id?;
        r.tally.score().map(|s| (s * 1000.0).round() as i64)
    };
    lines.sort_by(|a, b| {
        key(b)
            .cmp(&key(a))
            .then_with(|| b.tally.concluded.cmp(&a.tally.concluded))
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut previous: Option<(i64, usize)> = None;
    for (i, line) in lines.iter_mut().enumerate() {
        line.rank = key(line).map(|score| match previous {
            Some((last, rank)) if last == score => rank,
            _ => {
                previous = Some((score, i + 1));
                i + 1
            }
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_scores_share_a_rank_and_lines_without_a_score_come_last() {
        let line = |name: &str, decided: i64, on_time: i64| Ranked {
            id: Some(decided),
            name: Some(name.into()),
            unit: None,
            tally: Tally {
                decided,
                decided_on_time: on_time,
                ..Tally::default()
            },
            rank: None,
        };
        let ranked = rank(vec![
            line("丙", 0, 0),
            line("乙", 2, 1),
            line("甲", 4, 2),
            line("丁", 1, 1),
        ]);
        let got: Vec<(Option<String>, Option<usize>)> =
            ranked.into_iter().map(|r| (r.name, r.rank)).collect();
        assert_eq!(
            got,
            vec![
                (Some("丁".into()), Some(1)),
                (Some("乙".into()), Some(2)),
                (Some("甲".into()), Some(2)),
                (Some("丙".into()), None),
            ]
        );
    }
}
