//! Which client a request comes from, for the in-memory limits only (reports, query codes,
//! logins): the TCP peer, or, behind a reverse proxy configured with
//! `JIANDUKA_CLIENT_IP_HEADER`, the address the proxy reports. Never stored, never logged.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::error::AppError;
use crate::state::AppState;

/// The client's address, as far as this server can tell.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no peer address")))?;
        let Some(header) = state.settings.client_ip_header.as_deref() else {
            return Ok(ClientAddr(peer));
        };
        // The rightmost entry is the one our own proxy added; earlier ones are the client's word.
        let forwarded = parts
            .headers
            .get_all(header)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|v| v.trim().parse::<IpAddr>().ok())
            .next_back();
        Ok(ClientAddr(forwarded.unwrap_or(peer)))
    }
}
