//! Which districts (镇街) a unit may cover: those of the enterprise register and of the cards'
//! service points. A district typed otherwise ("店口" for the register's "店口镇") would route no
//! report, so it is refused with the close matches named, unless the admin says it is new.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::accounts::AccountError;
use crate::entities::{enterprises, service_points, unit_districts};
use crate::error::Msg;
use crate::msg::Arg;

/// How many close matches a refusal names.
const CLOSE_MATCHES: usize = 3;

/// Whether a district missing from the register may be saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewDistricts {
    /// Refuse it, naming the close matches and the known districts.
    Refuse,
    /// The admin said it is a new district (`--new-district`, the page's checkbox).
    Allow,
}

/// Every district the enterprise register and the service points (desk cards) name, sorted.
pub async fn known(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let mut all: BTreeSet<String> = enterprises::Entity::find()
        .select_only()
        .column(enterprises::Column::District)
        .distinct()
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    all.extend(
        service_points::Entity::find()
            .select_only()
            .column(service_points::Column::District)
            .filter(service_points::Column::District.is_not_null())
            .distinct()
            .into_tuple::<Option<String>>()
            .all(db)
            .await?
            .into_iter()
            .flatten(),
    );
    Ok(all
        .into_iter()
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .collect())
}

/// The name without its administrative suffix: "店口镇" and "店口" both give "店口".
fn stem(district: &str) -> &str {
    ["街道办事处", "街道", "镇", "乡", "社区", "村"]
        .iter()
        .find_map(|suffix| {
            district
                .strip_suffix(suffix)
                .filter(|rest| !rest.is_empty())
        })
        .unwrap_or(district)
}

/// Edit distance in characters (small strings: district names).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut last = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (last + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            last = here;
        }
    }
    row[b.len()]
}

/// The known districts `typed` is probably meant to be: the same stem, one containing the
/// other, or one character apart; best first.
pub fn close_matches(typed: &str, known: &[String]) -> Vec<String> {
    let typed = typed.trim();
    let mut scored: Vec<(usize, &String)> = known
        .iter()
        .filter_map(|k| {
            let score = if stem(k) == stem(typed) {
                0
            } else if k.contains(typed) || typed.contains(k.as_str()) {
                1
            } else if distance(stem(k), stem(typed)) <= 1 {
                2
            } else {
                return None;
            };
            Some((score, k))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(CLOSE_MATCHES)
        .map(|(_, k)| k.clone())
        .collect()
}

/// A list as each language writes one.
fn listed(items: &[String]) -> Arg {
    Arg::Label {
        zh: items.join("、").into(),
        en: items.join(", ").into(),
    }
}

/// Why `typed` is refused: its close matches (if any) and every known district.
pub fn unknown_message(typed: &str, known: &[String]) -> Msg {
    let close = close_matches(typed, known);
    let message = if close.is_empty() {
        Msg::new("acct_error_district_unknown")
    } else {
        Msg::new("acct_error_district_close").arg("close", listed(&close))
    };
    message
        .arg("district", typed.trim())
        .arg("known", listed(known))
}

/// Checks `districts` for unit `unit` (`None`: a new unit): each one it does not cover yet
/// must be known, unless `new` allows it. An empty register checks nothing (the districts
/// cannot be known before it is imported).
pub async fn vet(
    db: &impl ConnectionTrait,
    unit: Option<i64>,
    districts: &[String],
    new: NewDistricts,
) -> Result<(), AccountError> {
    if new == NewDistricts::Allow {
        return Ok(());
    }
    let known = known(db).await?;
    if known.is_empty() {
        return Ok(());
    }
    let covered: BTreeSet<String> = match unit {
        Some(id) => unit_districts::Entity::find()
            .filter(unit_districts::Column::UnitId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|d| d.district)
            .collect(),
        None => BTreeSet::new(),
    };
    let typed = districts
        .iter()
        .flat_map(|d| d.split([',', '，', '、', '\n']))
        .map(str::trim)
        .filter(|d| !d.is_empty());
    for district in typed {
        if !covered.contains(district) && !known.iter().any(|k| k == district) {
            return Err(AccountError::Invalid(unknown_message(district, &known)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::close_matches;

    fn known() -> Vec<String> {
        ["店口镇", "大唐街道", "暨阳街道", "枫桥镇", "浣东街道"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn a_district_without_its_suffix_is_matched_to_the_registers_name() {
        assert_eq!(close_matches("店口", &known()), ["店口镇"]);
        assert_eq!(close_matches("大唐镇", &known()), ["大唐街道"]);
    }

    #[test]
    fn a_one_character_slip_is_matched_and_a_stranger_is_not() {
        assert_eq!(close_matches("暨扬街道", &known()), ["暨阳街道"]);
        assert!(close_matches("上海", &known()).is_empty());
    }
}
