//! The negative-list items as counts name them: by stable key (`item-3`), across list
//! versions, with the texts of the newest version that has the key.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::Serialize;

use crate::entities::negative_list_items;

/// An item's position and texts, in both languages (the reader's is chosen where it is shown).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemName {
    pub position: i32,
    pub text_zh: String,
    pub text_en: String,
}

/// Item key → its name, from the newest version that has the key.
pub async fn item_names(db: &impl ConnectionTrait) -> Result<HashMap<String, ItemName>, DbErr> {
    let mut names = HashMap::new();
    let mut rows = negative_list_items::Entity::find().all(db).await?;
    rows.sort_by_key(|i| i.version_id);
    for item in rows {
        names.insert(
            item.item_key,
            ItemName {
                position: item.position,
                text_zh: item.text_zh,
                text_en: item.text_en,
            },
        );
    }
    Ok(names)
}
