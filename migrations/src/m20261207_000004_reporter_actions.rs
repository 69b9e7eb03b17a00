//! One row per reporter action sent from the follow-up page (a reply, new evidence), keyed by
//! a keyed hash of the one-time id its form carried: a reload, a double tap or four
//! simultaneous sends of one form store one action. Rows go after a day.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000004_reporter_actions"
    }
}

#[derive(DeriveIden)]
enum ReporterActions {
    Table,
    ActionHash,
    CaseId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ReporterActions::Table)
                .if_not_exists()
                // The primary key makes racing sends of one form meet: one insert wins.
                .col(
                    ColumnDef::new(ReporterActions::ActionHash)
                        .text()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ReporterActions::CaseId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ReporterActions::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ReporterActions::Table, ReporterActions::CaseId)
                        .to(Cases::Table, Cases::Id),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_reporter_actions_created")
                .table(ReporterActions::Table)
                .col(ReporterActions::CreatedAt)
                .if_not_exists()
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(ReporterActions::Table)
                .if_exists()
                .take(),
        )
        .await
    }
}
