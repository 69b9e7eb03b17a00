//! `sla_policies` (SlaPolicy). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_policies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub accept_days: i32,
    pub conclude_days: i32,
    pub feedback_days: i32,
    pub effective_from: DateTimeUtc,
    pub created_by: Option<i64>,
    /// Working days before a deadline from which its light is yellow.
    pub yellow_days: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
