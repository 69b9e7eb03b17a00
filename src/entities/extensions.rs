//! `extensions` (Extension). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

use super::enums::Stage;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "extensions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub stage: Stage,
    pub working_days: i32,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub requested_by: i64,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub approved: Option<bool>,
    #[sea_orm(column_type = "Text")]
    pub decision_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
