//! Opening the database (SQLite file or PostgreSQL server) and bringing its schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::config::{DatabaseKind, SettingError, Settings};

/// Connects with settings suited to the engine. Failures name `JIANDUKA_DATABASE_URL` (or the
/// data dir, when that is what SQLite could not write).
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, SettingError> {
    let url = settings.database_url.expose();
    let mut options = ConnectOptions::new(url.clone());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10));
    match settings.database_kind() {
        DatabaseKind::Sqlite => {
            if let Some(parent) = sqlite_path(url).and_then(|p| p.parent().map(|p| p.to_owned()))
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(&parent).map_err(|e| {
                    SettingError::new(
                        "JIANDUKA_DATA_DIR",
                        format!("cannot create {}: {e}", parent.display()),
                    )
                })?;
            }
            // WAL lets readers run while one writer commits; NORMAL sync is durable across
            // process crashes, which is what an embedded single-node install needs.
            options
                .max_connections(8)
                .min_connections(1)
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                        .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(10))
                        .foreign_keys(true)
                });
        }
        DatabaseKind::Postgres => {
            options.max_connections(16).min_connections(1);
        }
    }
    Database::connect(options).await.map_err(|e| {
        let setting = match settings.database_kind() {
            DatabaseKind::Sqlite => "JIANDUKA_DATA_DIR",
            DatabaseKind::Postgres => "JIANDUKA_DATABASE_URL",
        };
        SettingError::new(
            setting,
            format!(
                "cannot open the database {}: {}",
                crate::config::mask_url_password(url),
                one_line(&e.to_string())
            ),
        )
    })
}

fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .map_err(|e| anyhow::anyhow!("migrating the database: {e}"))
}

/// One line per migration: its name and whether it is applied.
pub async fn migration_status(db: &DatabaseConnection) -> anyhow::Result<Vec<(String, bool)>> {
    let applied: Vec<String> = Migrator::get_applied_migrations(db)
        .await
        .map_err(|e| anyhow::anyhow!("reading migrations: {e}"))?
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    Ok(Migrator::migrations()
        .iter()
        .map(|m| {
            let name = m.name().to_string();
            let done = applied.contains(&name);
            (name, done)
        })
        .collect())
}

/// True when the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Makes the transaction `txn` a writer from its first statement on SQLite (what
/// `BEGIN IMMEDIATE` does): a write that changes no row still takes the write lock, waiting
/// out the busy timeout if another writer holds it. A transaction that reads first and
/// writes later can otherwise fail at once when another connection commits in between,
/// because SQLite cannot upgrade a stale read snapshot. No effect on PostgreSQL.
pub async fn take_write_lock(txn: &impl sea_orm::ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() == sea_orm::DbBackend::Sqlite {
        txn.execute_unprepared("UPDATE settings SET key = key WHERE 1 = 0")
            .await?;
    }
    Ok(())
}
