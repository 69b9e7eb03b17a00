//! `report_receipts` (ReportReceipt). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report_receipts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub submission_hash: String,
    #[sea_orm(column_type = "Text")]
    pub case_number: String,
    pub received_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub sealed_code: Option<String>,
    pub code_expires_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
