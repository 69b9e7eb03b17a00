//! 不予受理 by approval: an inspector's decline is a request with a reason, which a supervisor
//! approves (the case is declined) or refuses (it stays with the inspector, with a note). At
//! most one request per case waits for a decision: a partial unique index on undecided rows
//! holds that even for two requests sent at the same moment (both engines support it).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000006_decline_requests"
    }
}

#[derive(DeriveIden)]
enum DeclineRequests {
    Table,
    Id,
    CaseId,
    RequestedBy,
    Reason,
    RequestedAt,
    DecidedBy,
    DecidedAt,
    Approved,
    DecisionNote,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DeclineRequests::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(DeclineRequests::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(DeclineRequests::CaseId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(DeclineRequests::RequestedBy)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(DeclineRequests::Reason).text().not_null())
                .col(
                    ColumnDef::new(DeclineRequests::RequestedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(DeclineRequests::DecidedBy)
                        .big_integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(DeclineRequests::DecidedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(DeclineRequests::Approved).boolean().null())
                .col(ColumnDef::new(DeclineRequests::DecisionNote).text().null())
                .foreign_key(
                    ForeignKey::create()
                        .from(DeclineRequests::Table, DeclineRequests::CaseId)
                        .to(Cases::Table, Cases::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DeclineRequests::Table, DeclineRequests::RequestedBy)
                        .to(Users::Table, Users::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DeclineRequests::Table, DeclineRequests::DecidedBy)
                        .to(Users::Table, Users::Id),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_decline_requests_case")
                .table(DeclineRequests::Table)
                .col(DeclineRequests::CaseId)
                .if_not_exists()
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS ux_decline_requests_one_pending \
                 ON decline_requests (case_id) WHERE decided_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(DeclineRequests::Table)
                .if_exists()
                .take(),
        )
        .await
    }
}
