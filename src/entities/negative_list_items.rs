//! `negative_list_items` (NegativeListItem). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "negative_list_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub version_id: i64,
    pub position: i32,
    #[sea_orm(column_type = "Text")]
    pub text_zh: String,
    #[sea_orm(column_type = "Text")]
    pub text_en: String,
    /// The same across list versions, so statistics group by it.
    #[sea_orm(column_type = "Text")]
    pub item_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
