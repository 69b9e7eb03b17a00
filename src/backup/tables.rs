//! Every table, in an order in which each row's references come before it (the order the
//! migrations create them, rows by primary key), and how one table is written and read back.

use std::io::Write;

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityName, EntityTrait,
    IdenStatic, Iterable, ModelTrait, PrimaryKeyToColumn, PrimaryKeyTrait, QueryOrder, Statement,
    Value,
};
use serde_json::Value as Json;
use tokio_stream::StreamExt as _;

use super::format::{self, TableStart};
use crate::entities::*;

/// Calls `$apply!(table_module, …)` with every table's entity module, in restore order. A
/// table added by a migration must be added here too: a backup refuses a database with a
/// table this list does not name.
macro_rules! every_table {
    ($apply:ident) => {
        $apply!(
            units,
            users,
            sessions,
            enterprises,
            service_points,
            negative_list_versions,
            negative_list_items,
            card_batches,
            cards,
            reports,
            report_items,
            cases,
            case_events,
            messages,
            internal_notes,
            attachments,
            extensions,
            sla_policies,
            calendar_years,
            calendar_days,
            email_outbox,
            settings,
            audit_log,
            audit_head,
            unit_districts,
            api_tokens,
            report_receipts,
            case_reads,
            urgings,
            mail_muted,
            totp_enrolments,
            reporter_actions,
            decline_requests,
            objections,
            follow_ups
        )
    };
}

/// Tables a backup leaves out: the migrations' own record, and what is counted again from the
/// other tables (the statistics' day facts; a restored database starts without them).
const DERIVED: &[&str] = &["seaql_migrations", "statistics_days"];

/// The table names, in restore order.
pub fn names() -> Vec<&'static str> {
    macro_rules! list {
        ($($module:ident),*) => { vec![$($module::Entity.table_name()),*] };
    }
    every_table!(list)
}

/// Writes every table of `txn` to `out`; returns the tables and rows written.
pub async fn dump_all(
    txn: &DatabaseTransaction,
    out: &mut impl Write,
) -> anyhow::Result<format::Totals> {
    let mut totals = format::Totals::default();
    macro_rules! dump_each {
        ($($module:ident),*) => {
            $(
                totals.rows += dump::<$module::Entity>(txn, out).await?;
                totals.tables += 1;
            )*
        };
    }
    every_table!(dump_each);
    Ok(totals)
}

/// Writes table `E`: its start line, then one line per row in primary-key order.
async fn dump<E>(txn: &DatabaseTransaction, out: &mut impl Write) -> anyhow::Result<u64>
where
    E: EntityTrait,
    E::Model: Send + Sync,
{
    let table = E::default().table_name();
    let columns: Vec<E::Column> = E::Column::iter().collect();
    let mut query = E::find();
    for key in E::PrimaryKey::iter() {
        query = query.order_by_asc(key.into_column());
    }
    let mut rows = query
        .stream(txn)
        .await
        .map_err(|e| anyhow::anyhow!("reading {table}: {e}"))?;
    let mut count = 0;
    while let Some(model) = rows.next().await {
        let model = model.map_err(|e| anyhow::anyhow!("reading {table}: {e}"))?;
        let mut kinds = Vec::with_capacity(columns.len());
        let mut line = Vec::with_capacity(columns.len());
        for column in &columns {
            let (kind, json) = format::encode(&model.get(*column))
                .map_err(|e| anyhow::anyhow!("{table}.{}: {e}", column.as_str()))?;
            kinds.push(kind.to_string());
            line.push(json);
        }
        if count == 0 {
            write_start(out, table, &columns, kinds)?;
        }
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    if count == 0 {
        write_start(out, table, &columns, Vec::new())?;
    }
    Ok(count)
}

fn write_start<C: IdenStatic>(
    out: &mut impl Write,
    table: &str,
    columns: &[C],
    kinds: Vec<String>,
) -> anyhow::Result<()> {
    let start = TableStart {
        table: table.to_string(),
        columns: columns.iter().map(|c| c.as_str().to_string()).collect(),
        kinds,
    };
    serde_json::to_writer(&mut *out, &start)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Rows of one table read from the file, handed over in batches.
pub struct Batch<'a> {
    pub start: &'a TableStart,
    pub rows: &'a [Vec<Json>],
}

/// Inserts `batch` into its table; returns the rows inserted.
pub async fn insert(txn: &DatabaseTransaction, batch: Batch<'_>) -> anyhow::Result<u64> {
    macro_rules! by_name {
        ($($module:ident),*) => {
            match batch.start.table.as_str() {
                $(name if name == $module::Entity.table_name() => {
                    insert_into::<$module::Entity>(txn, batch).await
                })*
                other => anyhow::bail!("the backup holds a table this version does not know: {other}"),
            }
        };
    }
    every_table!(by_name)
}

async fn insert_into<E>(txn: &DatabaseTransaction, batch: Batch<'_>) -> anyhow::Result<u64>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let table = E::default().table_name();
    let columns = batch
        .start
        .columns
        .iter()
        .map(|name| {
            E::Column::iter()
                .find(|c| c.as_str() == name)
                .ok_or_else(|| anyhow::anyhow!("{table}.{name} is not a column of this version"))
        })
        .collect::<anyhow::Result<Vec<E::Column>>>()?;
    if batch.start.kinds.len() != columns.len() && !batch.rows.is_empty() {
        anyhow::bail!(
            "{table}: the backup names {} columns but {} kinds",
            columns.len(),
            batch.start.kinds.len()
        );
    }
    let mut models = Vec::with_capacity(batch.rows.len());
    for row in batch.rows {
        if row.len() != columns.len() {
            anyhow::bail!(
                "{table}: a row of {} values for {} columns",
                row.len(),
                columns.len()
            );
        }
        let mut model = E::ActiveModel::default();
        for ((column, kind), json) in columns.iter().zip(&batch.start.kinds).zip(row) {
            let value: Value = format::decode(kind, json)
                .map_err(|e| anyhow::anyhow!("{table}.{}: {e}", column.as_str()))?;
            model
                .try_set(*column, value)
                .map_err(|e| anyhow::anyhow!("{table}.{}: {e}", column.as_str()))?;
        }
        models.push(model);
    }
    let count = models.len() as u64;
    E::insert_many(models)
        .exec_without_returning(txn)
        .await
        .map_err(|e| anyhow::anyhow!("writing {table}: {e}"))?;
    Ok(count)
}

/// On PostgreSQL, moves every id sequence past the restored rows, so the next row gets a new
/// id. (SQLite keeps its counters from the rows themselves.)
pub async fn reset_sequences(txn: &DatabaseTransaction) -> anyhow::Result<()> {
    if ConnectionTrait::get_database_backend(txn) != DbBackend::Postgres {
        return Ok(());
    }
    macro_rules! each {
        ($($module:ident),*) => {
            $( reset_sequence::<$module::Entity>(txn).await?; )*
        };
    }
    every_table!(each);
    Ok(())
}

async fn reset_sequence<E: EntityTrait>(txn: &DatabaseTransaction) -> anyhow::Result<()> {
    if !<E::PrimaryKey as PrimaryKeyTrait>::auto_increment() {
        return Ok(());
    }
    let Some(key) = E::PrimaryKey::iter().next() else {
        return Ok(());
    };
    let table = E::default().table_name();
    let column = key.into_column();
    let column = column.as_str();
    // Table and column names come from the entities, never from the file.
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
         COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {table}"
    );
    txn.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map_err(|e| anyhow::anyhow!("resetting the id sequence of {table}: {e}"))?;
    Ok(())
}

/// Rows in each table of this program's list that exists in `db` (a missing table counts
/// as empty), and tables in `db` the list does not name.
pub async fn census(
    db: &impl ConnectionTrait,
) -> anyhow::Result<(Vec<(&'static str, u64)>, Vec<String>)> {
    let present = existing_tables(db).await?;
    let mut counts = Vec::new();
    for name in names() {
        if !present.iter().any(|p| p == name) {
            continue;
        }
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {name}"),
            ))
            .await?;
        let n: i64 = match row {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        counts.push((name, u64::try_from(n).unwrap_or(0)));
    }
    let known = names();
    let unknown = present
        .into_iter()
        .filter(|p| !DERIVED.contains(&p.as_str()) && !known.contains(&p.as_str()))
        .collect();
    Ok((counts, unknown))
}

async fn existing_tables(db: &impl ConnectionTrait) -> anyhow::Result<Vec<String>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<String>("", "name").map_err(Into::into))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_is_in_the_list_once() {
        let names = names();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        // src/entities has one module per table (plus enums and mod.rs).
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/entities"))
            .expect("entities")
            .count();
        assert_eq!(names.len(), files - 2);
    }
}
