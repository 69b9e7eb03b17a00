//! Statistics for the batch list: how many cards went out, where and by which channel; and
//! the district picker's counts.

use sea_orm::{ConnectionTrait, Statement};

use super::CardError;

/// How many cards went out, where and how.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Stats {
    pub issued: i64,
    pub active: i64,
    pub revoked: i64,
    pub by_district: Vec<(String, i64)>,
    pub by_channel: Vec<(String, i64)>,
}

/// Cards issued in total, active and revoked, by district and by channel.
pub async fn stats(db: &impl ConnectionTrait) -> Result<Stats, CardError> {
    let backend = db.get_database_backend();
    let counts = |sql: &str| Statement::from_string(backend, sql.to_string());
    let mut stats = Stats::default();
    for row in db
        .query_all_raw(counts(
            "SELECT status, COUNT(*) AS n FROM cards GROUP BY status",
        ))
        .await?
    {
        let status: super::CardStatus = row.try_get("", "status")?;
        let n: i64 = row.try_get("", "n")?;
        stats.issued += n;
        match status {
            super::CardStatus::Active => stats.active += n,
            super::CardStatus::Revoked => stats.revoked += n,
        }
    }
    stats.by_district = pairs(
        db,
        counts(
            "SELECT COALESCE(e.district, p.district, p.hall, '') AS k, COUNT(*) AS n \
             FROM cards c LEFT JOIN enterprises e ON e.id = c.enterprise_id \
             LEFT JOIN service_points p ON p.id = c.service_point_id \
             GROUP BY COALESCE(e.district, p.district, p.hall, '') ORDER BY n DESC, k",
        ),
    )
    .await?;
    stats.by_channel = pairs(
        db,
        counts(
            "SELECT b.channel AS k, COUNT(*) AS n FROM cards c \
             JOIN card_batches b ON b.id = c.batch_id GROUP BY b.channel ORDER BY n DESC, k",
        ),
    )
    .await?;
    Ok(stats)
}

async fn pairs(
    db: &impl ConnectionTrait,
    statement: Statement,
) -> Result<Vec<(String, i64)>, CardError> {
    let mut out = Vec::new();
    for row in db.query_all_raw(statement).await? {
        out.push((row.try_get("", "k")?, row.try_get("", "n")?));
    }
    Ok(out)
}

/// Enterprises per district of the register, and how many of them hold an active card.
pub async fn districts(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, i64, i64)>, sea_orm::DbErr> {
    let sql = format!(
        "SELECT e.district AS k, COUNT(*) AS n, \
         SUM(CASE WHEN EXISTS (SELECT 1 FROM cards c WHERE c.enterprise_id = e.id \
         AND c.status = '{}') THEN 1 ELSE 0 END) AS carded \
         FROM enterprises e GROUP BY e.district ORDER BY e.district",
        super::CardStatus::Active.as_str()
    );
    let mut out = Vec::new();
    for row in db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
    {
        out.push((
            row.try_get("", "k")?,
            row.try_get("", "n")?,
            row.try_get("", "carded")?,
        ));
    }
    Ok(out)
}

/// Active cards per district: enterprise cards by the enterprise's district, desk signs by
/// their window's (`""` for neither).
pub async fn active_per_district(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, i64)>, sea_orm::DbErr> {
    let sql = format!(
        "SELECT COALESCE(e.district, s.district, '') AS district, COUNT(*) AS n \
         FROM cards c \
         LEFT JOIN enterprises e ON e.id = c.enterprise_id \
         LEFT JOIN service_points s ON s.id = c.service_point_id \
         WHERE c.status = '{}' GROUP BY COALESCE(e.district, s.district, '')",
        super::CardStatus::Active.as_str()
    );
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "district")?, row.try_get("", "n")?)))
        .collect()
}
