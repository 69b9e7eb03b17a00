//! The per-client and per-card report limits as a reservation: taken before a request body
//! is read, used up only by a stored report.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::submit::{IntakeDeps, SubmitError};
use crate::limits::{Limits, card_key, client_key};

/// A place within the per-client (and per-card) report limits, taken before the request
/// body is read. It is given back when dropped unless a report was stored with it, so a
/// refused, failed or abandoned submission costs the client nothing.
pub struct Reservation<'a> {
    limits: &'a Limits,
    keys: Vec<String>,
    kept: bool,
}

impl<'a> IntakeDeps<'a> {
    /// Reserves one report for `client` (and `card_token`), before anything else is read.
    pub fn reserve(
        &self,
        client: IpAddr,
        card_token: Option<&str>,
    ) -> Result<Reservation<'a>, SubmitError> {
        let mut reservation = Reservation {
            limits: self.limits,
            keys: Vec::new(),
            kept: false,
        };
        reservation.add(client_key(self.key, client), self.client_limit, self.now)?;
        if let Some(token) = card_token {
            reservation.add_card(self, token)?;
        }
        Ok(reservation)
    }

    /// Reserves one evidence upload for `client` (the same hourly limit as reports, counted
    /// apart), before its body is read.
    pub fn reserve_evidence(&self, client: IpAddr) -> Result<Reservation<'a>, SubmitError> {
        let mut reservation = Reservation {
            limits: self.limits,
            keys: Vec::new(),
            kept: false,
        };
        let key = format!("evidence:{}", client_key(self.key, client));
        reservation.add(key, self.client_limit, self.now)?;
        Ok(reservation)
    }
}

impl Reservation<'_> {
    /// Uses the reservation up: what it guarded was stored.
    pub fn keep(mut self) {
        self.kept = true;
    }

    /// Adds the per-card limit of `token` (known only once a JSON body is read), unless it
    /// is already reserved.
    pub(super) fn add_card(
        &mut self,
        deps: &IntakeDeps<'_>,
        token: &str,
    ) -> Result<(), SubmitError> {
        let key = card_key(deps.key, token);
        if self.keys.contains(&key) {
            return Ok(());
        }
        self.add(key, deps.card_limit, deps.now)
    }

    fn add(&mut self, key: String, limit: u32, now: DateTime<Utc>) -> Result<(), SubmitError> {
        if !self.limits.reserve_report(&[(key.as_str(), limit)], now) {
            return Err(SubmitError::RateLimited);
        }
        self.keys.push(key);
        Ok(())
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.kept {
            let keys: Vec<&str> = self.keys.iter().map(String::as_str).collect();
            self.limits.release_report(&keys);
        }
    }
}
