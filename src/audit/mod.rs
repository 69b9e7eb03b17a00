//! The append-only, tamper-evident audit log. Each row carries a keyed hash (HMAC under the
//! server key) of its content and of the previous row's hash, so deleting, editing or
//! reordering rows breaks the chain, and nobody without the key can forge a new one. The
//! chain head (length and newest hash, sealed with the key) catches rows cut off the end.
//! The database refuses UPDATE and DELETE on the log (triggers on both engines).

pub mod anchor;
pub mod words;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::entities::{audit_head, audit_log};
use crate::error::Msg;

mod action;

pub use action::AuditAction;

/// Who did it.
#[derive(Clone, Debug)]
pub enum Actor {
    /// A staff account.
    User(i64),
    /// A command-line operator or the server itself (label says which).
    System(&'static str),
    /// A reporter, acting through a card or a query code (never identified further).
    Reporter,
}

/// Who acts, when, and the key that seals the record: what every audited change takes.
#[derive(Clone, Debug)]
pub struct Stamp<'k> {
    pub actor: Actor,
    pub at: DateTime<Utc>,
    pub key: &'k [u8],
}

impl<'k> Stamp<'k> {
    /// `actor` acting at `at`, recorded under `key`.
    pub fn new(actor: Actor, at: DateTime<Utc>, key: &'k [u8]) -> Self {
        Self { actor, at, key }
    }

    /// The user id, when a staff account acts.
    pub fn user_id(&self) -> Option<i64> {
        match self.actor {
            Actor::User(id) => Some(id),
            _ => None,
        }
    }
}

/// One thing to record.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub action: AuditAction,
    pub subject_type: &'static str,
    pub subject_id: Option<String>,
    pub detail: serde_json::Value,
}

impl AuditEvent {
    /// An event about `subject_type` #`subject_id`.
    pub fn new(action: AuditAction, subject_type: &'static str, subject_id: impl ToString) -> Self {
        Self {
            action,
            subject_type,
            subject_id: Some(subject_id.to_string()),
            detail: serde_json::json!({}),
        }
    }

    /// Adds structured detail (never reporter content).
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

fn entry_hash(key: &[u8], row: &audit_log::Model, prev_hash: &str) -> String {
    let content = format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        row.id,
        row.at.timestamp_micros(),
        row.actor_id.map(|a| a.to_string()).unwrap_or_default(),
        row.actor_label,
        row.action,
        row.subject_type,
        row.subject_id.clone().unwrap_or_default(),
        row.detail,
        prev_hash
    );
    crate::crypto::keyed_hash(key, "audit", content.as_bytes())
}

/// Appends `event` by `stamp.actor` as of `stamp.at`, inside the caller's transaction, so that the change it records
/// and the row commit together or not at all. The row's hash is computed before it is inserted
/// (rows are never updated; the database refuses it). Appends take turns on the chain head:
/// its row lock on PostgreSQL, the write lock the caller's [`crate::db::WriteGate`]
/// transaction holds on SQLite.
pub async fn append(
    db: &impl ConnectionTrait,
    stamp: &Stamp<'_>,
    event: AuditEvent,
) -> Result<(), DbErr> {
    let (key, at) = (stamp.key, stamp.at);
    let head = lock_head(db).await?;
    let (actor_id, actor_label) = match stamp.actor {
        Actor::User(id) => (Some(id), format!("user:{id}")),
        Actor::System(label) => (None, format!("system:{label}")),
        Actor::Reporter => (None, "reporter".to_string()),
    };
    let row = audit_log::Model {
        id: head.last_id + 1,
        at: DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at),
        actor_id,
        actor_label,
        action: event.action.as_str().to_string(),
        subject_type: event.subject_type.to_string(),
        subject_id: event.subject_id,
        detail: event.detail.to_string(),
        prev_hash: head.last_hash.clone(),
        hash: String::new(),
    };
    let hash = entry_hash(key, &row, &head.last_hash);
    let (id, entries) = (row.id, head.entries + 1);
    audit_log::ActiveModel {
        id: Set(row.id),
        at: Set(row.at),
        actor_id: Set(row.actor_id),
        actor_label: Set(row.actor_label),
        action: Set(row.action),
        subject_type: Set(row.subject_type),
        subject_id: Set(row.subject_id),
        detail: Set(row.detail),
        prev_hash: Set(row.prev_hash),
        hash: Set(hash.clone()),
    }
    .insert(db)
    .await?;
    // A head that was tampered with stays visibly broken: resealing it would hide a cut.
    let seal = if head.seal == seal_of(key, head.entries, head.last_id, &head.last_hash) {
        seal_of(key, entries, id, &hash)
    } else {
        tracing::error!(
            "the audit chain head does not match its seal; run `jianduka audit verify`"
        );
        String::new()
    };
    audit_head::ActiveModel {
        id: Set(HEAD_ID),
        entries: Set(entries),
        last_id: Set(id),
        last_hash: Set(hash),
        seal: Set(seal),
    }
    .update(db)
    .await?;
    Ok(())
}

const HEAD_ID: i32 = 1;

/// The head, locked for this transaction on PostgreSQL.
async fn lock_head(db: &impl ConnectionTrait) -> Result<audit_head::Model, DbErr> {
    let mut query = audit_head::Entity::find_by_id(HEAD_ID);
    if db.get_database_backend() == DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    query
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("the audit chain head is missing".into()))
}

/// The keyed seal over the head's state: only the key's holder can make a valid one.
fn seal_of(key: &[u8], entries: i64, last_id: i64, last_hash: &str) -> String {
    let content = format!("{entries}\n{last_id}\n{last_hash}");
    crate::crypto::keyed_hash(key, "audit-head", content.as_bytes())
}

/// Seals the head that the append-only migration has just created from the rows already
/// there. Called only in the run that applied that migration: a head whose seal is later
/// blanked is never resealed, so blanking it cannot hide a cut.
pub async fn seal_new_head(db: &impl ConnectionTrait, key: &[u8]) -> Result<(), DbErr> {
    let head = lock_head(db).await?;
    audit_head::ActiveModel {
        id: Set(HEAD_ID),
        seal: Set(seal_of(key, head.entries, head.last_id, &head.last_hash)),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// The result of checking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    /// Every row checks out.
    Intact { entries: u64 },
    /// The first row that does not (its id and why).
    Broken { id: i64, reason: Msg },
}

/// Walks the whole log in id order and checks every link, then that the newest row is the
/// one the sealed head names (so rows cut off the end are caught too).
pub async fn verify(db: &impl ConnectionTrait, key: &[u8]) -> Result<Verification, DbErr> {
    let mut prev_hash = String::new();
    let mut checked = 0u64;
    let mut last_id = 0i64;
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Id.gt(last_id))
            .order_by_asc(audit_log::Column::Id)
            .limit(1000)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            if row.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    id: row.id,
                    reason: Msg::new("audit_broken_link"),
                });
            }
            if entry_hash(key, &row, &prev_hash) != row.hash {
                return Ok(Verification::Broken {
                    id: row.id,
                    reason: Msg::new("audit_broken_hash"),
                });
            }
            prev_hash = row.hash.clone();
            last_id = row.id;
            checked += 1;
        }
    }
    let Some(head) = audit_head::Entity::find_by_id(HEAD_ID).one(db).await? else {
        return Ok(Verification::Broken {
            id: last_id,
            reason: Msg::new("audit_broken_no_head"),
        });
    };
    if head.seal != seal_of(key, head.entries, head.last_id, &head.last_hash) {
        return Ok(Verification::Broken {
            id: head.last_id,
            reason: Msg::new("audit_broken_seal"),
        });
    }
    if head.entries != checked as i64 || head.last_id != last_id || head.last_hash != prev_hash {
        let missing = head.entries - checked as i64;
        return Ok(Verification::Broken {
            id: last_id + 1,
            reason: Msg::new("audit_broken_cut")
                .arg("entries", head.entries)
                .arg("last", head.last_id)
                .arg("checked", checked)
                .arg("missing", missing),
        });
    }
    Ok(Verification::Intact { entries: checked })
}

/// Which audit rows to show.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// `user:12`, `system:cli`, `reporter`.
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Rows about one case (subject `case`, id).
    pub case_id: Option<i64>,
    /// From this instant (inclusive) …
    pub from: Option<DateTime<Utc>>,
    /// … to this one (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Rows older than this id (keyset paging, newest first).
    pub before: Option<i64>,
}

/// A page of audit rows, newest first, and where the next page starts.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    size: u64,
) -> Result<(Vec<audit_log::Model>, Option<i64>), DbErr> {
    let mut query = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::Column::ActorLabel.eq(actor.as_str()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::Column::Action.eq(action.as_str()));
    }
    if let Some(case_id) = filter.case_id {
        query = query
            .filter(audit_log::Column::SubjectType.eq("case"))
            .filter(audit_log::Column::SubjectId.eq(case_id.to_string()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::Column::At.lt(to));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    let mut rows = query.limit(size + 1).all(db).await?;
    let next = if rows.len() as u64 > size {
        rows.truncate(size as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok((rows, next))
}

/// The actions the log holds, for a filter menu.
pub async fn actions(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Action)
        .distinct()
        .order_by_asc(audit_log::Column::Action)
        .into_tuple()
        .all(db)
        .await
}

/// Whether `row`'s content still gives its stored hash (with the hash before it as the row
/// itself records it): false for a row edited in the database. A single row's check, for a
/// document that lists some rows of the chain (a case dossier); [`verify`] walks the links.
pub fn row_holds(key: &[u8], row: &audit_log::Model) -> bool {
    entry_hash(key, row, &row.prev_hash) == row.hash
}
