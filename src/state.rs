//! What every handler can reach: the database and its write gate, the settings, the views,
//! the in-memory abuse limits, the negative-list cache and the clock. It lives below the
//! domains, so a domain never imports the assembly in `app.rs`.

use std::sync::Arc;

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;

use crate::audit::{Actor, Stamp};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::WriteGate;
use crate::deadlines::SlaCache;
use crate::limits::Limits;
use crate::negative_list::ListCache;
use crate::pool::Pools;
use crate::telemetry::Metrics;
use crate::web::Views;

/// The shared state of one server process.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// The one way to start a write transaction (queues writers on SQLite).
    pub writes: WriteGate,
    pub settings: Arc<Settings>,
    pub views: Views,
    pub metrics: Arc<Metrics>,
    /// In-memory, per-process limits (reports per client and card, wrong query codes,
    /// failed logins). Never written to disk.
    pub limits: Arc<Limits>,
    /// Published negative-list versions, which never change once published.
    pub lists: Arc<ListCache>,
    /// The working-day calendar and the deadline policies, reloaded once a minute.
    pub sla: Arc<SlaCache>,
    /// What time it is; tests and `sla tick --now` move it.
    pub clock: Clock,
    /// Bounded pools for CPU-heavy work (images, passwords).
    pub pools: Pools,
}

impl AppState {
    /// Whether cookies must carry `Secure` (the public address is https).
    pub fn secure_cookies(&self) -> bool {
        self.settings.public_base_url.scheme() == "https"
    }

    /// The server's secret key (keyed hashes, sessions, the audit chain).
    pub fn key(&self) -> &[u8] {
        self.settings.secret_key.expose()
    }

    /// `actor` acting now: what an audited change takes.
    pub fn stamp(&self, actor: Actor) -> Stamp<'_> {
        Stamp::new(actor, self.clock.now(), self.key())
    }
}

impl FromRef<AppState> for Arc<Metrics> {
    fn from_ref(state: &AppState) -> Self {
        state.metrics.clone()
    }
}
