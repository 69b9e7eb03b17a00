//! Rendering the workspace: the list's filters and rows, the case page with its forms (what a
//! person typed comes back after a refusal), the staff home with its dashboard, the
//! statistics, and the CSV exports. Each page asks the model for data and renders it; the
//! words (status labels, deadlines, item texts) are chosen here, in the reader's language.

pub(super) mod appraisal;
mod case;
mod feedback;
mod home;
mod list;
mod stats;

pub use case::{Draft, Flash, Outcome, case};
pub use home::home;
pub use list::{ListQuery, export, list};
pub use stats::{Period, stats, stats_csv};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::items::ItemName;
use super::status::{CaseStatus, Finding};
use crate::access::{CurrentUser, Role};
use crate::clock::china_today;
use crate::entities::{cases, unit_districts, units, users};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

/// The Beijing date today, for filters and due states.
pub(crate) fn today(state: &AppState) -> chrono::NaiveDate {
    china_today(state.clock.now())
}

/// An item as lists and counts name it: "3. 推诿扯皮……".
fn item_label(name: &ItemName, lang: Lang) -> String {
    let text = if lang == Lang::En {
        &name.text_en
    } else {
        &name.text_zh
    };
    format!("{}. {text}", name.position)
}

/// What the filter menus offer: units, people who work cases, districts, list items.
async fn choices(state: &AppState, lang: Lang) -> Result<minijinja::Value, AppError> {
    let db = &state.db;
    let unit_list = units::Entity::find()
        .order_by_asc(units::Column::Name)
        .all(db)
        .await?;
    let people = users::Entity::find()
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Role.is_in([Role::Inspector, Role::Supervisor]))
        .order_by_asc(users::Column::DisplayName)
        .all(db)
        .await?;
    let mut districts: Vec<String> = unit_districts::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.district)
        .collect();
    let with_cases: Vec<Option<String>> = cases::Entity::find()
        .select_only()
        .column(cases::Column::District)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    districts.extend(with_cases.into_iter().flatten());
    districts.sort();
    districts.dedup();
    let list = state.lists.for_card(db, None).await?;
    Ok(minijinja::context! {
        units => unit_list.iter().map(|u| minijinja::context! { id => u.id, name => &u.name }).collect::<Vec<_>>(),
        people => people.iter().map(|u| minijinja::context! { id => u.id, name => &u.display_name, unit_id => u.unit_id }).collect::<Vec<_>>(),
        districts => districts,
        items => list.items.iter().map(|i| minijinja::context! {
            key => &i.item_key,
            text => item_label(&ItemName { position: i.position, text_zh: i.text_zh.clone(), text_en: i.text_en.clone() }, lang),
        }).collect::<Vec<_>>(),
        statuses => CaseStatus::ALL.iter().map(|s| minijinja::context! { value => s.as_str(), label => s.label(lang) }).collect::<Vec<_>>(),
        findings => Finding::ALL.iter().map(|f| minijinja::context! { value => f.as_str(), label => f.label(lang) }).collect::<Vec<_>>(),
    })
}

fn render(
    state: &AppState,
    lang: Lang,
    user: &CurrentUser,
    template: &str,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, AppError> {
    let page = user.page(&state.views, template, lang, minijinja::context! { ..ctx })?;
    Ok((status, page).into_response())
}
