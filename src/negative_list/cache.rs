//! The negative-list version a form offers, cached: a published version never changes.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

use super::NegativeListVersion;

/// How long "the current version" is trusted before it is looked up again.
const CURRENT_TTL: Duration = Duration::from_secs(30);

/// Versions by id, and which one is current.
#[derive(Debug, Default)]
pub struct ListCache {
    by_id: RwLock<HashMap<i64, Arc<NegativeListVersion>>>,
    current: RwLock<Option<(Instant, i64)>>,
}

impl ListCache {
    /// The version printed on the card, else the current one.
    pub async fn for_card(
        &self,
        db: &impl ConnectionTrait,
        version_id: Option<i64>,
    ) -> Result<Arc<NegativeListVersion>, sea_orm::DbErr> {
        if let Some(id) = version_id {
            if let Some(version) = self.cached(id) {
                return Ok(version);
            }
            if let Some(version) = super::by_id(db, id).await? {
                return Ok(self.keep(version));
            }
        }
        let fresh = self
            .current
            .read()
            .ok()
            .and_then(|c| *c)
            .filter(|(at, _)| at.elapsed() < CURRENT_TTL)
            .and_then(|(_, id)| self.cached(id));
        if let Some(version) = fresh {
            return Ok(version);
        }
        let version = self.keep(super::current(db).await?);
        if let Ok(mut current) = self.current.write() {
            *current = Some((Instant::now(), version.id));
        }
        Ok(version)
    }

    fn cached(&self, id: i64) -> Option<Arc<NegativeListVersion>> {
        self.by_id.read().ok()?.get(&id).cloned()
    }

    fn keep(&self, version: NegativeListVersion) -> Arc<NegativeListVersion> {
        let version = Arc::new(version);
        if let Ok(mut map) = self.by_id.write() {
            map.insert(version.id, version.clone());
        }
        version
    }
}
