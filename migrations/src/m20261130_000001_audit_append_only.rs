//! The audit log becomes append-only in the database itself: triggers refuse UPDATE and DELETE
//! on `audit_log` (and TRUNCATE on PostgreSQL), and a one-row `audit_head` keeps the chain's
//! length and newest hash, so that cutting off the newest rows is detected too. The server
//! seals the head with its key right after this migration runs (it has the key; this does not).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000001_audit_append_only"
    }
}

const SQLITE_TRIGGERS: [&str; 2] = [
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
];

const POSTGRES_TRIGGERS: [&str; 3] = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ \
     BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log \
     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditHead::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(AuditHead::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(AuditHead::Entries).big_integer().not_null())
                .col(ColumnDef::new(AuditHead::LastId).big_integer().not_null())
                .col(ColumnDef::new(AuditHead::LastHash).text().not_null())
                // Empty until the server seals it with its key.
                .col(ColumnDef::new(AuditHead::Seal).text().not_null())
                .take(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "INSERT INTO audit_head (id, entries, last_id, last_hash, seal) \
             SELECT 1, COUNT(*), COALESCE(MAX(id), 0), \
                    COALESCE((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), ''), '' \
             FROM audit_log",
        )
        .await?;
        let statements: &[&str] = match db.get_database_backend() {
            DbBackend::Postgres => &POSTGRES_TRIGGERS,
            _ => &SQLITE_TRIGGERS,
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let statements: &[&str] = match db.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
                "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
                "DROP FUNCTION IF EXISTS audit_log_append_only()",
            ],
            _ => &[
                "DROP TRIGGER IF EXISTS audit_log_no_update",
                "DROP TRIGGER IF EXISTS audit_log_no_delete",
            ],
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        m.drop_table(Table::drop().table(AuditHead::Table).if_exists().take())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    Entries,
    LastId,
    LastHash,
    Seal,
}
