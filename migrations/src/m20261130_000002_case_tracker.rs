//! The case tracker: a version per case for optimistic locking; the fields the case list
//! filters on (district, revoked card) copied onto `cases` and indexed with the due date, so
//! that keyset pages stay fast at 100,000 cases; the internal summary and the reporter's
//! feedback; which districts each unit covers; personal API tokens; a stable key per
//! negative-list item across list versions; TOTP replay protection; files on internal notes;
//! the supervisor's note on an extension decision.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000002_case_tracker"
    }
}

/// Adds one column (SQLite alters one column per statement).
async fn add(m: &SchemaManager<'_>, table: impl IntoIden, column: ColumnDef) -> Result<(), DbErr> {
    m.alter_table(
        Table::alter()
            .table(table)
            .add_column(column.to_owned())
            .take(),
    )
    .await
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table).if_not_exists();
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    if unique {
        stmt.unique();
    }
    m.create_index(stmt).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add(
            m,
            Cases::Table,
            ColumnDef::new(Cases::Version)
                .integer()
                .not_null()
                .default(0)
                .take(),
        )
        .await?;
        add(
            m,
            Cases::Table,
            ColumnDef::new(Cases::District).text().null().take(),
        )
        .await?;
        add(
            m,
            Cases::Table,
            ColumnDef::new(Cases::FromRevokedCard)
                .boolean()
                .not_null()
                .default(false)
                .take(),
        )
        .await?;
        add(
            m,
            Cases::Table,
            ColumnDef::new(Cases::Summary).text().null().take(),
        )
        .await?;
        add(
            m,
            Cases::Table,
            ColumnDef::new(Cases::Feedback).text().null().take(),
        )
        .await?;
        add(
            m,
            Cases::Table,
            ColumnDef::new(Cases::PolicyId).big_integer().null().take(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE cases SET \
               district = (SELECT r.district FROM reports r WHERE r.id = cases.report_id), \
               from_revoked_card = (SELECT r.from_revoked_card FROM reports r \
                                    WHERE r.id = cases.report_id)",
        )
        .await?;
        // Keyset pages: the default order (due date, id) and the same under each common filter.
        index(m, "ix_cases_due_id", Cases::Table, &["due_on", "id"], false).await?;
        index(
            m,
            "ix_cases_status_due",
            Cases::Table,
            &["status", "due_on", "id"],
            false,
        )
        .await?;
        index(
            m,
            "ix_cases_unit_due",
            Cases::Table,
            &["unit_id", "due_on", "id"],
            false,
        )
        .await?;
        index(
            m,
            "ix_cases_assignee_due",
            Cases::Table,
            &["assignee_id", "due_on", "id"],
            false,
        )
        .await?;
        index(
            m,
            "ix_cases_district_due",
            Cases::Table,
            &["district", "due_on", "id"],
            false,
        )
        .await?;
        index(
            m,
            "ix_cases_flagged_due",
            Cases::Table,
            &["needs_supervisor", "due_on", "id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UnitDistricts::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(UnitDistricts::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(UnitDistricts::UnitId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(UnitDistricts::District)
                        .text()
                        .not_null()
                        .unique_key(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UnitDistricts::Table, UnitDistricts::UnitId)
                        .to(Units::Table, Units::Id),
                )
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(ApiTokens::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(ApiTokens::UserId).big_integer().not_null())
                .col(ColumnDef::new(ApiTokens::Name).text().not_null())
                .col(
                    ColumnDef::new(ApiTokens::TokenHash)
                        .text()
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(ApiTokens::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ApiTokens::LastUsedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(ApiTokens::RevokedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiTokens::Table, ApiTokens::UserId)
                        .to(Users::Table, Users::Id),
                )
                .take(),
        )
        .await?;

        add(
            m,
            NegativeListItems::Table,
            ColumnDef::new(NegativeListItems::ItemKey)
                .text()
                .not_null()
                .default("")
                .take(),
        )
        .await?;
        db.execute_unprepared("UPDATE negative_list_items SET item_key = 'item-' || position")
            .await?;
        index(
            m,
            "ix_negative_list_items_key",
            NegativeListItems::Table,
            &["item_key"],
            false,
        )
        .await?;

        add(
            m,
            Users::Table,
            ColumnDef::new(Users::TotpLastStep)
                .big_integer()
                .null()
                .take(),
        )
        .await?;
        add(
            m,
            Attachments::Table,
            ColumnDef::new(Attachments::NoteId)
                .big_integer()
                .null()
                .take(),
        )
        .await?;
        add(
            m,
            Extensions::Table,
            ColumnDef::new(Extensions::DecisionNote)
                .text()
                .null()
                .take(),
        )
        .await?;
        index(
            m,
            "ix_extensions_case",
            Extensions::Table,
            &["case_id", "approved"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Columns added to existing tables stay (SQLite cannot drop them portably).
        Err(DbErr::Migration(
            "the case tracker migration cannot be reverted".into(),
        ))
    }
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Version,
    District,
    FromRevokedCard,
    Summary,
    Feedback,
    PolicyId,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    TotpLastStep,
}

#[derive(DeriveIden)]
enum UnitDistricts {
    Table,
    Id,
    UnitId,
    District,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum NegativeListItems {
    Table,
    ItemKey,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    NoteId,
}

#[derive(DeriveIden)]
enum Extensions {
    Table,
    DecisionNote,
}
