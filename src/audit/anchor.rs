//! Anchoring the chain outside the database. The sealed head catches rows cut off the end,
//! but not someone who cuts them and puts back an older genuine head (its seal is right, it
//! just names fewer rows). `jianduka audit head` prints the head as `COUNT:HASH` for an
//! operator to keep elsewhere (a ticket, a printed report, a mail archive); `jianduka audit
//! verify --expect COUNT:HASH` then checks that the log still holds that row, unchanged.

use std::fmt;
use std::str::FromStr;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect};

use super::Verification;
use crate::entities::{audit_head, audit_log};
use crate::error::Msg;

/// The chain as it stood at some moment: how many rows it had and the newest row's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub entries: u64,
    pub hash: String,
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.entries, self.hash)
    }
}

impl FromStr for Anchor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = || format!("'{text}' is not COUNT:HASH as `jianduka audit head` prints it");
        let (count, hash) = text.trim().split_once(':').ok_or_else(refuse)?;
        let entries = count.parse::<u64>().map_err(|_| refuse())?;
        if (hash.is_empty() && entries > 0)
            || hash.len() > 128
            || !hash.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(refuse());
        }
        Ok(Self {
            entries,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

/// The anchor of the chain as its sealed head names it now (the count and the hash are
/// written together by every append, so they always belong to one row). Call it after
/// [`super::verify`] found the chain intact.
pub async fn head(db: &impl ConnectionTrait) -> Result<Option<Anchor>, DbErr> {
    Ok(audit_head::Entity::find()
        .one(db)
        .await?
        .map(|head| Anchor {
            entries: u64::try_from(head.entries).unwrap_or_default(),
            hash: head.last_hash,
        }))
}

/// Checks an intact chain of `entries` rows against `anchor`: the log must still reach the
/// anchored row, and that row must be the one anchored. A shorter log is a rollback.
pub async fn check(
    db: &impl ConnectionTrait,
    entries: u64,
    anchor: &Anchor,
) -> Result<Verification, DbErr> {
    if entries < anchor.entries {
        return Ok(Verification::Broken {
            id: i64::try_from(entries + 1).unwrap_or(i64::MAX),
            reason: Msg::new("audit_broken_rollback")
                .arg("expected", anchor.entries)
                .arg("entries", entries),
        });
    }
    if anchor.entries == 0 {
        return Ok(Verification::Intact { entries });
    }
    // The anchored row, counted in id order as the chain runs.
    let row = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .offset(anchor.entries - 1)
        .limit(1)
        .one(db)
        .await?;
    match row {
        Some(row) if row.hash == anchor.hash => Ok(Verification::Intact { entries }),
        other => Ok(Verification::Broken {
            id: other.map_or(0, |row| row.id),
            reason: Msg::new("audit_broken_anchor").arg("expected", anchor.entries),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchor_reads_back_what_it_prints_and_refuses_anything_else() {
        let anchor: Anchor = "42:ABCdef0123".parse().expect("anchor");
        assert_eq!(anchor.entries, 42);
        assert_eq!(anchor.to_string(), "42:abcdef0123");
        assert!("0:".parse::<Anchor>().is_ok(), "an empty log");
        for bad in ["", "42", "x:abc", "42:", "42:xyz", "-1:abc"] {
            assert!(bad.parse::<Anchor>().is_err(), "{bad}");
        }
    }
}
