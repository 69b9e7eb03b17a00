//! Where a report came from, read from the card behind the token: coarse (district, batch,
//! channel), never the enterprise unless the reporter opts in.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

/// What the token says about a report.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// `card`, `desk_sign`, `revoked_card`, `unknown_card`, `web` or `api`.
    pub source: &'static str,
    pub district: Option<String>,
    pub batch_id: Option<i64>,
    pub channel: Option<crate::entities::enums::Channel>,
    pub service_point_id: Option<i64>,
    /// The card's enterprise: stored only if the reporter chooses to say who they are.
    pub enterprise_id: Option<i64>,
    pub revoked: bool,
    /// The unit a report goes to when its district had to be left out for anonymity but the
    /// unit covering it is itself shared by enough card holders.
    pub unit_id: Option<i64>,
    /// The negative-list version printed on the card.
    pub list_version_id: Option<i64>,
}

impl Provenance {
    /// A report with no card at all.
    pub fn without_card(source: &'static str) -> Self {
        Self {
            source,
            ..Default::default()
        }
    }

    /// Whether the reporter may choose to name their enterprise.
    pub fn offers_identification(&self) -> bool {
        self.enterprise_id.is_some()
    }
}

/// Whether `token` could be a card token (base64url, not absurdly long): anything else
/// cannot be a card and needs no query.
pub fn plausible(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 64
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Looks a card token up (one query: this runs on every scan). Unknown tokens give a
/// provenance-free form, never an error.
pub async fn for_token(db: &impl ConnectionTrait, token: &str) -> Result<Provenance, DbErr> {
    if !plausible(token) {
        return Ok(Provenance::without_card("unknown_card"));
    }
    let backend = db.get_database_backend();
    let placeholder = match backend {
        DatabaseBackend::Postgres => "$1",
        _ => "?",
    };
    let sql = format!(
        "SELECT c.batch_id, c.enterprise_id, c.service_point_id, c.status, c.revoked_at, \
                b.channel, b.list_version_id, e.district AS enterprise_district, \
                s.district AS window_district \
         FROM cards c \
         LEFT JOIN card_batches b ON b.id = c.batch_id \
         LEFT JOIN enterprises e ON e.id = c.enterprise_id \
         LEFT JOIN service_points s ON s.id = c.service_point_id \
         WHERE c.token = {placeholder}"
    );
    let Some(row) = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [token.into()]))
        .await?
    else {
        return Ok(Provenance::without_card("unknown_card"));
    };
    let status: String = row.try_get("", "status")?;
    let revoked_at: Option<DateTime<Utc>> = row.try_get("", "revoked_at")?;
    let service_point_id: Option<i64> = row.try_get("", "service_point_id")?;
    let enterprise_id: Option<i64> = row.try_get("", "enterprise_id")?;
    let revoked = status == "revoked" || revoked_at.is_some();
    let (district, enterprise_id) = if service_point_id.is_some() {
        (row.try_get("", "window_district")?, None)
    } else {
        let district: Option<String> = row.try_get("", "enterprise_district")?;
        // A card whose enterprise row is gone cannot be linked to it.
        (
            district.clone(),
            enterprise_id.filter(|_| district.is_some()),
        )
    };
    Ok(Provenance {
        source: if revoked {
            "revoked_card"
        } else if service_point_id.is_some() {
            "desk_sign"
        } else {
            "card"
        },
        district,
        batch_id: Some(row.try_get("", "batch_id")?),
        channel: row.try_get("", "channel")?,
        service_point_id,
        enterprise_id,
        revoked,
        list_version_id: row.try_get("", "list_version_id")?,
        unit_id: None,
    })
}

/// The unit covering `district`, if the districts it covers together hold at least `k`
/// enterprises with an active card (so that the unit names no single reporter).
async fn shared_unit(
    db: &impl ConnectionTrait,
    district: &str,
    k: i64,
) -> Result<Option<i64>, DbErr> {
    let backend = db.get_database_backend();
    let p = |n: usize| match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    let sql = format!(
        "SELECT u.unit_id AS unit_id, \
           (SELECT COUNT(DISTINCT c.enterprise_id) FROM cards c \
              JOIN enterprises e ON e.id = c.enterprise_id \
              JOIN unit_districts d ON d.district = e.district \
            WHERE c.status = 'active' AND d.unit_id = u.unit_id) AS holders \
         FROM unit_districts u WHERE u.district = {}",
        p(1)
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [district.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let unit: i64 = row.try_get("", "unit_id")?;
    let holders: i64 = row.try_get("", "holders")?;
    Ok((holders >= k).then_some(unit))
}

/// The provenance an anonymous report from an enterprise card may keep: a field stays only
/// when at least `k` enterprises holding an active card share it, so that it cannot name the
/// reporter. District, batch and channel together first; then district and channel, the
/// district alone, the channel alone; else nothing. Desk signs name a window, not a
/// reporter, and keep theirs.
pub async fn anonymised(
    db: &impl ConnectionTrait,
    provenance: &Provenance,
    k: u32,
) -> Result<Provenance, DbErr> {
    let mut kept = provenance.clone();
    if provenance.service_point_id.is_some() || provenance.batch_id.is_none() {
        return Ok(kept);
    }
    let backend = db.get_database_backend();
    let p = |n: usize| match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    let (district, batch, channel) = (p(1), p(2), p(3));
    // NULL matches nothing, so a missing district or channel counts no holders for it.
    let sql = format!(
        "SELECT \
           COUNT(DISTINCT CASE WHEN e.district = {district} AND c.batch_id = {batch} \
                                AND b.channel = {channel} THEN c.enterprise_id END) AS all_three, \
           COUNT(DISTINCT CASE WHEN e.district = {district} AND b.channel = {channel} \
                                THEN c.enterprise_id END) AS district_channel, \
           COUNT(DISTINCT CASE WHEN e.district = {district} THEN c.enterprise_id END) AS district, \
           COUNT(DISTINCT CASE WHEN b.channel = {channel} THEN c.enterprise_id END) AS channel \
         FROM cards c \
         JOIN card_batches b ON b.id = c.batch_id \
         JOIN enterprises e ON e.id = c.enterprise_id \
         WHERE c.status = 'active' AND (e.district = {district} OR b.channel = {channel})"
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [
                provenance.district.clone().into(),
                provenance.batch_id.into(),
                provenance.channel.map(|c| c.as_str().to_string()).into(),
            ],
        ))
        .await?;
    let count = |name: &str| -> i64 {
        row.as_ref()
            .and_then(|r| r.try_get::<i64>("", name).ok())
            .unwrap_or(0)
    };
    let k = i64::from(k);
    let (keep_district, keep_batch, keep_channel) = if count("all_three") >= k {
        (true, true, true)
    } else if count("district_channel") >= k {
        (true, false, true)
    } else if count("district") >= k {
        (true, false, false)
    } else {
        (false, false, count("channel") >= k)
    };
    if !keep_district {
        kept.district = None;
        kept.unit_id = match &provenance.district {
            Some(district) => shared_unit(db, district, k).await?,
            None => None,
        };
    }
    if !keep_batch {
        kept.batch_id = None;
    }
    if !keep_channel {
        kept.channel = None;
    }
    Ok(kept)
}
