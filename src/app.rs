//! Application assembly: shared state, the router of every domain, startup and shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::access::{ApiRouter, RouteEntry, StaffRouter};
use crate::audit::Actor;
use crate::clock::Clock;
use crate::config::{SettingError, Settings};
use crate::db::WriteGate;
use crate::error::{AppError, ResultExt};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::telemetry::Metrics;
use crate::web::Views;

/// Why the server could not start: a setting (exit status 2) or anything else (1).
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

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
async fn warn_of_unpublished_years(db: &DatabaseConnection, now: chrono::DateTime<chrono::Utc>) {
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
        warn_of_unpublished_years(&db, Clock::system().now()).await;
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

/// Every staff route, by the access it needs (each domain declares its own).
fn staff_routers() -> Vec<StaffRouter> {
    let mut routers = vec![
        crate::auth::staff_routes(),
        crate::auth::admin_routes(),
        crate::reminders::staff_routes(),
        crate::cards::staff_routes(),
        crate::enterprises::staff_routes(),
        crate::mail::staff_routes(),
    ];
    routers.extend(crate::cases::staff_routes());
    routers
}

/// The staff routes as declared, for a test that walks them all.
pub fn staff_routes() -> Vec<RouteEntry> {
    staff_routers()
        .iter()
        .flat_map(|r| r.entries().to_vec())
        .collect()
}

/// Every JSON API route that needs a bearer token, by the access it needs.
fn api_routers() -> Vec<ApiRouter> {
    crate::cases::api_routes()
}

/// The bearer-token API routes as declared (full paths), for the tests that walk them.
pub fn api_routes() -> Vec<RouteEntry> {
    api_routers()
        .iter()
        .flat_map(|r| r.entries().to_vec())
        .collect()
}

/// Every route of the product. Each class of routes (public pages, staff pages and login,
/// the API) has its own cap on requests in flight; health, readiness, metrics and static
/// files have none, so they keep answering under load.
pub fn router(state: AppState) -> Router {
    use crate::server::{InFlight, limit_in_flight};
    let settings = &state.settings;
    let cap = |limit| axum::middleware::from_fn_with_state(InFlight::new(limit), limit_in_flight);
    let staff = staff_routers()
        .into_iter()
        .fold(crate::auth::router(&state), |router, routes| {
            router.merge(routes.into_router(&state))
        })
        .route_layer(cap(settings.inflight_staff));
    // Served at /api/v1 = access::API_MOUNT, where the API routers' paths are declared.
    let v1 = api_routers()
        .into_iter()
        .fold(crate::intake::api_router(), |router, routes| {
            router.merge(routes.into_router(&state))
        });
    let api = Router::new()
        .nest("/v1", v1)
        .route("/openapi.json", get(crate::openapi::document))
        .route_layer(cap(settings.inflight_api))
        .fallback(api_not_found)
        .layer(axum::middleware::from_fn(crate::error::api_json_errors));
    let public = crate::intake::router().route_layer(cap(settings.inflight_public));
    let body_timeout = Duration::from_secs(u64::from(settings.body_timeout_secs));
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(public)
        .merge(staff)
        .nest("/api", api)
        .merge(crate::web::static_router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::telemetry::track_requests,
        ))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(crate::text::clean_input))
        .layer(axum::middleware::from_fn(crate::error::localize_errors))
        .layer(axum::middleware::from_fn_with_state(
            body_timeout,
            crate::server::body_deadline,
        ))
        .layer(axum::middleware::from_fn(crate::web::remember_lang))
        .layer(axum::middleware::from_fn(crate::web::security_headers))
        .layer(DefaultBodyLimit::max(crate::limits::bytes::DEFAULT_BODY))
        .with_state(state)
}

async fn home(State(state): State<AppState>, lang: Lang) -> Result<Html<String>, AppError> {
    state
        .views
        .page("home.html", lang, minijinja::context! {})
        .internal("rendering the home page")
}

/// `GET /metrics` on the main address: only with `Authorization: Bearer JIANDUKA_METRICS_TOKEN`
/// (without a token configured it does not exist here; see `JIANDUKA_METRICS_BIND`).
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let Some(token) = &state.settings.metrics_token else {
        return not_found(State(state)).await;
    };
    let offered = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if offered
        .is_some_and(|offered| crate::crypto::constant_time_eq(offered.trim(), token.expose()))
    {
        return crate::telemetry::metrics_handler(State(state.metrics.clone())).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
        "a metrics token is needed",
    )
        .into_response()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    if crate::db::ping(&state.db).await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

async fn api_not_found(State(state): State<AppState>) -> Response {
    state
        .metrics
        .record_unmatched(StatusCode::NOT_FOUND.as_u16());
    // `api_json_errors` answers it as JSON, in the request's language.
    let mut response = AppError::NotFound.into_response();
    response.extensions_mut().insert(crate::error::ErrorInfo {
        message: crate::error::Msg::new("api_error_no_endpoint"),
    });
    response
}

async fn not_found(State(state): State<AppState>) -> Response {
    state
        .metrics
        .record_unmatched(StatusCode::NOT_FOUND.as_u16());
    AppError::NotFound.into_response()
}
