//! Indexes for counting a month's steps (考核, the monthly 通报): cases accepted, concluded,
//! closed and rated in a period, the `returned` and `reopened` events by kind and time, and
//! urgings by time. Without them each of those counts read every case: 3 s for one month at
//! 1,000,000 cases on SQLite.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000008_appraisal_indexes"
    }
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    AcceptedAt,
    ConcludedAt,
    ClosedAt,
    RatedAt,
}

#[derive(DeriveIden)]
enum CaseEvents {
    Table,
    Kind,
    At,
}

#[derive(DeriveIden)]
enum Urgings {
    Table,
    CreatedAt,
}

/// Each index: its name, its table and its columns.
fn indexes() -> Vec<(&'static str, DynIden, Vec<DynIden>)> {
    let cases = || Cases::Table.into_iden();
    vec![
        (
            "ix_cases_accepted_at",
            cases(),
            vec![Cases::AcceptedAt.into_iden()],
        ),
        (
            "ix_cases_concluded_at",
            cases(),
            vec![Cases::ConcludedAt.into_iden()],
        ),
        (
            "ix_cases_closed_at",
            cases(),
            vec![Cases::ClosedAt.into_iden()],
        ),
        (
            "ix_cases_rated_at",
            cases(),
            vec![Cases::RatedAt.into_iden()],
        ),
        (
            "ix_case_events_kind_at",
            CaseEvents::Table.into_iden(),
            vec![CaseEvents::Kind.into_iden(), CaseEvents::At.into_iden()],
        ),
        (
            "ix_urgings_created_at",
            Urgings::Table.into_iden(),
            vec![Urgings::CreatedAt.into_iden()],
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in indexes() {
            let mut index = Index::create();
            index.name(name).table(table).if_not_exists();
            for col in cols {
                index.col(col);
            }
            m.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in indexes() {
            let mut drop = Index::drop();
            drop.name(name).table(table).if_exists();
            m.drop_index(drop).await?;
        }
        Ok(())
    }
}
