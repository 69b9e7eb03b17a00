//! What a card token says about where a report came from: the card's batch, channel,
//! negative-list version, district and holder; and how many card holders share each of
//! these, so that intake can keep only what names no reporter. The only SQL over `cards`
//! that intake needs, kept here with the rest of it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

use super::{CardStatus, Channel};

/// The card behind a token, as far as a report may know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardOrigin {
    pub batch_id: i64,
    pub channel: Option<Channel>,
    /// The negative-list version printed on the card.
    pub list_version_id: Option<i64>,
    /// The holding enterprise, if the card is an enterprise's and its row still exists.
    pub enterprise_id: Option<i64>,
    /// The service window, if the card is a desk sign.
    pub service_point_id: Option<i64>,
    /// The enterprise's district, or the window's.
    pub district: Option<String>,
    /// Lost or replaced: the token still opens the form, and the report is flagged.
    pub revoked: bool,
}

impl CardOrigin {
    /// Whether the card is a desk sign (it names a window, not a reporter).
    pub fn is_desk_sign(&self) -> bool {
        self.service_point_id.is_some()
    }
}

/// How many enterprises holding an active card share a report's provenance fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SharedBy {
    /// District, batch and channel together.
    pub district_batch_channel: i64,
    pub district_channel: i64,
    pub district: i64,
    pub channel: i64,
}

/// Whether `token` could be a card token (base64url, not absurdly long): anything else
/// cannot be a card and needs no query.
pub fn plausible_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 64
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn placeholder(backend: DatabaseBackend, n: usize) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    }
}

/// The card behind `token`, in one query (this runs on every scan); `None` for a token no
/// card has.
pub async fn origin_of(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<CardOrigin>, DbErr> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT c.batch_id, c.enterprise_id, c.service_point_id, c.status, c.revoked_at, \
                b.channel, b.list_version_id, e.district AS enterprise_district, \
                s.district AS window_district \
         FROM cards c \
         LEFT JOIN card_batches b ON b.id = c.batch_id \
         LEFT JOIN enterprises e ON e.id = c.enterprise_id \
         LEFT JOIN service_points s ON s.id = c.service_point_id \
         WHERE c.token = {}",
        placeholder(backend, 1)
    );
    let Some(row) = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [token.into()]))
        .await?
    else {
        return Ok(None);
    };
    let status: CardStatus = row.try_get("", "status")?;
    let revoked_at: Option<DateTime<Utc>> = row.try_get("", "revoked_at")?;
    let service_point_id: Option<i64> = row.try_get("", "service_point_id")?;
    let enterprise_id: Option<i64> = row.try_get("", "enterprise_id")?;
    let (district, enterprise_id) = if service_point_id.is_some() {
        (row.try_get("", "window_district")?, None)
    } else {
        let district: Option<String> = row.try_get("", "enterprise_district")?;
        // A card whose enterprise row is gone cannot be linked to it.
        let enterprise_id = enterprise_id.filter(|_| district.is_some());
        (district, enterprise_id)
    };
    Ok(Some(CardOrigin {
        batch_id: row.try_get("", "batch_id")?,
        channel: row.try_get("", "channel")?,
        list_version_id: row.try_get("", "list_version_id")?,
        enterprise_id,
        service_point_id,
        district,
        revoked: status == CardStatus::Revoked || revoked_at.is_some(),
    }))
}

/// How many enterprises holding an active card share `district`, `batch_id` and `channel`
/// (together, and in the combinations a report may keep). A missing field counts no one.
pub async fn holders_sharing(
    db: &impl ConnectionTrait,
    district: Option<&str>,
    batch_id: Option<i64>,
    channel: Option<Channel>,
) -> Result<SharedBy, DbErr> {
    let backend = db.get_database_backend();
    let p = |n| placeholder(backend, n);
    let (district_p, batch, channel_p) = (p(1), p(2), p(3));
    let active = CardStatus::Active.as_str();
    // NULL matches nothing, so a missing district or channel counts no holders for it.
    let sql = format!(
        "SELECT \
           COUNT(DISTINCT CASE WHEN e.district = {district_p} AND c.batch_id = {batch} \
                                AND b.channel = {channel_p} THEN c.enterprise_id END) AS all_three, \
           COUNT(DISTINCT CASE WHEN e.district = {district_p} AND b.channel = {channel_p} \
                                THEN c.enterprise_id END) AS district_channel, \
           COUNT(DISTINCT CASE WHEN e.district = {district_p} THEN c.enterprise_id END) AS district, \
           COUNT(DISTINCT CASE WHEN b.channel = {channel_p} THEN c.enterprise_id END) AS channel \
         FROM cards c \
         JOIN card_batches b ON b.id = c.batch_id \
         JOIN enterprises e ON e.id = c.enterprise_id \
         WHERE c.status = '{active}' AND (e.district = {district_p} OR b.channel = {channel_p})"
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [
                district.map(str::to_string).into(),
                batch_id.into(),
                channel.map(|c| c.as_str().to_string()).into(),
            ],
        ))
        .await?;
    let count = |name: &str| -> i64 {
        row.as_ref()
            .and_then(|r| r.try_get::<i64>("", name).ok())
            .unwrap_or(0)
    };
    Ok(SharedBy {
        district_batch_channel: count("all_three"),
        district_channel: count("district_channel"),
        district: count("district"),
        channel: count("channel"),
    })
}

/// The unit covering `district`, and how many enterprises hold an active card across all
/// the districts that unit covers; `None` when no unit covers it.
pub async fn unit_holders(
    db: &impl ConnectionTrait,
    district: &str,
) -> Result<Option<(i64, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let active = CardStatus::Active.as_str();
    let sql = format!(
        "SELECT u.unit_id AS unit_id, \
           (SELECT COUNT(DISTINCT c.enterprise_id) FROM cards c \
              JOIN enterprises e ON e.id = c.enterprise_id \
              JOIN unit_districts d ON d.district = e.district \
            WHERE c.status = '{active}' AND d.unit_id = u.unit_id) AS holders \
         FROM unit_districts u WHERE u.district = {}",
        placeholder(backend, 1)
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
    Ok(Some((
        row.try_get("", "unit_id")?,
        row.try_get("", "holders")?,
    )))
}
