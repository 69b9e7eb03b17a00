//! What the case page's answer section shows (the template `cases/feedback.html`): the
//! office's review setting, the reporter's objection, the follow-ups (回访), and the choices
//! of the follow-up form, in the reader's words.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::cases::{FOLLOW_UP_CHANNELS, FOLLOW_UP_OUTCOMES};
use crate::clock::beijing;
use crate::entities::users;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

/// The answer section of case `id`.
pub(super) async fn panel(
    state: &AppState,
    lang: Lang,
    id: i64,
) -> Result<minijinja::Value, AppError> {
    let db = &state.db;
    let t = |key: &str| state.views.locales.t(lang, key).to_string();
    let settings = crate::cases::feedback_settings(db).await?;
    let objection = crate::cases::objection_of(db, id).await?;
    let visits = crate::cases::follow_ups_of(db, id).await?;
    let mut people: Vec<i64> = visits.iter().map(|v| v.recorded_by).collect();
    people.extend(objection.as_ref().and_then(|o| o.resolved_by));
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(people))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let objection = objection.map(|o| {
        let state = o.resolution.clone().unwrap_or_else(|| "pending".into());
        minijinja::context! {
            at => beijing(o.at),
            body => o.body,
            due_on => o.due_on.to_string(),
            state_label => t(&format!("fb_objection_{state}")),
            state => state,
            resolved_by => o.resolved_by.map(name),
            answer => o.answer,
        }
    });
    let visits: Vec<minijinja::Value> = visits
        .into_iter()
        .map(|v| {
            minijinja::context! {
                visited_on => v.visited_on.to_string(),
                channel => t(&format!("fb_channel_{}", v.channel)),
                outcome => t(&format!("fb_outcome_{}", v.outcome)),
                outcome_key => v.outcome,
                note => v.note,
                by => name(v.recorded_by),
            }
        })
        .collect();
    let options = |values: &[&'static str], prefix: &str| -> Vec<minijinja::Value> {
        values
            .iter()
            .map(|v| minijinja::context! { value => v, label => t(&format!("{prefix}{v}")) })
            .collect()
    };
    Ok(minijinja::context! {
        review => settings.review,
        objection => objection,
        visits => visits,
        channels => options(&FOLLOW_UP_CHANNELS, "fb_channel_"),
        outcomes => options(&FOLLOW_UP_OUTCOMES, "fb_outcome_"),
    })
}
