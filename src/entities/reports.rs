//! `reports` (Report). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

use super::enums::{Channel, ReportSource};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub received_at: DateTimeUtc,
    pub list_version_id: i64,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub occurred_on: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub department: Option<String>,
    pub anonymous: bool,
    #[sea_orm(column_type = "Text")]
    pub contact_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub contact_phone: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub contact_email: Option<String>,
    pub enterprise_id: Option<i64>,
    pub source: ReportSource,
    #[sea_orm(column_type = "Text")]
    pub district: Option<String>,
    pub batch_id: Option<i64>,
    pub channel: Option<Channel>,
    pub service_point_id: Option<i64>,
    pub from_revoked_card: bool,
    #[sea_orm(column_type = "Text")]
    pub language: String,
    #[sea_orm(column_type = "Text")]
    pub query_code_hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
