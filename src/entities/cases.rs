//! `cases` (Case). Generated shape: columns only, no logic.

use sea_orm::entity::prelude::*;

use super::enums::{CaseStatus, Finding, Rating};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub number: String,
    pub report_id: i64,
    pub status: CaseStatus,
    pub unit_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub finding: Option<Finding>,
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
    pub rating: Option<Rating>,
    #[sea_orm(column_type = "Text")]
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change, so that a second edit of the same version is refused.
    pub version: i32,
    /// Copied from the report: the list filters on it.
    #[sea_orm(column_type = "Text")]
    pub district: Option<String>,
    pub from_revoked_card: bool,
    /// The inspector's internal summary of the conclusion.
    #[sea_orm(column_type = "Text")]
    pub summary: Option<String>,
    /// What the reporter is told when the case is closed.
    #[sea_orm(column_type = "Text")]
    pub feedback: Option<String>,
    /// The SLA policy the case runs under.
    pub policy_id: Option<i64>,
    /// When the reporter last replied or sent evidence (新回复 / 新材料 for staff who have
    /// not opened the case since).
    pub reporter_activity_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
