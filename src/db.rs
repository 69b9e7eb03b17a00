//! Opening the database (SQLite file or PostgreSQL server) and bringing its schema up to date.

use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, TransactionTrait,
};

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
            check_tls_parameters(url)?;
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

/// TLS to PostgreSQL is asked for in the URL as libpq does: `sslmode=` one of these, and
/// `sslrootcert=FILE` for a CA the system store does not hold (rustls, with the system's CA
/// store as well). A misspelt mode would otherwise fall back to the driver's default.
const SSL_MODES: [&str; 5] = ["disable", "prefer", "require", "verify-ca", "verify-full"];

fn check_tls_parameters(url: &str) -> Result<(), SettingError> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(());
    };
    for (key, value) in parsed.query_pairs() {
        match key.as_ref() {
            "sslmode" if !SSL_MODES.contains(&value.as_ref()) => {
                return Err(SettingError::new(
                    "JIANDUKA_DATABASE_URL",
                    format!("sslmode={value} is not one of {}", SSL_MODES.join(", ")),
                ));
            }
            "sslrootcert" if !std::path::Path::new(value.as_ref()).is_file() => {
                return Err(SettingError::new(
                    "JIANDUKA_DATABASE_URL",
                    format!("sslrootcert={value} is not a readable file"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
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

/// The migration that makes the audit log append-only; the server seals its chain head in
/// the run that applies it.
pub const AUDIT_HEAD_MIGRATION: &str = "m20261130_000001_audit_append_only";

/// Key of the PostgreSQL advisory lock that instances starting at once take turns on while
/// they migrate and seed ("jianduka" in ASCII).
const SETUP_LOCK: i64 = 0x6a69_616e_6475_6b61;

/// On PostgreSQL, a transaction holding the setup lock until it ends: several instances
/// starting at once on one database migrate and seed one after the other. `None` on SQLite,
/// where one file has one writer at a time anyway.
pub async fn begin_setup(db: &DatabaseConnection) -> Result<Option<DatabaseTransaction>, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({SETUP_LOCK})"))
        .await?;
    Ok(Some(txn))
}

/// Applies every pending migration; returns the names of those it applied. On PostgreSQL
/// all of them run in one transaction under the setup lock, so a second instance waits and
/// then finds nothing left to do.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    let context = |what: &'static str| move |e: DbErr| anyhow::anyhow!("{what}: {e}");
    match begin_setup(db)
        .await
        .map_err(context("locking the database"))?
    {
        Some(txn) => {
            let pending = pending_names(&txn).await?;
            Migrator::up(&txn, None)
                .await
                .map_err(context("migrating the database"))?;
            txn.commit()
                .await
                .map_err(context("migrating the database"))?;
            Ok(pending)
        }
        None => {
            let pending = pending_names(db).await?;
            Migrator::up(db, None)
                .await
                .map_err(context("migrating the database"))?;
            Ok(pending)
        }
    }
}

async fn pending_names(db: &impl ConnectionTrait) -> anyhow::Result<Vec<String>> {
    Ok(Migrator::get_pending_migrations(db)
        .await
        .map_err(|e| anyhow::anyhow!("reading migrations: {e}"))?
        .iter()
        .map(|m| m.name().to_string())
        .collect())
}

/// The `settings` row that holds the secret key's fingerprint.
const KEY_FINGERPRINT: &str = "secret_key_fingerprint";

/// Makes sure every instance on this database uses the same secret key: the first start
/// records a keyed hash of a fixed text under the key (never the key itself); a later start
/// with another key is refused, naming `JIANDUKA_SECRET_KEY`. Without this, instances with
/// separate data dirs would each generate a key and silently reject each other's sessions,
/// query codes and audit chain.
pub async fn check_key_fingerprint(
    db: &impl ConnectionTrait,
    key: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), SettingError> {
    use sea_orm::{EntityTrait, Set};

    use crate::entities::settings;

    let fingerprint = key_fingerprint(key);
    let failed = |e: DbErr| {
        SettingError::new(
            "JIANDUKA_DATABASE_URL",
            format!(
                "cannot read the settings table: {}",
                one_line(&e.to_string())
            ),
        )
    };
    let stored = settings::Entity::find_by_id(KEY_FINGERPRINT)
        .one(db)
        .await
        .map_err(failed)?;
    match stored {
        Some(row) if row.value == fingerprint => Ok(()),
        Some(_) => Err(SettingError::new(
            "JIANDUKA_SECRET_KEY",
            "differs from the key this database was first used with; give every instance \
             the same JIANDUKA_SECRET_KEY (or the same DATA_DIR/secret.key)",
        )),
        None => {
            settings::Entity::insert(settings::ActiveModel {
                key: Set(KEY_FINGERPRINT.to_string()),
                value: Set(fingerprint),
                updated_at: Set(now),
            })
            .exec_without_returning(db)
            .await
            .map_err(failed)?;
            Ok(())
        }
    }
}

/// The keyed fingerprint of `key` that the database keeps (never the key itself).
pub fn key_fingerprint(key: &[u8]) -> String {
    crate::crypto::keyed_hash(key, "key-fingerprint", b"jianduka")
}

/// The key fingerprint the database holds, if a server has started on it yet. Reads only.
pub async fn stored_key_fingerprint(db: &impl ConnectionTrait) -> Result<Option<String>, DbErr> {
    use sea_orm::EntityTrait;

    Ok(
        crate::entities::settings::Entity::find_by_id(KEY_FINGERPRINT)
            .one(db)
            .await?
            .map(|row| row.value),
    )
}

/// The database server's clock, read now (SQLite's is this machine's).
pub async fn database_clock(
    db: &impl ConnectionTrait,
) -> Result<chrono::DateTime<chrono::Utc>, DbErr> {
    // Seconds since the epoch as a float on both engines: one decoding for both.
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION) AS t"
        }
        _ => "SELECT CAST((julianday('now') - 2440587.5) * 86400.0 AS REAL) AS t",
    };
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("the database returned no time".into()))?;
    let seconds: f64 = row.try_get("", "t")?;
    let millis = (seconds * 1000.0).round();
    if !millis.is_finite() {
        return Err(DbErr::Custom("the database returned no time".into()));
    }
    // A timestamp out of chrono's range is as useless as none.
    chrono::DateTime::from_timestamp_millis(millis as i64)
        .ok_or_else(|| DbErr::Custom(format!("the database's time {seconds} is out of range")))
}

/// The names of every migration this program has, in order.
pub fn known_migrations() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect()
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

/// The one way to start a write transaction. SQLite has one writer at a time: writers of
/// this process queue here (cheaper and fairer than SQLite's busy-retry loop), and the
/// transaction takes SQLite's write lock with its first statement, so it never holds a stale
/// read snapshot that it would have to upgrade (which fails at once when another connection,
/// or another process such as a CLI command, committed in between). On PostgreSQL it is a
/// plain transaction. Clones share the queue.
#[derive(Clone, Debug)]
pub struct WriteGate {
    db: DatabaseConnection,
    queue: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A write transaction that holds its turn until it is committed or dropped.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteGate {
    /// The gate of `db` (one per process and database).
    pub fn new(db: DatabaseConnection) -> Self {
        let queue = (db.get_database_backend() == DbBackend::Sqlite)
            .then(|| Arc::new(tokio::sync::Mutex::new(())));
        Self { db, queue }
    }

    /// Waits for this process's turn (SQLite), then begins a transaction that writes first.
    pub async fn begin(&self) -> Result<WriteTxn, DbErr> {
        let turn = match &self.queue {
            Some(queue) => Some(queue.clone().lock_owned().await),
            None => None,
        };
        let txn = self.db.begin().await?;
        if txn.get_database_backend() == DbBackend::Sqlite {
            // A write that changes no row still takes the write lock (what BEGIN IMMEDIATE does).
            txn.execute_unprepared("UPDATE settings SET key = key WHERE 1 = 0")
                .await?;
        }
        Ok(WriteTxn { txn, _turn: turn })
    }

    /// The connection, for reads outside a transaction.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}

impl WriteTxn {
    /// Commits, then gives up the turn.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// Rolls back (a trial run), then gives up the turn.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}
