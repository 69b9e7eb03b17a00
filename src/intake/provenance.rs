//! Where a report came from, read from the card behind the token: coarse (district, batch,
//! channel), never the enterprise unless the reporter opts in.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::entities::{card_batches, cards, enterprises, service_points};

/// What the token says about a report.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// `card`, `desk_sign`, `revoked_card`, `unknown_card`, `web` or `api`.
    pub source: &'static str,
    pub district: Option<String>,
    pub batch_id: Option<i64>,
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

/// Looks a card token up. Unknown tokens give a provenance-free form, never an error.
pub async fn for_token(db: &impl ConnectionTrait, token: &str) -> Result<Provenance, DbErr> {
    if !plausible(token) {
        return Ok(Provenance::without_card("unknown_card"));
    }
    let Some(card) = cards::Entity::find()
        .filter(cards::Column::Token.eq(token))
        .one(db)
        .await?
    else {
        return Ok(Provenance::without_card("unknown_card"));
    };
    let batch = card_batches::Entity::find_by_id(card.batch_id)
        .one(db)
        .await?;
    let revoked = card.status == "revoked" || card.revoked_at.is_some();
    let mut provenance = Provenance {
        source: if revoked {
            "revoked_card"
        } else if card.service_point_id.is_some() {
            "desk_sign"
        } else {
            "card"
        },
        batch_id: Some(card.batch_id),
        channel: batch.as_ref().map(|b| b.channel.clone()),
        list_version_id: batch.as_ref().map(|b| b.list_version_id),
        revoked,
        ..Default::default()
    };
    if let Some(point_id) = card.service_point_id {
        provenance.service_point_id = Some(point_id);
        provenance.district = service_points::Entity::find_by_id(point_id)
            .one(db)
            .await?
            .and_then(|p| p.district);
    } else if let Some(enterprise_id) = card.enterprise_id
        && let Some(enterprise) = enterprises::Entity::find_by_id(enterprise_id)
            .one(db)
            .await?
    {
        provenance.district = Some(enterprise.district);
        provenance.enterprise_id = Some(enterprise.id);
    }
    Ok(provenance)
}
