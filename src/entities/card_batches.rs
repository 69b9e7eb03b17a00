//! `card_batches` (CardBatch). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

use super::enums::{BatchKind, Channel};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "card_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: BatchKind,
    pub channel: Channel,
    #[sea_orm(column_type = "Text")]
    pub template: String,
    pub list_version_id: i64,
    #[sea_orm(column_type = "Text")]
    pub scope: String,
    pub card_count: i32,
    pub created_by: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub created_by_label: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
