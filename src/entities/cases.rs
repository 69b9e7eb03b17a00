//! `cases` (Case). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub number: String,
    pub report_id: i64,
    #[sea_orm(column_type = "Text")]
    pub status: String,
    pub unit_id: Option<i64>,
    pub assignee_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub finding: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub decline_reason: Option<String>,
    pub received_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub concluded_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub due_on: Option<Date>,
    pub accept_due_on: Option<Date>,
    pub conclude_due_on: Option<Date>,
    pub feedback_due_on: Option<Date>,
    pub needs_supervisor: bool,
    #[sea_orm(column_type = "Text")]
    pub rating: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
