//! The append-only, tamper-evident audit log. Each row carries a keyed hash (HMAC under the
//! server key) of its content and of the previous row's hash, so deleting, editing or
//! reordering rows breaks the chain, and nobody without the key can forge a new one.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};

use crate::entities::audit_log;

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

/// One thing to record.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub actor: Actor,
    pub action: &'static str,
    pub subject_type: &'static str,
    pub subject_id: Option<String>,
    pub detail: serde_json::Value,
}

impl AuditEvent {
    /// An event about `subject_type` #`subject_id`.
    pub fn new(
        actor: Actor,
        action: &'static str,
        subject_type: &'static str,
        subject_id: impl ToString,
    ) -> Self {
        Self {
            actor,
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

/// Appends `event` in its own short transaction. The row is inserted first (taking the
/// write lock on SQLite), then chained to its predecessor; on PostgreSQL an advisory lock
/// serialises appends across server instances.
pub async fn append(db: &DatabaseConnection, key: &[u8], event: AuditEvent) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(7220001)",
        ))
        .await?;
    }
    let (actor_id, actor_label) = match event.actor {
        Actor::User(id) => (Some(id), format!("user:{id}")),
        Actor::System(label) => (None, format!("system:{label}")),
        Actor::Reporter => (None, "reporter".to_string()),
    };
    let now = Utc::now();
    let at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let placeholder = format!("pending-{}", crate::crypto::random_token::<16>()?);
    let row = audit_log::ActiveModel {
        at: Set(at),
        actor_id: Set(actor_id),
        actor_label: Set(actor_label),
        action: Set(event.action.to_string()),
        subject_type: Set(event.subject_type.to_string()),
        subject_id: Set(event.subject_id),
        detail: Set(event.detail.to_string()),
        prev_hash: Set(String::new()),
        hash: Set(placeholder),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let prev_hash = audit_log::Entity::find()
        .filter(audit_log::Column::Id.lt(row.id))
        .order_by_desc(audit_log::Column::Id)
        .one(&txn)
        .await?
        .map(|r| r.hash)
        .unwrap_or_default();
    let hash = entry_hash(key, &row, &prev_hash);
    let mut active = row.into_active_model();
    active.prev_hash = Set(prev_hash);
    active.hash = Set(hash);
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// The result of checking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    /// Every row checks out.
    Intact { entries: u64 },
    /// The first row that does not (its id and why).
    Broken { id: i64, reason: String },
}

/// Walks the whole log in id order and checks every link.
pub async fn verify(db: &impl ConnectionTrait, key: &[u8]) -> anyhow::Result<Verification> {
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
            return Ok(Verification::Intact { entries: checked });
        }
        for row in page {
            if row.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    id: row.id,
                    reason: "does not follow the entry before it (a row was removed or reordered)"
                        .into(),
                });
            }
            if entry_hash(key, &row, &prev_hash) != row.hash {
                return Ok(Verification::Broken {
                    id: row.id,
                    reason: "its content does not match its hash (it was edited)".into(),
                });
            }
            prev_hash = row.hash.clone();
            last_id = row.id;
            checked += 1;
        }
    }
}
