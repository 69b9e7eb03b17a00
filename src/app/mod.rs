//! Application assembly: shared state, the router of every domain, startup and shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::audit::Actor;
use crate::clock::Clock;
use crate::config::{SettingError, Settings};
use crate::db::WriteGate;
use crate::state::AppState;
use crate::telemetry::Metrics;
use crate::web::Views;

mod database;
mod routes;

pub use database::{migrate, prepare_database};
pub use routes::{api_routes, router, staff_routes};

/// Why the server could not start: a setting (exit status 2) or anything else (1).
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

/// The shared state over a prepared database.
fn assemble_state(db: DatabaseConnection, settings: Settings) -> anyhow::Result<AppState> {
    let views = Views::load(&settings.org_name, &settings.hotline)?
        .with_english_name(settings.org_name_in_english());
    let pools = crate::pool::Pools::new(settings.workers as usize, settings.work_queue as usize);
    Ok(AppState {
        writes: WriteGate::new(db.clone()),
        db,
        settings: Arc::new(settings),
        views,
        metrics: Arc::new(Metrics::default()),
        limits: Arc::default(),
        lists: Arc::default(),
        sla: Arc::default(),
        clock: Clock::system(),
        pools,
    })
}

/// The state a one-shot command works with: the database prepared, no port bound.
pub async fn state_for_command(settings: Settings) -> Result<AppState, StartupError> {
    let db = prepare_database(&settings).await?;
    Ok(assemble_state(db, settings)?)
}

/// A server ready to run: database prepared, port bound.
pub struct Application {
    listener: TcpListener,
    /// `/metrics` on an address of its own, when `JIANDUKA_METRICS_BIND` says so.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    /// The one-time password of the `admin` account created on this start, if any.
    pub first_admin_password: Option<String>,
}

impl Application {
    /// Prepares the database, creates the first admin if there are no users, binds the port.
    pub async fn build(mut settings: Settings) -> Result<Self, StartupError> {
        let db = prepare_database(&settings).await?;
        database::warn_of_unpublished_years(&db, Clock::system().now()).await;
        // Card templates and fonts are checked now, so a broken template stops the start
        // instead of the first print job.
        let assets =
            crate::cards::assets::PrintAssets::with_folder(settings.print_assets.as_deref());
        let font = settings.card_font.clone();
        tokio::task::spawn_blocking(move || check_print_assets(&assets, font.as_deref()))
            .await
            .map_err(|e| anyhow::anyhow!("loading card templates: {e}"))??;
        let listener = TcpListener::bind(settings.bind).await.map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::AddrInUse => "is already in use".to_string(),
                std::io::ErrorKind::PermissionDenied => "needs more privileges".to_string(),
                _ => format!("cannot be bound: {e}"),
            };
            SettingError::new("JIANDUKA_BIND", format!("{} {why}", settings.bind))
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| anyhow::anyhow!("reading the bound address: {e}"))?;
        // Port 0 (tests) means "any free port": QR codes must point at the real one.
        if settings.public_base_url.port() == Some(0) {
            let _ = settings.public_base_url.set_port(Some(local.port()));
        }
        settings.bind = local;
        let metrics_listener = match settings.metrics_bind {
            Some(address) => {
                let listener = TcpListener::bind(address).await.map_err(|e| {
                    SettingError::new(
                        "JIANDUKA_METRICS_BIND",
                        format!("{address} cannot be bound: {e}"),
                    )
                })?;
                settings.metrics_bind = listener.local_addr().ok();
                Some(listener)
            }
            None => None,
        };
        let state = assemble_state(db, settings)?;
        let first_admin_password = crate::auth::bootstrap_admin(
            &state.writes,
            &state.pools.passwords,
            &state.stamp(Actor::System("first-run")),
        )
        .await?;
        Ok(Self {
            listener,
            metrics_listener,
            state,
            first_admin_password,
        })
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.state.settings.bind
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.address().port()
    }

    /// The shared state (tests use its database handle).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight and stops the
    /// background loops (each finishes the step it is in).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        crate::server::keep_large_blocks_returnable();
        if let Some(limit) = crate::server::raise_open_file_limit() {
            tracing::debug!(limit, "open-file limit");
        }
        let settings = self.state.settings.clone();
        let limits = crate::server::ConnectionLimits {
            max_connections: settings.max_connections as usize,
            header_timeout: Duration::from_secs(u64::from(settings.header_timeout_secs)),
        };
        let (stop, stopping) = watch::channel(false);
        let background = spawn_background(&self.state, &stopping);
        let metrics_server = self.metrics_listener.map(|listener| {
            let router = Router::new()
                .route("/metrics", get(crate::telemetry::metrics_handler))
                .with_state(self.state.metrics.clone());
            let mut stopped = stopping.clone();
            tokio::spawn(crate::server::serve(listener, router, limits, async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            }))
        });
        let router = router(self.state);
        crate::server::serve(self.listener, router, limits, shutdown_signal()).await;
        let _ = stop.send(true);
        if let Some(server) = metrics_server {
            let _ = server.await;
        }
        for task in background {
            let _ = task.await;
        }
        Ok(())
    }
}

/// The loops `serve` runs beside the HTTP server. Each takes the state and a stop signal
/// that turns true on shutdown, and returns once it has seen it.
fn spawn_background(state: &AppState, stop: &watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(crate::mail::run_loop(state.clone(), stop.clone())),
        tokio::spawn(crate::reminders::tick::run_loop(
            state.clone(),
            stop.clone(),
        )),
    ]
}

/// Loads the card templates and fonts; a problem names the setting to fix.
fn check_print_assets(
    assets: &crate::cards::assets::PrintAssets,
    font: Option<&Path>,
) -> Result<(), SettingError> {
    let Err(e) = crate::cards::shared_assets(assets, font) else {
        return Ok(());
    };
    // The extra font is to blame only if the shipped assets load without it.
    let setting = match font {
        Some(_) if crate::cards::shared_assets(assets, None).is_ok() => "JIANDUKA_CARD_FONT",
        _ => "JIANDUKA_PRINT_ASSETS",
    };
    Err(SettingError::new(setting, format!("{e:#}")))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
