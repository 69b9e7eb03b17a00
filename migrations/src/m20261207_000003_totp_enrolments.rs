//! Second-factor enrolments in progress: the secret the server chose for a user, kept here
//! (never taken back from the browser) until the user proves their app shows its codes. One
//! row per user; a newer enrolment replaces the older one.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000003_totp_enrolments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TotpEnrolments::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(TotpEnrolments::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(TotpEnrolments::Secret).text().not_null())
                .col(
                    ColumnDef::new(TotpEnrolments::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TotpEnrolments::Table, TotpEnrolments::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(TotpEnrolments::Table)
                .if_exists()
                .take(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum TotpEnrolments {
    Table,
    UserId,
    Secret,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
