//! Cards: issuing batches, rendering them for print, revoking and reissuing.
//!
//! A card belongs to one batch and one holder: an enterprise (an ID-1 card) or a service
//! point (a desk sign). Its serial reads `C0012-00034` (kind letter, batch id, position in
//! the batch), so staff can find the batch of a card from the serial alone.

pub mod address;
pub mod assets;
pub mod cli;
mod downloads;
pub mod fonts;
mod issue;
mod lifecycle;
mod output;
pub mod print;
mod provenance;
mod query;
pub mod render;
mod routes;
mod stats;
mod stream;
mod targets;

pub use issue::{IssueRequest, Issued, Preview, Target, issue, issue_in, preview, scope_of};
pub use lifecycle::{reissue, revoke};
pub use output::{
    FolderSink, Rendered, ShortenedName, render_batch_faces, render_batch_pdf, shared_assets,
    shortened_names,
};
pub use provenance::{
    CardOrigin, SharedBy, holders_sharing, origin_of, plausible_token, unit_holders,
};
pub use query::{
    BatchRow, CardDetail, CardRow, PointChoice, batch_cards, card_by_id, card_by_serial,
    find_batch, list_batches, search_cards, service_point_choices,
};
pub use render::ZipSink;
pub use stats::{Stats, active_per_district, districts, stats};
pub use stream::{BatchCards, print_card_for, print_job};

use chrono::{DateTime, Utc};

use crate::audit::{Actor, Stamp};
use crate::error::{AppError, Msg};
use print::PrintKind;

pub use routes::staff_routes;

pub use crate::entities::enums::{BatchKind, CardStatus, Channel};
pub use address::{PrintAddress, SAMPLE_MARK};

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Visit => "visit",
            Channel::Window => "window",
        }
    }

    /// Parses `visit` or `window`.
    pub fn parse(text: &str) -> Option<Channel> {
        match text.trim() {
            "visit" => Some(Channel::Visit),
            "window" => Some(Channel::Window),
            _ => None,
        }
    }
}

/// Who holds a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Holder {
    Enterprise(i64),
    ServicePoint(i64),
}

/// Who issued a batch or changed a card: a staff account or the command line.
#[derive(Clone, Debug)]
pub struct IssuedBy {
    pub user_id: Option<i64>,
    /// Username, or `cli`.
    pub label: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl IssuedBy {
    /// The command-line operator, at `at`.
    pub fn cli(at: DateTime<Utc>) -> Self {
        Self {
            user_id: None,
            label: "cli".into(),
            at,
        }
    }

    /// A staff account, at `at`.
    pub fn user(id: i64, username: &str, at: DateTime<Utc>) -> Self {
        Self {
            user_id: Some(id),
            label: username.to_string(),
            at,
        }
    }

    /// What the audit row of this act is stamped with.
    pub fn stamp<'k>(&self, key: &'k [u8]) -> Stamp<'k> {
        Stamp::new(self.actor(), self.at, key)
    }

    /// The audit-log actor.
    pub fn actor(&self) -> Actor {
        match self.user_id {
            Some(id) => Actor::User(id),
            None => Actor::System("cli"),
        }
    }
}

/// Why a card operation did not happen. The text of the first three is for the person.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// The request makes no sense for the data (unknown USCC, empty selection…).
    #[error("{0}")]
    Refused(Msg),
    #[error("{0}")]
    NotFound(Msg),
    /// The card is not in a state that allows this (already revoked, already replaced).
    #[error("{0}")]
    Conflict(Msg),
    /// The batch would no longer be the size the person confirmed (the register changed).
    #[error("the batch changed from {expected} to {now} cards")]
    Changed { expected: usize, now: usize },
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<CardError> for AppError {
    fn from(e: CardError) -> Self {
        match e {
            CardError::Refused(m) => AppError::Unprocessable(m),
            CardError::NotFound(_) => AppError::NotFound,
            CardError::Conflict(m) => AppError::Conflict(m),
            CardError::Changed { expected, now } => AppError::Conflict(
                Msg::new("cards_issue_changed")
                    .arg("expected", expected)
                    .arg("now", now),
            ),
            CardError::Db(e) => AppError::Internal(anyhow::Error::new(e)),
            CardError::Other(e) => AppError::Internal(e),
        }
    }
}

impl From<CardError> for crate::console::CliError {
    fn from(e: CardError) -> Self {
        match e {
            CardError::Refused(m) | CardError::NotFound(m) | CardError::Conflict(m) => {
                crate::console::CliError::Usage(m.to_string())
            }
            changed @ CardError::Changed { .. } => {
                crate::console::CliError::Usage(changed.to_string())
            }
            CardError::Db(e) => anyhow::Error::new(e).into(),
            CardError::Other(e) => e.into(),
        }
    }
}

/// The stored kind of a batch that prints `kind`.
pub fn batch_kind(kind: PrintKind) -> BatchKind {
    match kind {
        PrintKind::Card => BatchKind::Card,
        PrintKind::DeskSign => BatchKind::DeskSign,
    }
}

/// What a batch of `kind` prints (the renderer knows nothing of the database).
pub fn print_kind(kind: BatchKind) -> PrintKind {
    match kind {
        BatchKind::Card => PrintKind::Card,
        BatchKind::DeskSign => PrintKind::DeskSign,
    }
}

/// The print template a new batch of `kind` uses.
pub fn template_for(kind: PrintKind) -> &'static str {
    match kind {
        PrintKind::Card => "id1",
        PrintKind::DeskSign => "desk-sign",
    }
}

/// `C0012-00034`: kind letter (C card, D desk sign), batch id, position in the batch.
/// Unique because (batch, position) is; short enough to read out on the phone.
pub fn serial_for(kind: PrintKind, batch_id: i64, position: i32) -> String {
    let letter = match kind {
        PrintKind::Card => 'C',
        PrintKind::DeskSign => 'D',
    };
    format!("{letter}{batch_id:04}-{position:05}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_name_the_kind_batch_and_position() {
        assert_eq!(serial_for(PrintKind::Card, 12, 34), "C0012-00034");
        assert_eq!(serial_for(PrintKind::DeskSign, 3, 1), "D0003-00001");
        assert_eq!(
            serial_for(PrintKind::Card, 123456, 100001),
            "C123456-100001"
        );
    }

    #[test]
    fn channels_round_trip_through_their_names() {
        for channel in [Channel::Visit, Channel::Window] {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
        assert_eq!(Channel::parse("post"), None);
    }
}
