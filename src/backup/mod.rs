//! `jianduka backup` and `jianduka restore`: every table — reports, attachments, case events,
//! the outbox, the audit log and its sealed head — read in one consistent snapshot while the
//! server runs, written as JSON lines ([`format`]), and restored into an empty database of
//! either engine. The secret key is not in the file: the audit chain, query codes and sessions
//! verify only under the key the database was used with, so it is kept (and checked) apart.

pub mod cli;
mod format;
mod tables;

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbBackend, IsolationLevel, TransactionTrait,
};
use serde_json::Value as Json;

use crate::config::SettingError;
use format::{End, Header, TableStart, Totals};

/// Values per INSERT statement at most (PostgreSQL allows 65,535 parameters).
const VALUES_PER_INSERT: usize = 4_000;
/// Bytes of row text per INSERT at most, so a few large attachments make a statement alone.
const BYTES_PER_INSERT: usize = 8 << 20;

/// Why a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The target database or the key is not the right one (exit 2).
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// The file cannot be restored, or writing failed (nothing was kept).
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

/// What a backup or restore moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub tables: u64,
    pub rows: u64,
}

/// Writes a consistent snapshot of `db` to `out` (through `out.partial`, renamed when
/// complete, so a file at `out` is always whole). Other connections keep writing meanwhile.
pub async fn backup(db: &DatabaseConnection, out: &Path) -> anyhow::Result<Summary> {
    let (_, unknown) = tables::census(db).await?;
    if !unknown.is_empty() {
        anyhow::bail!(
            "the database has tables this version does not back up ({}); use the jianduka \
             that created them",
            unknown.join(", ")
        );
    }
    let migrations: Vec<String> = crate::db::migration_status(db)
        .await?
        .into_iter()
        .filter(|(_, applied)| *applied)
        .map(|(name, _)| name)
        .collect();
    let partial = partial_path(out);
    // Reporters' words and files: readable by this user alone, like the database.
    let file = {
        use std::os::unix::fs::OpenOptionsExt as _;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)
    }
    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", partial.display()))?;
    let mut writer = BufWriter::new(file);
    // One snapshot for every table: REPEATABLE READ on PostgreSQL; on SQLite (WAL) a read
    // transaction sees the database as of its first read.
    let txn = match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        _ => db.begin().await?,
    };
    let header = Header {
        jianduka_backup: format::VERSION,
        created_at: chrono::Utc::now(),
        engine: engine_name(db.get_database_backend()).into(),
        migrations,
        key_fingerprint: crate::db::stored_key_fingerprint(&txn).await?,
    };
    serde_json::to_writer(&mut writer, &header)?;
    writer.write_all(b"\n")?;
    let totals = tables::dump_all(&txn, &mut writer).await?;
    txn.commit().await?;
    serde_json::to_writer(&mut writer, &End { end: totals })?;
    writer.write_all(b"\n")?;
    let file = writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", partial.display()))?;
    file.sync_all()?;
    std::fs::rename(&partial, out).map_err(|e| {
        anyhow::anyhow!(
            "cannot rename {} to {}: {e}",
            partial.display(),
            out.display()
        )
    })?;
    Ok(Summary {
        tables: totals.tables,
        rows: totals.rows,
    })
}

/// Restores the backup at `file` into `db`, which must be empty (no table with rows). Creates
/// the schema, inserts every row in one transaction, and checks the audit chain under `key`
/// before it commits: a failed restore leaves no row behind.
pub async fn restore(
    db: &DatabaseConnection,
    key: &[u8],
    file: &Path,
) -> Result<Summary, RestoreError> {
    let reader = std::fs::File::open(file)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
    let mut lines = BufReader::new(reader).lines();
    let first = lines
        .next()
        .transpose()
        .map_err(anyhow::Error::from)?
        .ok_or_else(|| anyhow::anyhow!("{} is empty", file.display()))?;
    let header: Header = serde_json::from_str(&first)
        .map_err(|_| anyhow::anyhow!("{} is not a jianduka backup", file.display()))?;
    check_header(&header, key)?;
    let (counts, _) = tables::census(db).await?;
    // The migrations fill audit_head with its one row; every other table must be empty.
    if let Some((table, rows)) = counts
        .iter()
        .find(|(table, rows)| *rows > 0 && *table != "audit_head")
    {
        return Err(SettingError::new(
            "JIANDUKA_DATABASE_URL",
            format!(
                "the database is not empty ({table} has {rows} rows); restore needs a new, \
                 empty database"
            ),
        )
        .into());
    }
    crate::db::migrate(db).await?;
    let txn = db.begin().await.map_err(anyhow::Error::from)?;
    txn.execute_unprepared("DELETE FROM audit_head")
        .await
        .map_err(anyhow::Error::from)?;
    let mut restored = Totals::default();
    let mut end = None;
    let mut start: Option<TableStart> = None;
    let mut pending: Vec<Vec<Json>> = Vec::new();
    let mut pending_bytes = 0;
    for line in lines {
        let line = line.map_err(anyhow::Error::from)?;
        if end.is_some() {
            return Err(anyhow::anyhow!("{} has lines after its end", file.display()).into());
        }
        if line.starts_with('[') {
            let Some(table) = &start else {
                return Err(anyhow::anyhow!("a row before any table").into());
            };
            pending_bytes += line.len();
            pending.push(serde_json::from_str(&line).map_err(anyhow::Error::from)?);
            if pending.len() * table.columns.len().max(1) >= VALUES_PER_INSERT
                || pending_bytes >= BYTES_PER_INSERT
            {
                restored.rows += flush(&txn, table, &mut pending).await?;
                pending_bytes = 0;
            }
            continue;
        }
        if let Some(table) = &start {
            restored.rows += flush(&txn, table, &mut pending).await?;
            pending_bytes = 0;
        }
        if let Ok(next) = serde_json::from_str::<TableStart>(&line) {
            restored.tables += 1;
            start = Some(next);
        } else if let Ok(last) = serde_json::from_str::<End>(&line) {
            start = None;
            end = Some(last.end);
        } else {
            return Err(
                anyhow::anyhow!("{} has a line that is no row or table", file.display()).into(),
            );
        }
    }
    match end {
        Some(totals) if totals == restored => {}
        Some(totals) => {
            return Err(anyhow::anyhow!(
                "{} promises {} rows in {} tables but holds {} in {}",
                file.display(),
                totals.rows,
                totals.tables,
                restored.rows,
                restored.tables
            )
            .into());
        }
        None => {
            return Err(anyhow::anyhow!(
                "{} is cut short (no end line): copy the whole file",
                file.display()
            )
            .into());
        }
    }
    tables::reset_sequences(&txn).await?;
    match crate::audit::verify(&txn, key)
        .await
        .map_err(anyhow::Error::from)?
    {
        crate::audit::Verification::Intact { .. } => {}
        crate::audit::Verification::Broken { id, reason } => {
            return Err(anyhow::anyhow!(
                "the restored audit chain is broken at row {id} ({reason}); nothing was kept"
            )
            .into());
        }
    }
    txn.commit().await.map_err(anyhow::Error::from)?;
    Ok(Summary {
        tables: restored.tables,
        rows: restored.rows,
    })
}

async fn flush(
    txn: &sea_orm::DatabaseTransaction,
    table: &TableStart,
    pending: &mut Vec<Vec<Json>>,
) -> anyhow::Result<u64> {
    if pending.is_empty() {
        return Ok(0);
    }
    let rows = std::mem::take(pending);
    tables::insert(
        txn,
        tables::Batch {
            start: table,
            rows: &rows,
        },
    )
    .await
}

/// The file is one this program can restore, made under the key it was given.
fn check_header(header: &Header, key: &[u8]) -> Result<(), RestoreError> {
    if header.jianduka_backup != format::VERSION {
        return Err(anyhow::anyhow!(
            "this backup is format {}, this program reads format {}",
            header.jianduka_backup,
            format::VERSION
        )
        .into());
    }
    let ours = crate::db::known_migrations();
    if header.migrations != ours {
        return Err(anyhow::anyhow!(
            "this backup was made by another version of jianduka ({} migrations, this one has \
             {}): restore it with that version, then upgrade",
            header.migrations.len(),
            ours.len()
        )
        .into());
    }
    if let Some(theirs) = &header.key_fingerprint
        && *theirs != crate::db::key_fingerprint(key)
    {
        return Err(SettingError::new(
            "JIANDUKA_SECRET_KEY",
            "is not the key of the backed-up database; restore with that key (its \
             DATA_DIR/secret.key or JIANDUKA_SECRET_KEY), or the audit chain, query codes \
             and sessions will not verify",
        )
        .into());
    }
    Ok(())
}

fn engine_name(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "postgres",
        _ => "sqlite",
    }
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}
