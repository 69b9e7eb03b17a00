//! Where a report came from, read from the card behind the token: coarse (district, batch,
//! channel), never the enterprise unless the reporter opts in. The card itself is the cards
//! domain's to look up ([`crate::cards::origin_of`]); what a report keeps of it is decided here.

use sea_orm::{ConnectionTrait, DbErr};

use crate::cards::{self, CardOrigin};
use crate::entities::enums::{Channel, ReportSource};

/// What the token says about a report.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    pub source: ReportSource,
    pub district: Option<String>,
    pub batch_id: Option<i64>,
    pub channel: Option<Channel>,
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
    pub fn without_card(source: ReportSource) -> Self {
        Self {
            source,
            ..Default::default()
        }
    }

    /// Whether the reporter may choose to name their enterprise.
    pub fn offers_identification(&self) -> bool {
        self.enterprise_id.is_some()
    }

    fn of_card(card: CardOrigin) -> Self {
        let source = if card.revoked {
            ReportSource::RevokedCard
        } else if card.is_desk_sign() {
            ReportSource::DeskSign
        } else {
            ReportSource::Card
        };
        Self {
            source,
            district: card.district,
            batch_id: Some(card.batch_id),
            channel: card.channel,
            service_point_id: card.service_point_id,
            enterprise_id: card.enterprise_id,
            revoked: card.revoked,
            unit_id: None,
            list_version_id: card.list_version_id,
        }
    }
}

/// Where the form for `token` posts: the same URL, unless the token is not a token at all.
pub fn card_path(token: &str) -> String {
    if cards::plausible_token(token) {
        format!("/r/{token}")
    } else {
        "/report".into()
    }
}

/// Looks a card token up. Unknown tokens give a provenance-free form, never an error.
pub async fn for_token(db: &impl ConnectionTrait, token: &str) -> Result<Provenance, DbErr> {
    Ok(match cards::origin_of(db, token).await? {
        Some(card) => Provenance::of_card(card),
        None => Provenance::without_card(ReportSource::UnknownCard),
    })
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
    let shared = cards::holders_sharing(
        db,
        provenance.district.as_deref(),
        provenance.batch_id,
        provenance.channel,
    )
    .await?;
    let k = i64::from(k);
    let (keep_district, keep_batch, keep_channel) = if shared.district_batch_channel >= k {
        (true, true, true)
    } else if shared.district_channel >= k {
        (true, false, true)
    } else if shared.district >= k {
        (true, false, false)
    } else {
        (false, false, shared.channel >= k)
    };
    if !keep_district {
        kept.district = None;
        kept.unit_id = match &provenance.district {
            Some(district) => cards::unit_holders(db, district)
                .await?
                .and_then(|(unit, holders)| (holders >= k).then_some(unit)),
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
