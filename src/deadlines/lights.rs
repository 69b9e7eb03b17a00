//! 三色预警: the traffic light of an open deadline, and when it falls in plain words.
//! Green while there is time; yellow from a policy's number of working days before (1 by
//! default: the day before and the day itself); red once the day has passed. The words name
//! the day the way people say it — "明天" only when tomorrow is that day, "下一个工作日" when a
//! weekend or a holiday lies between — and never nest brackets.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;

use super::calendar::WorkingCalendar;
use crate::i18n::{Lang, label};

/// Working days before a deadline from which its light is yellow, unless the policy says.
pub const DEFAULT_YELLOW_DAYS: u32 = 1;

/// The light of an open deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// Overdue.
    Red,
    /// Due within the yellow window.
    Yellow,
    /// Time left.
    Green,
}

impl Light {
    /// The name used in filters, the API and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Light::Red => "red",
            Light::Yellow => "yellow",
            Light::Green => "green",
        }
    }

    /// Parses a filter value.
    pub fn parse(text: &str) -> Option<Light> {
        match text {
            "red" => Some(Light::Red),
            "yellow" => Some(Light::Yellow),
            "green" => Some(Light::Green),
            _ => None,
        }
    }

    /// Its word, so that colour is never the only signal.
    pub fn label(self, lang: Lang) -> &'static str {
        label(
            lang,
            match self {
                Light::Red => "light_red",
                Light::Yellow => "light_yellow",
                Light::Green => "light_green",
            },
        )
    }
}

/// The light of a deadline `due` on `today` (Beijing dates).
pub fn light(
    calendar: &WorkingCalendar,
    due: NaiveDate,
    today: NaiveDate,
    yellow_days: u32,
) -> Light {
    if due < today {
        Light::Red
    } else if calendar.working_days_between(today, due) <= i64::from(yellow_days) {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// When a deadline falls, seen from one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Today,
    /// The next calendar day, a working day.
    Tomorrow,
    /// The next working day, with days off between.
    NextWorkingDay,
    /// Further off, by this many working days.
    InWorkingDays(i64),
    /// Past, by this many working days (at least 1).
    OverdueBy(i64),
}

/// When `due` falls, seen from `today`.
pub fn when(calendar: &WorkingCalendar, due: NaiveDate, today: NaiveDate) -> When {
    if due == today {
        return When::Today;
    }
    if due < today {
        // A deadline that fell on a day off is overdue from the next working day on.
        return When::OverdueBy(calendar.working_days_between(due, today).max(1));
    }
    if due == today + Duration::days(1) {
        When::Tomorrow
    } else if due == calendar.next_working_day(today) {
        When::NextWorkingDay
    } else {
        When::InWorkingDays(calendar.working_days_between(today, due))
    }
}

/// A day as the deadline phrases write it inside their one pair of brackets:
/// "12月28日，周一" / "Mon 28 Dec".
pub fn day_words(day: NaiveDate, lang: Lang) -> String {
    let weekday = day.weekday();
    match lang {
        Lang::Zh => {
            let name =
                ["一", "二", "三", "四", "五", "六", "日"][weekday.num_days_from_monday() as usize];
            format!("{}月{}日，周{name}", day.month(), day.day())
        }
        Lang::En => format!(
            "{} {} {}",
            short_weekday(weekday),
            day.day(),
            day.format("%b")
        ),
    }
}

fn short_weekday(day: Weekday) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][day.num_days_from_monday() as usize]
}

/// "下一个工作日（12月28日，周一）到期", "已逾期 2 个工作日（12月2日，周三到期）".
pub fn when_words(
    calendar: &WorkingCalendar,
    due: NaiveDate,
    today: NaiveDate,
    lang: Lang,
) -> String {
    let (key, n) = match when(calendar, due, today) {
        When::Today => ("when_today", 0),
        When::Tomorrow => ("when_tomorrow", 0),
        When::NextWorkingDay => ("when_next_working_day", 0),
        When::InWorkingDays(n) => ("when_in_days", n),
        When::OverdueBy(1) => ("when_overdue_one", 1),
        When::OverdueBy(n) => ("when_overdue", n),
    };
    label(lang, key)
        .replace("{day}", &day_words(due, lang))
        .replace("{n}", &n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    fn calendar() -> WorkingCalendar {
        crate::deadlines::calendar::shipped().expect("the shipped calendar")
    }

    #[test]
    fn a_friday_deadline_for_monday_names_the_next_working_day_not_tomorrow() {
        let c = calendar();
        // Fri 25 Dec 2026, due Mon 28 Dec.
        assert_eq!(when(&c, day(12, 28), day(12, 25)), When::NextWorkingDay);
        assert_eq!(
            when_words(&c, day(12, 28), day(12, 25), Lang::Zh),
            "下一个工作日（12月28日，周一）到期"
        );
        assert_eq!(light(&c, day(12, 28), day(12, 25), 1), Light::Yellow);
        // On Thursday it is two working days off: still green.
        assert_eq!(light(&c, day(12, 28), day(12, 24), 1), Light::Green);
        assert_eq!(
            when_words(&c, day(12, 28), day(12, 24), Lang::Zh),
            "2 个工作日后（12月28日，周一）到期"
        );
    }

    #[test]
    fn national_day_2026_lies_between_the_last_day_of_september_and_the_next_working_day() {
        let c = calendar();
        // Wed 30 Sep; 1–7 Oct are off; Thu 8 Oct is the next working day.
        assert_eq!(when(&c, day(10, 8), day(9, 30)), When::NextWorkingDay);
        assert_eq!(light(&c, day(10, 8), day(9, 30), 1), Light::Yellow);
        assert_eq!(
            when_words(&c, day(10, 8), day(9, 30), Lang::En),
            "due next working day (Thu 8 Oct)"
        );
        // A deadline of 30 Sep seen on 8 Oct is one working day overdue, not eight days.
        assert_eq!(when(&c, day(9, 30), day(10, 8)), When::OverdueBy(1));
        assert_eq!(light(&c, day(9, 30), day(10, 8), 1), Light::Red);
        assert_eq!(
            when_words(&c, day(9, 30), day(10, 8), Lang::Zh),
            "已逾期 1 个工作日（9月30日，周三到期）"
        );
    }

    #[test]
    fn a_swapped_saturday_is_tomorrow_when_it_is_a_working_day() {
        let c = calendar();
        // Sat 10 Oct 2026 is a working day (调休): seen from Fri 9 Oct it is tomorrow.
        assert_eq!(when(&c, day(10, 10), day(10, 9)), When::Tomorrow);
        assert_eq!(
            when_words(&c, day(10, 10), day(10, 9), Lang::Zh),
            "明天（10月10日，周六）到期"
        );
        // And a deadline on Mon 12 Oct seen that Friday is two working days off.
        assert_eq!(when(&c, day(10, 12), day(10, 9)), When::InWorkingDays(2));
        assert_eq!(light(&c, day(10, 12), day(10, 9), 1), Light::Green);
        assert_eq!(light(&c, day(10, 12), day(10, 9), 2), Light::Yellow);
    }

    #[test]
    fn the_words_never_nest_brackets() {
        let c = calendar();
        for (due, today) in [
            (day(12, 28), day(12, 25)),
            (day(12, 3), day(12, 3)),
            (day(11, 2), day(12, 3)),
        ] {
            for lang in [Lang::Zh, Lang::En] {
                let words = when_words(&c, due, today, lang);
                let depth = words.chars().fold((0i32, 0i32), |(d, max), ch| match ch {
                    '（' | '(' => (d + 1, max.max(d + 1)),
                    '）' | ')' => (d - 1, max),
                    _ => (d, max),
                });
                assert_eq!(depth, (0, 1), "{words}");
            }
        }
        assert_eq!(
            when_words(&c, day(12, 3), day(12, 3), Lang::Zh),
            "今天（12月3日，周四）到期"
        );
    }
}
