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
    /// An inspector sent the case back to triage (退回), with the reason as the note.
    Returned,
    /// A decline (不予受理) was asked for, approved or refused.
    DeclineRequest,
    /// The reporter objected (申诉) to a decline or an answer.
    Objected,
    /// A supervisor answered an objection or a not-satisfied rating and kept the result.
    ObjectionAnswered,
    /// Staff recorded a follow-up (回访) with the reporter.
    FollowedUp,
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

/// Whether a card's token still opens the form with full provenance. Stored as `active`,
/// `revoked`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    /// In its holder's hands.
    Active,
    /// Lost or replaced: its token still opens the form, and the report is flagged.
    Revoked,
}

/// What a batch prints. Stored as `card`, `desk_sign`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    /// ID-1 cards for enterprises.
    Card,
    /// Desk signs for the windows of a service hall.
    DeskSign,
}

/// Where a report came in. Stored as `card`, `desk_sign`, `revoked_card`, `unknown_card`,
/// `web`, `api`.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReportSource {
    /// An enterprise's card.
    Card,
    /// A desk sign at a service window.
    DeskSign,
    /// A card that was revoked (lost or replaced).
    RevokedCard,
    /// A token no card has (mistyped, or made up).
    #[default]
    UnknownCard,
    /// The form with no card (`/report`).
    Web,
    /// The JSON API without a card token.
    Api,
}

/// What sort of email an outbox row is, shown on the outbox page. Stored as `test`,
/// `reminder`, `escalation`, `digest`, `event`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// The admin's test of the mail settings.
    Test,
    /// A deadline is near or due.
    Reminder,
    /// A deadline has passed: to the supervisors.
    Escalation,
    /// A staff member's daily summary.
    Digest,
    /// Someone must act: a case assigned, a decision, a reporter's reply, a request.
    Event,
}

/// `as_str` for an enum whose variants are stored as the given names (the same names
/// `DeriveActiveEnum` writes; a test holds the two together).
macro_rules! stored_names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// The name stored in the database (and shown in URLs, CSV and templates).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),*
                }
            }
        }
    };
}

stored_names!(CardStatus { Active => "active", Revoked => "revoked" });
stored_names!(BatchKind { Card => "card", DeskSign => "desk_sign" });
stored_names!(ReportSource {
    Card => "card",
    DeskSign => "desk_sign",
    RevokedCard => "revoked_card",
    UnknownCard => "unknown_card",
    Web => "web",
    Api => "api",
});
stored_names!(MailKind {
    Test => "test",
    Reminder => "reminder",
    Escalation => "escalation",
    Digest => "digest",
    Event => "event",
});

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    /// The stored names of every variant, as `DeriveActiveEnum` writes them.
    fn stored<T: ActiveEnum<Value = String> + Iterable>() -> Vec<String> {
        T::iter().map(|v| v.to_value()).collect()
    }

    #[test]
    fn enumerated_columns_keep_the_names_existing_databases_hold() {
        assert_eq!(stored::<CardStatus>(), ["active", "revoked"]);
        assert_eq!(stored::<BatchKind>(), ["card", "desk_sign"]);
        assert_eq!(
            stored::<ReportSource>(),
            [
                "card",
                "desk_sign",
                "revoked_card",
                "unknown_card",
                "web",
                "api"
            ]
        );
        assert_eq!(
            stored::<MailKind>(),
            ["test", "reminder", "escalation", "digest", "event"]
        );
    }

    #[test]
    fn the_names_shown_are_the_names_stored() {
        assert!(CardStatus::iter().all(|v| v.as_str() == v.to_value()));
        assert!(BatchKind::iter().all(|v| v.as_str() == v.to_value()));
        assert!(ReportSource::iter().all(|v| v.as_str() == v.to_value()));
        assert!(MailKind::iter().all(|v| v.as_str() == v.to_value()));
        // Each parses back from what it stores, as a row read from the database does.
        assert_eq!(
            ReportSource::try_from_value(&"revoked_card".to_string()).ok(),
            Some(ReportSource::RevokedCard)
        );
        assert!(CardStatus::try_from_value(&"lost".to_string()).is_err());
    }
}
