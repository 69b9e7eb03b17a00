//! In-memory state of the public pages. Abuse guards: submission limits per client address and per card, and the
//! back-off for wrong query codes. Nothing here is ever written to disk; keys are keyed
//! hashes, so not even memory holds a card token or an address in the clear.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Window of the submission limits.
const REPORT_WINDOW: Duration = Duration::from_secs(3600);
/// Wrong codes tolerated before each further attempt is slowed down.
const SLOW_AFTER: u32 = 3;
/// Wrong codes after which a client is refused for [`REFUSE_FOR`].
const REFUSE_AFTER: u32 = 8;
/// How long a client is refused, and after how long without failures it is forgiven.
const REFUSE_FOR: Duration = Duration::from_secs(15 * 60);
/// Keys kept before expired entries are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
struct Window {
    started: Instant,
    count: u32,
}

#[derive(Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

/// The in-memory abuse guards of the public pages (see the module docs).
#[derive(Debug, Default)]
pub struct IntakeGuards {
    reports: Mutex<HashMap<String, Window>>,
    failures: Mutex<HashMap<String, Failures>>,
    /// Serialises intake writes on SQLite, which has one writer at a time: waiting here
    /// is cheaper and fairer than SQLite's busy-retry loop.
    pub(crate) sqlite_writes: tokio::sync::Mutex<()>,
    /// Negative-list versions the forms offer.
    pub(crate) lists: super::lists::ListCache,
}

/// What the query-code back-off says about a client's next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeGate {
    Open,
    /// Answer, but only after this delay.
    Slowed(Duration),
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

impl IntakeGuards {
    /// Whether one more report from these keys stays within `limit` per hour each.
    pub fn report_allowed(&self, keys: &[(&str, u32)]) -> bool {
        let Ok(map) = self.reports.lock() else {
            return true;
        };
        keys.iter().all(|(key, limit)| match map.get(*key) {
            Some(w) if w.started.elapsed() < REPORT_WINDOW => w.count < *limit,
            _ => true,
        })
    }

    /// Counts a stored report against these keys.
    pub fn report_stored(&self, keys: &[&str]) {
        let Ok(mut map) = self.reports.lock() else {
            return;
        };
        if map.len() > SWEEP_AT {
            map.retain(|_, w| w.started.elapsed() < REPORT_WINDOW);
        }
        for key in keys {
            let window = map.entry((*key).to_string()).or_insert(Window {
                started: Instant::now(),
                count: 0,
            });
            if window.started.elapsed() >= REPORT_WINDOW {
                *window = Window {
                    started: Instant::now(),
                    count: 0,
                };
            }
            window.count += 1;
        }
    }

    /// How the next query-code attempt of `client` is treated.
    pub fn code_gate(&self, client: &str) -> CodeGate {
        let Ok(map) = self.failures.lock() else {
            return CodeGate::Open;
        };
        match map.get(client) {
            Some(f) if f.last.elapsed() < REFUSE_FOR => gate_for(f.count),
            _ => CodeGate::Open,
        }
    }

    /// Records a wrong query code from `client`.
    pub fn code_failed(&self, client: &str) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() > SWEEP_AT {
            map.retain(|_, f| f.last.elapsed() < REFUSE_FOR);
        }
        let entry = map.entry(client.to_string()).or_insert(Failures {
            count: 0,
            last: Instant::now(),
        });
        if entry.last.elapsed() >= REFUSE_FOR {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = Instant::now();
    }
}

fn gate_for(failures: u32) -> CodeGate {
    if failures >= REFUSE_AFTER {
        CodeGate::Refused
    } else if failures > SLOW_AFTER {
        let steps = u64::from(failures - SLOW_AFTER);
        CodeGate::Slowed(Duration::from_millis((250 * steps).min(2000)))
    } else {
        CodeGate::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_codes_are_first_tolerated_then_slowed_then_refused() {
        let guards = IntakeGuards::default();
        for _ in 0..SLOW_AFTER {
            guards.code_failed("c");
        }
        assert_eq!(guards.code_gate("c"), CodeGate::Open);
        guards.code_failed("c");
        assert!(matches!(guards.code_gate("c"), CodeGate::Slowed(_)));
        for _ in SLOW_AFTER + 1..REFUSE_AFTER {
            guards.code_failed("c");
        }
        assert_eq!(guards.code_gate("c"), CodeGate::Refused);
        assert_eq!(guards.code_gate("someone-else"), CodeGate::Open);
    }

    #[test]
    fn a_client_over_its_report_limit_is_refused_but_others_are_not() {
        let guards = IntakeGuards::default();
        guards.report_stored(&["a", "card"]);
        guards.report_stored(&["a", "card"]);
        assert!(!guards.report_allowed(&[("a", 2), ("card", 10)]));
        assert!(guards.report_allowed(&[("b", 2), ("card", 10)]));
        assert!(!guards.report_allowed(&[("b", 2), ("card", 2)]));
    }
}
