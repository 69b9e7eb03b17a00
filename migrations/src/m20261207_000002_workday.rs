//! The office's working day: when the reporter last wrote or sent evidence on a case, and when
//! each staff member last opened it (新回复 / 新材料 until they do); a supervisor's formal urging
//! (督办) with its note and requested date; the yellow window of a deadline policy (三色预警);
//! and the kinds of event email a staff member has turned off.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000002_workday"
    }
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    ReporterActivityAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SlaPolicies {
    Table,
    YellowDays,
}

#[derive(DeriveIden)]
enum CaseReads {
    Table,
    UserId,
    CaseId,
    SeenAt,
}

#[derive(DeriveIden)]
enum Urgings {
    Table,
    Id,
    CaseId,
    UrgedBy,
    Note,
    RequestedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MailMuted {
    Table,
    UserId,
    Kind,
}

fn time(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Cases::Table)
                .add_column(
                    ColumnDef::new(Cases::ReporterActivityAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(SlaPolicies::Table)
                .add_column(
                    ColumnDef::new(SlaPolicies::YellowDays)
                        .integer()
                        .not_null()
                        .default(1),
                )
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CaseReads::Table)
                .if_not_exists()
                .col(ColumnDef::new(CaseReads::UserId).big_integer().not_null())
                .col(ColumnDef::new(CaseReads::CaseId).big_integer().not_null())
                .col(time(CaseReads::SeenAt))
                .primary_key(
                    Index::create()
                        .col(CaseReads::UserId)
                        .col(CaseReads::CaseId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CaseReads::Table, CaseReads::UserId)
                        .to(Users::Table, Users::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CaseReads::Table, CaseReads::CaseId)
                        .to(Cases::Table, Cases::Id),
                )
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Urgings::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Urgings::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Urgings::CaseId).big_integer().not_null())
                .col(ColumnDef::new(Urgings::UrgedBy).big_integer().not_null())
                .col(ColumnDef::new(Urgings::Note).text().not_null())
                .col(ColumnDef::new(Urgings::RequestedOn).date().not_null())
                .col(time(Urgings::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Urgings::Table, Urgings::CaseId)
                        .to(Cases::Table, Cases::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Urgings::Table, Urgings::UrgedBy)
                        .to(Users::Table, Users::Id),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_urgings_case")
                .table(Urgings::Table)
                .col(Urgings::CaseId)
                .if_not_exists()
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MailMuted::Table)
                .if_not_exists()
                .col(ColumnDef::new(MailMuted::UserId).big_integer().not_null())
                .col(ColumnDef::new(MailMuted::Kind).text().not_null())
                .primary_key(Index::create().col(MailMuted::UserId).col(MailMuted::Kind))
                .foreign_key(
                    ForeignKey::create()
                        .from(MailMuted::Table, MailMuted::UserId)
                        .to(Users::Table, Users::Id),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MailMuted::Table.into_iden(),
            Urgings::Table.into_iden(),
            CaseReads::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        m.alter_table(
            Table::alter()
                .table(SlaPolicies::Table)
                .drop_column(SlaPolicies::YellowDays)
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Cases::Table)
                .drop_column(Cases::ReporterActivityAt)
                .take(),
        )
        .await
    }
}
