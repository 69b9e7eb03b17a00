//! In-memory abuse limits of the public pages: submission limits per client address and per
//! card, and the back-off for wrong query codes. Nothing here is ever written to disk; keys are
//! keyed hashes, so not even memory holds a card token or an address in the clear. Each
//! server process keeps its own.
//!
//! Every limit is reserved atomically before the work it guards (check and count under one
//! lock), so requests sent at the same moment cannot all slip through; a reservation whose
//! work fails is released. Time is a parameter: the caller passes the clock's `now`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

/// Window of the submission limits.
const REPORT_WINDOW: Duration = Duration::hours(1);
/// Wrong codes tolerated before each further attempt must wait.
const SLOW_AFTER: u32 = 3;
/// Wrong codes after which a client is refused for [`REFUSE_FOR`].
const REFUSE_AFTER: u32 = 8;
/// How long a client is refused, and after how long without failures it is forgiven.
const REFUSE_FOR: Duration = Duration::minutes(15);
/// Keys kept before expired entries are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
struct Window {
    started: DateTime<Utc>,
    count: u32,
}

#[derive(Debug)]
struct Attempts {
    /// Wrong codes, plus attempts still being checked (counted as wrong until they prove right).
    count: u32,
    last: DateTime<Utc>,
}

/// The in-memory abuse limits of the public pages (see the module docs).
#[derive(Debug, Default)]
pub struct Limits {
    reports: Mutex<HashMap<String, Window>>,
    attempts: Mutex<HashMap<String, Attempts>>,
}

/// What the query-code back-off says about a client's next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeGate {
    /// Go ahead: the attempt is counted until [`Limits::code_was_right`] forgives it.
    Open,
    /// Too soon after the last wrong code: try again after this long.
    Wait(Duration),
    /// Too many wrong codes: refused for a while, even with the right code.
    Refused,
}

/// The in-memory key of a client address.
pub fn client_key(secret: &[u8], ip: IpAddr) -> String {
    crate::crypto::keyed_hash(secret, "rate-client", ip.to_string().as_bytes())
}

/// The in-memory key of a card token.
pub fn card_key(secret: &[u8], token: &str) -> String {
    crate::crypto::keyed_hash(secret, "rate-card", token.as_bytes())
}

/// A poisoned lock only means another request panicked while holding it; the counts are
/// still counts.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Limits {
    /// Reserves one report against each `(key, limit per hour)`: all or nothing. Returns
    /// false, reserving nothing, if any key is at its limit.
    pub fn reserve_report(&self, keys: &[(&str, u32)], now: DateTime<Utc>) -> bool {
        let mut map = lock(&self.reports);
        if map.len() > SWEEP_AT {
            map.retain(|_, w| now - w.started < REPORT_WINDOW);
        }
        let full = keys.iter().any(|(key, limit)| match map.get(*key) {
            Some(w) if now - w.started < REPORT_WINDOW => w.count >= *limit,
            _ => false,
        });
        if full {
            return false;
        }
        for (key, _) in keys {
            let window = map.entry((*key).to_string()).or_insert(Window {
                started: now,
                count: 0,
            });
            if now - window.started >= REPORT_WINDOW {
                *window = Window {
                    started: now,
                    count: 0,
                };
            }
            window.count += 1;
        }
        true
    }

    /// Gives back a reservation whose report was not stored.
    pub fn release_report(&self, keys: &[&str]) {
        let mut map = lock(&self.reports);
        for key in keys {
            if let Some(window) = map.get_mut(*key) {
                window.count = window.count.saturating_sub(1);
            }
        }
    }

    /// Decides, and counts, one query-code attempt of `client`.
    pub fn code_attempt(&self, client: &str, now: DateTime<Utc>) -> CodeGate {
        let mut map = lock(&self.attempts);
        if map.len() > SWEEP_AT {
            map.retain(|_, a| now - a.last < REFUSE_FOR);
        }
        let entry = map.entry(client.to_string()).or_insert(Attempts {
            count: 0,
            last: now,
        });
        if now - entry.last >= REFUSE_FOR {
            entry.count = 0;
        }
        if entry.count >= REFUSE_AFTER {
            return CodeGate::Refused;
        }
        if let Some(wait) = wait_after(entry.count) {
            let ready = entry.last + wait;
            if now < ready {
                return CodeGate::Wait(ready - now);
            }
        }
        entry.count += 1;
        entry.last = now;
        CodeGate::Open
    }

    /// Forgives the attempt just counted: the code was right.
    pub fn code_was_right(&self, client: &str) {
        if let Some(entry) = lock(&self.attempts).get_mut(client) {
            entry.count = entry.count.saturating_sub(1);
        }
    }
}

/// How long a client must wait after `failures` wrong codes before the next attempt.
fn wait_after(failures: u32) -> Option<Duration> {
    (failures > SLOW_AFTER).then(|| {
        Duration::milliseconds(i64::from(failures - SLOW_AFTER) * 500).min(Duration::seconds(5))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
    }

    #[test]
    fn wrong_codes_are_first_tolerated_then_made_to_wait_then_refused() {
        let limits = Limits::default();
        for i in 0..=SLOW_AFTER {
            assert_eq!(limits.code_attempt("c", at(i64::from(i))), CodeGate::Open);
        }
        // Four wrong: the fifth right away must wait, and half a second later may try.
        assert!(matches!(limits.code_attempt("c", at(3)), CodeGate::Wait(_)));
        let mut now = 4;
        let mut tried = SLOW_AFTER + 1;
        while tried < REFUSE_AFTER {
            now += 10;
            assert_eq!(limits.code_attempt("c", at(now)), CodeGate::Open);
            tried += 1;
        }
        assert_eq!(limits.code_attempt("c", at(now + 10)), CodeGate::Refused);
        assert_eq!(limits.code_attempt("someone-else", at(now)), CodeGate::Open);
        // Forgiven after a quiet quarter of an hour.
        assert_eq!(limits.code_attempt("c", at(now + 15 * 60)), CodeGate::Open);
    }

    #[test]
    fn a_right_code_is_not_counted_against_the_client() {
        let limits = Limits::default();
        for i in 0..20 {
            assert_eq!(limits.code_attempt("c", at(i)), CodeGate::Open);
            limits.code_was_right("c");
        }
    }

    #[test]
    fn a_client_over_its_report_limit_is_refused_but_others_are_not() {
        let limits = Limits::default();
        assert!(limits.reserve_report(&[("a", 2), ("card", 10)], at(0)));
        assert!(limits.reserve_report(&[("a", 2), ("card", 10)], at(1)));
        assert!(!limits.reserve_report(&[("a", 2), ("card", 10)], at(2)));
        assert!(limits.reserve_report(&[("b", 2), ("card", 10)], at(2)));
        assert!(!limits.reserve_report(&[("b", 2), ("card", 3)], at(3)));
        // A refused reservation took nothing: b still has one left.
        assert!(limits.reserve_report(&[("b", 2)], at(3)));
        // An hour later the window starts again.
        assert!(limits.reserve_report(&[("a", 2)], at(3601)));
    }

    #[test]
    fn a_released_reservation_can_be_used_again() {
        let limits = Limits::default();
        assert!(limits.reserve_report(&[("a", 1)], at(0)));
        assert!(!limits.reserve_report(&[("a", 1)], at(1)));
        limits.release_report(&["a"]);
        assert!(limits.reserve_report(&[("a", 1)], at(2)));
    }
}
