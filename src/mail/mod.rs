//! Email: an outbox that never loses or doubles an email, and a sender that empties it over
//! SMTP.
//!
//! **Queueing.** Whatever causes an email (a reminder rule, a tick, the admin's test button)
//! renders it with [`render`] and queues it with [`enqueue`] inside its own transaction, so
//! the email exists if and only if the change that caused it committed. Each email has a
//! `dedupe_key`; a second email with the same key is ignored, so a tick that runs twice
//! queues nothing twice.
//!
//! **Sending.** A [`Sender`] pass ([`Sender::send_due`]) claims due rows under a lease
//! (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several server instances share one outbox;
//! SQLite: the write gate), sends each outside any transaction, and records the outcome only
//! if it still holds the lease: sent, another attempt later (waits doubling from a minute to
//! an hour), or failed after `mail_max_attempts`. An admin sees failed rows on
//! `/staff/admin/outbox` and can queue them again. [`run_loop`] runs passes in the background
//! of `serve`. Without `JIANDUKA_SMTP_URL` nothing is sent and rows stay queued.
//!
//! **At least once, not exactly once.** If the process dies after the SMTP server accepted an
//! email but before the row was marked sent, the email is sent again once the lease (five
//! minutes) runs out. The resend carries the same Message-ID (a hash of the dedupe key), so
//! mail clients and servers that deduplicate by Message-ID show it once.
//!
//! **Templates.** An email template is three files under `templates/mail/`, embedded at
//! build time: `<name>.subject.txt` (one line), `<name>.txt` (the plain-text body) and,
//! optionally, `<name>.html` (the HTML alternative: inline styles only, no images, fonts or
//! anything else fetched from elsewhere). They are minijinja templates in Chinese; every
//! template gets `org_name`, and the caller passes the rest. A reminder names the case
//! number, the step, the deadline (Beijing time) and a link to the case page — never what
//! the reporter wrote, which must not leave the system by email. `mail/test.*` is the
//! admin's test email.
//!
//! **Privacy in the log.** The log names an email by its outbox id only: never its
//! address, subject or body, nor the server's answer (which may quote the address).

pub mod events;
mod outbox;
mod prefs;
mod render;
pub mod routes;
mod sender;

use std::time::Duration;

use tokio::sync::watch;

use crate::state::AppState;

pub use outbox::{
    OutboxCounts, OutgoingEmail, backoff, counts, enqueue, enqueue_many, existing_keys, find_by_id,
    find_by_key, list, retry, retry_all_failed,
};
pub use prefs::own_routes;
pub use render::{RenderedEmail, render};
pub use routes::staff_routes;
pub use sender::{Delivery, LEASE, SendReport, Sender, SetupError, message_id, wall_now};

/// The sender of a running server: a pass every `mail_interval_seconds` (the first one
/// interval after start), another at once while passes come back full, until `stop` reads
/// true or its sender is dropped. A pass in progress ends between two emails and gives the
/// untried ones back. Spawned by `serve` beside its other background loops.
pub async fn run_loop(state: AppState, mut stop: watch::Receiver<bool>) {
    let sender = match Sender::new(&state.settings) {
        Ok(sender) => sender.with_stop(stop.clone()),
        Err(e) => {
            tracing::error!("the mail sender cannot start, emails stay queued: {e}");
            return;
        }
    };
    if !sender.is_configured() {
        tracing::info!("JIANDUKA_SMTP_URL is not set: emails stay in the outbox until it is");
    }
    let every = Duration::from_secs(u64::from(state.settings.mail_interval_seconds));
    let full = state.settings.mail_batch as usize;
    let mut wait = true;
    loop {
        if wait && !crate::server::pause(every, &mut stop).await || *stop.borrow() {
            break;
        }
        match sender.send_due(&state.writes, state.clock.now()).await {
            Ok(report) => {
                if report.claimed > 0 {
                    tracing::info!(
                        sent = report.sent,
                        retrying = report.retrying,
                        failed = report.failed,
                        released = report.released,
                        "mail pass"
                    );
                }
                wait = report.claimed < full || report.released > 0;
            }
            Err(e) => {
                tracing::warn!("mail pass failed: {e}");
                wait = true;
            }
        }
    }
}
