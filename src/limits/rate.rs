//! In-memory abuse limits: submission limits per client address and per card, the back-off
//! for wrong query codes, and the login throttle (per client address, and for checks of a
//! locked account). Nothing here is ever written to disk; keys are
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
/// Failed logins (any account) a client may have before each further attempt must wait.
pub const LOGIN_FREE_FAILURES: u32 = 5;
/// The longest a client is made to wait between login attempts.
pub const LOGIN_LONGEST_WAIT: Duration = Duration::minutes(15);
/// The longest wait between checks of a locked account for clients with no failures.
const LOCKED_CHECK_LONGEST_WAIT: Duration = Duration::minutes(5);

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

/// Exponential back-off: after `free` failures, each attempt must wait until `until`, which
/// doubles with every further failure. Attempts still being checked count as failures, so
/// parallel attempts cannot slip through; a success forgives the key.
#[derive(Debug)]
struct Backoff {
    failures: u32,
    pending: u32,
    last: DateTime<Utc>,
    until: DateTime<Utc>,
}

impl Backoff {
    fn new(now: DateTime<Utc>) -> Self {
        Self {
            failures: 0,
            pending: 0,
            last: now,
            until: now,
        }
    }

    /// Quiet for a quarter of an hour after its last wait: forgotten.
    fn stale(&self, now: DateTime<Utc>) -> bool {
        self.pending == 0 && now >= self.until && now - self.last >= REFUSE_FOR
    }
}

/// The in-memory abuse limits (see the module docs).
#[derive(Debug, Default)]
pub struct Limits {
    reports: Mutex<HashMap<String, Window>>,
    attempts: Mutex<HashMap<String, Attempts>>,
    /// Login failures per client address.
    login_clients: Mutex<HashMap<String, Backoff>>,
    /// Checks of a locked account by clients with no failures (its owner, elsewhere).
    locked_checks: Mutex<HashMap<String, Backoff>>,
}

/// What a back-off says about an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Go ahead: the attempt counts as a failure until it is reported right.
    Open,
    /// Refused until this long has passed.
    Wait(Duration),
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

/// The in-memory key of an account, for checks while it is locked.
pub fn account_key(user_id: i64) -> String {
    format!("user:{user_id}")
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

    /// What [`Limits::code_attempt`] would say now, without counting anything: lets a
    /// refused client be answered before its request body is read.
    pub fn code_gate(&self, client: &str, now: DateTime<Utc>) -> CodeGate {
        let map = lock(&self.attempts);
        let Some(entry) = map.get(client) else {
            return CodeGate::Open;
        };
        if now - entry.last >= REFUSE_FOR {
            return CodeGate::Open;
        }
        if entry.count >= REFUSE_AFTER {
            return CodeGate::Refused;
        }
        match wait_after(entry.count) {
            Some(wait) if now < entry.last + wait => CodeGate::Wait(entry.last + wait - now),
            _ => CodeGate::Open,
        }
    }

    /// Forgives the attempt just counted: the code was right.
    pub fn code_was_right(&self, client: &str) {
        if let Some(entry) = lock(&self.attempts).get_mut(client) {
            entry.count = entry.count.saturating_sub(1);
        }
    }
}

fn backoff_attempt(
    map: &Mutex<HashMap<String, Backoff>>,
    key: &str,
    free: u32,
    now: DateTime<Utc>,
) -> Gate {
    let mut map = lock(map);
    if map.len() > SWEEP_AT {
        map.retain(|_, b| !b.stale(now));
    }
    let entry = map
        .entry(key.to_string())
        .or_insert_with(|| Backoff::new(now));
    if entry.stale(now) {
        *entry = Backoff::new(now);
    }
    if entry.failures + entry.pending >= free && (entry.pending > 0 || now < entry.until) {
        let wait = (entry.until - now).max(Duration::seconds(1));
        return Gate::Wait(wait);
    }
    entry.pending += 1;
    Gate::Open
}

fn backoff_failed(
    map: &Mutex<HashMap<String, Backoff>>,
    key: &str,
    free: u32,
    longest: Duration,
    now: DateTime<Utc>,
) {
    let mut map = lock(map);
    let entry = map
        .entry(key.to_string())
        .or_insert_with(|| Backoff::new(now));
    entry.pending = entry.pending.saturating_sub(1);
    entry.failures += 1;
    entry.last = now;
    if entry.failures >= free {
        let doublings = (entry.failures - free).min(20);
        entry.until = now + (Duration::seconds(1) * (1 << doublings)).min(longest);
    }
}

fn backoff_release(map: &Mutex<HashMap<String, Backoff>>, key: &str) {
    if let Some(entry) = lock(map).get_mut(key) {
        entry.pending = entry.pending.saturating_sub(1);
    }
}

impl Limits {
    /// Decides, and counts, one login attempt from `client`: a few failures are free, then
    /// each attempt must wait, twice as long after every further failure (at most
    /// [`LOGIN_LONGEST_WAIT`]). One attempt at a time once the free ones are used.
    pub fn login_attempt(&self, client: &str, now: DateTime<Utc>) -> Gate {
        backoff_attempt(&self.login_clients, client, LOGIN_FREE_FAILURES, now)
    }

    /// The attempt just counted for `client` failed.
    pub fn login_failed(&self, client: &str, now: DateTime<Utc>) {
        backoff_failed(
            &self.login_clients,
            client,
            LOGIN_FREE_FAILURES,
            LOGIN_LONGEST_WAIT,
            now,
        );
    }

    /// The attempt just counted for `client` was right: its failures are forgiven.
    pub fn login_succeeded(&self, client: &str) {
        lock(&self.login_clients).remove(client);
    }

    /// The attempt just counted for `client` was not decided (the server was busy).
    pub fn login_abandoned(&self, client: &str) {
        backoff_release(&self.login_clients, client);
    }

    /// Whether `client` has no failed login and no other attempt in flight: such a client
    /// (typically the account's owner, elsewhere) may still have a locked account checked.
    pub fn login_client_is_clean(&self, client: &str) -> bool {
        lock(&self.login_clients)
            .get(client)
            .is_none_or(|b| b.failures == 0 && b.pending <= 1)
    }

    /// Decides, and counts, one check of a locked account by a clean client: one at a time,
    /// each failure doubling the wait before the next (at most five minutes), so strangers
    /// from many addresses gain few guesses while the owner can still get in.
    pub fn locked_check(&self, account: &str, now: DateTime<Utc>) -> Gate {
        backoff_attempt(&self.locked_checks, account, 1, now)
    }

    /// The locked-account check just counted failed.
    pub fn locked_check_failed(&self, account: &str, now: DateTime<Utc>) {
        backoff_failed(
            &self.locked_checks,
            account,
            1,
            LOCKED_CHECK_LONGEST_WAIT,
            now,
        );
    }

    /// The locked-account check just counted succeeded or was not decided.
    pub fn locked_check_done(&self, account: &str, succeeded: bool) {
        if succeeded {
            lock(&self.locked_checks).remove(account);
        } else {
            backoff_release(&self.locked_checks, account);
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
mod tests;
