//! The reporter's objection (申诉) to a decline or an answer — at most one per case, which a
//! unique index holds even against two sends at once — and the follow-ups (回访) staff record
//! with reporters who left contact details.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000007_objections_follow_ups"
    }
}

#[derive(DeriveIden)]
enum Objections {
    Table,
    Id,
    CaseId,
    At,
    Body,
    DueOn,
    ResolvedAt,
    ResolvedBy,
    Resolution,
    Answer,
}

#[derive(DeriveIden)]
enum FollowUps {
    Table,
    Id,
    CaseId,
    VisitedOn,
    Channel,
    Outcome,
    Note,
    RecordedBy,
    RecordedAt,
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
                .table(Objections::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Objections::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Objections::CaseId).big_integer().not_null())
                .col(
                    ColumnDef::new(Objections::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(Objections::Body).text().not_null())
                .col(ColumnDef::new(Objections::DueOn).date().not_null())
                .col(ColumnDef::new(Objections::ResolvedAt).timestamp_with_time_zone())
                .col(ColumnDef::new(Objections::ResolvedBy).big_integer())
                .col(ColumnDef::new(Objections::Resolution).text())
                .col(ColumnDef::new(Objections::Answer).text())
                .foreign_key(
                    ForeignKey::create()
                        .from(Objections::Table, Objections::CaseId)
                        .to(Cases::Table, Cases::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Objections::Table, Objections::ResolvedBy)
                        .to(Users::Table, Users::Id),
                )
                .take(),
        )
        .await?;
        // Once per case: the second of two simultaneous objections meets this index.
        m.create_index(
            Index::create()
                .name("ux_objections_case")
                .table(Objections::Table)
                .col(Objections::CaseId)
                .unique()
                .if_not_exists()
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(FollowUps::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(FollowUps::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(FollowUps::CaseId).big_integer().not_null())
                .col(ColumnDef::new(FollowUps::VisitedOn).date().not_null())
                .col(ColumnDef::new(FollowUps::Channel).text().not_null())
                .col(ColumnDef::new(FollowUps::Outcome).text().not_null())
                .col(ColumnDef::new(FollowUps::Note).text().not_null())
                .col(
                    ColumnDef::new(FollowUps::RecordedBy)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(FollowUps::RecordedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(FollowUps::Table, FollowUps::CaseId)
                        .to(Cases::Table, Cases::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(FollowUps::Table, FollowUps::RecordedBy)
                        .to(Users::Table, Users::Id),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_follow_ups_case")
                .table(FollowUps::Table)
                .col(FollowUps::CaseId)
                .if_not_exists()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_follow_ups_visited")
                .table(FollowUps::Table)
                .col(FollowUps::VisitedOn)
                .if_not_exists()
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(FollowUps::Table).if_exists().take())
            .await?;
        m.drop_table(Table::drop().table(Objections::Table).if_exists().take())
            .await
    }
}
