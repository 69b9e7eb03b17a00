//! `cards` (Card). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

use super::enums::CardStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub serial: String,
    #[sea_orm(column_type = "Text")]
    pub token: String,
    pub batch_id: i64,
    pub position_in_batch: i32,
    pub enterprise_id: Option<i64>,
    pub service_point_id: Option<i64>,
    pub status: CardStatus,
    pub issued_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub revoked_reason: Option<String>,
    pub replaced_by_card_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
