//! `ix_cases_due (due_on, status)` from the first migration duplicates `ix_cases_due_id
//! (due_on, id)`, which the tick's range scan and the case list use: one index fewer to keep
//! up on every case change.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000001_drop_duplicate_due_index"
    }
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    DueOn,
    Status,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut drop = Index::drop();
        drop.name("ix_cases_due").table(Cases::Table).if_exists();
        m.drop_index(drop).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_cases_due")
                .table(Cases::Table)
                .col(Cases::DueOn)
                .col(Cases::Status)
                .if_not_exists()
                .take(),
        )
        .await
    }
}
