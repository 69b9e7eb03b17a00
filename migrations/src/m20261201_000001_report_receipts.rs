//! Receipts of submitted reports, so that sending the same form twice (a reload, a double tap,
//! a retry over a weak link) files one report and shows the same receipt. A row is found by a
//! keyed hash of the one-time submission id; the query code is kept only sealed under a key
//! derived from that id, and only for a short while (`code_expires_at`); the row itself goes
//! at `expires_at`.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000001_report_receipts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let time = |col: ReportReceipts| {
            ColumnDef::new(col)
                .timestamp_with_time_zone()
                .not_null()
                .take()
        };
        m.create_table(
            Table::create()
                .table(ReportReceipts::Table)
                .if_not_exists()
                // The primary key makes two racing submissions of one id meet: one insert wins.
                .col(
                    ColumnDef::new(ReportReceipts::SubmissionHash)
                        .text()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(ReportReceipts::CaseNumber).text().not_null())
                .col(time(ReportReceipts::ReceivedAt))
                .col(ColumnDef::new(ReportReceipts::SealedCode).text().null())
                .col(time(ReportReceipts::CodeExpiresAt))
                .col(time(ReportReceipts::ExpiresAt))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_report_receipts_expires")
                .table(ReportReceipts::Table)
                .col(ReportReceipts::ExpiresAt)
                .if_not_exists()
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(ReportReceipts::Table)
                .if_exists()
                .take(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum ReportReceipts {
    Table,
    SubmissionHash,
    CaseNumber,
    ReceivedAt,
    SealedCode,
    CodeExpiresAt,
    ExpiresAt,
}
