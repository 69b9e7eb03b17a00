//! At most one extension request per case waits for a decision. The check before the insert
//! cannot see a request sent at the same moment on PostgreSQL; this partial unique index can.
//! Both SQLite and PostgreSQL support partial indexes with the same syntax.
//!
//! Requests stored twice before this index (the race it closes) would stop it from being
//! built: all but the oldest undecided request of a case are first closed as refused, with a
//! note saying why, so the older request keeps its place and no deadline moves.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000005_one_pending_request"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE extensions SET decided_at = requested_at, approved = FALSE, \
             decision_note = 'duplicate request closed by migration' \
             WHERE decided_at IS NULL AND EXISTS (SELECT 1 FROM extensions older \
             WHERE older.case_id = extensions.case_id AND older.decided_at IS NULL \
             AND older.id < extensions.id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_extensions_one_pending \
             ON extensions (case_id) WHERE decided_at IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ux_extensions_one_pending")
            .await?;
        Ok(())
    }
}
