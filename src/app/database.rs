//! The database a server or a command starts with: connected, migrated, sealed and seeded.

use sea_orm::DatabaseConnection;

use super::StartupError;
use crate::clock::Clock;
use crate::config::Settings;

/// Connects, migrates and seeds the database: what `serve` and every command needs first.
pub async fn prepare_database(settings: &Settings) -> Result<DatabaseConnection, StartupError> {
    let db = crate::db::connect(settings).await?;
    let key = settings.secret_key.expose();
    migrate(&db, key).await?;
    let now = Clock::system().now();
    // Instances starting at once on one PostgreSQL database take turns here too.
    match crate::db::begin_setup(&db)
        .await
        .map_err(|e| anyhow::anyhow!("locking the database: {e}"))?
    {
        Some(txn) => {
            crate::db::check_key_fingerprint(&txn, key, now).await?;
            seed(&txn).await?;
            txn.commit()
                .await
                .map_err(|e| anyhow::anyhow!("seeding the database: {e}"))?;
        }
        None => {
            crate::db::check_key_fingerprint(&db, key, now).await?;
            seed(&db).await?;
        }
    }
    Ok(db)
}

/// Applies pending migrations; seals the audit chain head in the run that creates it.
pub async fn migrate(db: &DatabaseConnection, key: &[u8]) -> anyhow::Result<()> {
    let applied = crate::db::migrate(db).await?;
    if applied
        .iter()
        .any(|name| name == crate::db::AUDIT_HEAD_MIGRATION)
    {
        crate::audit::seal_new_head(db, key)
            .await
            .map_err(|e| anyhow::anyhow!("sealing the audit chain head: {e}"))?;
    }
    Ok(())
}

/// Data every installation starts with: negative list v1, the default SLA policy and the
/// shipped working-day calendar.
async fn seed(db: &impl sea_orm::ConnectionTrait) -> anyhow::Result<()> {
    let now = Clock::system().now();
    if crate::negative_list::seed_default(db, now).await? {
        tracing::info!("published the default negative list (version 1)");
    }
    if crate::deadlines::seed_default(db).await? {
        tracing::info!(
            "stored the default deadlines: accept 3, conclude 15, feedback 5 working days"
        );
    }
    let years = crate::deadlines::calendar_file::seed(db, now).await?;
    if !years.is_empty() {
        tracing::info!(?years, "loaded the shipped working-day calendar");
    }
    Ok(())
}

/// Deadlines of a year without its official arrangement count weekends only: the server says
/// so when it starts, for this year and the next.
pub(super) async fn warn_of_unpublished_years(
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
) {
    let this_year = crate::clock::beijing_year(now);
    let Ok(years) = crate::deadlines::calendar_file::status(db).await else {
        return;
    };
    for year in years {
        if !year.published && (this_year..=this_year + 1).contains(&year.year) {
            tracing::warn!(
                year = year.year,
                "the working-day calendar of {} is not published yet: deadlines count \
                 Monday to Friday only until an admin loads it (`jianduka calendar load FILE`)",
                year.year
            );
        }
    }
}
