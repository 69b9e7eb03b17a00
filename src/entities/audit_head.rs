//! `audit_head`: one row, the audit chain's length and newest link, sealed with the server key.
//! Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub entries: i64,
    pub last_id: i64,
    #[sea_orm(column_type = "Text")]
    pub last_hash: String,
    #[sea_orm(column_type = "Text")]
    pub seal: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
