//! Value types of enumerated columns, each mapped to the one string it is stored as (the
//! shape `sea-orm-cli` gives in `sea_orm_active_enums.rs`). Behaviour lives in the domains,
//! as inherent `impl` blocks on these types; `ToSchema` lets the OpenAPI document name them.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a staff member may do. Stored as `admin`, `supervisor`, `inspector`, `print_staff`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Inspector,
    PrintStaff,
}

/// Where a case stands. 待受理 → 已受理 or 不予受理 → 调查中 → 已办结 → 已反馈.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    New,
    Accepted,
    Declined,
    Investigating,
    Concluded,
    Closed,
}

/// What the investigation found.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    Substantiated,
    PartlySubstantiated,
    NotSubstantiated,
}

/// The reporter's rating of the handling.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Satisfied,
    NotSatisfied,
}

/// Who wrote a message: the office, or the reporter through the query code.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Office,
    Reporter,
}

/// Who added a file to a case.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Reporter,
    Staff,
}

/// What a case event records.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The report arrived.
    Received,
    /// The status changed.
    Status,
    /// Given to a unit or a person.
    Assigned,
    /// A concluded or closed case was opened again.
    Reopened,
    /// An extension was asked for, approved or refused.
    Extension,
    /// The office wrote to the reporter.
    Message,
    /// The reporter replied or added evidence.
    ReporterAdded,
    /// The reporter rated the handling.
    Rated,
}

/// A stage with a deadline.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Accept or decline, from receipt.
    Accept,
    /// Conclude, from acceptance.
    Conclude,
    /// Give feedback, from conclusion.
    Feedback,
}

/// Where an outgoing email stands. Stored as `queued`, `sent`, `failed`. A queued row with a
/// live lease (`locked_by`, `locked_until`) is being sent by one sender right now.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for its next attempt (`next_attempt_at`).
    Queued,
    /// The SMTP server accepted it (`sent_at`).
    Sent,
    /// Given up after the last attempt, or not sendable at all; an admin may retry it.
    Failed,
}

/// How cards reach their holders; stored as `visit`, `window` on a batch and on the reports
/// that came through its cards.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Handed out door to door.
    Visit,
    /// Stood at a window of the service hall.
    Window,
}
