//! Who a batch reaches: the holders a target names, and which of them already hold an
//! active card.

use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::issue::{CHUNK, Target};
use super::print::PrintKind;
use super::{CardError, CardStatus, Holder};
use crate::entities::{cards, enterprises, service_points};
use crate::error::Msg;

/// Everyone the target names, in print order (district, then name), before skipping.
pub(super) async fn candidates(
    db: &impl ConnectionTrait,
    target: &Target,
) -> Result<Vec<Holder>, CardError> {
    let ordered = || {
        enterprises::Entity::find()
            .select_only()
            .column(enterprises::Column::Id)
            .order_by_asc(enterprises::Column::District)
            .order_by_asc(enterprises::Column::Name)
            .order_by_asc(enterprises::Column::Id)
    };
    let ids: Vec<i64> = match target {
        Target::AllEnterprises => {
            let ids: Vec<i64> = ordered().into_tuple().all(db).await?;
            if ids.is_empty() {
                return Err(CardError::Refused(Msg::new("cards_error_register_empty")));
            }
            ids
        }
        Target::District(name) => {
            let name = name.trim();
            if name.is_empty() {
                return Err(CardError::Refused(Msg::new("cards_error_choose_district")));
            }
            let ids: Vec<i64> = ordered()
                .filter(enterprises::Column::District.eq(name))
                .into_tuple()
                .all(db)
                .await?;
            if ids.is_empty() {
                return Err(CardError::Refused(
                    Msg::new("cards_error_no_district").arg("name", name),
                ));
            }
            ids
        }
        Target::Enterprises(usccs) => return chosen_enterprises(db, usccs).await,
        Target::ServicePoints(ids) => return chosen_service_points(db, ids.as_deref()).await,
    };
    Ok(ids.into_iter().map(Holder::Enterprise).collect())
}

/// The enterprises with these USCCs, in the order given; every USCC must be known.
async fn chosen_enterprises(
    db: &impl ConnectionTrait,
    usccs: &[String],
) -> Result<Vec<Holder>, CardError> {
    let mut seen = HashSet::new();
    let wanted: Vec<String> = usccs
        .iter()
        .map(|u| u.trim().to_ascii_uppercase())
        .filter(|u| !u.is_empty() && seen.insert(u.clone()))
        .collect();
    if wanted.is_empty() {
        return Err(CardError::Refused(Msg::new("cards_error_no_uscc")));
    }
    let mut found = HashMap::new();
    for chunk in wanted.chunks(CHUNK) {
        let rows: Vec<(i64, String)> = enterprises::Entity::find()
            .select_only()
            .column(enterprises::Column::Id)
            .column(enterprises::Column::Uscc)
            .filter(enterprises::Column::Uscc.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|(id, uscc)| (uscc, id)));
    }
    let unknown: Vec<&str> = wanted
        .iter()
        .filter(|u| !found.contains_key(*u))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(CardError::Refused(
            Msg::new("cards_error_unknown_uscc").arg("list", first_ten(&unknown)),
        ));
    }
    Ok(wanted
        .iter()
        .filter_map(|u| found.get(u).copied().map(Holder::Enterprise))
        .collect())
}

/// Active service points (all), or the chosen ones, which must all exist.
async fn chosen_service_points(
    db: &impl ConnectionTrait,
    ids: Option<&[i64]>,
) -> Result<Vec<Holder>, CardError> {
    let query = service_points::Entity::find()
        .select_only()
        .column(service_points::Column::Id)
        .order_by_asc(service_points::Column::Hall)
        .order_by_asc(service_points::Column::Name)
        .order_by_asc(service_points::Column::Id);
    let found: Vec<i64> = match ids {
        None => {
            query
                .filter(service_points::Column::Active.eq(true))
                .into_tuple()
                .all(db)
                .await?
        }
        Some(ids) => {
            let wanted: BTreeSet<i64> = ids.iter().copied().collect();
            if wanted.is_empty() {
                return Err(CardError::Refused(Msg::new("cards_error_no_point_chosen")));
            }
            // In chunks: a statement has a bounded number of variables on either engine.
            let wanted: Vec<i64> = wanted.into_iter().collect();
            let mut known = HashSet::new();
            for chunk in wanted.chunks(CHUNK) {
                let rows: Vec<i64> = service_points::Entity::find()
                    .select_only()
                    .column(service_points::Column::Id)
                    .filter(service_points::Column::Id.is_in(chunk.iter().copied()))
                    .into_tuple()
                    .all(db)
                    .await?;
                known.extend(rows);
            }
            let unknown: Vec<String> = wanted
                .iter()
                .filter(|id| !known.contains(*id))
                .map(i64::to_string)
                .collect();
            if !unknown.is_empty() {
                return Err(CardError::Refused(
                    Msg::new("cards_error_unknown_points").arg("list", first_ten(&unknown)),
                ));
            }
            // Print order, as for all windows.
            let all: Vec<i64> = query.into_tuple().all(db).await?;
            all.into_iter().filter(|id| known.contains(id)).collect()
        }
    };
    if found.is_empty() {
        return Err(CardError::Refused(Msg::new("cards_error_no_points")));
    }
    Ok(found.into_iter().map(Holder::ServicePoint).collect())
}

/// The first ten of `items`, comma-separated, with "…" if there are more.
fn first_ten(items: &[impl AsRef<str>]) -> String {
    let shown: Vec<&str> = items.iter().take(10).map(AsRef::as_ref).collect();
    let more = if items.len() > 10 { " …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// Holders of `kind` that hold at least one active card.
pub(super) async fn holders_with_active_cards(
    db: &impl ConnectionTrait,
    kind: PrintKind,
) -> Result<HashSet<Holder>, CardError> {
    let column = match kind {
        PrintKind::Card => cards::Column::EnterpriseId,
        PrintKind::DeskSign => cards::Column::ServicePointId,
    };
    let ids: Vec<Option<i64>> = cards::Entity::find()
        .select_only()
        .column(column)
        .filter(cards::Column::Status.eq(CardStatus::Active))
        .filter(column.is_not_null())
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids
        .into_iter()
        .flatten()
        .map(|id| match kind {
            PrintKind::Card => Holder::Enterprise(id),
            PrintKind::DeskSign => Holder::ServicePoint(id),
        })
        .collect())
}
