//! The router: every domain's routes, the health, readiness and metrics endpoints, and the
//! layers every request passes through.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::access::{ApiRouter, RouteEntry, StaffRouter};
use crate::error::{AppError, ResultExt};
use crate::i18n::Lang;
use crate::state::AppState;

/// Every staff route, by the access it needs (each domain declares its own).
fn staff_routers() -> Vec<StaffRouter> {
    let mut routers = vec![
        crate::auth::staff_routes(),
        crate::auth::admin_routes(),
        crate::reminders::staff_routes(),
        crate::cards::staff_routes(),
        crate::enterprises::staff_routes(),
        crate::mail::staff_routes(),
        crate::mail::own_routes(),
    ];
    routers.extend(crate::cases::staff_routes());
    routers.push(crate::dossier::staff_routes());
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
