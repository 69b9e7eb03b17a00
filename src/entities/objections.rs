//! `objections` (Objection). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub case_id: i64,
    pub at: DateTimeUtc,
    /// What the reporter wrote.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// When the reporter is told to expect an answer.
    pub due_on: Date,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<i64>,
    /// `reopened` or `confirmed`.
    #[sea_orm(column_type = "Text")]
    pub resolution: Option<String>,
    /// The supervisor's answer when the result is confirmed.
    #[sea_orm(column_type = "Text")]
    pub answer: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
