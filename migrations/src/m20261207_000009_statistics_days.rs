//! What the statistics page counts, kept per Beijing day of receipt: counting twelve months
//! of 1,000,000 cases again on every visit takes 4–5 s. A day's counts are stored with the
//! day's generation when they were counted, and a trigger on `cases` raises the generation of
//! the day a case was received on whenever a case is added or removed, or one of the columns
//! the statistics read changes (the steps' times, the due dates, the rating, the district).
//! Counts whose generation is no longer the day's are counted again: a change costs counting
//! one day's cases again, not a month's.
//!
//! The trigger makes the day's row if there is none; see `src/cases/statistics/cache.rs` for
//! why a count a change overtook is never kept. On PostgreSQL the trigger is deferred to the
//! commit, so the day's row is locked only while a transaction commits.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000009_statistics_days"
    }
}

#[derive(DeriveIden)]
enum StatisticsDays {
    Table,
    Day,
    Generation,
    Facts,
    FactsGeneration,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    ReceivedAt,
}

/// The columns a change of which changes a day's counts.
const COUNTED: [&str; 8] = [
    "received_at",
    "accepted_at",
    "concluded_at",
    "accept_due_on",
    "conclude_due_on",
    "rating",
    "district",
    "report_id",
];

fn sqlite_bump(row: &str) -> String {
    format!(
        "INSERT INTO statistics_days (day, generation) \
         VALUES (date({row}.received_at, '+8 hours'), 1) \
         ON CONFLICT (day) DO UPDATE SET generation = generation + 1;"
    )
}

fn sqlite_triggers() -> Vec<String> {
    let changed = COUNTED
        .iter()
        .map(|c| format!("OLD.{c} IS NOT NEW.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    vec![
        format!(
            "CREATE TRIGGER IF NOT EXISTS cases_statistics_insert AFTER INSERT ON cases \
             BEGIN {} END",
            sqlite_bump("NEW")
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS cases_statistics_update AFTER UPDATE OF {} ON cases \
             WHEN {changed} BEGIN {} {} END",
            COUNTED.join(", "),
            sqlite_bump("OLD"),
            sqlite_bump("NEW")
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS cases_statistics_delete AFTER DELETE ON cases \
             BEGIN {} END",
            sqlite_bump("OLD")
        ),
    ]
}

fn postgres_bump(row: &str) -> String {
    format!(
        "INSERT INTO statistics_days (day, generation) VALUES \
         (to_char(({row}.received_at AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM-DD'), 1) \
         ON CONFLICT (day) DO UPDATE SET generation = statistics_days.generation + 1;"
    )
}

fn postgres_triggers() -> Vec<String> {
    let changed = COUNTED
        .iter()
        .map(|c| format!("OLD.{c} IS DISTINCT FROM NEW.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    vec![
        format!(
            "CREATE OR REPLACE FUNCTION cases_statistics_stale() RETURNS trigger AS $$ \
             BEGIN \
               IF TG_OP <> 'INSERT' THEN {} END IF; \
               IF TG_OP <> 'DELETE' THEN {} END IF; \
               RETURN NULL; \
             END; $$ LANGUAGE plpgsql",
            postgres_bump("OLD"),
            postgres_bump("NEW")
        ),
        "CREATE CONSTRAINT TRIGGER cases_statistics_insert_delete \
         AFTER INSERT OR DELETE ON cases DEFERRABLE INITIALLY DEFERRED \
         FOR EACH ROW EXECUTE FUNCTION cases_statistics_stale()"
            .to_string(),
        format!(
            "CREATE CONSTRAINT TRIGGER cases_statistics_update AFTER UPDATE OF {} ON cases \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ({changed}) \
             EXECUTE FUNCTION cases_statistics_stale()",
            COUNTED.join(", ")
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(StatisticsDays::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(StatisticsDays::Day)
                        .text()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(StatisticsDays::Generation)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(ColumnDef::new(StatisticsDays::Facts).text().null())
                .col(
                    ColumnDef::new(StatisticsDays::FactsGeneration)
                        .big_integer()
                        .null(),
                )
                .take(),
        )
        .await?;
        // Counting a few days again finds their cases by receipt time; the only index that
        // held it led with the status, which PostgreSQL reads whole (0.1 s per count).
        m.create_index(
            Index::create()
                .name("ix_cases_received_at")
                .table(Cases::Table)
                .col(Cases::ReceivedAt)
                .if_not_exists()
                .take(),
        )
        .await?;
        let db = m.get_connection();
        let statements = match db.get_database_backend() {
            DbBackend::Postgres => postgres_triggers(),
            _ => sqlite_triggers(),
        };
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let statements: &[&str] = match db.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP TRIGGER IF EXISTS cases_statistics_insert_delete ON cases",
                "DROP TRIGGER IF EXISTS cases_statistics_update ON cases",
                "DROP FUNCTION IF EXISTS cases_statistics_stale()",
            ],
            _ => &[
                "DROP TRIGGER IF EXISTS cases_statistics_insert",
                "DROP TRIGGER IF EXISTS cases_statistics_update",
                "DROP TRIGGER IF EXISTS cases_statistics_delete",
            ],
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        let mut index = Index::drop();
        index
            .name("ix_cases_received_at")
            .table(Cases::Table)
            .if_exists();
        m.drop_index(index).await?;
        m.drop_table(
            Table::drop()
                .table(StatisticsDays::Table)
                .if_exists()
                .take(),
        )
        .await
    }
}
