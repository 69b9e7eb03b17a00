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
    /// How many cards the batch holds (a batch of one names its holder).
    pub batch_size: Option<i32>,
    pub channel: Option<String>,
    pub service_point_id: Option<i64>,
    /// The card's enterprise: stored only if the reporter chooses to say who they are.
    pub enterprise_id: Option<i64>,
    pub revoked: bool,
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
                b.channel, b.card_count, b.list_version_id, e.district AS enterprise_district, \
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
        batch_size: row.try_get("", "card_count")?,
        channel: row.try_get("", "channel")?,
        service_point_id,
        enterprise_id,
        revoked,
        list_version_id: row.try_get("", "list_version_id")?,
    })
}
