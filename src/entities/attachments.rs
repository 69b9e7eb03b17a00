//! `attachments` (Attachment). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

use super::enums::Origin;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub message_id: Option<i64>,
    pub uploaded_at: DateTimeUtc,
    pub origin: Origin,
    pub uploaded_by: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub filename: String,
    #[sea_orm(column_type = "Text")]
    pub content_type: String,
    pub size: i64,
    #[sea_orm(column_type = "Text")]
    pub sha256: String,
    #[sea_orm(column_type = "Blob")]
    pub data: Vec<u8>,
    /// The internal note a staff file belongs to.
    pub note_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
