//! Staff routes are declared through a [`StaffRouter`], JSON API routes through an
//! [`ApiRouter`]: the access they need stands where they are declared, the guard is applied to
//! all of them at once, and the list of what was declared can be walked (a test proves every
//! route refuses strangers, wrong roles and forgeries).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{get, post};

use super::Access;
use super::bearer::{self, BearerGuard};
use super::guard::{Guard, enforce};
use crate::state::AppState;

/// One declared staff or API route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteEntry {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path template, e.g. `/staff/cards/{id}`.
    pub path: &'static str,
    pub access: Access,
}

/// Staff routes that need the same [`Access`].
pub struct StaffRouter {
    access: Access,
    router: Router<AppState>,
    entries: Vec<RouteEntry>,
    /// The uploads' declared body limits by path; every other route has the default.
    body_limits: HashMap<&'static str, usize>,
}

impl StaffRouter {
    /// Routes that require `access`.
    pub fn new(access: Access) -> Self {
        Self {
            access,
            router: Router::new(),
            entries: Vec::new(),
            body_limits: HashMap::new(),
        }
    }

    fn add(mut self, method: &'static str, path: &'static str) -> Self {
        self.entries.push(RouteEntry {
            method,
            path,
            access: self.access,
        });
        self
    }

    /// A page or download.
    pub fn get<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let mut this = self.add("GET", path);
        this.router = this.router.route(path, get(handler));
        this
    }

    /// A state change (checked for forgery by the guard).
    pub fn post<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let mut this = self.add("POST", path);
        this.router = this.router.route(path, post(handler));
        this
    }

    /// A state change whose body may be up to `limit` bytes (an upload; one of
    /// [`crate::limits::bytes`]). The guard reads no more than that to find the form's token.
    pub fn post_upload<H, T>(self, path: &'static str, handler: H, limit: usize) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let mut this = self.add("POST", path);
        this.body_limits.insert(path, limit);
        this.router = this
            .router
            .route(path, post(handler).layer(DefaultBodyLimit::max(limit)));
        this
    }

    /// What was declared.
    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }

    /// The routes behind their guard.
    pub fn into_router(self, state: &AppState) -> Router<AppState> {
        let guard = Guard {
            state: state.clone(),
            access: self.access,
            body_limits: Arc::new(self.body_limits),
        };
        self.router
            .route_layer(axum::middleware::from_fn_with_state(guard, enforce))
    }
}

/// Where the JSON API is served; [`ApiRouter`] paths start with it.
pub const API_MOUNT: &str = "/api/v1";

/// JSON API routes that need the same [`Access`], for a bearer token only (see
/// [`super::bearer`]): a session cookie opens none of them. Paths are declared in full
/// (`/api/v1/cases/{id}`, as a client calls them) and served from under [`API_MOUNT`].
pub struct ApiRouter {
    access: Access,
    router: Router<AppState>,
    entries: Vec<RouteEntry>,
}

impl ApiRouter {
    /// Routes that require `access`.
    pub fn new(access: Access) -> Self {
        Self {
            access,
            router: Router::new(),
            entries: Vec::new(),
        }
    }

    /// Records the route; returns its path below [`API_MOUNT`].
    fn add(&mut self, method: &'static str, path: &'static str) -> &'static str {
        self.entries.push(RouteEntry {
            method,
            path,
            access: self.access,
        });
        match path.strip_prefix(API_MOUNT) {
            Some(inner) if inner.starts_with('/') => inner,
            // A declaration mistake, found by the first test that builds the router.
            _ => panic!("API route {path} is not under {API_MOUNT}"),
        }
    }

    /// A read.
    pub fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let inner = self.add("GET", path);
        self.router = self.router.route(inner, get(handler));
        self
    }

    /// A state change.
    pub fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let inner = self.add("POST", path);
        self.router = self.router.route(inner, post(handler));
        self
    }

    /// What was declared.
    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }

    /// The routes behind their guard, to be nested at [`API_MOUNT`].
    pub fn into_router(self, state: &AppState) -> Router<AppState> {
        let guard = BearerGuard {
            state: state.clone(),
            access: self.access,
        };
        self.router
            .route_layer(axum::middleware::from_fn_with_state(guard, bearer::enforce))
    }
}
